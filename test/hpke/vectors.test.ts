// HPKE against the draft-ietf-hpke-pq-04 vectors (test/vectors/hpke-pq):
// every vector whose KEM, KDF and AEAD are implemented here, with DeriveKeyPair, Encap from ikmE,
// Decap, the key schedule, all encryptions (in sequence) and all exports, on two backend sets.
import { describe, expect, it } from 'vitest'
import { nobleBackends, selectBackends } from '../../src/crypto/select.ts'
import { AEAD, createHpke, KDF, KEM } from '../../src/hpke/hpke.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { hex, readVectorJson, toHex } from '../mlkem/helpers.ts'

interface Vector {
  mode: number
  kem_id: number
  kdf_id: number
  aead_id: number
  info: string
  ikmE: string
  ikmR: string
  skRm: string
  pkRm: string
  enc: string
  shared_secret: string
  key: string
  base_nonce: string
  exporter_secret: string
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[]
  exports: { exporter_context: string; L: number; exported_value: string }[]
}

const all: Vector[] = readVectorJson('hpke-pq/test-vectors.json')
const KEMS = new Set<number>(Object.values(KEM))
const AEADS = new Set<number>(Object.values(AEAD))
const implemented = all.filter((v) => v.mode === 0 && KEMS.has(v.kem_id) && v.kdf_id === KDF.HkdfSha256 && AEADS.has(v.aead_id))
const name = (v: Vector) => `kem 0x${v.kem_id.toString(16)} kdf 0x${v.kdf_id.toString(16)} aead 0x${v.aead_id.toString(16)}`

const backendSets = {
  webcrypto: async () => (await selectBackends(mlkem)).backends,
  noble: async () => nobleBackends(mlkem),
}

describe('draft-ietf-hpke-pq-04 vectors', () => {
  it('includes the X-Wing/HKDF-SHA256/ChaCha20-Poly1305 and ML-KEM-768/HKDF-SHA256/AES-128-GCM vectors', () => {
    expect(implemented.map(name).sort()).toEqual(['kem 0x41 kdf 0x1 aead 0x1', 'kem 0x647a kdf 0x1 aead 0x3'])
  })

  describe.each(Object.keys(backendSets) as (keyof typeof backendSets)[])('%s backends', (set) => {
    it.each(implemented.map((v) => [name(v), v] as const))('%s', async (_, v) => {
      const hpke = createHpke(await backendSets[set]())
      const suite = hpke.suite({ kem: v.kem_id, kdf: v.kdf_id, aead: v.aead_id })

      const derived = await suite.DeriveKeyPair(hex(v.ikmR))
      expect(toHex(derived.privateKey)).toBe(v.skRm)
      expect(toHex(derived.publicKey)).toBe(v.pkRm)

      const { enc, context: sender } = await suite.SetupBaseS(hex(v.pkRm), hex(v.info), { ikmE: hex(v.ikmE) })
      expect(toHex(enc)).toBe(v.enc)
      const recipient = await suite.SetupBaseR(hex(v.enc), await suite.importRecipientKey(hex(v.skRm)), hex(v.info))

      for (const e of v.encryptions) {
        expect(toHex(await sender.seal(hex(e.pt), hex(e.aad)))).toBe(e.ct)
        expect(toHex(await recipient.open(hex(e.ct), hex(e.aad)))).toBe(e.pt)
      }
      for (const x of v.exports) {
        expect(toHex(await sender.export(hex(x.exporter_context), x.L))).toBe(x.exported_value)
        expect(toHex(await recipient.export(hex(x.exporter_context), x.L))).toBe(x.exported_value)
      }
      // Single-shot API: the first encryption and the first export.
      const first = v.encryptions[0]!
      const sealed = await suite.Seal(hex(v.pkRm), hex(first.pt), { info: hex(v.info), aad: hex(first.aad), ikmE: hex(v.ikmE) })
      expect(toHex(sealed.ciphertext)).toBe(first.ct)
      expect(toHex(await suite.Open(hex(v.enc), hex(v.skRm), hex(first.ct), { info: hex(v.info), aad: hex(first.aad) }))).toBe(first.pt)
      const x0 = v.exports[0]!
      expect(toHex(await suite.ReceiveExport(hex(v.enc), hex(v.skRm), hex(x0.exporter_context), x0.L, { info: hex(v.info) }))).toBe(
        x0.exported_value,
      )
      const sent = await suite.SendExport(hex(v.pkRm), hex(x0.exporter_context), x0.L, { info: hex(v.info), ikmE: hex(v.ikmE) })
      expect(toHex(sent.exported)).toBe(x0.exported_value)
    })
  })
})
