// A suite computes key_schedule_context (RFC 9180 §5.1: psk_id_hash, info_hash) once per info and keeps
// it (src/hpke/hpke.ts). Attacked here: interleaved infos on one suite must each give the context of
// their own info (checked by opening with a fresh suite that keeps nothing), an info array the caller
// reuses right after the call changes neither that call nor what was kept, and long infos (not kept)
// still work.
import { describe, expect, it } from 'vitest'
import { AEAD, hpke, KDF, KEM } from '../../src/hpke/node.ts'

const params = { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 } as const
const text = (s: string) => new TextEncoder().encode(s)
const pt = text('key schedule context')

describe('HPKE key_schedule_context, computed once per suite and info', () => {
  it('interleaved infos on one suite each open under a fresh suite with their own info only', async () => {
    const { publicKey, privateKey } = await hpke.suite(params).GenerateKeyPair()
    const sender = hpke.suite(params)
    const infos = ['info A', 'info B', 'info A', '', 'info B', 'x'.repeat(300), 'info A']
    for (const info of infos) {
      const { enc, ciphertext } = await sender.Seal(publicKey, pt, { info: text(info) })
      const fresh = hpke.suite(params)
      expect(new TextDecoder().decode(await fresh.Open(enc, privateKey, ciphertext, { info: text(info) }))).toBe('key schedule context')
      const other = info === 'info A' ? 'info B' : 'info A'
      await expect(hpke.suite(params).Open(enc, privateKey, ciphertext, { info: text(other) })).rejects.toThrow()
    }
  })

  it('an info array reused by the caller right after the call does not change the kept context', async () => {
    const { publicKey, privateKey } = await hpke.suite(params).GenerateKeyPair()
    const sender = hpke.suite(params)
    const info = text('original info')
    const sealing = sender.Seal(publicKey, pt, { info })
    info.fill(0x41) // the caller reuses its buffer before the seal has finished
    const first = await sealing
    const again = await sender.Seal(publicKey, pt, { info: text('original info') })
    for (const { enc, ciphertext } of [first, again])
      expect(new TextDecoder().decode(await hpke.suite(params).Open(enc, privateKey, ciphertext, { info: text('original info') }))).toBe(
        'key schedule context',
      )
  })
})
