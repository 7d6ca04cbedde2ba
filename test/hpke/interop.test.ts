// Interoperability both ways with hpke-js (@hpke/core and its KEM/AEAD packages), an independent
// RFC 9180 implementation: for every implemented suite, a message sealed by one opens in the
// other, and both export the same secret. Keys are imported (hpke-js derives X-Wing and ML-KEM
// key pairs differently from draft-ietf-hpke-pq-04; see test/vectors/README.md); for
// DHKEM(X25519), whose derivation RFC 9180 fixes, DeriveKeyPair is compared too.
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { Aes128Gcm, Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { MlKem768 } from '@hpke/ml-kem'
import { describe, expect, it } from 'vitest'
import { nobleBackends } from '../../src/crypto/select.ts'
import { AEAD, createHpke, KDF, KEM } from '../../src/hpke/hpke.ts'
import { hpke } from '../../src/hpke/node.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { toHex } from '../mlkem/helpers.ts'

const KEMS = {
  'X-Wing': { id: KEM.XWing, theirs: () => new XWing() },
  'ML-KEM-768': { id: KEM.MlKem768, theirs: () => new MlKem768() },
  'DHKEM(X25519, HKDF-SHA256)': { id: KEM.DhkemX25519HkdfSha256, theirs: () => new DhkemX25519HkdfSha256() },
}
const AEADS = {
  'ChaCha20-Poly1305': { id: AEAD.ChaCha20Poly1305, theirs: () => new Chacha20Poly1305() },
  'AES-256-GCM': { id: AEAD.Aes256Gcm, theirs: () => new Aes256Gcm() },
  'AES-128-GCM': { id: AEAD.Aes128Gcm, theirs: () => new Aes128Gcm() },
}
const cases = Object.keys(KEMS).flatMap((k) => Object.keys(AEADS).map((a) => [k, a] as [keyof typeof KEMS, keyof typeof AEADS]))
const implementations = { 'selected backends': hpke, 'all-noble backends': createHpke(nobleBackends(mlkem)) }

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const bytes = (b: ArrayBuffer) => new Uint8Array(b)
const enc = new TextEncoder()

describe.each(Object.keys(implementations) as (keyof typeof implementations)[])('interop with hpke-js (%s)', (impl) => {
  describe.each(cases)('%s + HKDF-SHA256 + %s', (kemName, aeadName) => {
    const params = { kem: KEMS[kemName].id, kdf: KDF.HkdfSha256, aead: AEADS[aeadName].id, allowClassical: true }
    const theirs = () => new CipherSuite({ kem: KEMS[kemName].theirs(), kdf: new HkdfSha256(), aead: AEADS[aeadName].theirs() })

    it('hpke-js seals (context, 3 messages + export), pq-edge opens', async () => {
      const suite = implementations[impl].suite(params)
      const them = theirs()
      const { publicKey, privateKey } = await suite.GenerateKeyPair()
      const info = random(17)
      const sender = await them.createSenderContext({
        recipientPublicKey: await them.kem.importKey('raw', publicKey.slice().buffer, true),
        info,
      })
      const recipient = await suite.SetupBaseR(bytes(sender.enc), await suite.importRecipientKey(privateKey), info)
      for (let i = 0; i < 3; i++) {
        const pt = random(i * 500)
        const aad = random(i * 7)
        const ct = bytes(await sender.seal(pt, aad))
        expect(toHex(await recipient.open(ct, aad))).toBe(toHex(pt))
      }
      const ctx = enc.encode('exporter context')
      expect(toHex(await recipient.export(ctx, 48))).toBe(toHex(bytes(await sender.export(ctx, 48))))
    })

    it('pq-edge seals (single-shot and context), hpke-js opens with its own and with an imported key', async () => {
      const suite = implementations[impl].suite(params)
      const them = theirs()
      // hpke-js's own key pair, its public key serialised for us.
      const pair = await them.kem.generateKeyPair()
      const theirPublic = bytes(await them.kem.serializePublicKey(pair.publicKey))
      const pt = enc.encode('sealed by pq-edge, opened by hpke-js')
      const aad = random(9)
      const info = random(5)
      const single = await suite.Seal(theirPublic, pt, { info, aad })
      expect(bytes(await them.open({ recipientKey: pair, enc: single.enc, info }, single.ciphertext, aad))).toEqual(pt)

      // Our key pair imported into hpke-js; a context with several messages and an export.
      const ours = await suite.GenerateKeyPair()
      const recipientKey = await them.kem.importKey('raw', ours.privateKey.slice().buffer, false)
      const { enc: e, context } = await suite.SetupBaseS(ours.publicKey, info)
      const recipient = await them.createRecipientContext({ recipientKey, enc: e, info })
      for (let i = 0; i < 3; i++) {
        const m = random(100 + i)
        expect(bytes(await recipient.open(await context.seal(m, aad), aad))).toEqual(m)
      }
      const ctx = random(3)
      expect(toHex(bytes(await recipient.export(ctx, 32)))).toBe(toHex(await context.export(ctx, 32)))
    })
  })
})

describe('DHKEM(X25519, HKDF-SHA256): RFC 9180 behaviour against hpke-js', () => {
  const params = { kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm, allowClassical: true }
  it('DeriveKeyPair (RFC 9180 §7.1.3) gives the same key pair for 50 random ikm', async () => {
    const suite = hpke.suite(params)
    const kem = new DhkemX25519HkdfSha256()
    for (let i = 0; i < 50; i++) {
      const ikm = random(32 + (i % 3) * 16)
      const ours = await suite.DeriveKeyPair(ikm)
      const pair = await kem.deriveKeyPair(ikm.slice().buffer)
      expect(toHex(ours.publicKey)).toBe(toHex(bytes(await kem.serializePublicKey(pair.publicKey))))
      expect(toHex(ours.privateKey)).toBe(toHex(bytes(await kem.serializePrivateKey(pair.privateKey))))
    }
  })
  it('is never chosen without allowClassical', () => {
    expect(() => hpke.suite({ kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm })).toThrow(
      expect.objectContaining({ code: 'classical_not_allowed' }),
    )
    expect(hpke.suite(params).info.classical).toBe(true)
    expect(hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 }).info.classical).toBe(false)
  })
})
