// workerd's native X-Wing (WebCrypto `MLKEM768-X25519`, src/crypto/webcrypto-xwing.ts) against
// pq-edge's X-Wing built from the same runtime's primitives: the draft-connolly-cfrg-xwing-kem-10
// vectors on native keygen and decapsulation (native encapsulation is random-only, so the vectors'
// EncapsulateDerand cannot run on it), and keys and ciphertexts from one side decapsulated by the other.
import { describe, expect, it } from 'vitest'
import { selectBackends } from '../../../src/crypto/select.ts'
import { NATIVE_XWING_OPERATIONS } from '../../../src/crypto/select-core.ts'
import { webCryptoXWing as native, probeWebCryptoXWing } from '../../../src/crypto/webcrypto-xwing.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import { getBackends, xwing as selected } from '../../../src/xwing/workerd.ts'
import { createXWing } from '../../../src/xwing/xwing.ts'
import vectors from '../../vectors/xwing/test-vectors.json'

const CASES = 200
const hex = (u: Uint8Array) => [...u].map((b) => b.toString(16).padStart(2, '0')).join('')
const bytes = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => Number.parseInt(b, 16)))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

/** pq-edge's X-Wing on workerd's selected primitives, without the native one. */
async function ours() {
  await mlkem.init()
  const { xwing: _native, ...primitives } = (await selectBackends(mlkem)).backends
  return createXWing(primitives)
}

describe('native X-Wing (workerd MLKEM768-X25519)', () => {
  it('is present and chosen for the measured operations', async () => {
    expect(await probeWebCryptoXWing()).toBe(true)
    expect(await getBackends()).toMatchObject({
      xwingKeygen: NATIVE_XWING_OPERATIONS.keygen ? 'webcrypto' : 'pq-edge',
      xwingEncaps: NATIVE_XWING_OPERATIONS.encaps ? 'webcrypto' : 'pq-edge',
      xwingDecaps: NATIVE_XWING_OPERATIONS.decaps ? 'webcrypto' : 'pq-edge',
      xwingImportedKey: NATIVE_XWING_OPERATIONS.importedKey ? 'webcrypto' : 'pq-edge',
    })
  })

  it(`draft-10 vectors (${vectors.length}): native keygen from the seed and native decapsulation`, async () => {
    for (const v of vectors) {
      const { publicKey, secretKey } = await native.keygen(bytes(v.seed))
      expect(hex(publicKey)).toBe(v.pk)
      expect(hex(secretKey)).toBe(v.sk)
      const key = await native.importSecretKey(bytes(v.sk), bytes(v.pk))
      expect(hex(await key.decapsulate(bytes(v.ct)))).toBe(v.ss)
      expect(hex(await native.decapsulate(bytes(v.ct), bytes(v.sk)))).toBe(v.ss)
    }
  })

  it(`${CASES} random cases: same keys, and each side decapsulates the other's ciphertexts`, async () => {
    const pq = await ours()
    for (let i = 0; i < CASES; i++) {
      const seed = random(32)
      const a = await native.keygen(seed)
      const b = await pq.keygen(seed)
      expect(hex(a.publicKey)).toBe(hex(b.publicKey))

      const nativeKey = await native.importSecretKey(seed)
      const pqKey = await pq.importSecretKey(seed)
      // Native encapsulation, pq-edge decapsulation; and the other way round.
      const n = await native.encapsulate(b.publicKey)
      expect(hex(await pqKey.decapsulate(n.cipherText))).toBe(hex(n.sharedSecret))
      const p = await pq.encapsulate(a.publicKey, random(64))
      expect(hex(await nativeKey.decapsulate(p.cipherText))).toBe(hex(p.sharedSecret))
      expect(hex(await native.decapsulate(p.cipherText, seed))).toBe(hex(p.sharedSecret))
      // A random native keypair (its exported seed) used by pq-edge.
      const fresh = await native.keygen()
      expect(hex((await pq.keygen(fresh.secretKey)).publicKey)).toBe(hex(fresh.publicKey))
    }
  })

  it('the selected X-Wing (native where chosen) interoperates with pq-edge on every path', async () => {
    const pq = await ours()
    for (let i = 0; i < 20; i++) {
      const pair = await selected.keygen()
      const c = await selected.encapsulate(pair.publicKey)
      expect(hex(await pq.decapsulate(c.cipherText, pair.secretKey))).toBe(hex(c.sharedSecret))
      const d = await pq.encapsulate(pair.publicKey)
      expect(hex(await selected.decapsulate(d.cipherText, pair.secretKey))).toBe(hex(d.sharedSecret))
      // EncapsulateDerand always runs pq-edge's: the vectors' eseed gives the vectors' ciphertext.
    }
    const v = vectors[0]!
    const derand = await selected.encapsulate(bytes(v.pk), bytes(v.eseed))
    expect(hex(derand.cipherText)).toBe(v.ct)
    expect(hex(derand.sharedSecret)).toBe(v.ss)
  })

  it('rejects what pq-edge rejects: a public key not the secret key’s, a pk_M failing §7.2, wrong lengths', async () => {
    const a = await native.keygen()
    const b = await native.keygen()
    await expect(native.importSecretKey(a.secretKey, b.publicKey)).rejects.toThrow()
    await expect(selected.encapsulate(new Uint8Array(1216).fill(0xff))).rejects.toThrow()
    await expect(selected.encapsulate(new Uint8Array(1215))).rejects.toThrow(RangeError)
    await expect(selected.decapsulate(new Uint8Array(1119), a.secretKey)).rejects.toThrow(RangeError)
    // A low-order ct_X (all zero): both sides refuse (WebCrypto's X25519 rejects the all-zero result).
    const ct = (await selected.encapsulate(a.publicKey)).cipherText
    ct.fill(0, 1088)
    await expect((await native.importSecretKey(a.secretKey)).decapsulate(ct)).rejects.toThrow()
    await expect((await (await ours()).importSecretKey(a.secretKey)).decapsulate(ct)).rejects.toThrow()
  })
})
