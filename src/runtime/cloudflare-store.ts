// The config vault's store on Cloudflare: one Durable Object holding every record.
//
// Why a Durable Object and not Workers KV: vault writes are conditional (`If-Match`), which needs an
// atomic compare-and-set. KV is eventually consistent (a write can take 60 s or more to be visible
// everywhere) and has no compare-and-swap, so two writers racing on the same version could both read
// it, both "succeed", and one update would be silently lost. A Durable Object is a single instance
// with strongly consistent, transactional storage: requests to it are serialised, and the check and
// the write run synchronously inside one `transactionSync`, so exactly one racing writer wins.
//
// Costs of that choice: every read and write goes to the one object (its location is fixed near the
// first caller), and one object handles on the order of a thousand small requests a second; ample
// for configuration. `wrangler dev` (`npm start`) persists its storage under .wrangler/state.
import { DurableObject } from 'cloudflare:workers'
import {
  assertExpectedVersion,
  assertName,
  type ConfigEntry,
  type ConfigStore,
  type DeleteResult,
  type JsonValue,
  type PutResult,
  type VersionedRecord,
} from '../service/store.ts'
import { VersionedRecords } from '../service/store-memory.ts'

/** The one object every worker instance talks to; naming it makes `getByName` always find the same one. */
export const CONFIG_VAULT_OBJECT_NAME = 'config-vault'

/**
 * A VersionedRecord as it crosses RPC. workers-types' stub mapping recurses without end on the
 * recursive JsonValue (TS2589), so `data` is `unknown` at the boundary; it is always a JsonValue.
 */
type RpcRecord = Omit<VersionedRecord, 'data'> & { data: unknown }

/**
 * Holds the records in its SQLite-backed storage (wrangler.jsonc: `new_sqlite_classes`), through the
 * synchronous KV API. Reached only through its binding, never from the internet; RPC methods are
 * the ConfigStore operations.
 */
export class ConfigVaultObject extends DurableObject {
  // `#` (not TS `private`): only the RPC methods below should be reachable through a stub.
  readonly #records: VersionedRecords

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    const storage = ctx.storage
    this.#records = new VersionedRecords(storage.kv, (fn) => storage.transactionSync(fn))
  }

  getRecord(name: string): RpcRecord | null {
    return this.#records.get(name)
  }
  listRecords(): ConfigEntry[] {
    return this.#records.list()
  }
  // `data` is `unknown` for the reason given at RpcRecord; the one caller passes a JsonValue.
  putRecord(name: string, data: unknown, expectedVersion: number | null): PutResult {
    return this.#records.put(name, data as JsonValue, expectedVersion)
  }
  deleteRecord(name: string, expectedVersion?: number): DeleteResult {
    return this.#records.delete(name, expectedVersion)
  }
}

/** ConfigStore over the Durable Object's RPC methods: what the Workers entry injects into the app. */
export class DurableObjectConfigStore implements ConfigStore {
  private readonly stub: DurableObjectStub<ConfigVaultObject>

  constructor(namespace: DurableObjectNamespace<ConfigVaultObject>, objectName: string = CONFIG_VAULT_OBJECT_NAME) {
    this.stub = namespace.getByName(objectName)
  }

  // Arguments are checked here too (the object checks again), so a caller bug fails fast, without a
  // round trip and without an exception inside the object.
  async get(name: string): Promise<VersionedRecord | null> {
    assertName(name)
    return (await this.stub.getRecord(name)) as VersionedRecord | null
  }
  async list(): Promise<ConfigEntry[]> {
    return await this.stub.listRecords()
  }
  async put(name: string, data: JsonValue, expectedVersion: number | null): Promise<PutResult> {
    assertName(name)
    assertExpectedVersion(expectedVersion, true)
    return await this.stub.putRecord(name, data, expectedVersion)
  }
  async delete(name: string, expectedVersion?: number): Promise<DeleteResult> {
    assertName(name)
    if (expectedVersion !== undefined) assertExpectedVersion(expectedVersion, false)
    return await this.stub.deleteRecord(name, expectedVersion)
  }
}
