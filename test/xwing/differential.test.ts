// X-Wing differential test: 1,000 random cases against @noble/post-quantum's ml_kem768_x25519,
// an independent implementation of draft-connolly-cfrg-xwing-kem-10. Keys from the same seed must
// match, encapsulation from the same eseed must match, and each side decapsulates the other's.
import { ml_kem768_x25519 as noble } from '@noble/post-quantum/hybrid.js'
import { describe, expect, it } from 'vitest'
import { xwing } from '../../src/xwing/node.ts'
import { toHex } from '../mlkem/helpers.ts'

const CASES = 1_000
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

describe(`X-Wing vs noble ml_kem768_x25519, ${CASES} random cases`, () => {
  it('same keys, same ciphertexts and secrets, cross-decapsulation', async () => {
    for (let i = 0; i < CASES; i++) {
      const seed = random(32)
      const ours = await xwing.keygen(seed)
      const theirs = noble.keygen(seed)
      expect(toHex(ours.publicKey)).toBe(toHex(theirs.publicKey))

      const eseed = random(64)
      const a = await xwing.encapsulate(ours.publicKey, eseed)
      const b = noble.encapsulate(theirs.publicKey, eseed)
      expect(toHex(a.cipherText)).toBe(toHex(b.cipherText))
      expect(toHex(a.sharedSecret)).toBe(toHex(b.sharedSecret))

      // Random (non-derandomised) encapsulation on each side, decapsulated by the other.
      const c = await xwing.encapsulate(theirs.publicKey)
      expect(toHex(noble.decapsulate(c.cipherText, theirs.secretKey))).toBe(toHex(c.sharedSecret))
      const d = noble.encapsulate(ours.publicKey)
      expect(toHex(await xwing.decapsulate(d.cipherText, ours.secretKey))).toBe(toHex(d.sharedSecret))

      // A random ciphertext (implicit rejection on the ML-KEM side) decapsulates the same way.
      if (i % 10 === 0) {
        const junk = random(1120)
        let nobleResult: string
        try {
          nobleResult = toHex(noble.decapsulate(junk, theirs.secretKey))
        } catch {
          nobleResult = 'error' // a low-order ct_X; vanishingly rare for random bytes
        }
        const ourResult = await xwing.decapsulate(junk, ours.secretKey).then(toHex, () => 'error')
        expect(ourResult).toBe(nobleResult)
      }
    }
  })
})
