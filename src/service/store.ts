// The config vault's storage interface: versioned records with compare-and-set writes, so two
// writers racing on the same `If-Match` can never both succeed (one gets `version_mismatch`).
// The store sees records as opaque JSON; the vault layer puts ciphertext, wrapped key and key id
// there. Implementations: store-memory.ts (tests, and the reference for the semantics),
// runtime/cloudflare-store.ts (a Durable Object) and runtime/fastly-store.ts (a Fastly KV Store); the
// app only ever sees this interface.
import { isValidConfigName } from './names.ts'

/** What a record's payload may be: anything that survives JSON (and structured clone) unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A stored record: the caller's data plus the version the store assigned to it. */
export interface VersionedRecord {
  data: JsonValue
  /**
   * Starts at 1 and goes up by one on every successful put. Monotonic per name for the life of
   * the store: a name deleted and created again continues after its last version, so an `If-Match`
   * taken before the delete can never match the new record.
   */
  version: number
}

export interface ConfigEntry {
  name: string
  version: number
}

/** The record's current version, or null when it does not exist (never created, or deleted). */
export type CurrentVersion = number | null

export type PutResult = { ok: true; version: number } | { ok: false; reason: 'version_mismatch'; currentVersion: CurrentVersion }

export type DeleteResult =
  | { ok: true; deletedVersion: number }
  | { ok: false; reason: 'version_mismatch'; currentVersion: number }
  | { ok: false; reason: 'not_found' }

export interface ConfigStore {
  /** The current record, or null when there is none. */
  get(name: string): Promise<VersionedRecord | null>
  /** Every existing record's name and version, sorted by name. */
  list(): Promise<ConfigEntry[]>
  /**
   * Writes `data` only if the record's current version is `expectedVersion`; `null` means "must not
   * exist" (create). Check and write are one atomic step.
   */
  put(name: string, data: JsonValue, expectedVersion: number | null): Promise<PutResult>
  /**
   * Deletes the record, only if its current version is `expectedVersion` when one is given
   * (an unconditional delete is for admins who mean it). A missing record is `not_found`.
   */
  delete(name: string, expectedVersion?: number): Promise<DeleteResult>
}

/** Names are validated by the caller (the API answers 400); this is the backstop that keeps storage keys well-formed. */
export function assertName(name: unknown): void {
  if (typeof name !== 'string' || !isValidConfigName(name)) throw new TypeError('invalid config record name')
}

/** Checked by every store before it touches storage: a bad version is a caller bug, not a mismatch. */
export function assertExpectedVersion(expectedVersion: unknown, allowNull: boolean): void {
  if (expectedVersion === null && allowNull) return
  if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
    throw new TypeError(`expectedVersion must be a positive integer${allowNull ? ' or null' : ''}`)
  }
}

/** How often `updateAll` re-reads and retries one record whose version moved under it. */
export const MAX_UPDATE_ATTEMPTS = 5

export interface UpdateAllReport {
  /** Records written with new data. */
  updated: number
  /** Records the transform left as they were (it returned null), e.g. already under the new key. */
  unchanged: number
  /** Records that were deleted while the run was going (nothing to do). */
  vanished: number
  /** Names still not updated after MAX_UPDATE_ATTEMPTS because writers kept racing; run again. */
  conflicts: string[]
}

/**
 * Rewrites every record through `transform`, e.g. to re-wrap data keys under a rotated server key.
 * Each write is conditional on the version that was read, so an update made by someone else in the
 * meantime is never overwritten with stale data: the record is read again and transformed again.
 * `transform` returns the new data, or null to leave the record alone; it must be idempotent.
 */
export async function updateAll(
  store: ConfigStore,
  transform: (name: string, record: VersionedRecord) => Promise<JsonValue | null>,
): Promise<UpdateAllReport> {
  const report: UpdateAllReport = { updated: 0, unchanged: 0, vanished: 0, conflicts: [] }
  for (const { name } of await store.list()) {
    const outcome = await updateOne(store, name, transform)
    if (outcome === 'conflict') report.conflicts.push(name)
    else report[outcome]++
  }
  return report
}

/** Records one rewrap call handles at most; the response's `next` cursor continues after the last. */
export const UPDATE_PAGE_SIZE = 50

/**
 * updateAll, one page at a time: the records named after `after` (in name order), at most `limit`;
 * `next` is the last name handled when more remain, else null. A page is idempotent, so a repeated
 * or replayed call does no harm.
 */
export async function updatePage(
  store: ConfigStore,
  transform: (name: string, record: VersionedRecord) => Promise<JsonValue | null>,
  page: { after: string | null; limit?: number },
): Promise<UpdateAllReport & { next: string | null }> {
  const limit = page.limit ?? UPDATE_PAGE_SIZE
  const report: UpdateAllReport = { updated: 0, unchanged: 0, vanished: 0, conflicts: [] }
  const names = (await store.list()).map((e) => e.name).filter((name) => page.after === null || name > page.after)
  for (const name of names.slice(0, limit)) {
    const outcome = await updateOne(store, name, transform)
    if (outcome === 'conflict') report.conflicts.push(name)
    else report[outcome]++
  }
  return { ...report, next: names.length > limit ? names[limit - 1]! : null }
}

async function updateOne(
  store: ConfigStore,
  name: string,
  transform: (name: string, record: VersionedRecord) => Promise<JsonValue | null>,
): Promise<'updated' | 'unchanged' | 'vanished' | 'conflict'> {
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const record = await store.get(name)
    if (!record) return 'vanished'
    const data = await transform(name, record)
    if (data === null) return 'unchanged'
    if ((await store.put(name, data, record.version)).ok) return 'updated'
  }
  return 'conflict'
}
