// The TypeScript core's own rules: its division-free Compress constants are exact, its Keccak-f1600 and
// hashes match @noble/hashes, the generated permutation is current, scratch is wiped after every op, the
// cached matrix never leaks between keys, and it reports itself as the 'pq-edge-js' backend.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { keccakP, sha3_256, sha3_512, shake128, shake256 } from '@noble/hashes/sha3.js'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS } from '../../../src/mlkem/api.ts'
import { clearCaches } from '../../../src/mlkem/js/cache.ts'
import { createJsMlKem, getBackend } from '../../../src/mlkem/js/core.ts'
import { DS_SHA3, DS_SHAKE, hashOnce, RATE_256, RATE_SHA3_512, RATE_SHAKE128 } from '../../../src/mlkem/js/keccak.ts'
import { keccakF1600 } from '../../../src/mlkem/js/keccak-f1600.ts'
import { ARENA_BYTES } from '../../../src/mlkem/js/scratch.ts'
import { toHex } from '../../support/accumulated.ts'
import { loadBuild } from '../helpers.ts'

const Q = 3329
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const source = (file: string) => readFileSync(`${ROOT}/src/mlkem/js/${file}`, 'utf8')

it('Keccak-f1600 on 50 32-bit halves equals @noble/hashes keccakP', () => {
  for (let r = 0; r < 50; r++) {
    const words = new Uint32Array(randomBytes(200).buffer.slice(0))
    const ours = new Int32Array(words.buffer.slice(0))
    keccakP(words, 24)
    keccakF1600(ours)
    expect(Buffer.from(ours.buffer).equals(Buffer.from(words.buffer))).toBe(true)
  }
})

it('SHA3-256/512 and SHAKE128/256 over it equal @noble/hashes at every length around the rates', () => {
  for (let len = 0; len < 400; len += len < 180 ? 1 : 37) {
    const msg = randomBytes(len)
    const out = (rate: number, ds: number, n: number) => {
      const o = new Uint8Array(n)
      hashOnce(rate, ds, msg, 0, len, o, 0, n)
      return toHex(o)
    }
    expect(out(RATE_256, DS_SHA3, 32)).toBe(toHex(sha3_256(msg)))
    expect(out(RATE_SHA3_512, DS_SHA3, 64)).toBe(toHex(sha3_512(msg)))
    expect(out(RATE_256, DS_SHAKE, 300)).toBe(toHex(shake256(msg, { dkLen: 300 })))
    expect(out(RATE_SHAKE128, DS_SHAKE, 400)).toBe(toHex(shake128(msg, { dkLen: 400 })))
  }
})

it('npm run gen:keccak regenerates keccak-f1600.ts and the wasm forms byte-identically', () => {
  const files = ['src/mlkem/js/keccak-f1600.ts', 'src/mlkem/assembly/keccak-round.ts', 'src/mlkem/assembly/keccak-x2.ts']
  const before = files.map((f) => readFileSync(`${ROOT}/${f}`, 'utf8'))
  execFileSync(process.execPath, [`${ROOT}/scripts/gen-keccak.mjs`], { cwd: ROOT, stdio: 'ignore' })
  expect(files.map((f) => readFileSync(`${ROOT}/${f}`, 'utf8'))).toEqual(before)
})

describe('Compress_d constants (encoding.ts compress and the fused encoders)', () => {
  const compressReference = (x: number, d: number) => Math.floor((2 * 2 ** d * x + Q) / (2 * Q)) % 2 ** d
  const poly = source('encoding.ts')
  const cases = [...poly.matchAll(/case (\d+):\s*return \(\(x \* (\d+) \+ (\d+)\) >>> (\d+)\)/g)]
    .map((m) => m.slice(1).map(Number))
    .concat(
      [...poly.matchAll(/default:\s*return \(\(x \* (\d+) \+ (\d+)\) >>> (\d+)\) & 0x7ff \/\/ d = 11/g)].map((m) => [
        11,
        ...m.slice(1).map(Number),
      ]),
    )
  it('reads all five widths from the source', () => expect(cases.map((c) => c[0])).toEqual([1, 4, 5, 10, 11]))
  it.each(cases)('Compress_%d equals the FIPS 203 definition for every x < q, below 2^32', (d, C, B, S) => {
    for (let x = 0; x < Q; x++) {
      const product = x * C! + B!
      expect(product).toBeLessThan(2 ** 32)
      const fast = Math.floor(product / 2 ** S!) % 2 ** d!
      if (fast !== compressReference(x, d!)) expect.fail(`d = ${d}, x = ${x}`)
    }
  })
  it('the unrolled encoders use the same constants', () => {
    expect(poly).toContain('((r * 161271 + 261911) >>> 19) & 0x3ff')
    expect(poly).toContain('((r * 315 + 32701) >>> 16) & 15')
    expect(poly).toContain('((r * 315 + 262021) >>> 19) & 1')
  })
})

