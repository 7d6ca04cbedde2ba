// The public caches of the TypeScript core (src/mlkem/js/cache.ts) and build-time priming
// (primeMlKemPublicKey): results never depend on what is cached, more keys than slots work, keygen with a
// primed Â is exactly the unprimed keygen, priming rejects what is no valid public key, and no secret or
// secret-derived value stays in module memory (the caches hold ek-derived data only; the arena is zero).
import { randomBytes } from 'node:crypto'
import { sha3_256, sha3_512, shake256 } from '@noble/hashes/sha3.js'
import { beforeEach, describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS, PARAMETER_SETS } from '../../../src/mlkem/api.ts'
import { CACHE_SLOTS, cacheEntries, clearCaches, findEk, MAX_PINNED } from '../../../src/mlkem/js/cache.ts'
import { createJsMlKem, primeMlKemPublicKey } from '../../../src/mlkem/js/core.ts'
import { ARENA_BYTES } from '../../../src/mlkem/js/scratch.ts'
import { toHex } from '../../support/accumulated.ts'
import { loadBuild } from '../helpers.ts'

const js = createJsMlKem()
const wasm = loadBuild('simd').kem
const hex = (u: Uint8Array) => toHex(u)

beforeEach(() => clearCaches())

describe.each(PARAMETER_SET_IDS)('%s', (set) => {
  const ours = js[set],
    ref = wasm[set]

  /** One key's results from both cores: keygen, encaps to it, decaps (valid and implicitly rejected). */
  const check = (seed: Uint8Array, m: Uint8Array) => {
    const a = ours.keygen(seed),
      b = ref.keygen(seed)
    expect(hex(a.secretKey)).toBe(hex(b.secretKey))
    const e = ours.encapsulate(a.publicKey, m)
    expect(hex(e.cipherText)).toBe(hex(ref.encapsulate(b.publicKey, m).cipherText))
    expect(hex(ours.decapsulate(e.cipherText, a.secretKey))).toBe(hex(e.sharedSecret))
    const bad = Uint8Array.from(e.cipherText)
    bad[7]! ^= 4
    expect(hex(ours.decapsulate(bad, a.secretKey))).toBe(hex(ref.decapsulate(bad, b.secretKey)))
    return a
  }

  it('priming key A, then using key B (and A again) gives the reference results', () => {
    const seedA = randomBytes(64),
      seedB = randomBytes(64),
      m = randomBytes(32)
    const a = ref.keygen(seedA)
    expect(primeMlKemPublicKey(a.publicKey)).toBe(set)
    for (let round = 0; round < 3; round++) {
      check(seedB, m)
      expect(hex(check(seedA, m).publicKey)).toBe(hex(a.publicKey))
    }
  })

  it(`more keys than the ${CACHE_SLOTS} cache slots, primed and not, in rotation`, () => {
    const seeds = Array.from({ length: CACHE_SLOTS * 2 + 1 }, () => randomBytes(64))
    for (const s of seeds.slice(0, CACHE_SLOTS + 1)) primeMlKemPublicKey(ref.keygen(s).publicKey) // one more than fits
    const m = randomBytes(32)
    for (let round = 0; round < 2; round++) for (const s of seeds) check(s, m)
  })

  it('keygen with a primed Â and H(ek) gives exactly the unprimed result', () => {
    const seed = randomBytes(64)
    const plain = ours.keygen(seed)
    clearCaches()
    primeMlKemPublicKey(plain.publicKey)
    const primed = ours.keygen(seed)
    expect(hex(primed.publicKey)).toBe(hex(plain.publicKey))
    expect(hex(primed.secretKey)).toBe(hex(plain.secretKey))
    // and with every slot taken by other keys
    clearCaches()
    for (let i = 0; i < CACHE_SLOTS; i++) primeMlKemPublicKey(ours.keygen(randomBytes(64)).publicKey)
    expect(hex(ours.keygen(seed).secretKey)).toBe(hex(plain.secretKey))
  })
})

