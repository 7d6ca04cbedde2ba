// Config values at rest (docs/PROTOCOL.md §6.4), record format 2. Each record has its own random
// 32-byte data key (DEK); the value is sealed under the DEK, the DEK is wrapped under a key derived
// from the KEK (itself derived from SERVER_SECRET, src/service/keys.ts), and the record names the KEK
// by id. Every key here that a long-term secret reaches is used with ChaCha20-Poly1305 (RFC 8439),
// whose ARX operations take the same time whatever the key, in every runtime (no table-based AES,
// which Fastly's interpreter would run with secret-indexed table lookups):
//
//   rid        = 16 random bytes, fresh for every write
//   RECORD_AAD = lp("pq-edge/v2 record") || lp(name) || lp(rid)
//   ciphertext = ChaCha20-Poly1305(DEK, nonce = 0^96, RECORD_AAD, value)
//   salt       = 16 random bytes, fresh for every wrap (a write, or a re-wrap under another KEK)
//   WK         = HKDF-Expand(KEK, lp("pq-edge/v2 dek wrap") || lp(name) || lp(rid) || lp(salt), 32)
//   wrappedDek = salt || ChaCha20-Poly1305(WK, nonce = 0^96, lp("pq-edge/v2 dek") || lp(name) || lp(rid), DEK)
//
// Each key encrypts exactly once, so the all-zero nonce is never reused under a key: the DEK is fresh
// per write, and WK is fresh per wrap (a new salt; the KEK itself never encrypts). Unlike random
// 96-bit nonces under one KEK, nothing here wears out with the number of writes (no birthday bound
// on nonces; a collision would need the same 256-bit (rid, salt) pair). The KEK is uniformly random
// (an HKDF output), so it serves as HKDF's PRK directly; HKDF runs on the HMAC backend (native
// WebCrypto HMAC wherever there is one, Fastly included).
//
// The AADs and WK bind the name and the write (rid), so a record cannot be moved to another name. The
// version is not bound: the store assigns it in the same atomic step as the write (a create continues
// after a tombstone's version, which the writer does not know), and the store is what is trusted to
// keep versions honest. Re-wrapping (POST /v2/admin/rewrap, paged) replaces only wrappedDek and kek, under
// the current KEK; records still under SERVER_SECRET_PREVIOUS's KEK stay readable until then.
// Format 1 (AES-256-GCM) records are not read any more: they are reported unreadable.

import { b64u, concat, fromB64u, lp, wipe } from '../crypto/bytes.ts'
import { createHkdfSha256, type HkdfSha256 } from '../crypto/hkdf.ts'
import type { Aead, Backends } from '../crypto/types.ts'
import type { JsonValue } from './store.ts'

export const RECORD_FORMAT = 2
const SALT_BYTES = 16
const KEY_BYTES = 32
/** Every key encrypts once (see the header), so one fixed nonce. */
const NONCE = new Uint8Array(12)

/** A key-encryption key: its id (named in each record) and its 32 bytes. */
export interface Kek {
  id: string
  key: Uint8Array
}

interface SealedRecord {
  format: number
  rid: string
  kek: string
  wrappedDek: string
  ciphertext: string
}

/** A stored record that cannot be opened: its KEK is neither the current nor the previous one, it was altered, or it is of an old format. */
export class RecordUnreadableError extends Error {
  override name = 'RecordUnreadableError'
}

const recordAad = (name: string, rid: Uint8Array) => concat(lp('pq-edge/v2 record'), lp(name), lp(rid))
const dekAad = (name: string, rid: Uint8Array) => concat(lp('pq-edge/v2 dek'), lp(name), lp(rid))
const wrapInfo = (name: string, rid: Uint8Array, salt: Uint8Array) => concat(lp('pq-edge/v2 dek wrap'), lp(name), lp(rid), lp(salt))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

export class Vault {
  private readonly aead: Aead
  private readonly hkdf: HkdfSha256
  /** The current KEK's id (the KEK's bytes stay private). */
  readonly current: { id: string }
  private readonly keks: readonly Kek[]

