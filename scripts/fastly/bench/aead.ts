/// <reference path="../engine-input.d.ts" />
/// <reference path="./bench-modules.d.ts" />
// Engine program (scripts/fastly/bench.ts `aead`): AES-GCM inside StarlingMonkey, all through the Aead
// interface of src/crypto/types.ts (async, as HPKE calls them), seal/open of 64 B and 1 KiB with 16 bytes
// of AAD: src/crypto/aes-gcm-js.ts (pq-edge-js) AES-128/256-GCM vs @noble/ciphers gcm (src/crypto/noble.ts)
// AES-128/256-GCM and ChaCha20-Poly1305; importKey + seal 64 B (a context that seals one message); the
// first-use table build of aes-gcm-js.ts (over bundled copies of the module: 'pq-edge-engine:aes-gcm-copies');
// and GHASH alone with the two candidate multiplications (Shoup 4-bit table, as aes-gcm-js.ts uses, vs
// bitwise shift-and-add) on 1 KiB. Fixed public inputs only.

import { primes } from 'pq-edge-engine:aes-gcm-copies'
import rawInput from 'pq-edge-engine:input'
import { jsAes128Gcm, jsAes256Gcm } from '../../../src/crypto/aes-gcm-js.ts'
import { nobleAes128Gcm, nobleAes256Gcm, nobleChacha20Poly1305 } from '../../../src/crypto/noble.ts'
import type { Aead } from '../../../src/crypto/types.ts'
import { reportOf } from '../engine-report.ts'
import { answerEveryRequest, type Contender, timeContenders, timingReport } from '../timing.ts'
import type { AeadBenchInput } from './plans.ts'

const input = rawInput as AeadBenchInput
const fill = (n: number, mul: number, add: number) => new Uint8Array(n).map((_, i) => (i * mul + add) & 255)
const hex = (u: ArrayLike<number>) => Array.from(u, (b) => (b >>> 0).toString(16).padStart(2, '0')).join('')

// The first-use table build, before anything else touches a copy's tables.
const tb = Date.now()
for (const p of primes) p()
const tableBuildMs = (Date.now() - tb) / primes.length

const key16 = fill(16, 13, 1)
const key32 = fill(32, 13, 1)
const nonce = fill(12, 3, 9)
const aad = fill(16, 5, 2)
const pt: Record<number, Uint8Array> = { 64: fill(64, 11, 4), 1024: fill(1024, 11, 4) }

