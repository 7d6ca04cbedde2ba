// The ConfigStore semantics, written once over a synchronous key-value interface, plus the
// in-memory store built on a Map. The Durable Object (runtime/cloudflare-store.ts) runs the same
// `VersionedRecords` over its SQLite-backed `ctx.storage.kv`, so both stores behave identically and
// one contract suite tests both. Synchronous storage is what makes compare-and-set atomic: the read,
// the check and the write happen with no `await` in between, so no other request can interleave.
import {
  assertExpectedVersion,
  assertName,
  type ConfigEntry,
  type ConfigStore,
  type DeleteResult,
  type JsonValue,
  type PutResult,
  type VersionedRecord,
} from './store.ts'

/** The subset of the Durable Object `SyncKvStorage` API the records need; a Map provides it too. */
export interface SyncKv {
  get<T>(key: string): T | undefined
  put<T>(key: string, value: T): void
  delete(key: string): boolean
  list<T>(options: { prefix: string }): Iterable<[string, T]>
}

/**
 * Per name, two keys: `meta:` holds the last version assigned and whether the record exists, and
 * outlives a delete as a tombstone, so versions keep counting up after delete and re-create;
 * `data:` holds the payload. `list()` reads only the small `meta:` entries. Tombstones are kept for
 * good (a name and a number each): that is what guarantees a version number is never reused.
 */
const META = 'meta:'
const DATA = 'data:'

interface Meta {
  version: number
  exists: boolean
}

export class VersionedRecords {
  private readonly kv: SyncKv
  private readonly atomically: <T>(fn: () => T) => T

  /** `atomically` runs a closure as one transaction where the storage offers one (DO: transactionSync). */
  constructor(kv: SyncKv, atomically: <T>(fn: () => T) => T = (fn) => fn()) {
    this.kv = kv
    this.atomically = atomically
  }

  get(name: string): VersionedRecord | null {
    assertName(name)
    const meta = this.kv.get<Meta>(META + name)
    if (!meta?.exists) return null
    const data = this.kv.get<JsonValue>(DATA + name)
    if (data === undefined) throw new Error('config store is inconsistent: metadata without data')
    return { data, version: meta.version }
  }

  list(): ConfigEntry[] {
    const entries: ConfigEntry[] = []
    for (const [key, meta] of this.kv.list<Meta>({ prefix: META })) {
      if (meta.exists) entries.push({ name: key.slice(META.length), version: meta.version })
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  put(name: string, data: JsonValue, expectedVersion: number | null): PutResult {
    assertName(name)
    assertExpectedVersion(expectedVersion, true)
    return this.atomically(() => {
      const meta = this.kv.get<Meta>(META + name)
      const currentVersion = meta?.exists ? meta.version : null
      if (currentVersion !== expectedVersion) return { ok: false, reason: 'version_mismatch', currentVersion }
      const version = (meta?.version ?? 0) + 1
      this.kv.put(DATA + name, data)
      this.kv.put<Meta>(META + name, { version, exists: true })
      return { ok: true, version }
    })
  }

  delete(name: string, expectedVersion?: number): DeleteResult {
    assertName(name)
    if (expectedVersion !== undefined) assertExpectedVersion(expectedVersion, false)
    return this.atomically(() => {
      const meta = this.kv.get<Meta>(META + name)
      if (!meta?.exists) return { ok: false, reason: 'not_found' }
      if (expectedVersion !== undefined && meta.version !== expectedVersion) {
        return { ok: false, reason: 'version_mismatch', currentVersion: meta.version }
      }
      this.kv.delete(DATA + name)
      // The tombstone keeps the version counter, so a later create continues after it.
      this.kv.put<Meta>(META + name, { version: meta.version, exists: false })
      return { ok: true, deletedVersion: meta.version }
    })
  }
}

/** A Map as SyncKv. Values are copied in and out, as real storage would, so callers cannot alias them. */
class MapKv implements SyncKv {
  private readonly map = new Map<string, unknown>()

  get<T>(key: string): T | undefined {
    const value = this.map.get(key)
    return value === undefined ? undefined : (structuredClone(value) as T)
  }
  put<T>(key: string, value: T): void {
    this.map.set(key, structuredClone(value))
  }
  delete(key: string): boolean {
    return this.map.delete(key)
  }
  *list<T>({ prefix }: { prefix: string }): Iterable<[string, T]> {
    for (const key of [...this.map.keys()].sort()) {
      if (key.startsWith(prefix)) yield [key, structuredClone(this.map.get(key)) as T]
    }
  }
}

/** In-memory ConfigStore: for tests, and a reference for what every store must do. Lost on restart. */
export class MemoryConfigStore implements ConfigStore {
  private readonly records = new VersionedRecords(new MapKv())

  async get(name: string): Promise<VersionedRecord | null> {
    return this.records.get(name)
  }
  async list(): Promise<ConfigEntry[]> {
    return this.records.list()
  }
  async put(name: string, data: JsonValue, expectedVersion: number | null): Promise<PutResult> {
    return this.records.put(name, data, expectedVersion)
  }
  async delete(name: string, expectedVersion?: number): Promise<DeleteResult> {
    return this.records.delete(name, expectedVersion)
  }
}
