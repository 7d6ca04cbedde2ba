/// <reference types="@fastly/js-compute" />
// The config vault's store on Fastly Compute: a Fastly KV Store (fastly:kv-store), used so that two
// writers racing on the same `If-Match` can never both succeed.
//
// Why not generations. KV inserts take `gen` (if-generation-match), but js-compute 3.46.0 never
// hands the generation to JavaScript: KVStoreEntry has no generation (the engine reads it in
// lookup_wait_v2 and drops it), so a guest cannot know which generation to send. The atomic step
// that remains is `put(key, value, { mode: 'add' })`, which fails with "Precondition failed" when
// the key already exists. So every state change of a name CLAIMS a new, numbered key with `add`:
//
//   cfg/v1/slot/<name>@<n>   the n-th state of <name>: {version, exists, data?}. Created only with
//                            `add`, so of all writers that read slot n as current and try n + 1,
//                            exactly one creates it; the others get version_mismatch. A delete is
//                            a claimed slot with exists: false (a tombstone that keeps the version),
//                            so a name created again continues after its last version.
//   cfg/v1/name/<name>       {slot}: a hint where to start looking for the newest slot, and what
//                            list() enumerates. Written after a claim; may lag, never trusted alone.
//
// Reading a name: from the hinted slot, look up n, n + 1, … until one is missing; the last one found
// is current. Once slot n + 1 exists, its writer rewrites slot n without its data ("superseded"), so
// old ciphertext does not linger (e.g. after a key rotation re-wrapped it); a reader that lands on
// a superseded slot knows a newer one exists and looks again. Slots are never deleted (the numbers
// must stay contiguous for that search), so each write leaves a few bytes behind for good.
// In `<name>`, `.` is written `%2E`: names allow `a./b`, and Viceroy refuses keys containing `./`.
//
// Consistency (the limit to know): Fastly's data stores are "globally available, durable, eventually
// consistent"; reads "may be up to 300ms" for data that recently changed or is not yet replicated to
// the local POP (https://docs.fastly.com/documentation/guides/concepts/edge-state/data-stores). So a
// read in another POP can return an older version for a while, and list() can miss a name created
// moments ago. What does not depend on replication is that a write is never lost: a writer with a
// stale view claims a slot that already exists, its `add` fails, and it answers version_mismatch.
// That relies on `add` being decided by the store's single authority, not per POP, which is what an
// insert-if-absent means; it is not something this code, or the local harness, can prove.
//
// The KVStore handle is opened on first use, never at module top level: on Fastly the top level runs
// at build time, when no store can be opened.
import { KVStore } from 'fastly:kv-store'
import {
  assertExpectedVersion,
  assertName,
  type ConfigEntry,
  type ConfigStore,
  type CurrentVersion,
  type DeleteResult,
  type JsonValue,
  type PutResult,
  type VersionedRecord,
} from '../service/store.ts'

/** The KV store the vault uses unless told otherwise (fastly.toml declares it for local and publish). */
export const DEFAULT_CONFIG_KV_STORE = 'pq-edge-config'
/** The Secret Store fastly.toml declares for the service's secrets (SERVER_SECRET, ADMIN_TOKEN_SHA256). */
export const DEFAULT_SECRET_STORE = 'pq-edge-secrets'

/** Key prefixes: versioned (`v1`), so a future layout can live next to this one. */
export const KV_NAME_PREFIX = 'cfg/v1/name/'
export const KV_SLOT_PREFIX = 'cfg/v1/slot/'

/** How many times a read follows a superseded slot, or an unconditional delete retries a lost race, before giving up. */
const MAX_ATTEMPTS = 5
/** list() resolves this many names at a time: bounded concurrency against the store. */
const LIST_CONCURRENCY = 8

interface SlotRecord {
  version: number
  exists: boolean
  data?: JsonValue
  /** Set by the writer of the next slot, which also drops `data`: this slot is no longer current. */
  superseded?: true
}

interface Current {
  slot: number
  record: SlotRecord
}

const keyName = (name: string): string => name.replaceAll('.', '%2E')
const nameKey = (name: string): string => KV_NAME_PREFIX + keyName(name)
const slotKey = (name: string, slot: number): string => `${KV_SLOT_PREFIX}${keyName(name)}@${slot}`

/** How js-compute reports a failed `add` (or generation match): KV_ERROR_PRECONDITION_FAILED, "KVStore insert: Precondition failed." */
function isPreconditionFailed(error: unknown): boolean {
  return error instanceof Error && error.message.includes('Precondition failed')
}

function inconsistent(what: string): Error {
  return new Error(`config store is inconsistent: ${what}`)
}

export class FastlyKvConfigStore implements ConfigStore {
  readonly storeName: string
  #kv: KVStore | undefined

  constructor(storeName: string = DEFAULT_CONFIG_KV_STORE) {
    this.storeName = storeName
  }

  /** Opened on first use: `new KVStore` throws outside a request (and if the store does not exist). */
  private get kv(): KVStore {
    this.#kv ??= new KVStore(this.storeName)
    return this.#kv
  }

  async get(name: string): Promise<VersionedRecord | null> {
    assertName(name)
    const current = await this.current(name)
    if (!current?.record.exists) return null
    if (current.record.data === undefined) throw inconsistent('current slot without data')
    return { data: current.record.data, version: current.record.version }
  }

