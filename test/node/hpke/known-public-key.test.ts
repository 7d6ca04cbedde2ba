// derivePrivateKey and importRecipientKey(sk, pk): the path a Fastly package takes with public keys
// built in (the public parts are not recomputed; what the import computes anyway is compared).
import { describe, expect, it } from 'vitest'
import { AEAD, HpkeError, hpke, KDF, KEM } from '../../../src/hpke/node.ts'
import { toHex } from '../mlkem/helpers.ts'

const SUITES = {
  'X-Wing': { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 },
  'ML-KEM-768': { kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm },
  'DHKEM(X25519)': { kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm, allowClassical: true },
}
const ikm = (n: number) => new Uint8Array(32).fill(n)
const pt = new TextEncoder().encode('known public key')

describe.each(Object.keys(SUITES) as (keyof typeof SUITES)[])('%s', (name) => {
  const suite = hpke.suite(SUITES[name])

  it('derivePrivateKey gives DeriveKeyPair’s private key', async () => {
    const pair = await suite.DeriveKeyPair(ikm(1))
    expect(toHex(await suite.derivePrivateKey(ikm(1)))).toBe(toHex(pair.privateKey))
    expect(toHex(await suite.derivePrivateKey(ikm(2)))).not.toBe(toHex(pair.privateKey))
  })

  it('a key imported with its public key opens what was sealed to it and reports that key', async () => {
    const { publicKey, privateKey } = await suite.DeriveKeyPair(ikm(3))
    const key = await suite.importRecipientKey(await suite.derivePrivateKey(ikm(3)), publicKey)
    expect(toHex(key.publicKey)).toBe(toHex(publicKey))
    const { enc, ciphertext } = await suite.Seal(publicKey, pt)
    expect(new TextDecoder().decode(await suite.Open(enc, key, ciphertext))).toBe('known public key')
    expect(toHex(await suite.Open(enc, privateKey, ciphertext))).toBe(toHex(pt))
  })

  it('a public key of the wrong length is refused', async () => {
    const sk = await suite.derivePrivateKey(ikm(4))
    const error = await suite.importRecipientKey(sk, new Uint8Array(7)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HpkeError)
    expect((error as HpkeError).code).toBe('invalid_key')
  })
})

describe.each(['X-Wing', 'ML-KEM-768'] as const)('%s: the ML-KEM part is checked', (name) => {
  const suite = hpke.suite(SUITES[name])
  it('another key pair’s public key is refused with invalid_key', async () => {
    const other = await suite.DeriveKeyPair(ikm(6))
    const error = await suite.importRecipientKey(await suite.derivePrivateKey(ikm(5)), other.publicKey).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HpkeError)
    expect((error as HpkeError).code).toBe('invalid_key')
    expect((error as Error).message).toMatch(/does not match/)
  })
})