// ---- GHASH candidates on 1 KiB (64 blocks), state in locals; H fixed ----
const blocks = new Int32Array(256).map((_, i) => Math.imul(i + 1, 0x9e3779b1))
const H = [0x66e94bd4, 0xef8a2c3b | 0, 0x884cfa59, 0xca342b2e] as const
const shoup = (() => {
  const m0 = new Int32Array(16)
  const m1 = new Int32Array(16)
  const m2 = new Int32Array(16)
  const m3 = new Int32Array(16)
  let [h0, h1, h2, h3]: number[] = [...H]
  for (let n = 8; n > 0; n >>= 1) {
    m0[n] = h0!
    m1[n] = h1!
    m2[n] = h2!
    m3[n] = h3!
    const lsb = h3! & 1
    h3 = (h3! >>> 1) | (h2! << 31)
    h2 = (h2! >>> 1) | (h1! << 31)
    h1 = (h1! >>> 1) | (h0! << 31)
    h0 = (h0! >>> 1) ^ (-lsb & 0xe1000000)
  }
  for (let n = 3; n < 16; n++) {
    const lo = n & -n
    if (lo === n) continue
    m0[n] = m0[lo]! ^ m0[n ^ lo]!
    m1[n] = m1[lo]! ^ m1[n ^ lo]!
    m2[n] = m2[lo]! ^ m2[n ^ lo]!
    m3[n] = m3[lo]! ^ m3[n ^ lo]!
  }
  return () => {
    let y0 = 0
    let y1 = 0
    let y2 = 0
    let y3 = 0
    for (let i = 0; i < 256; i += 4) {
      y0 ^= blocks[i]!
      y1 ^= blocks[i + 1]!
      y2 ^= blocks[i + 2]!
      y3 ^= blocks[i + 3]!
      let z0 = 0
      let z1 = 0
      let z2 = 0
      let z3 = 0
      for (let q = 3; q >= 0; q--) {
        let w = q === 3 ? y3 : q === 2 ? y2 : q === 1 ? y1 : y0
        for (let k = 0; k < 8; k++) {
          const r = z3 & 15
          z3 = (z3 >>> 4) | (z2 << 28)
          z2 = (z2 >>> 4) | (z1 << 28)
          z1 = (z1 >>> 4) | (z0 << 28)
          z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
          const n = w & 15
          w >>>= 4
          z0 ^= m0[n]!
          z1 ^= m1[n]!
          z2 ^= m2[n]!
          z3 ^= m3[n]!
        }
      }
      y0 = z0
      y1 = z1
      y2 = z2
      y3 = z3
    }
    return [y0, y1, y2, y3]
  }
})()
const shiftAdd = () => {
  let y0 = 0
  let y1 = 0
  let y2 = 0
  let y3 = 0
  for (let i = 0; i < 256; i += 4) {
    y0 ^= blocks[i]!
    y1 ^= blocks[i + 1]!
    y2 ^= blocks[i + 2]!
    y3 ^= blocks[i + 3]!
    let [v0, v1, v2, v3]: number[] = [...H]
    let z0 = 0
    let z1 = 0
    let z2 = 0
    let z3 = 0
    for (let q = 0; q < 4; q++) {
      let w = q === 0 ? y0 : q === 1 ? y1 : q === 2 ? y2 : y3
      for (let k = 0; k < 32; k++) {
        const mask = w >> 31 // bit x^(32q+k), branch-free
        w <<= 1
        z0 ^= v0! & mask
        z1 ^= v1! & mask
        z2 ^= v2! & mask
        z3 ^= v3! & mask
        const lsb = v3! & 1
        v3 = (v3! >>> 1) | (v2! << 31)
        v2 = (v2! >>> 1) | (v1! << 31)
        v1 = (v1! >>> 1) | (v0! << 31)
        v0 = (v0! >>> 1) ^ (-lsb & 0xe1000000)
      }
    }
    y0 = z0
    y1 = z1
    y2 = z2
    y3 = z3
  }
  return [y0, y1, y2, y3]
}

await reportOf(async () => {
  const impls: [string, string, Aead, Uint8Array][] = [
    ['aes128gcm', 'pq-edge-js', jsAes128Gcm, key16],
    ['aes128gcm', 'noble', nobleAes128Gcm, key16],
    ['aes256gcm', 'pq-edge-js', jsAes256Gcm, key32],
    ['aes256gcm', 'noble', nobleAes256Gcm, key32],
    ['chacha20poly1305', 'noble', nobleChacha20Poly1305, key32],
  ]
  const contenders: Contender[] = []
  const agree: Record<string, boolean> = {}
  for (const [alg, impl, aead, key] of impls) {
    const k = await aead.importKey(key)
    for (const n of [64, 1024]) {
      const ct = await k.seal(nonce, aad, pt[n]!)
      contenders.push({ group: `${alg}.seal.${n}B`, impl, run: () => k.seal(nonce, aad, pt[n]!), async: true })
      contenders.push({ group: `${alg}.open.${n}B`, impl, run: () => k.open(nonce, aad, ct), async: true })
      if (impl === 'pq-edge-js') {
        const reference = await (alg === 'aes128gcm' ? nobleAes128Gcm : nobleAes256Gcm).importKey(key)
        agree[`${alg}.${n}`] = hex(ct) === hex(await reference.seal(nonce, aad, pt[n]!))
      }
    }
    contenders.push({
      group: `${alg}.importKey+seal.64B`,
      impl,
      run: async () => (await aead.importKey(key)).seal(nonce, aad, pt[64]!),
      async: true,
    })
  }
  agree.ghash = hex(shoup()) === hex(shiftAdd())
  contenders.push({ group: 'ghash.1KiB', impl: 'shoup4bit', run: shoup })
  contenders.push({ group: 'ghash.1KiB', impl: 'shiftAdd', run: shiftAdd })
  const plan = { batches: input.batches }
  return timingReport(plan, await timeContenders(contenders, plan), { agree, tableBuildMs })
})
answerEveryRequest('bench')
