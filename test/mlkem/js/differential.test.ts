// Differential test of the TypeScript core (src/mlkem/js) against the wasm core (both builds): random
// seeds and messages, byte-equal keys, ciphertexts and secrets; decapsulation of random and bit-flipped
// ciphertexts (implicit rejection) equal too. The conformance suites (ACVP, Wycheproof, CCTV) run on the
// TypeScript core through ../mlkem (KEM_KINDS).
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS } from '../../../src/mlkem/api.ts'
import { createJsMlKem } from '../../../src/mlkem/js/core.ts'
import { toHex } from '../../support/accumulated.ts'
import { BUILD_KINDS, loadBuild } from '../helpers.ts'

const CASES = Number(process.env.PQ_EDGE_DIFF_CASES ?? 1000)
const js = createJsMlKem()
const wasm = BUILD_KINDS.map((kind) => ({ kind, kem: loadBuild(kind).kem }))

describe.each(PARAMETER_SET_IDS)('%s: TypeScript core vs wasm core', (set) => {
  it('has the same lengths', () => {
    for (const { kem } of wasm) expect(js[set].lengths).toEqual(kem[set].lengths)
  })

  it(`agrees on ${CASES} random cases with both wasm builds`, () => {
    const ours = js[set]
    let mismatches = 0
    for (let i = 0; i < CASES; i++) {
      const seed = randomBytes(64)
      const m = randomBytes(32)
      const kp = ours.keygen(seed)
      const e = ours.encapsulate(kp.publicKey, m)
      const random = randomBytes(ours.lengths.cipherText)
      const flipped = Uint8Array.from(e.cipherText)
      flipped[i % flipped.length]! ^= 1 << (i & 7)
      const got = [
        kp.publicKey,
        kp.secretKey,
        e.cipherText,
        e.sharedSecret,
        ours.decapsulate(e.cipherText, kp.secretKey),
        ours.decapsulate(random, kp.secretKey),
        ours.decapsulate(flipped, kp.secretKey),
      ].map(toHex)
      for (const { kind, kem } of wasm) {
        const ref = kem[set]
        const k2 = ref.keygen(seed)
        const e2 = ref.encapsulate(k2.publicKey, m)
        const want = [
          k2.publicKey,
          k2.secretKey,
          e2.cipherText,
          e2.sharedSecret,
          ref.decapsulate(e2.cipherText, k2.secretKey),
          ref.decapsulate(random, k2.secretKey),
          ref.decapsulate(flipped, k2.secretKey),
        ].map(toHex)
        if (got.join() !== want.join()) {
          mismatches++
          expect(
            got,
            `vs ${kind}, case ${i}: publicKey, secretKey, cipherText, sharedSecret, decaps, decaps(random), decaps(flipped)`,
          ).toEqual(want)
        }
      }
      expect(got[5]).not.toBe(got[3]) // a random ciphertext is implicitly rejected
      expect(got[6]).not.toBe(got[3]) // so is a bit-flipped one
    }
    expect(mismatches).toBe(0)
  })
})

it('random keygen/encapsulate (no seed, no msg) round-trips, interoperates with wasm and differs per call', () => {
  const a = js.ml_kem768.keygen()
  const b = js.ml_kem768.keygen()
  expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey))
  const e = js.ml_kem768.encapsulate(a.publicKey)
  expect(toHex(js.ml_kem768.decapsulate(e.cipherText, a.secretKey))).toBe(toHex(e.sharedSecret))
  for (const { kem } of wasm) expect(toHex(kem.ml_kem768.decapsulate(e.cipherText, a.secretKey))).toBe(toHex(e.sharedSecret))
})
