// Differential test against @noble/post-quantum (an independent implementation): random seeds and
// messages, byte-equal keys, ciphertexts and secrets; decapsulation of random and bit-flipped
// ciphertexts (implicit rejection) equal too.
import { randomBytes } from 'node:crypto'
import * as noble from '@noble/post-quantum/ml-kem.js'
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS } from '../../src/mlkem/api.ts'
import { toHex } from '../support/accumulated.ts'
import { BUILD_KINDS, loadBuild } from './helpers.ts'

const CASES = Number(process.env.PQ_EDGE_DIFF_CASES ?? 2000)
const builds = BUILD_KINDS.map((kind) => ({ kind, kem: loadBuild(kind).kem }))

describe.each(PARAMETER_SET_IDS)('%s vs noble', (set) => {
  it('has the same lengths', () => {
    for (const { kem } of builds) expect(kem[set].lengths).toEqual(noble[set].lengths)
  })

  it(`agrees on ${CASES} random cases, both builds`, () => {
    const reference = noble[set]
    let mismatches = 0
    for (let i = 0; i < CASES; i++) {
      const seed = randomBytes(64)
      const m = randomBytes(32)
      const keys = reference.keygen(seed)
      const enc = reference.encapsulate(keys.publicKey, m)
      const random = randomBytes(reference.lengths.cipherText!)
      const flipped = Uint8Array.from(enc.cipherText)
      flipped[i % flipped.length]! ^= 1 << (i & 7)
      const want = [
        keys.publicKey,
        keys.secretKey,
        enc.cipherText,
        enc.sharedSecret,
        enc.sharedSecret,
        reference.decapsulate(random, keys.secretKey),
        reference.decapsulate(flipped, keys.secretKey),
      ].map(toHex)
      for (const { kind, kem } of builds) {
        const ours = kem[set]
        const kp = ours.keygen(seed)
        const e = ours.encapsulate(keys.publicKey, m)
        const got = [
          kp.publicKey,
          kp.secretKey,
          e.cipherText,
          e.sharedSecret,
          ours.decapsulate(enc.cipherText, keys.secretKey),
          ours.decapsulate(random, keys.secretKey),
          ours.decapsulate(flipped, keys.secretKey),
        ].map(toHex)
        if (got.join() !== want.join()) {
          mismatches++
          expect(got, `${kind} case ${i}: publicKey, secretKey, cipherText, sharedSecret, decaps, decaps(random), decaps(flipped)`).toEqual(
            want,
          )
        }
      }
    }
    expect(mismatches).toBe(0)
  })
})

it('random keygen/encapsulate (no seed, no msg) round-trips, interoperates with noble and differs per call', () => {
  for (const { kem } of builds) {
    const a = kem.ml_kem768.keygen()
    const b = kem.ml_kem768.keygen()
    expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey))
    const e = kem.ml_kem768.encapsulate(a.publicKey)
    expect(toHex(kem.ml_kem768.decapsulate(e.cipherText, a.secretKey))).toBe(toHex(e.sharedSecret))
    expect(toHex(noble.ml_kem768.decapsulate(e.cipherText, a.secretKey))).toBe(toHex(e.sharedSecret))
  }
})
