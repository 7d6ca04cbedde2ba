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
// Reading a name: from the hinted slot, find the newest slot there is (galloping and bisecting, see
// current()); that one is current. Once slot n + 1 exists, its writer rewrites slot n without its data ("superseded"), so
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
import { ErrorCode, ProblemError } from '../problem.ts'
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

/** How many times an unconditional delete retries a lost race before giving up. */
const MAX_ATTEMPTS = 5
/**
 * How long a read waits before each new look when this POP has not yet received a name's newest slot
 * (replication lag): 10 + 20 + 40 + 80 = 150 ms at most, then 503 store_unavailable. Waiting costs
 * no CPU (Fastly's limit is 50 ms of CPU), but bounds the latency added to the request; Fastly says
 * recently changed data may take up to ~300 ms to reach a POP, so the client retries after
 * RETRY_AFTER_SECONDS rather than this request waiting all of it.
 */
export const LAG_BACKOFF_MS: readonly number[] = [10, 20, 40, 80]
export const RETRY_AFTER_SECONDS = 1

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function storeUnavailable(): ProblemError {
  return new ProblemError(
    503,
    ErrorCode.storeUnavailable,
    'The config store has not caught up with a recent write at this location yet; retry shortly.',
    { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
  )
}
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

  /**
   * The newest slot of `name` this POP sees, or null when it sees none. Probes from the hint: the
   * hinted slot, then galloping (1, 2, 4, … slots) and a binary search towards the newest one, so a
   * hint that is behind or ahead of what this POP has costs O(log distance) lookups, not a walk from
   * slot 1. A hint ahead of every slot seen here (its write has not reached this POP) gives the newest
   * slot seen: a read may be stale for as long as replication takes, as any read of an eventually
   * consistent store may; a write based on it fails its `add` and answers version_mismatch. A current
   * slot seen here as superseded (its successor not yet here) has no data to answer with: then wait
   * and look again, backing off (LAG_BACKOFF_MS), and answer 503 store_unavailable with Retry-After
   * if this POP has still not caught up.
   */
  private async current(name: string): Promise<Current | null> {
    for (let attempt = 0; ; attempt++) {
      const hint = await this.readJson(nameKey(name))
      const from = typeof hint?.slot === 'number' && Number.isSafeInteger(hint.slot) && hint.slot > 1 ? hint.slot : 1
      const newest = await this.newestSlot(name, from)
      if (newest === null || !newest.record.superseded) return newest
      // Its successor was written, and has not reached this POP yet (or arrived while we looked).
      if (attempt >= LAG_BACKOFF_MS.length) throw storeUnavailable()
      await sleep(LAG_BACKOFF_MS[attempt]!)
    }
  }

  /** The highest slot seen from `from` on (or below it, when `from` is not seen), by galloping and bisecting. */
  private async newestSlot(name: string, from: number): Promise<Current | null> {
    const read = async (slot: number): Promise<Current | null> => {
      const record = await this.readJson(slotKey(name, slot))
      return record === null ? null : { slot, record: asSlotRecord(record) }
    }
    let found = await read(from)
    // lo: a slot seen (or 0: none); hi: a slot not seen, above lo.
    let lo: number
    let hi: number
    if (found) {
      lo = from
      for (let step = 1; ; step *= 2) {
        const next = await read(lo + step)
        if (!next) {
          hi = lo + step
          break
        }
        lo = lo + step
        found = next
      }
    } else {
      hi = from
      lo = 0
      for (let step = 1; from - step >= 1; step *= 2) {
        const below = await read(from - step)
        if (below) {
          lo = from - step
          found = below
          break
        }
        hi = from - step
      }
      if (!found) {
        // Galloped down to slot 1 without finding one: slot 1 itself, unless already looked at.
        if (hi > 1) found = await read(1)
        if (!found) return null
        lo = 1
      }
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2)
      const seen = await read(mid)
      if (seen) {
        lo = mid
        found = seen
      } else {
        hi = mid
      }
    }
    return found
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