  async list(): Promise<ConfigEntry[]> {
    const names: string[] = []
    let cursor: string | undefined
    do {
      const page = await this.kv.list({ prefix: KV_NAME_PREFIX, ...(cursor === undefined ? {} : { cursor }) })
      for (const key of page.list) names.push(key.slice(KV_NAME_PREFIX.length).replaceAll('%2E', '.'))
      cursor = page.cursor
    } while (cursor !== undefined)
    const entries: ConfigEntry[] = []
    for (let i = 0; i < names.length; i += LIST_CONCURRENCY) {
      const batch = names.slice(i, i + LIST_CONCURRENCY)
      const currents = await Promise.all(batch.map((name) => this.current(name)))
      currents.forEach((current, j) => {
        if (current?.record.exists) entries.push({ name: batch[j]!, version: current.record.version })
      })
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async put(name: string, data: JsonValue, expectedVersion: number | null): Promise<PutResult> {
    assertName(name)
    assertExpectedVersion(expectedVersion, true)
    const current = await this.current(name)
    const currentVersion = versionOf(current)
    if (currentVersion !== expectedVersion) return { ok: false, reason: 'version_mismatch', currentVersion }
    // A first write makes the name visible to list() before claiming, so a crash after the claim
    // cannot leave a record that list() never shows. Someone else's hint is as good as ours.
    if (!current) await this.add(nameKey(name), { slot: 0 })
    const version = (current?.record.version ?? 0) + 1
    // JSON.stringify also makes the stored value a copy: later changes to `data` do not reach it.
    if (!(await this.claim(name, current, { version, exists: true, data }))) {
      return { ok: false, reason: 'version_mismatch', currentVersion: versionOf(await this.current(name)) }
    }
    return { ok: true, version }
  }

  async delete(name: string, expectedVersion?: number): Promise<DeleteResult> {
    assertName(name)
    if (expectedVersion !== undefined) assertExpectedVersion(expectedVersion, false)
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.current(name)
      if (!current?.record.exists) return { ok: false, reason: 'not_found' }
      const version = current.record.version
      if (expectedVersion !== undefined && version !== expectedVersion)
        return { ok: false, reason: 'version_mismatch', currentVersion: version }
      if (await this.claim(name, current, { version, exists: false })) return { ok: true, deletedVersion: version }
      // Lost the race for the next slot. Conditional: the version we were given is gone, report
      // what is there now. Unconditional: the caller means "whatever it is now", so go again.
      if (expectedVersion !== undefined) {
        const now = await this.current(name)
        return now?.record.exists
          ? { ok: false, reason: 'version_mismatch', currentVersion: now.record.version }
          : { ok: false, reason: 'not_found' }
      }
    }
    throw new Error('config store: delete kept losing races with other writers; try again')
  }

  /** The newest slot of `name`, or null when it has none. */
  private async current(name: string): Promise<Current | null> {
    const hint = await this.readJson(nameKey(name))
    let from = typeof hint?.slot === 'number' && Number.isSafeInteger(hint.slot) && hint.slot > 1 ? hint.slot : 1
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let last: Current | null = null
      for (let slot = from; ; slot++) {
        const record = await this.readJson(slotKey(name, slot))
        if (record === null) break
        last = { slot, record: asSlotRecord(record) }
      }
      if (last === null) {
        // The hint is ahead of what this POP sees yet (replication): start from the beginning.
        if (from > 1) {
          from = 1
          continue
        }
        return null
      }
      if (!last.record.superseded) return last
      // Its successor was written while we looked: read on from there.
      from = last.slot
    }
    throw new Error('config store: the newest version kept moving while reading it; try again')
  }

  /**
   * Creates the slot after `current` with `add`. True if this writer created it; false if another
   * writer got there first (the state moved on); any other failure throws.
   */
  private async claim(name: string, current: Current | null, record: SlotRecord): Promise<boolean> {
    const slot = (current?.slot ?? 0) + 1
    if (!(await this.add(slotKey(name, slot), record))) return false
    // After the commit point: these only move the hint and drop the old data. A failure here must
    // not turn a write that happened into an error (a retry would then see a mismatch), so it is
    // swallowed; the cost is a stale hint (a longer search) or old data left in the previous slot.
    const tidy: Promise<unknown>[] = [this.kv.put(nameKey(name), JSON.stringify({ slot }))]
    if (current) {
      const { version, exists } = current.record
      tidy.push(this.kv.put(slotKey(name, current.slot), JSON.stringify({ version, exists, superseded: true } satisfies SlotRecord)))
    }
    await Promise.allSettled(tidy)
    return true
  }

  /** Insert-if-absent. False when the key exists; other failures throw. */
  private async add(key: string, value: unknown): Promise<boolean> {
    try {
      await this.kv.put(key, JSON.stringify(value), { mode: 'add' })
      return true
    } catch (error) {
      if (isPreconditionFailed(error)) return false
      throw error
    }
  }

  private async readJson(key: string): Promise<Record<string, unknown> | null> {
    const entry = await this.kv.get(key)
    if (entry === null) return null
    const value: unknown = JSON.parse(await entry.text())
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw inconsistent('a value is not a JSON object')
    return value as Record<string, unknown>
  }
}

function versionOf(current: Current | null): CurrentVersion {
  return current?.record.exists ? current.record.version : null
}

function asSlotRecord(value: Record<string, unknown>): SlotRecord {
  const { version, exists } = value
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1 || typeof exists !== 'boolean') {
    throw inconsistent('a slot record is malformed')
  }
  return value as unknown as SlotRecord
}
