// Failure behaviour: wrong key, truncated or altered enc/ciphertext, wrong AAD or info each give
// an HpkeError with a stable code, never a plaintext; messages carry no secret bytes.
import { describe, expect, it } from 'vitest'
import { AEAD, HpkeError, hpke, KDF, KEM } from '../../src/hpke/node.ts'
import { toHex } from '../mlkem/helpers.ts'

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const flip = (b: Uint8Array, i: number) => {
  const c = b.slice()
  c[i]! ^= 0x01
  return c
}

const SUITES = {
  'X-Wing/ChaCha20-Poly1305': { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 },
  'ML-KEM-768/AES-256-GCM': { kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm },
  'DHKEM(X25519)/AES-128-GCM': { kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm, allowClassical: true },
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    const value = await p
    return `no error (returned ${value instanceof Uint8Array ? `${value.length} bytes` : typeof value})`
  } catch (e) {
    if (!(e instanceof HpkeError)) return `not an HpkeError: ${String(e)}`
    return e.code
  }
}

describe.each(Object.keys(SUITES) as (keyof typeof SUITES)[])('%s', (name) => {
  const suite = hpke.suite(SUITES[name])
  const info = new TextEncoder().encode('info')
  const aad = new TextEncoder().encode('aad')
  const pt = random(1024)

  it('each tampering is a clear error with the right code', async () => {
    const { publicKey, privateKey } = await suite.GenerateKeyPair()
    const other = await suite.GenerateKeyPair()
    const { enc, ciphertext } = await suite.Seal(publicKey, pt, { info, aad })
    const open = (e: Uint8Array, sk: Uint8Array, ct: Uint8Array, p: { info?: Uint8Array; aad?: Uint8Array } = { info, aad }) =>
      suite.Open(e, sk, ct, p)

    expect(toHex(await open(enc, privateKey, ciphertext))).toBe(toHex(pt)) // the control
    expect(await code(open(enc, other.privateKey, ciphertext))).toBe('open_failed') // wrong key
    expect(await code(open(enc, privateKey, ciphertext, { info, aad: random(3) }))).toBe('open_failed') // wrong AAD
    expect(await code(open(enc, privateKey, ciphertext, { info: random(4), aad }))).toBe('open_failed') // wrong info
    expect(await code(open(enc, privateKey, ciphertext, { info }))).toBe('open_failed') // missing AAD
    expect(await code(open(enc, privateKey, ciphertext.subarray(0, ciphertext.length - 1)))).toBe('open_failed') // truncated ct
    expect(await code(open(enc, privateKey, ciphertext.subarray(0, 15)))).toBe('open_failed') // shorter than a tag
    for (const i of [0, 500, ciphertext.length - 1]) expect(await code(open(enc, privateKey, flip(ciphertext, i)))).toBe('open_failed')
    for (const i of [0, enc.length - 2]) {
      // An altered enc decapsulates to a different secret (implicit rejection / another DH value).
      expect(['open_failed', 'invalid_enc']).toContain(await code(open(flip(enc, i), privateKey, ciphertext)))
    }
    expect(await code(open(enc.subarray(1), privateKey, ciphertext))).toBe('invalid_enc') // truncated enc
    expect(await code(open(new Uint8Array([...enc, 0]), privateKey, ciphertext))).toBe('invalid_enc')
    expect(await code(open(enc, privateKey.subarray(1), ciphertext))).toBe('invalid_key')
    expect(await code(suite.Seal(publicKey.subarray(1), pt))).toBe('invalid_key')
  })

  it('a context refuses replay and reordering (sequence numbers)', async () => {
    const { publicKey, privateKey } = await suite.GenerateKeyPair()
    const { enc, context } = await suite.SetupBaseS(publicKey, info)
    const c0 = await context.seal(pt)
    const c1 = await context.seal(pt)
    const r = await suite.SetupBaseR(enc, privateKey, info)
    expect(await code(r.open(c1))).toBe('open_failed') // out of order
    expect(toHex(await r.open(c0))).toBe(toHex(pt)) // a failure does not advance the counter
    expect(await code(r.open(c0))).toBe('open_failed') // replay
    expect(toHex(await r.open(c1))).toBe(toHex(pt))
  })

  it('error messages contain no key or secret bytes', async () => {
    const { publicKey, privateKey } = await suite.GenerateKeyPair()
    const { enc, ciphertext } = await suite.Seal(publicKey, pt)
    const other = await suite.GenerateKeyPair()
    const err = (await suite.Open(enc, other.privateKey, ciphertext).catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(HpkeError)
    for (const secret of [privateKey, other.privateKey, pt.subarray(0, 16)]) expect(err.message).not.toContain(toHex(secret).slice(0, 16))
  })
})

describe('suite and argument errors', () => {
  it('unsupported suites throw unsupported_suite at once', () => {
    expect(() => hpke.suite({ kem: 0x0010, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm })).toThrow(
      expect.objectContaining({ code: 'unsupported_suite' }),
    )
    expect(() => hpke.suite({ kem: KEM.XWing, kdf: 0x0011, aead: AEAD.ChaCha20Poly1305 })).toThrow(
      expect.objectContaining({ code: 'unsupported_suite' }),
    )
    expect(() => hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: 0xffff })).toThrow(
      expect.objectContaining({ code: 'unsupported_suite' }),
    )
  })
  it('a recipient key imported for one KEM is refused by another suite', async () => {
    const xw = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const ml = hpke.suite({ kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const key = await xw.importRecipientKey((await xw.GenerateKeyPair()).privateKey)
    expect(await code(ml.SetupBaseR(new Uint8Array(1088), key))).toBe('invalid_key')
  })
  it('export length is bounded by 255·Nh', async () => {
    const s = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const { publicKey } = await s.GenerateKeyPair()
    const { context } = await s.SetupBaseS(publicKey)
    expect((await context.export(new Uint8Array(0), 255 * 32)).length).toBe(8160)
    expect(await code(context.export(new Uint8Array(0), 255 * 32 + 1))).toBe('invalid_argument')
  })
  it('an X-Wing public key failing the FIPS 203 §7.2 check is invalid_key', async () => {
    const s = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const bad = (await s.GenerateKeyPair()).publicKey
    bad[0] = 0xff
    bad[1] = 0x0f
    expect(await code(s.Seal(bad, new Uint8Array(1)))).toBe('invalid_key')
  })
})
