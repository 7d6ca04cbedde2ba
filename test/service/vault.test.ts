// The config vault's record format 2 (src/service/vault.ts): everything keyed by the long-term secret
// (the KEK) and the per-record data keys runs on ChaCha20-Poly1305 and HKDF, never on AES (whose
// table-based fallback on Fastly indexes tables with key bytes); each key encrypts once. Checked
// against an independent computation with @noble/ciphers and @noble/hashes, and through the
// service context (the KEK derived from SERVER_SECRET, rotation with SERVER_SECRET_PREVIOUS).
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { expand } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64u, concat, fromB64u, lp, utf8 } from '../../src/crypto/bytes.ts'
import { selectBackends } from '../../src/crypto/select.ts'
import type { Aead, Backends } from '../../src/crypto/types.ts'
import { createHpke } from '../../src/hpke/hpke.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { createServiceContext, type ServiceVars } from '../../src/service/context.ts'
import { deriveSecretKeys } from '../../src/service/keys.ts'
import { Metrics } from '../../src/service/metrics.ts'
import type { JsonValue } from '../../src/service/store.ts'
import { MemoryConfigStore } from '../../src/service/store-memory.ts'
import { RecordUnreadableError } from '../../src/service/vault.ts'
import { TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from './secrets.ts'

let backends: Backends
/** What the AES-GCM backends were asked to do while the spy was on. */
let aesCalls: string[] = []

function spied(aead: Aead, what: string): Aead {
  return {
    name: aead.name,
    async importKey(key) {
      aesCalls.push(`${what}.importKey`)
      return aead.importKey(key)
    },
  }
}

beforeAll(async () => {
  const selected = (await selectBackends(mlkem)).backends
  backends = { ...selected, aes128Gcm: spied(selected.aes128Gcm, 'aes128Gcm'), aes256Gcm: spied(selected.aes256Gcm, 'aes256Gcm') }
})

const context = (vars: ServiceVars) =>
  createServiceContext(vars, { backends, openStore: () => new MemoryConfigStore(), metrics: new Metrics({ log: () => {} }) })

async function kekOf(secret: string): Promise<Uint8Array> {
  return (await deriveSecretKeys(backends, createHpke(backends), fromB64u(secret, 'secret', 32), 'current')).kek
}

type Record2 = { format: number; rid: string; kek: string; wrappedDek: string; ciphertext: string }

/** Opens a format-2 record with noble alone, from the KEK (the construction in vault.ts's header). */
function independentOpen(kek: Uint8Array, name: string, record: Record2): Uint8Array {
  const rid = fromB64u(record.rid, 'rid')
  const wrapped = fromB64u(record.wrappedDek, 'wrappedDek')
  const salt = wrapped.subarray(0, 16)
  const wk = expand(sha256, kek, concat(lp('pq-edge/v2 dek wrap'), lp(name), lp(rid), lp(salt)), 32)
  const dek = chacha20poly1305(wk, new Uint8Array(12), concat(lp('pq-edge/v2 dek'), lp(name), lp(rid))).decrypt(wrapped.subarray(16))
  return chacha20poly1305(dek, new Uint8Array(12), concat(lp('pq-edge/v2 record'), lp(name), lp(rid))).decrypt(
    fromB64u(record.ciphertext, 'ciphertext'),
  )
}

describe('vault record format 2: ChaCha20-Poly1305, single-use keys', () => {
  it('seal, open and rewrap never touch AES-GCM (the KEK and the data keys go to ChaCha20-Poly1305 only)', async () => {
    const vault = (await context({ SERVER_SECRET: TEST_SERVER_SECRET })).vault
    const rotating = (await context({ SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET })).vault
    aesCalls = []
    const sealed = await vault.seal('app/db', utf8('value'))
    expect(await vault.open('app/db', sealed)).toEqual(utf8('value'))
    const moved = await rotating.rewrap('app/db', sealed)
    expect(await rotating.open('app/db', moved!)).toEqual(utf8('value'))
    expect(aesCalls).toEqual([])
  })

  it('the record is what the header says: an independent ChaCha20-Poly1305/HKDF computation from the KEK opens it', async () => {
    const vault = (await context({ SERVER_SECRET: TEST_SERVER_SECRET })).vault
    const record = (await vault.seal('app/x.y', utf8('hello'))) as Record2
    expect(Object.keys(record).sort()).toEqual(['ciphertext', 'format', 'kek', 'rid', 'wrappedDek'])
    expect(record.format).toBe(2)
    expect(fromB64u(record.wrappedDek, 'w')).toHaveLength(16 + 32 + 16) // salt, DEK, tag
    expect(independentOpen(await kekOf(TEST_SERVER_SECRET), 'app/x.y', record)).toEqual(utf8('hello'))
  })

  it('every write and every wrap uses fresh keys: same value twice gives unrelated records and salts', async () => {
    const vault = (await context({ SERVER_SECRET: TEST_SERVER_SECRET })).vault
    const records = (await Promise.all(Array.from({ length: 8 }, () => vault.seal('app/db', utf8('same'))))) as Record2[]
    for (const field of ['rid', 'wrappedDek', 'ciphertext'] as const) expect(new Set(records.map((r) => r[field])).size).toBe(8)
    expect(new Set(records.map((r) => r.wrappedDek.slice(0, 22))).size).toBe(8) // the salts
  })

  it('rotation between two secrets: the retiring KEK still opens, rewrap moves the record (a fresh wrap), the new secret alone then opens it', async () => {
    const old = (await context({ SERVER_SECRET: TEST_SERVER_SECRET })).vault
    const rotating = (await context({ SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET })).vault
    const finished = (await context({ SERVER_SECRET: TEST_SERVER_SECRET_NEXT })).vault
    const sealed = (await old.seal('app/db', utf8('v'))) as Record2
    expect(await rotating.open('app/db', sealed)).toEqual(utf8('v'))
    await expect(finished.open('app/db', sealed)).rejects.toThrow(RecordUnreadableError)
    const moved = (await rotating.rewrap('app/db', sealed)) as Record2
    expect(moved).toMatchObject({ format: 2, rid: sealed.rid, ciphertext: sealed.ciphertext, kek: rotating.current.id })
    expect(moved.wrappedDek.slice(0, 22)).not.toBe(sealed.wrappedDek.slice(0, 22))
    expect(await finished.open('app/db', moved)).toEqual(utf8('v'))
    expect(independentOpen(await kekOf(TEST_SERVER_SECRET_NEXT), 'app/db', moved)).toEqual(utf8('v'))
    expect(await finished.rewrap('app/db', moved)).toBeNull()
  })

  it('altered, moved or format-1 records are unreadable', async () => {
    const vault = (await context({ SERVER_SECRET: TEST_SERVER_SECRET })).vault
    const sealed = (await vault.seal('app/db', utf8('v'))) as Record2
    const flip = (text: string, at: number) => {
      const b = fromB64u(text, 'x')
      b[at]! ^= 1
      return b64u(b)
    }
    const bad: JsonValue[] = [
      { ...sealed, wrappedDek: flip(sealed.wrappedDek, 0) }, // the salt
      { ...sealed, wrappedDek: flip(sealed.wrappedDek, 20) },
      { ...sealed, ciphertext: flip(sealed.ciphertext, 0) },
      { ...sealed, rid: flip(sealed.rid, 0) },
      { ...sealed, kek: 'another' },
      { ...sealed, format: 1, nonce: b64u(new Uint8Array(12)) },
      { ...sealed, format: 3 },
    ]
    for (const record of bad) await expect(vault.open('app/db', record)).rejects.toThrow(RecordUnreadableError)
    await expect(vault.open('app/other', sealed)).rejects.toThrow(RecordUnreadableError)
    await expect(vault.rewrap('app/db', { ...sealed, format: 1 })).rejects.toThrow(RecordUnreadableError)
  })
})