it(`primed keys (up to ${MAX_PINNED}) stay cached while more peer keys than slots come and go`, () => {
  const kem = js.ml_kem768
  const primed = Array.from({ length: MAX_PINNED + 1 }, () => wasm.ml_kem768.keygen(randomBytes(64)).publicKey)
  for (const pk of primed) primeMlKemPublicKey(pk) // the first is unpinned again by the last
  for (let i = 0; i < CACHE_SLOTS * 2; i++) kem.encapsulate(kem.keygen(randomBytes(64)).publicKey, randomBytes(32))
  expect(findEk(primed[0]!, 0, 1184)).toBeUndefined()
  for (const pk of primed.slice(1)) expect(findEk(pk, 0, 1184)).toBeDefined()
  const rhos = new Set(
    cacheEntries()
      .matrices.filter((e) => e.pinned)
      .map((e) => hex(new Uint8Array(e.rho.buffer, e.rho.byteOffset, 32))),
  )
  expect([...rhos].sort()).toEqual(
    primed
      .slice(1)
      .map((pk) => hex(pk.subarray(1152)))
      .sort(),
  )
})

describe('primeMlKemPublicKey rejects what is no valid public key, and caches nothing then', () => {
  it('wrong type or length', () => {
    expect(() => primeMlKemPublicKey('abc' as unknown as Uint8Array)).toThrow(TypeError)
    for (const n of [0, 799, 801, 1183, 1185, 1567, 1569, 2400]) expect(() => primeMlKemPublicKey(new Uint8Array(n))).toThrow(RangeError)
  })
  it.each(PARAMETER_SET_IDS)('%s: a key failing the FIPS 203 §7.2 modulus check', (set) => {
    const { publicKey } = wasm[set].keygen(randomBytes(64))
    const bad = Uint8Array.from(publicKey)
    bad[0] = 0xff
    bad[1]! |= 0x0f // the first 12-bit value becomes 4095 ≥ q
    expect(() => primeMlKemPublicKey(bad)).toThrow(/§7\.2/)
    expect(findEk(bad, 0, bad.length)).toBeUndefined()
    expect(cacheEntries().matrices.every((e) => e.k === 0)).toBe(true)
    // encapsulating to it still fails, and does not cache it either
    expect(() => js[set].encapsulate(bad, randomBytes(32))).toThrow(/§7\.2/)
    expect(findEk(bad, 0, bad.length)).toBeUndefined()
  })
})

