// workerd's native ChaCha20-Poly1305 (WebCrypto Modern Algorithms, `webcrypto_modern_algorithms`), which
// the backend selection now picks over noble's: RFC 8439's example, noble as an independent
// implementation on random inputs, and tampering that must fail to open.
import { chacha20poly1305 as nobleChacha } from '@noble/ciphers/chacha.js'
import { describe, expect, it } from 'vitest'
import { selectBackends } from '../../../src/crypto/select.ts'
import { probeWebCrypto, webCryptoChacha20Poly1305 } from '../../../src/crypto/webcrypto.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import { toHex } from '../../support/accumulated.ts'

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const byteRun = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i)

// RFC 8439 §2.8.2 (AEAD_CHACHA20_POLY1305 example): inputs and the published ciphertext ‖ tag.
const RFC8439 = {
  key: byteRun(0x80, 32),
  nonce: Uint8Array.of(7, 0, 0, 0, ...byteRun(0x40, 8)),
  aad: Uint8Array.of(0x50, 0x51, 0x52, 0x53, ...byteRun(0xc0, 8)),
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  sealed:
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
    '1ae10b594f09e26a7e902ecbd0600691',
}

describe('native ChaCha20-Poly1305 in workerd', () => {
  it('is probed present and chosen by the backend selection', async () => {
    expect(await probeWebCrypto.chacha20poly1305()).toBe(true)
    const { backends, describe: described } = await selectBackends(mlkem)
    expect(backends.chacha20poly1305).toBe(webCryptoChacha20Poly1305)
    expect(described.chacha20poly1305).toBe('webcrypto')
  })

  it('seals and opens RFC 8439 §2.8.2', async () => {
    const key = await webCryptoChacha20Poly1305.importKey(RFC8439.key)
    const sealed = await key.seal(RFC8439.nonce, RFC8439.aad, RFC8439.plaintext)
    expect(toHex(sealed)).toBe(RFC8439.sealed)
    expect(await key.open(RFC8439.nonce, RFC8439.aad, hex(RFC8439.sealed))).toEqual(RFC8439.plaintext)
  })

  it('agrees with noble on random keys, nonces, AADs and lengths, both ways', async () => {
    for (const length of [0, 1, 15, 16, 17, 63, 64, 65, 255, 1024, 4097]) {
      const [k, nonce, aad, plaintext] = [random(32), random(12), random(length % 40), random(length)]
      const key = await webCryptoChacha20Poly1305.importKey(k)
      const sealed = await key.seal(nonce, aad, plaintext)
      expect(toHex(sealed)).toBe(toHex(nobleChacha(k, nonce, aad).encrypt(plaintext)))
      expect(await key.open(nonce, aad, nobleChacha(k, nonce, aad).encrypt(plaintext))).toEqual(plaintext)
    }
  })

  it('refuses to open anything tampered with, and wrong key lengths', async () => {
    const [k, nonce, aad, plaintext] = [random(32), random(12), random(13), random(50)]
    const key = await webCryptoChacha20Poly1305.importKey(k)
    const sealed = await key.seal(nonce, aad, plaintext)
    const flip = (b: Uint8Array, i: number) => {
      const c = b.slice()
      c[i]! ^= 1
      return c
    }
    await expect(key.open(nonce, aad, flip(sealed, 0))).rejects.toThrow() // ciphertext
    await expect(key.open(nonce, aad, flip(sealed, sealed.length - 1))).rejects.toThrow() // tag
    await expect(key.open(nonce, flip(aad, 5), sealed)).rejects.toThrow() // AAD
    await expect(key.open(flip(nonce, 11), aad, sealed)).rejects.toThrow() // nonce
    await expect(key.open(nonce, aad, sealed.subarray(0, 15))).rejects.toThrow() // shorter than a tag
    await expect((await webCryptoChacha20Poly1305.importKey(random(32))).open(nonce, aad, sealed)).rejects.toThrow() // other key
    await expect(webCryptoChacha20Poly1305.importKey(random(16))).rejects.toThrow(RangeError)
  })
})
