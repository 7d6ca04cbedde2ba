// Config values at rest (docs/PROTOCOL.md §6.4). Each record has its own random 32-byte data key
// (DEK); the value is sealed under the DEK, the DEK is wrapped under the KEK derived from
// SERVER_SECRET (src/service/keys.ts), and the record names the KEK by id:
//
//   rid        = 16 random bytes, fresh for every write
//   RECORD_AAD = lp("pq-edge/v1 record") || lp(name) || lp(rid)
//   ciphertext = AES-256-GCM(DEK, nonce, RECORD_AAD, value)
//   wrappedDek = nonceW || AES-256-GCM(KEK, nonceW, lp("pq-edge/v1 dek") || lp(name) || lp(rid), DEK)
//
// The AADs bind the name and the write (rid), so a record cannot be moved to another name. The
// version is not in the AAD: the store assigns it in the same atomic step as the write (a create
// continues after a tombstone's version, which the writer does not know), and the store is what is
// trusted to keep versions honest. Re-wrapping (POST /v1/admin/rewrap) replaces only wrappedDek and
// kek, under the current KEK; records still under SERVER_SECRET_PREVIOUS's KEK stay readable until then.

import { b64u, concat, fromB64u, lp } from '../crypto/bytes.ts'
import type { Aead, AeadKey } from '../crypto/types.ts'
import type { JsonValue } from './store.ts'

const RECORD_FORMAT = 1
const NONCE_BYTES = 12

export interface Kek {
  id: string
  key: AeadKey
}

interface SealedRecord {
  format: number
  rid: string
  kek: string
  wrappedDek: string
  nonce: string
  ciphertext: string
}

/** A stored record that cannot be opened: its KEK is neither the current nor the previous one, or it was altered. */
export class RecordUnreadableError extends Error {
  override name = 'RecordUnreadableError'
}

const recordAad = (name: string, rid: Uint8Array) => concat(lp('pq-edge/v1 record'), lp(name), lp(rid))
const dekAad = (name: string, rid: Uint8Array) => concat(lp('pq-edge/v1 dek'), lp(name), lp(rid))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

export class Vault {
  private readonly aes256Gcm: Aead
  readonly current: Kek
  private readonly previous: Kek | null
  constructor(aes256Gcm: Aead, current: Kek, previous: Kek | null) {
    this.aes256Gcm = aes256Gcm
    this.current = current
    this.previous = previous
  }

  async seal(name: string, value: Uint8Array): Promise<JsonValue> {
    const rid = random(16)
    const dek = random(32)
    try {
      const nonce = random(NONCE_BYTES)
      const ciphertext = await (await this.aes256Gcm.importKey(dek)).seal(nonce, recordAad(name, rid), value)
      const record: SealedRecord = {
        format: RECORD_FORMAT,
        rid: b64u(rid),
        kek: this.current.id,
        wrappedDek: await this.wrap(this.current, name, rid, dek),
        nonce: b64u(nonce),
        ciphertext: b64u(ciphertext),
      }
      return { ...record }
    } finally {
      dek.fill(0)
    }
  }

  async open(name: string, data: JsonValue): Promise<Uint8Array> {
    const record = parseRecord(data)
    const rid = fromB64u(record.rid, 'rid')
    const dek = await this.unwrap(record, name, rid)
    try {
      return await (await this.aes256Gcm.importKey(dek)).open(
        fromB64u(record.nonce, 'nonce'),
        recordAad(name, rid),
        fromB64u(record.ciphertext, 'ciphertext'),
      )
    } catch {
      throw new RecordUnreadableError(`record ${name} does not open`)
    } finally {
      dek.fill(0)
    }
  }

  /** For store.updateAll: the record with its DEK re-wrapped under the current KEK, or null if it already is. */
  async rewrap(name: string, data: JsonValue): Promise<JsonValue | null> {
    const record = parseRecord(data)
    if (record.kek === this.current.id) return null
    const rid = fromB64u(record.rid, 'rid')
    const dek = await this.unwrap(record, name, rid)
    try {
      return { ...record, kek: this.current.id, wrappedDek: await this.wrap(this.current, name, rid, dek) }
    } finally {
      dek.fill(0)
    }
  }

  private async wrap(kek: Kek, name: string, rid: Uint8Array, dek: Uint8Array): Promise<string> {
    const nonce = random(NONCE_BYTES)
    return b64u(concat(nonce, await kek.key.seal(nonce, dekAad(name, rid), dek)))
  }

  private async unwrap(record: SealedRecord, name: string, rid: Uint8Array): Promise<Uint8Array> {
    const kek = [this.current, this.previous].find((k) => k?.id === record.kek)
    if (!kek) throw new RecordUnreadableError(`record ${name} is wrapped under an unknown KEK`)
    const wrapped = fromB64u(record.wrappedDek, 'wrappedDek')
    try {
      return await kek.key.open(wrapped.subarray(0, NONCE_BYTES), dekAad(name, rid), wrapped.subarray(NONCE_BYTES))
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
    typeof r.nonce !== 'string' ||
    typeof r.ciphertext !== 'string'
  ) {
    throw new RecordUnreadableError('not a sealed config record')
  }
  return r as SealedRecord
}