it('no secret or secret-derived value stays in module memory: caches hold ek-derived data only, scratch is zero', () => {
  /** All windows of `needle` in the bytes of `arrays` (typed arrays of any element type). */
  const bytesOf = (a: ArrayLike<number> & { buffer?: ArrayBufferLike; byteOffset?: number; byteLength?: number }) =>
    new Uint8Array(a.buffer!, a.byteOffset, a.byteLength)
  const found = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).indexOf(Buffer.from(needle)) >= 0
  for (const set of PARAMETER_SET_IDS) {
    const { k } = PARAMETER_SETS[set]
    const kem = js[set]
    const seed = randomBytes(64),
      m = randomBytes(32)
    const d = seed.subarray(0, 32),
      z = seed.subarray(32)
    const g = sha3_512(Uint8Array.of(...d, k)) // (ρ, σ)
    const { publicKey, secretKey } = kem.keygen(seed)
    primeMlKemPublicKey(publicKey)
    kem.keygen(seed) // with the primed caches
    kem.expandDecapsulationKey(seed, publicKey) // KeyGen with the known ek
    const { cipherText, sharedSecret } = kem.encapsulate(publicKey, m)
    kem.decapsulate(cipherText, secretKey)
    const rejected = randomBytes(cipherText.length)
    const kbar = kem.decapsulate(rejected, secretKey)
    const kr = sha3_512(Uint8Array.of(...m, ...sha3_256(publicKey))) // (K, r)
    const secrets: [string, Uint8Array][] = [
      ['d', d],
      ['z', z],
      ['σ', g.subarray(32)],
      ['m', m],
      ['K', sharedSecret],
      ['r', kr.subarray(32)],
      ['K̄', kbar],
      ['J(z‖c)', shake256(Uint8Array.of(...z, ...cipherText), { dkLen: 32 })],
    ]
    // ŝ: its ByteEncode12 bytes (dk_PKE) and its coefficients as 16-bit little-endian values
    for (let i = 0; i < k; i++) {
      secrets.push([`dk_PKE[${i}]`, secretKey.subarray(384 * i, 384 * i + 24)])
      const s = new Int16Array(16)
      for (let j = 0; j < 16; j += 2) {
        const b = secretKey.subarray(384 * i + 3 * (j >> 1))
        s[j] = b[0]! | ((b[1]! & 15) << 8)
        s[j + 1] = (b[1]! >> 4) | (b[2]! << 4)
      }
      secrets.push([`ŝ[${i}]`, new Uint8Array(s.buffer)])
    }
    const { matrices, eks } = cacheEntries()
    const memory = [ARENA_BYTES, ...matrices.flatMap((e) => [e.rho, ...e.a]), ...eks.flatMap((e) => [e.ek, e.hash, ...e.t])].map(bytesOf)
    for (const [name, value] of secrets)
      for (const hay of memory) if (found(hay, value)) expect.fail(`${set}: ${name} found in module memory`)
    expect(ARENA_BYTES.every((b) => b === 0)).toBe(true)
    // every ek entry is an ek and its own hash; every matrix entry's ρ is a cached ek's ρ
    const live = eks.filter((e) => e.len > 0)
    for (const e of live) expect(hex(e.hash)).toBe(hex(sha3_256(e.ek.subarray(0, e.len))))
    const rhos = new Set(live.map((e) => hex(e.ek.subarray(e.len - 32, e.len))))
    for (const e of matrices.filter((e) => e.k > 0)) expect(rhos.has(hex(new Uint8Array(e.rho.buffer, e.rho.byteOffset, 32)))).toBe(true)
  }
})

it('keys in unaligned views (byteOffset not a multiple of 4) hit and miss the ek cache correctly', () => {
  const kem = js.ml_kem768,
    ref = wasm.ml_kem768
  // A fixed key: with a random one, the bit flipped below can push a coefficient to q or above (about 1
  // run in 100), and the altered key then fails the FIPS 203 §7.2 check instead of missing the cache.
  const { publicKey, secretKey } = ref.keygen(new Uint8Array(64).map((_, i) => (i * 29 + 7) & 255))
  primeMlKemPublicKey(publicKey)
  const m = new Uint8Array(32).map((_, i) => (i * 53 + 1) & 255)
  const want = hex(ref.encapsulate(publicKey, m).cipherText)
  for (const shift of [1, 2, 3, 4]) {
    const view = (bytes: Uint8Array) => {
      const b = new Uint8Array(bytes.length + shift)
      b.set(bytes, shift)
      return b.subarray(shift)
    }
    expect(hex(kem.encapsulate(view(publicKey), m).cipherText)).toBe(want) // a hit
    const other = Uint8Array.from(publicKey)
    other[100 + shift]! ^= 1 // same ρ, another t̂: must miss
    expect(hex(kem.encapsulate(view(other), m).cipherText)).toBe(hex(ref.encapsulate(other, m).cipherText))
    const { cipherText, sharedSecret } = ref.encapsulate(publicKey, m)
    expect(hex(kem.decapsulate(view(cipherText), view(secretKey)))).toBe(hex(sharedSecret))
    const badDk = Uint8Array.from(secretKey)
    badDk[1152 + 7 * shift]! ^= 2
    expect(() => kem.decapsulate(cipherText, view(badDk))).toThrow(/§7\.3/)
  }
})
