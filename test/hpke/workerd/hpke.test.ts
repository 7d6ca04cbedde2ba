// X-Wing and HPKE inside workerd, loaded exactly as the worker loads them (imported .wasm modules,
// WebCrypto probed lazily): the X-Wing draft-10 vectors, HPKE round trips for every implemented
// suite, and two-way interop with hpke-js, an independent implementation.
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { MlKem768 } from '@hpke/ml-kem'
import { describe, expect, it } from 'vitest'
import { NATIVE_XWING_OPERATIONS } from '../../../src/crypto/select-core.ts'
import { AEAD, getBackends, HpkeError, hpke, KDF, KEM } from '../../../src/hpke/workerd.ts'
import { xwing } from '../../../src/xwing/workerd.ts'
import { toHex } from '../../support/accumulated.ts'
import xwingVectors from '../../vectors/xwing/test-vectors.json'

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16))
const bytes = (b: ArrayBuffer) => new Uint8Array(b)
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

describe('X-Wing in workerd', () => {
  it('chooses WebCrypto X25519/HMAC/AES-GCM and the SIMD ML-KEM core', async () => {
    expect(await getBackends()).toEqual({
      x25519: 'webcrypto',
      hkdf: 'webcrypto',
      aesGcm: 'webcrypto',
      chacha20poly1305: 'webcrypto', // WebCrypto Modern Algorithms (src/crypto/webcrypto.ts)
      mlkem768: 'pq-edge-wasm-simd',
      sha3: 'pq-edge-wasm', // the ML-KEM module's Keccak (src/mlkem/wasm-core.ts)
      // workerd's native X-Wing for the operations where it measured faster (src/crypto/select-core.ts).
      xwingKeygen: NATIVE_XWING_OPERATIONS.keygen ? 'webcrypto' : 'pq-edge',
      xwingEncaps: NATIVE_XWING_OPERATIONS.encaps ? 'webcrypto' : 'pq-edge',
      xwingDecaps: NATIVE_XWING_OPERATIONS.decaps ? 'webcrypto' : 'pq-edge',
      xwingImportedKey: NATIVE_XWING_OPERATIONS.importedKey ? 'webcrypto' : 'pq-edge',
    })
  })

  it.each([0, 1, 2])('draft-10 vector %i', async (i) => {
    const v = xwingVectors[i]!
    const { publicKey } = await xwing.keygen(hex(v.seed))
    expect(toHex(publicKey)).toBe(v.pk)
    const { cipherText, sharedSecret } = await xwing.encapsulate(hex(v.pk), hex(v.eseed))
    expect(toHex(cipherText)).toBe(v.ct)
    expect(toHex(sharedSecret)).toBe(v.ss)
    expect(toHex(await xwing.decapsulate(hex(v.ct), hex(v.sk)))).toBe(v.ss)
  })
})

const SUITES = [
  { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 },
  { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm },
  { kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm },
  { kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm, allowClassical: true },
]

describe('HPKE in workerd', () => {
  it.each(SUITES)('round trip kem $kem aead $aead: context, single-shot, export, tampering', async (params) => {
    const suite = hpke.suite(params)
    const { publicKey, privateKey } = await suite.GenerateKeyPair()
    const key = await suite.importRecipientKey(privateKey)
    const info = random(8)
    const pt = random(1024)
    const { enc, context } = await suite.SetupBaseS(publicKey, info)
    const r = await suite.SetupBaseR(enc, key, info)
    for (let i = 0; i < 3; i++) expect(toHex(await r.open(await context.seal(pt, info), info))).toBe(toHex(pt))
    expect(toHex(await r.export(info, 42))).toBe(toHex(await context.export(info, 42)))
    const sealed = await suite.Seal(publicKey, pt, { aad: info })
    expect(toHex(await suite.Open(sealed.enc, privateKey, sealed.ciphertext, { aad: info }))).toBe(toHex(pt))
    const tampered = sealed.ciphertext.slice()
    tampered[3]! ^= 1
    await expect(suite.Open(sealed.enc, key, tampered, { aad: info })).rejects.toBeInstanceOf(HpkeError)
    await expect(suite.Open(sealed.enc, key, sealed.ciphertext)).rejects.toMatchObject({ code: 'open_failed' })
  })

  const interop = [
    {
      name: 'X-Wing + ChaCha20-Poly1305',
      params: SUITES[0]!,
      theirs: () => new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() }),
    },
    {
      name: 'ML-KEM-768 + AES-256-GCM',
      params: { kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm },
      theirs: () => new CipherSuite({ kem: new MlKem768(), kdf: new HkdfSha256(), aead: new Aes256Gcm() }),
    },
  ]
  it.each(interop)('interop with hpke-js both ways: $name', async ({ params, theirs }) => {
    const suite = hpke.suite(params)
    const them = theirs()
    const pt = random(1024)
    // hpke-js → pq-edge
    const ours = await suite.GenerateKeyPair()
    const sealed = await them.seal({ recipientPublicKey: await them.kem.importKey('raw', ours.publicKey.slice().buffer, true) }, pt)
    expect(toHex(await suite.Open(bytes(sealed.enc), ours.privateKey, bytes(sealed.ct)))).toBe(toHex(pt))
    // pq-edge → hpke-js
    const pair = await them.kem.generateKeyPair()
    const mine = await suite.Seal(bytes(await them.kem.serializePublicKey(pair.publicKey)), pt)
    expect(toHex(bytes(await them.open({ recipientKey: pair, enc: mine.enc }, mine.ciphertext)))).toBe(toHex(pt))
  })
})