  /**
   * Takes copies of the KEKs (the caller wipes its own) and the backends' ChaCha20-Poly1305 and
   * HMAC-SHA256.
   */
  constructor(backends: Pick<Backends, 'chacha20poly1305' | 'hmacSha256'>, current: Kek, previous: Kek | null) {
    for (const k of [current, previous]) {
      if (k && k.key.length !== KEY_BYTES) throw new RangeError(`vault: a KEK must be ${KEY_BYTES} bytes`)
    }
    this.aead = backends.chacha20poly1305
    this.hkdf = createHkdfSha256(backends.hmacSha256)
    this.current = { id: current.id }
    this.keks = [current, previous].flatMap((k) => (k ? [{ id: k.id, key: k.key.slice() }] : []))
  }

  async seal(name: string, value: Uint8Array): Promise<JsonValue> {
    const rid = random(16)
    const dek = random(KEY_BYTES)
    try {
      const ciphertext = await (await this.aead.importKey(dek)).seal(NONCE, recordAad(name, rid), value)
      const record: SealedRecord = {
        format: RECORD_FORMAT,
        rid: b64u(rid),
        kek: this.current.id,
        wrappedDek: await this.wrap(this.keks[0]!, name, rid, dek),
        ciphertext: b64u(ciphertext),
      }
      return { ...record }
    } finally {
      wipe(dek)
    }
  }

  async open(name: string, data: JsonValue): Promise<Uint8Array> {
    const record = parseRecord(data)
    const rid = fromB64u(record.rid, 'rid')
    const dek = await this.unwrap(record, name, rid)
    try {
      return await (await this.aead.importKey(dek)).open(NONCE, recordAad(name, rid), fromB64u(record.ciphertext, 'ciphertext'))
    } catch {
      throw new RecordUnreadableError(`record ${name} does not open`)
    } finally {
      wipe(dek)
    }
  }

  /** For store.updateAll: the record with its DEK re-wrapped under the current KEK, or null if it already is. */
  async rewrap(name: string, data: JsonValue): Promise<JsonValue | null> {
    const record = parseRecord(data)
    if (record.kek === this.current.id) return null
    const rid = fromB64u(record.rid, 'rid')
    const dek = await this.unwrap(record, name, rid)
    try {
      return { ...record, kek: this.current.id, wrappedDek: await this.wrap(this.keks[0]!, name, rid, dek) }
    } finally {
      wipe(dek)
    }
  }

  /** The single-use wrapping key WK for one wrap (see the header), imported. */
  private async wrappingKey(kek: Kek, name: string, rid: Uint8Array, salt: Uint8Array) {
    const wk = await this.hkdf.expand(kek.key, wrapInfo(name, rid, salt), KEY_BYTES)
    try {
      return await this.aead.importKey(wk)
    } finally {
      wipe(wk)
    }
  }

  private async wrap(kek: Kek, name: string, rid: Uint8Array, dek: Uint8Array): Promise<string> {
    const salt = random(SALT_BYTES)
    const key = await this.wrappingKey(kek, name, rid, salt)
    return b64u(concat(salt, await key.seal(NONCE, dekAad(name, rid), dek)))
  }

  private async unwrap(record: SealedRecord, name: string, rid: Uint8Array): Promise<Uint8Array> {
    const kek = this.keks.find((k) => k.id === record.kek)
    if (!kek) throw new RecordUnreadableError(`record ${name} is wrapped under an unknown KEK`)
    const wrapped = fromB64u(record.wrappedDek, 'wrappedDek')
    try {
      const key = await this.wrappingKey(kek, name, rid, wrapped.subarray(0, SALT_BYTES))
      return await key.open(NONCE, dekAad(name, rid), wrapped.subarray(SALT_BYTES))
    } catch {
      throw new RecordUnreadableError(`record ${name}'s data key does not unwrap`)
    }
  }
}

function parseRecord(data: JsonValue): SealedRecord {
  const r = data as Partial<SealedRecord> | null
  if (
    typeof r !== 'object' ||
    r === null ||
    r.format !== RECORD_FORMAT ||
    typeof r.rid !== 'string' ||
    typeof r.kek !== 'string' ||
    typeof r.wrappedDek !== 'string' ||
    typeof r.ciphertext !== 'string'
  ) {
    throw new RecordUnreadableError('not a sealed config record (of format 2)')
  }
  return r as SealedRecord
}