it('has no division or remainder outside public table construction', () => {
  // Tokens, not text: `/` and `%` (and `/=`, `%=`) as operators, found by the TypeScript scanner.
  const operators = (text: string) => {
    const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text)
    const found: string[] = []
    for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
      if (
        [ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken, ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.PercentEqualsToken].includes(t)
      )
        found.push(scanner.getTokenText())
    }
    return found
  }
  expect(operators('const a = b / c % d')).toEqual(['/', '%']) // the detector works
  for (const file of [
    'ntt.ts',
    'reduce.ts',
    'sampling.ts',
    'encoding.ts',
    'kpke.ts',
    'internal.ts',
    'keccak.ts',
    'keccak-f1600.ts',
    'core.ts',
    'cache.ts',
    'scratch.ts',
  ]) {
    const found = operators(source(file))
    // ntt.ts: zetaP and INV_ZZ in initTables, public constants (Math.floor(… / Q))
    expect(found, file).toEqual(file === 'ntt.ts' ? ['/', '/'] : [])
  }
})

it('wipes all scratch after every operation (including implicit rejection and failed checks)', () => {
  const kem = createJsMlKem()
  // all scratch (Keccak state, PRF output, polynomials, c', K̄) is one arena
  const clean = (step: string) => {
    for (let i = 0; i < ARENA_BYTES.length; i++) if (ARENA_BYTES[i] !== 0) expect.fail(`${step}: scratch not wiped (arena byte ${i})`)
  }
  for (const set of PARAMETER_SET_IDS) {
    const k = kem[set]
    const { publicKey, secretKey } = k.keygen(randomBytes(64))
    clean(`${set} keygen`)
    const { cipherText } = k.encapsulate(publicKey, randomBytes(32))
    clean(`${set} encapsulate`)
    k.decapsulate(cipherText, secretKey)
    clean(`${set} decapsulate`)
    k.decapsulate(randomBytes(cipherText.length), secretKey)
    clean(`${set} implicit rejection`)
    const badDk = Uint8Array.from(secretKey)
    badDk[publicKey.length + 10]! ^= 1
    expect(() => k.decapsulate(cipherText, badDk)).toThrow(/§7\.3/)
    clean(`${set} failed FIPS 203 §7.3 check`)
  }
})

it('reports itself as the pq-edge-js backend', () => {
  expect(getBackend()).toEqual({ name: 'pq-edge-js', module: 'typescript', instantiateMs: 0 })
})

it('the cached matrix Â is keyed by ρ and k: same ρ under another rank, alternating keys, cleared cache', () => {
  const kem = createJsMlKem()
  const wasm = loadBuild('scalar').kem
  const m = randomBytes(32)
  const k768 = kem.ml_kem768.keygen(randomBytes(64))
  const k512 = kem.ml_kem512.keygen(randomBytes(64))
  const other768 = kem.ml_kem768.keygen(randomBytes(64))
  // an ML-KEM-512 key carrying the ML-KEM-768 key's ρ: a valid key whose Â must be the 2×2 one
  const ek512 = Uint8Array.from(k512.publicKey)
  ek512.set(k768.publicKey.subarray(1152), 768)
  const expect768 = toHex(wasm.ml_kem768.encapsulate(k768.publicKey, m).cipherText)
  const expect512 = toHex(wasm.ml_kem512.encapsulate(ek512, m).cipherText)
  for (let round = 0; round < 3; round++) {
    clearCaches()
    kem.ml_kem768.encapsulate(other768.publicKey, m) // fill all nine entries from another ρ
    // then 512: a cached 2×2 Â under the same ρ must not serve the 3×3 one
    expect(toHex(kem.ml_kem512.encapsulate(ek512, m).cipherText)).toBe(expect512)
    expect(toHex(kem.ml_kem768.encapsulate(k768.publicKey, m).cipherText)).toBe(expect768)
    expect(toHex(kem.ml_kem768.encapsulate(k768.publicKey, m).cipherText)).toBe(expect768) // a hit
    expect(toHex(kem.ml_kem512.encapsulate(ek512, m).cipherText)).toBe(expect512)
  }
})

it('the cached H(ek) never masks a changed key: the FIPS 203 §7.3 check fails right after the same key passed', () => {
  const kem = createJsMlKem().ml_kem768
  const { publicKey, secretKey } = kem.keygen(randomBytes(64))
  const { cipherText, sharedSecret } = kem.encapsulate(publicKey, randomBytes(32))
  for (let i = 0; i < 40; i++) {
    expect(toHex(kem.decapsulate(cipherText, secretKey))).toBe(toHex(sharedSecret)) // cached H(ek)
    const bad = Uint8Array.from(secretKey)
    bad[1152 + ((i * 97) % 1184)]! ^= 1 << (i & 7) // somewhere in the embedded ek, including ρ
    expect(() => kem.decapsulate(cipherText, bad)).toThrow(/§7\.3 hash check/)
    const badEk = Uint8Array.from(publicKey)
    badEk[1183 - (i & 31)]! ^= 1 << (i >> 5) // in ρ (the last 32 bytes): still a valid key, but another H(ek) and Â
    expect(toHex(kem.encapsulate(badEk, new Uint8Array(32)).sharedSecret)).toBe(
      toHex(createWasm().ml_kem768.encapsulate(badEk, new Uint8Array(32)).sharedSecret),
    )
  }
})
const createWasm = () => loadBuild('simd').kem
