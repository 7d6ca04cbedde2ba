// TEST HARNESS, NOT A FASTLY HOST. It stands in for Viceroy (Fastly's local server), which cannot
// be obtained here, so that tests can send requests to the real Fastly artifact: bin/main.wasm as
// `npm run build:fastly` produces it (StarlingMonkey, i.e. SpiderMonkey compiled to WebAssembly,
// with our bundle snapshotted in). The engine and the app are the real ones; only the host is ours.
//
// What it is: the artifact is a core WebAssembly module (not a component) that imports WASI
// preview1 plus `fastly_*` host calls (the Compute ABI, as declared by js-compute-runtime's
// runtime/fastly/host-api/fastly.h). Each run gets a fresh instance of one cached compiled module,
// and `_start` runs once: one request per instance, as Fastly runs by default, or several in a row
// when the guest asks for more (reusable sandboxes, runFastlySandbox below). WASI comes from Node's
// `node:wasi` (preview1), with stdout/stderr captured instead of printed.
//
// What it implements (over plain in-memory state; the exact list is the `calls` table in Host, as
// implementedHostCalls() returns it):
//   - the downstream request (method, absolute URI, headers, body) and the response sent downstream
//     (status, headers, body; streaming bodies are captured when the instance finishes);
//   - request/response/body handles: headers get/insert/append/remove, body read/write/append/close;
//   - log endpoints (lines go to `options.logs`), config stores and dictionaries, secret stores;
//   - KV stores (HarnessKvStore below): lookup (value, metadata, generation), insert with the
//     overwrite/add/append/prepend modes, metadata, TTL and if-generation-match, delete, and list
//     with prefix, limit and cursor, with the outcomes Viceroy gives (see HarnessKvStore). Each
//     operation takes effect when the guest starts it, as the request to the store leaves then;
//     `failNext` injects a store failure (INTERNAL_ERROR, TOO_MANY_REQUESTS, …) for tests;
//   - async_io over handles that are always ready (nothing here is ever pending), and a few
//     constant answers (client IP 127.0.0.1, HTTP/1.1, no TLS, vCPU 0 ms);
//   - reusable sandboxes: next_request / next_request_wait hand the guest the run's next request
//     (with the stores as they are by then, so a test can change a secret between two requests),
//     and answer ERROR once there is none: the guest then ends, as when Fastly recycles a sandbox.
// What it does NOT implement: backends (no fetch to an origin), caches (core and HTTP), purge,
// dynamic backends, edge rate limiting, ACLs, geolocation, device detection, bot detection, image
// optimizer, shielding, WebSocket/Fanout, next_request_abandon, request inspection.
// Every such import is a stub that throws "harness: host call X not implemented", which traps the
// guest and fails the request loudly: a gap is never papered over with a fake success.
//
// Semantics follow the ABI's conventions: status codes (FastlyStatus below), `nwritten` out
// pointers, BUFFER_LEN (4) with the needed size in `nwritten` when a buffer is too small, NONE
// (10) for an absent optional value, NUL-separated lists with a cursor for header names/values.
// Status codes for unknown store names are the ones js-compute turns into its "… does not exist"
// errors. KV outcomes travel in the separate `kv_error` out value (KV_ERROR_*), as in Viceroy: a
// failed add or generation match is PRECONDITION_FAILED (js-compute rejects with "KVStore insert:
// Precondition failed."), a missing key NOT_FOUND. Not modelled for KV: lookup/delete options and
// insert's background fetch (they throw NotImplemented), rate limits, size limits beyond the key
// rules js-compute checks itself, and eventual consistency (every KV operation here is immediately
// visible to the next, unless a test arms HarnessKvStore.lag for a key; the real store is eventually consistent across POPs, so strong and `noSync`
// listing are the same here). Header names are lowercased, as Fastly's host does. test/fastly/harness.test.ts checks each
// implemented call against the real engine with a small js-compute program.
import { readFileSync, statSync } from 'node:fs'
import { WASI } from 'node:wasi'

/** FastlyStatus: what every `fastly_*` host call returns. */
export const FastlyStatus = {
  OK: 0,
  ERROR: 1,
  INVAL: 2,
  BADF: 3,
  BUFFER_LEN: 4,
  UNSUPPORTED: 5,
  BADALIGN: 6,
  HTTP_INVALID: 7,
  HTTP_USER: 8,
  HTTP_INCOMPLETE: 9,
  NONE: 10,
} as const

/** fastly_kv_store `kv_error` values (KV_ERROR_* in fastly.h). */
export const KvError = {
  UNINITIALIZED: 0,
  OK: 1,
  BAD_REQUEST: 2,
  NOT_FOUND: 3,
  PRECONDITION_FAILED: 4,
  PAYLOAD_TOO_LARGE: 5,
  INTERNAL_ERROR: 6,
  TOO_MANY_REQUESTS: 7,
} as const
type KvErrorCode = (typeof KvError)[keyof typeof KvError]

// fastly_kv_store option masks and struct layouts (fastly.h: KV_INSERT_CONFIG_*, KVInsertOptions,
// KV_LIST_CONFIG_*, KVListOptions; wasm32, so pointers are 4 bytes and a u64 is 8-aligned).
const KV_INSERT_RESERVED = 1 << 0
const KV_INSERT_METADATA = 1 << 3
const KV_INSERT_TTL_SEC = 1 << 4
const KV_INSERT_IF_GENERATION_MATCH = 1 << 5
/** KVInsertOptions: mode u32 @0, reserved u32 @4, metadata ptr @8, metadata_len u32 @12, ttl_sec u32 @16, if_generation_match u64 @24. */
const KV_INSERT_OPTS = { mode: 0, metadata: 8, metadataLen: 12, ttlSec: 16, ifGenerationMatch: 24 } as const
const KV_LIST_RESERVED = 1 << 0
const KV_LIST_CURSOR = 1 << 1
const KV_LIST_LIMIT = 1 << 2
const KV_LIST_PREFIX = 1 << 3
/** KVListOptions: mode u32 @0 (0 strong, 1 eventual), cursor ptr @4, cursor_len @8, limit @12, prefix ptr @16, prefix_len @20. */
const KV_LIST_OPTS = { cursor: 4, cursorLen: 8, limit: 12, prefix: 16, prefixLen: 20 } as const
/** Viceroy's page size when the guest sets no limit. */
const KV_LIST_DEFAULT_LIMIT = 1000

export type KvInsertMode = 'overwrite' | 'add' | 'append' | 'prepend'
export type KvOperation = 'lookup' | 'insert' | 'delete' | 'list'
const KV_INSERT_MODES: readonly KvInsertMode[] = ['overwrite', 'add', 'append', 'prepend'] // KV_INSERT_MODE_* 0..3

export interface KvEntry {
  value: Uint8Array
  /** Entry metadata (js-compute: KVStoreEntry.metadata()), or null when none was written. */
  metadata: Uint8Array | null
  /** Changes on every write; `if_generation_match` compares against it. */
  generation: bigint
  /** Date.now() after which the entry is gone (TTL), if any. */
  expiresAt?: number
}

// Generations are opaque u64s (Viceroy uses a nanosecond clock). One counter for every store, and
// starting above 2^32, so a guest that truncated them to 32 bits would be caught.
let generationCounter = 0x1_0000_0000n
const nextGeneration = (): bigint => ++generationCounter

/**
 * One KV store's contents, with the semantics Viceroy (Fastly's local server) implements for the
 * fastly_kv_store host calls: every write assigns a new generation; `add` fails with
 * PRECONDITION_FAILED when the key exists; `if_generation_match` fails with PRECONDITION_FAILED
 * when the key exists with another generation (Viceroy lets it write a key that does not exist);
 * delete of a missing key is NOT_FOUND; list returns keys in byte order, filtered by prefix, after
 * the cursor (base64 of the last key of the previous page), at most `limit` a page. Tests hold it
 * and pass it in `kvStores`; the guest's writes persist in it across requests.
 */
export class HarnessKvStore {
  private readonly entries = new Map<string, KvEntry>()
  private readonly faults = new Map<KvOperation, KvErrorCode>()
  private readonly lagging = new Map<string, { lookups: number; seen: KvEntry | undefined }>()
  /** Every key the guest looked up, in order (tests count store round trips with it). */
  readonly lookups: string[] = []

  constructor(initial: Record<string, string | Uint8Array> = {}) {
    for (const [key, value] of Object.entries(initial)) this.set(key, value)
  }

  /** The live entry (TTL applied), or undefined. */
  entry(key: string): KvEntry | undefined {
    const e = this.entries.get(key)
    if (e?.expiresAt !== undefined && Date.now() >= e.expiresAt) {
      this.entries.delete(key)
      return undefined
    }
    return e
  }
  get(key: string): Uint8Array | undefined {
    return this.entry(key)?.value
  }
  text(key: string): string | undefined {
    const v = this.get(key)
    return v === undefined ? undefined : decoder.decode(v)
  }
  /** Overwrites the key as a test fixture; returns the new generation. */
  set(key: string, value: string | Uint8Array, metadata: string | Uint8Array | null = null): bigint {
    const generation = nextGeneration()
    this.entries.set(key, { value: bytes(value).slice(), metadata: metadata === null ? null : bytes(metadata).slice(), generation })
    return generation
  }
  delete(key: string): boolean {
    return this.entry(key) !== undefined && this.entries.delete(key)
  }
  /** Live keys in byte order (the order list pages them in). */
  keys(): string[] {
    return [...this.entries.keys()].filter((k) => this.entry(k) !== undefined).sort(compareBytes)
  }

  /**
   * Test hook for replication lag (which this harness otherwise does not model: see the header): the
   * next `lookups` lookups of `key` answer what a POP that has not yet received its latest write
   * would see, `seen` (null: the key is missing there), instead of the live value. Only lookups lag;
   * inserts (`add` included) are decided on the live state, as the store's single authority decides
   * them, and list() is not affected.
   */
  lag(key: string, lookups: number, seen: string | Uint8Array | null): void {
    this.lagging.set(key, {
      lookups,
      seen: seen === null ? undefined : { value: bytes(seen).slice(), metadata: null, generation: nextGeneration() },
    })
  }
  /** What a lookup of `key` sees: the lagging view while one is armed (consuming one), else the live entry. */
  lookup(key: string): KvEntry | undefined {
    this.lookups.push(key)
    const lag = this.lagging.get(key)
    if (lag && lag.lookups > 0) {
      if (--lag.lookups === 0) this.lagging.delete(key)
      return lag.seen
    }
    return this.entry(key)
  }

  /** Test fault injection: the next `op` the guest waits on fails with `kvError` (e.g. INTERNAL_ERROR), once. */
  failNext(op: KvOperation, kvError: KvErrorCode): void {
    this.faults.set(op, kvError)
  }
  /** The injected failure for `op`, consumed; undefined when none is armed. */
  takeFault(op: KvOperation): KvErrorCode | undefined {
    const fault = this.faults.get(op)
    this.faults.delete(op)
    return fault
  }

  /** What fastly_kv_store.insert does, decided when the guest waits on it. */
  insert(
    key: string,
    value: Uint8Array,
    options: { mode: KvInsertMode; ifGenerationMatch?: bigint; metadata?: Uint8Array; ttlSec?: number },
  ): KvErrorCode {
    const existing = this.entry(key)
    if (options.ifGenerationMatch !== undefined && existing && existing.generation !== options.ifGenerationMatch)
      return KvError.PRECONDITION_FAILED
    let out = value
    if (options.mode === 'add' && existing) return KvError.PRECONDITION_FAILED
    if (options.mode === 'append' && existing) out = concat(existing.value, value)
    if (options.mode === 'prepend' && existing) out = concat(value, existing.value)
    const entry: KvEntry = { value: out, metadata: options.metadata ?? null, generation: nextGeneration() }
    if (options.ttlSec !== undefined) entry.expiresAt = Date.now() + options.ttlSec * 1000
    this.entries.set(key, entry)
    return KvError.OK
  }

  /** What fastly_kv_store.list answers: the JSON body js-compute parses ({data, meta: {limit, prefix?, next_cursor?}}), or BAD_REQUEST for a cursor that is not base64 UTF-8. */
  list(options: { prefix?: string; cursor?: string; limit?: number }): Uint8Array | KvErrorCode {
    let after: string | undefined
    if (options.cursor !== undefined) {
      const raw = Buffer.from(options.cursor, 'base64')
      if (raw.toString('base64') !== options.cursor) return KvError.BAD_REQUEST
      try {
        after = new TextDecoder('utf-8', { fatal: true }).decode(raw)
      } catch {
        return KvError.BAD_REQUEST
      }
    }
    const limit = options.limit ?? KV_LIST_DEFAULT_LIMIT
    const matching = this.keys().filter(
      (k) => (after === undefined || compareBytes(k, after) > 0) && (options.prefix === undefined || k.startsWith(options.prefix)),
    )
    const data = matching.slice(0, limit)
    const meta: Record<string, unknown> = { limit }
    if (options.prefix !== undefined) meta.prefix = options.prefix
    if (data.length < matching.length) meta.next_cursor = Buffer.from(data[data.length - 1]!, 'utf8').toString('base64')
    return encoder.encode(JSON.stringify({ data, meta }))
  }
}

/** Byte order of the UTF-8 encodings (what a Rust BTreeMap<String, _> iterates in). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

const INVALID_HANDLE = 0xffff_fffe
/** HTTP versions as the ABI numbers them: 0 = 0.9, 1 = 1.0, 2 = 1.1, 3 = 2, 4 = 3. */
const HTTP_1_1 = 2

export interface FastlyTestRequest {
  method: string
  /** Absolute URL, e.g. http://localhost/health (Fastly hands the guest an absolute URI). */
  url: string
  headers?: Record<string, string> | [string, string][]
  body?: string | Uint8Array
}

export interface FastlyLogLine {
  endpoint: string
  line: string
}

export interface FastlyHarnessOptions {
  /** Secret stores by name: key -> plaintext. */
  secrets?: Record<string, Record<string, string | Uint8Array>>
  /** KV stores by name. Shared by reference, so writes made by the guest persist across requests. */
  kvStores?: Record<string, HarnessKvStore>
  /** Config stores (also served as legacy dictionaries) by name: key -> value. */
  configStores?: Record<string, Record<string, string>>
  /** Sink for `fastly:logger` lines (one entry per write). */
  logs?: FastlyLogLine[]
  /** Environment variables the guest sees (`fastly.env`); FASTLY_HOSTNAME etc. get defaults. */
  env?: Record<string, string>
  /** Record the name of every host call made (in order) into this array. */
  trace?: string[]
}

export interface FastlyTestResponse {
  status: number
  /** Header entries in the order the guest set them; names lowercased. */
  headerList: [string, string][]
  headers: Headers
  body: Uint8Array
  text(): string
  json(): unknown
  /** What the guest wrote to stdout / stderr (console.log / console.error). */
  stdout: string
  stderr: string
  /** Wall time the guest ran (wasi.start: the request from the instance's first instruction to its exit), ms. */
  guestMs: number
  /**
   * CPU time of this thread while the guest ran, ms (Linux schedstat, ns resolution): unlike guestMs,
   * it does not grow while other processes hold the CPU.
   */
  guestCpuMs: number
}

type Header = [name: string, value: Uint8Array]

interface ReqState {
  method: string
  uri: string
  headers: Header[]
}
interface RespState {
  status: number
  headers: Header[]
}
interface BodyState {
  data: Uint8Array
  /** Read position (bytes before it were consumed by body_read). */
  pos: number
  closed: boolean
}
/**
 * A KV operation's outcome. Operations take effect when the guest starts them (as a request to the
 * store is sent then, in Viceroy and on Fastly); the *_wait call of the same kind reports it.
 */
type KvPending =
  | { kind: 'lookup'; entry: KvEntry | undefined; kvError: KvErrorCode }
  | { kind: 'insert'; kvError: KvErrorCode }
  | { kind: 'delete'; kvError: KvErrorCode }
  | { kind: 'list'; body: Uint8Array | undefined; kvError: KvErrorCode }

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const bytes = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? encoder.encode(v) : v)

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const moduleCache = new Map<string, { mtimeMs: number; module: WebAssembly.Module }>()

/** Compiles `wasmPath` once per file version (compiling 11 MB takes a while; instantiating is cheap). */
export function loadFastlyModule(wasmPath: string): WebAssembly.Module {
  const { mtimeMs } = statSync(wasmPath)
  const cached = moduleCache.get(wasmPath)
  if (cached && cached.mtimeMs === mtimeMs) return cached.module
  const module = new WebAssembly.Module(readFileSync(wasmPath))
  moduleCache.set(wasmPath, { mtimeMs, module })
  return module
}

class NotImplemented extends Error {}

/**
 * This thread's CPU time in ns: Linux's /proc/thread-self/schedstat (nanosecond run time, the source
 * scripts/workerd-cpu.ts reads for workerd), else process.cpuUsage() (µs, whole process, tick-sampled).
 */
function threadCpuNs(): bigint {
  try {
    return BigInt(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]!)
  } catch {
    const { user, system } = process.cpuUsage()
    return BigInt(user + system) * 1000n
  }
}

/** Runs one request through a fresh instance of the artifact and returns what it sent downstream. */
export function runFastlyRequest(wasmPath: string, request: FastlyTestRequest, options: FastlyHarnessOptions = {}): FastlyTestResponse {
  return runFastlySandbox(wasmPath, [request], options).responses[0]!
}

/** What one sandbox (one instance, one `_start`) served. */
export interface FastlySandboxRun {
  /** A response per request served, in order: fewer than asked when the guest did not ask for more. */
  responses: FastlyTestResponse[]
  /** next_request's timeout as the guest set it (ms; setReusableSandboxOptions' betweenRequestTimeoutMs), if it asked. */
  nextRequestTimeoutMs?: number
}

/**
 * Runs requests through ONE fresh instance of the artifact: the first is the downstream request, the
 * others go to the guest when it asks for the next one (a reusable sandbox: `fastly:experimental`'s
 * setReusableSandboxOptions). A guest that does not ask serves only the first. Each response's
 * guestCpuMs/guestMs is that request's share: from handing it over (the first: from `_start`) to the
 * guest asking for the next (the last: to its exit). `beforeRequest(i)` runs just before request i
 * (i ≥ 1) is handed over, e.g. to change a secret the guest will read.
 */
export function runFastlySandbox(
  wasmPath: string,
  requests: readonly FastlyTestRequest[],
  options: FastlyHarnessOptions = {},
  beforeRequest?: (index: number) => void,
): FastlySandboxRun {
  if (requests.length === 0) throw new Error('harness: a sandbox needs at least one request')
  const module = loadFastlyModule(wasmPath)
  const host = new Host(requests, options, beforeRequest)
  const wasi = new WASI({
    version: 'preview1',
    args: ['main.wasm'],
    env: {
      FASTLY_HOSTNAME: 'localhost',
      FASTLY_SERVICE_VERSION: '0',
      FASTLY_POP: 'TEST',
      FASTLY_REGION: 'Test',
      FASTLY_TRACE_ID: '0',
      ...options.env,
    },
    returnOnExit: true,
  })
  const imports: WebAssembly.Imports = {}
  const wasiImport: Record<string, unknown> = { ...(wasi.wasiImport as Record<string, unknown>), fd_write: host.fdWrite }
  for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`harness: unexpected ${kind} import ${mod}.${name}`)
    let fn: unknown
    if (mod === 'wasi_snapshot_preview1') fn = wasiImport[name]
    else fn = host.calls[`${mod}.${name}`]
    const impl =
      typeof fn === 'function'
        ? (fn as (...args: unknown[]) => unknown)
        : () => {
            throw new NotImplemented(`harness: host call ${mod}.${name} not implemented`)
          }
    const label = `${mod}.${name}`
    const traced = options.trace
      ? (...args: unknown[]) => {
          options.trace!.push(label)
          return impl(...args)
        }
      : impl
    ;(imports[mod] ??= {})[name] = traced
  }
  const instance = new WebAssembly.Instance(module, imports)
  host.memory = instance.exports.memory as WebAssembly.Memory
  let exitCode: number | undefined
  host.startClock()
  try {
    exitCode = wasi.start(instance)
    host.finishRequest()
  } catch (error) {
    const detail = host.allStderr ? `\nguest stderr:\n${host.allStderr}` : ''
    if (error instanceof Error) error.message += detail
    throw error
  }
  if (exitCode !== 0 && exitCode !== undefined) {
    throw new Error(`harness: guest exited with code ${exitCode}\nguest stderr:\n${host.allStderr}`)
  }
  return { responses: host.responses, ...(host.nextRequestTimeoutMs !== undefined && { nextRequestTimeoutMs: host.nextRequestTimeoutMs }) }
}

/** The in-memory host: one per instance (a sandbox, serving one request or several), like Viceroy's per-session state. */
class Host {
  memory!: WebAssembly.Memory
  /** What the guest wrote to stdout / stderr while serving the current request. */
  stdout = ''
  stderr = ''
  /** Everything written to stderr in this instance (for errors). */
  allStderr = ''
  /** The responses of the requests served so far. */
  readonly responses: FastlyTestResponse[] = []
  nextRequestTimeoutMs: number | undefined
  private clock = { ms: 0, cpuNs: 0n }
  private nextHandle = 1
  private readonly reqs = new Map<number, ReqState>()
  private readonly resps = new Map<number, RespState>()
  private readonly bodies = new Map<number, BodyState>()
  private readonly logEndpoints = new Map<number, string>()
  private readonly configStores = new Map<number, Record<string, string>>()
  private readonly secretStores = new Map<number, Record<string, string | Uint8Array>>()
  private readonly secrets = new Map<number, Uint8Array>()
  private readonly kvStores = new Map<number, HarnessKvStore>()
  private readonly kvPending = new Map<number, KvPending>()
  private downstreamTaken = false
  private sent: { resp: number; body: number; streaming: boolean; snapshot: RespState & { body: Uint8Array } } | undefined
  readonly calls: Record<string, (...args: never[]) => number | undefined>

  /** The request being served, and its index in `requests`. */
  private request: FastlyTestRequest
  private index = 0
  private readonly requests: readonly FastlyTestRequest[]
  private readonly options: FastlyHarnessOptions
  private readonly beforeRequest: ((index: number) => void) | undefined
  /** next_request's promise handles not yet waited on. */
  private readonly requestPromises = new Set<number>()

  constructor(requests: readonly FastlyTestRequest[], options: FastlyHarnessOptions, beforeRequest?: (index: number) => void) {
    this.requests = requests
    this.request = requests[0]!
    this.options = options
    this.beforeRequest = beforeRequest
    const S = FastlyStatus
    /** Answers OK once its argument, the call's effect, has been evaluated. */
    const done = (_effect: unknown): number => S.OK
    this.calls = {
      // --- fastly_http_req: the downstream request and request handles ---
      'fastly_http_req.body_downstream_get': (reqOut: number, bodyOut: number) => {
        if (this.downstreamTaken) return S.ERROR
        this.downstreamTaken = true
        this.handOver(reqOut, bodyOut)
        return S.OK
      },
      // --- fastly_http_downstream.next_request*: a reusable sandbox asks for the run's next request ---
      'fastly_http_downstream.next_request': (mask: number, opts: number, out: number) => {
        // NextRequestOptions: timeout_ms u64 @0, valid when mask bit 1 (TIMEOUT) is set.
        this.nextRequestTimeoutMs = mask & 2 ? Number(new DataView(this.memory.buffer).getBigUint64(opts, true)) : undefined
        const h = this.handle()
        this.requestPromises.add(h)
        this.u32(out, h)
        return S.OK
      },
      'fastly_http_downstream.next_request_wait': (promise: number, reqOut: number, bodyOut: number) => {
        if (!this.requestPromises.delete(promise)) return S.BADF
        this.finishRequest()
        if (this.index + 1 >= this.requests.length) return S.ERROR // no next request: the sandbox ends
        this.index++
        this.request = this.requests[this.index]!
        this.beforeRequest?.(this.index)
        this.startClock()
        this.handOver(reqOut, bodyOut)
        return S.OK
      },

      'fastly_http_req.new': (out: number) => {
        const h = this.handle()
        this.reqs.set(h, { method: 'GET', uri: '', headers: [] })
        this.u32(out, h)
        return S.OK
      },
      'fastly_http_req.method_get': (h: number, buf: number, max: number, nwritten: number) =>
        this.withReq(h, (r) => this.putBytes(encoder.encode(r.method), buf, max, nwritten)),
      'fastly_http_req.method_set': (h: number, ptr: number, len: number) => this.withReq(h, (r) => done((r.method = this.str(ptr, len)))),
      'fastly_http_req.uri_get': (h: number, buf: number, max: number, nwritten: number) =>
        this.withReq(h, (r) => this.putBytes(encoder.encode(r.uri), buf, max, nwritten)),
      'fastly_http_req.uri_set': (h: number, ptr: number, len: number) => this.withReq(h, (r) => done((r.uri = this.str(ptr, len)))),
      ...this.headerCalls('req', (h, f) => this.withReq(h, f), done),

      // --- fastly_http_resp: response handles and sending downstream ---
      'fastly_http_resp.new': (out: number) => {
        const h = this.handle()
        this.resps.set(h, { status: 200, headers: [] })
        this.u32(out, h)
        return S.OK
      },
      'fastly_http_resp.status_get': (h: number, out: number) =>
        this.withResp(h, (r) => done(new DataView(this.memory.buffer).setUint16(out, r.status, true))),
      'fastly_http_resp.status_set': (h: number, status: number) =>
        this.withResp(h, (r) => {
          if (status < 100 || status > 999) return S.HTTP_INVALID
          r.status = status
          return S.OK
        }),
      ...this.headerCalls('resp', (h, f) => this.withResp(h, f), done),
      'fastly_http_resp.send_downstream': (resp: number, body: number, streaming: number) => {
        const r = this.resps.get(resp)
        const b = this.bodies.get(body)
        if (!r || !b) return S.BADF
        if (this.sent) return S.ERROR // Fastly allows one downstream response
        this.sent = { resp, body, streaming: streaming !== 0, snapshot: { status: r.status, headers: [...r.headers], body: this.rest(b) } }
        if (!streaming) this.bodies.delete(body)
        return S.OK
      },

      // --- fastly_http_body ---
      'fastly_http_body.new': (out: number) => done(this.u32(out, this.newBody(new Uint8Array(0)))),
      'fastly_http_body.read': (h: number, buf: number, len: number, nread: number) => {
        const b = this.bodies.get(h)
        if (!b) return S.BADF
        const chunk = b.data.subarray(b.pos, b.pos + len)
        new Uint8Array(this.memory.buffer, buf, chunk.length).set(chunk)
        b.pos += chunk.length
        this.u32(nread, chunk.length)
        return S.OK
      },
      'fastly_http_body.write': (h: number, buf: number, len: number, end: number, nwritten: number) => {
        const b = this.bodies.get(h)
        if (!b) return S.BADF
        if (b.closed) return S.BADF
        const data = this.copy(buf, len)
        const rest = this.rest(b)
        b.data = end === 1 ? concat(data, rest) : concat(rest, data)
        b.pos = 0
        this.u32(nwritten, len)
        return S.OK
      },
      'fastly_http_body.append': (dst: number, src: number) => {
        const d = this.bodies.get(dst)
        const s = this.bodies.get(src)
        if (!d || !s) return S.BADF
        d.data = concat(this.rest(d), this.rest(s))
        d.pos = 0
        this.bodies.delete(src)
        return S.OK
      },
      'fastly_http_body.close': (h: number) => {
        const b = this.bodies.get(h)
        if (!b) return S.BADF
        b.closed = true
        return S.OK
      },
      'fastly_http_body.abandon': (h: number) => {
        const b = this.bodies.get(h)
        if (!b) return S.BADF
        b.closed = true
        return S.OK
      },
      'fastly_http_body.known_length': (h: number, out: number) => {
        const b = this.bodies.get(h)
        if (!b) return S.BADF
        new DataView(this.memory.buffer).setBigUint64(out, BigInt(b.data.length - b.pos), true)
        return S.OK
      },

      // --- fastly_async_io: every handle here is complete, so always ready ---
      'fastly_async_io.is_ready': (_h: number, out: number) => done(this.u32(out, 1)),
      'fastly_async_io.select': (_handles: number, len: number, _timeoutMs: number, out: number) => {
        // Nothing is ever pending: the first handle is ready; with none, the timeout expires.
        this.u32(out, len > 0 ? 0 : 0xffff_ffff)
        return S.OK
      },

      // --- fastly_http_downstream: what the guest may ask about the client connection ---
      'fastly_http_downstream.downstream_client_ip_addr': (_req: number, octets: number, nwritten: number) => {
        new Uint8Array(this.memory.buffer, octets, 4).set([127, 0, 0, 1])
        this.u32(nwritten, 4)
        return S.OK
      },
      'fastly_http_downstream.downstream_server_ip_addr': (_req: number, octets: number, nwritten: number) => {
        new Uint8Array(this.memory.buffer, octets, 4).set([127, 0, 0, 1])
        this.u32(nwritten, 4)
        return S.OK
      },
      'fastly_http_downstream.downstream_client_request_id': (_req: number, buf: number, max: number, nwritten: number) =>
        this.putBytes(encoder.encode('00000000000000000000000000000000'), buf, max, nwritten),
      // Plain HTTP: no TLS details exist (NONE, as for a non-TLS connection).
      'fastly_http_downstream.downstream_tls_cipher_openssl_name': () => S.NONE,
      'fastly_http_downstream.downstream_tls_protocol': () => S.NONE,
      'fastly_http_downstream.downstream_tls_client_hello': () => S.NONE,
      'fastly_http_downstream.downstream_tls_raw_client_certificate': () => S.NONE,
      'fastly_http_downstream.downstream_tls_ja3_md5': () => S.NONE,
      'fastly_http_downstream.downstream_tls_ja4': () => S.NONE,
      'fastly_http_downstream.downstream_tls_client_servername': () => S.NONE,

      // --- fastly_log ---
      'fastly_log.endpoint_get': (np: number, nl: number, out: number) => {
        const h = this.handle()
        this.logEndpoints.set(h, this.str(np, nl))
        this.u32(out, h)
        return S.OK
      },
      'fastly_log.write': (h: number, ptr: number, len: number, nwritten: number) => {
        const endpoint = this.logEndpoints.get(h)
        if (endpoint === undefined) return S.BADF
        this.options.logs?.push({ endpoint, line: this.str(ptr, len) })
        this.u32(nwritten, len)
        return S.OK
      },

      // --- config stores (and the legacy dictionary API over the same data) ---
      // Unknown store name: BADF, which js-compute reports as "No ConfigStore named '…' exists".
      'fastly_config_store.open': (np: number, nl: number, out: number) =>
        this.openStore(this.configStores, this.options.configStores, np, nl, out, S.BADF),
      'fastly_config_store.get': (h: number, kp: number, kl: number, buf: number, max: number, nwritten: number) =>
        this.storeGet(h, kp, kl, buf, max, nwritten),
      'fastly_dictionary.open': (np: number, nl: number, out: number) =>
        this.openStore(this.configStores, this.options.configStores, np, nl, out, S.BADF),
      'fastly_dictionary.get': (h: number, kp: number, kl: number, buf: number, max: number, nwritten: number) =>
        this.storeGet(h, kp, kl, buf, max, nwritten),

      // --- secret stores ---
      // Unknown store name: NONE (js-compute: "SecretStore … does not exist"). Missing key: NONE (get resolves null).
      'fastly_secret_store.open': (np: number, nl: number, out: number) =>
        this.openStore(this.secretStores, this.options.secrets, np, nl, out, S.NONE),
      'fastly_secret_store.get': (store: number, kp: number, kl: number, out: number) => {
        const s = this.secretStores.get(store)
        if (!s) return S.BADF
        const key = this.str(kp, kl)
        if (!Object.hasOwn(s, key)) return S.NONE
        const h = this.handle()
        this.secrets.set(h, bytes(s[key]!))
        this.u32(out, h)
        return S.OK
      },
      'fastly_secret_store.plaintext': (h: number, buf: number, max: number, nwritten: number) => {
        const secret = this.secrets.get(h)
        if (!secret) return S.BADF
        return this.putBytes(secret, buf, max, nwritten)
      },
      'fastly_secret_store.from_bytes': (ptr: number, len: number, out: number) => {
        const h = this.handle()
        this.secrets.set(h, this.copy(ptr, len))
        this.u32(out, h)
        return S.OK
      },

      // --- KV stores: each operation takes effect when started; its *_wait call reports the outcome ---
      // Unknown store name: INVAL (js-compute: "KVStore … does not exist"). Outcomes go in the
      // kv_error out value; the status stays OK unless the call itself is malformed (BADF, INVAL).
      'fastly_kv_store.open': (np: number, nl: number, out: number) => {
        const name = this.str(np, nl)
        const store = this.options.kvStores && Object.hasOwn(this.options.kvStores, name) ? this.options.kvStores[name] : undefined
        if (!store) return S.INVAL
        const h = this.handle()
        this.kvStores.set(h, store)
        this.u32(out, h)
        return S.OK
      },
      'fastly_kv_store.lookup': (store: number, kp: number, kl: number, mask: number, _opts: number, out: number) => {
        // js-compute passes no lookup options (mask 0); anything else is a gap in this harness.
        if (mask !== 0) throw new NotImplemented(`harness: fastly_kv_store.lookup options (mask ${mask}) not implemented`)
        return this.kvStart(store, out, (s) => {
          const fault = s.takeFault('lookup')
          if (fault !== undefined) return { kind: 'lookup', entry: undefined, kvError: fault }
          const entry = s.lookup(this.str(kp, kl))
          return { kind: 'lookup', entry, kvError: entry ? KvError.OK : KvError.NOT_FOUND }
        })
      },
      'fastly_kv_store.lookup_wait_v2': (
        h: number,
        bodyOut: number,
        metaBuf: number,
        metaLen: number,
        metaNwritten: number,
        genOut: number,
        kvErrOut: number,
      ) => {
        const p = this.kvPending.get(h)
        if (p?.kind !== 'lookup') return S.BADF
        const view = new DataView(this.memory.buffer)
        const metadata = p.entry?.metadata ?? new Uint8Array(0)
        this.u32(metaNwritten, metadata.length)
        if (metadata.length > metaLen) return S.BUFFER_LEN // still pending: the guest may retry with a larger buffer
        this.kvPending.delete(h)
        new Uint8Array(this.memory.buffer, metaBuf, metadata.length).set(metadata)
        view.setBigUint64(genOut, p.entry?.generation ?? 0n, true)
        this.u32(bodyOut, p.entry ? this.newBody(p.entry.value.slice()) : INVALID_HANDLE)
        this.u32(kvErrOut, p.kvError)
        return S.OK
      },
      'fastly_kv_store.insert': (store: number, kp: number, kl: number, body: number, mask: number, opts: number, out: number) => {
        const known = KV_INSERT_RESERVED | KV_INSERT_METADATA | KV_INSERT_TTL_SEC | KV_INSERT_IF_GENERATION_MATCH
        if ((mask & ~known) !== 0) throw new NotImplemented(`harness: fastly_kv_store.insert options (mask ${mask}) not implemented`)
        const b = this.bodies.get(body)
        if (!b) return S.BADF
        const view = new DataView(this.memory.buffer)
        // The mode field is read whatever the mask says: js-compute sets no mask bit for it.
        const mode = KV_INSERT_MODES[view.getUint32(opts + KV_INSERT_OPTS.mode, true)]
        if (mode === undefined) return S.INVAL
        const options: Parameters<HarnessKvStore['insert']>[2] = { mode }
        if (mask & KV_INSERT_METADATA) {
          const len = view.getUint32(opts + KV_INSERT_OPTS.metadataLen, true)
          options.metadata = this.copy(view.getUint32(opts + KV_INSERT_OPTS.metadata, true), len)
        }
        if (mask & KV_INSERT_TTL_SEC) options.ttlSec = view.getUint32(opts + KV_INSERT_OPTS.ttlSec, true)
        if (mask & KV_INSERT_IF_GENERATION_MATCH)
          options.ifGenerationMatch = view.getBigUint64(opts + KV_INSERT_OPTS.ifGenerationMatch, true)
        const key = this.str(kp, kl)
        const value = this.rest(b)
        this.bodies.delete(body)
        return this.kvStart(store, out, (s) => ({ kind: 'insert', kvError: s.takeFault('insert') ?? s.insert(key, value, options) }))
      },
      'fastly_kv_store.insert_wait': (h: number, kvErrOut: number) => this.kvWait(h, 'insert', kvErrOut),
      'fastly_kv_store.delete': (store: number, kp: number, kl: number, mask: number, _opts: number, out: number) => {
        if (mask !== 0) throw new NotImplemented(`harness: fastly_kv_store.delete options (mask ${mask}) not implemented`)
        const key = this.str(kp, kl)
        return this.kvStart(store, out, (s) => ({
          kind: 'delete',
          kvError: s.takeFault('delete') ?? (s.delete(key) ? KvError.OK : KvError.NOT_FOUND),
        }))
      },
      'fastly_kv_store.delete_wait': (h: number, kvErrOut: number) => this.kvWait(h, 'delete', kvErrOut),
      'fastly_kv_store.list': (store: number, mask: number, opts: number, out: number) => {
        const known = KV_LIST_RESERVED | KV_LIST_CURSOR | KV_LIST_LIMIT | KV_LIST_PREFIX
        if ((mask & ~known) !== 0) throw new NotImplemented(`harness: fastly_kv_store.list options (mask ${mask}) not implemented`)
        const view = new DataView(this.memory.buffer)
        const options: Parameters<HarnessKvStore['list']>[0] = {}
        // Strong and eventual listing (noSync) are the same here: every write is visible at once.
        if (mask & KV_LIST_CURSOR)
          options.cursor = this.str(view.getUint32(opts + KV_LIST_OPTS.cursor, true), view.getUint32(opts + KV_LIST_OPTS.cursorLen, true))
        if (mask & KV_LIST_LIMIT) options.limit = view.getUint32(opts + KV_LIST_OPTS.limit, true)
        if (mask & KV_LIST_PREFIX)
          options.prefix = this.str(view.getUint32(opts + KV_LIST_OPTS.prefix, true), view.getUint32(opts + KV_LIST_OPTS.prefixLen, true))
        return this.kvStart(store, out, (s) => {
          const result = s.takeFault('list') ?? s.list(options)
          return typeof result === 'number'
            ? { kind: 'list', body: undefined, kvError: result }
            : { kind: 'list', body: result, kvError: KvError.OK }
        })
      },
      'fastly_kv_store.list_wait': (h: number, bodyOut: number, kvErrOut: number) => {
        const p = this.kvPending.get(h)
        if (p?.kind !== 'list') return S.BADF
        this.kvPending.delete(h)
        this.u32(bodyOut, p.body ? this.newBody(p.body) : INVALID_HANDLE)
        this.u32(kvErrOut, p.kvError)
        return S.OK
      },

      // --- fastly_compute_runtime ---
      'fastly_compute_runtime.get_vcpu_ms': (out: number) => done(new DataView(this.memory.buffer).setBigUint64(out, 0n, true)),
      'fastly_compute_runtime.get_heap_mib': (out: number) => done(this.u32(out, Math.ceil(this.memory.buffer.byteLength / 2 ** 20))),
    }
  }

  /** WASI fd_write with stdout/stderr captured (other fds are not open in the guest). */
  readonly fdWrite = (fd: number, iovs: number, iovsLen: number, nwrittenOut: number): number => {
    const view = new DataView(this.memory.buffer)
    let text = ''
    let total = 0
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true)
      const len = view.getUint32(iovs + i * 8 + 4, true)
      text += decoder.decode(new Uint8Array(this.memory.buffer, ptr, len))
      total += len
    }
    if (fd === 1) this.stdout += text
    else if (fd === 2) {
      this.stderr += text
      this.allStderr += text
    } else return 8 // WASI errno BADF
    view.setUint32(nwrittenOut, total, true)
    return 0
  }

  private result(guestMs: number, guestCpuMs: number): FastlyTestResponse {
    if (!this.sent) throw new Error(`harness: the guest finished without sending a response downstream\nguest stderr:\n${this.allStderr}`)
    const { snapshot, streaming, body } = this.sent
    // A streamed body keeps receiving writes after send_downstream; take everything written by the end.
    const b = streaming ? this.bodies.get(body) : undefined
    const data = b ? concat(snapshot.body, this.rest(b)) : snapshot.body
    const headerList = snapshot.headers.map(([n, v]): [string, string] => [n, decoder.decode(v)])
    const headers = new Headers()
    for (const [n, v] of headerList) headers.append(n, v)
    return {
      status: snapshot.status,
      headerList,
      headers,
      body: data,
      text: () => decoder.decode(data),
      json: () => JSON.parse(decoder.decode(data)),
      stdout: this.stdout,
      stderr: this.stderr,
      guestMs,
      guestCpuMs,
    }
  }

  /** Hands the current request to the guest: a request handle and a body handle. */
  private handOver(reqOut: number, bodyOut: number): void {
    const req = this.handle()
    const headers = this.request.headers
    const entries = headers === undefined ? [] : Array.isArray(headers) ? headers : Object.entries(headers)
    const list: Header[] = entries.map(([n, v]) => [n.toLowerCase(), encoder.encode(v)])
    if (!list.some(([n]) => n === 'host')) list.unshift(['host', encoder.encode(new URL(this.request.url).host)])
    const body = this.request.body === undefined ? new Uint8Array(0) : bytes(this.request.body)
    if (body.length > 0 && !list.some(([n]) => n === 'content-length' || n === 'transfer-encoding')) {
      list.push(['content-length', encoder.encode(String(body.length))])
    }
    this.reqs.set(req, { method: this.request.method, uri: this.request.url, headers: list })
    const bodyHandle = this.newBody(body)
    this.u32(reqOut, req)
    this.u32(bodyOut, bodyHandle)
  }

  /** Starts timing the current request. */
  startClock(): void {
    this.clock = { ms: performance.now(), cpuNs: threadCpuNs() }
  }

  /** Closes the current request, once: its response (it must have sent one) and its share of the time. */
  finishRequest(): void {
    if (this.responses.length > this.index) return
    const guestMs = performance.now() - this.clock.ms
    const guestCpuMs = Number(threadCpuNs() - this.clock.cpuNs) / 1e6
    this.responses.push(this.result(guestMs, guestCpuMs))
    this.sent = undefined
    this.stdout = ''
    this.stderr = ''
  }

  // --- helpers ---
  private handle(): number {
    return this.nextHandle++
  }
  private newBody(data: Uint8Array): number {
    const h = this.handle()
    this.bodies.set(h, { data, pos: 0, closed: false })
    return h
  }
  private rest(b: BodyState): Uint8Array {
    return b.data.slice(b.pos)
  }
  private u32(ptr: number, value: number): void {
    new DataView(this.memory.buffer).setUint32(ptr, value >>> 0, true)
  }
  private copy(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len).slice()
  }
  private str(ptr: number, len: number): string {
    return decoder.decode(new Uint8Array(this.memory.buffer, ptr, len))
  }
  /** Writes `data` to a guest buffer, or reports BUFFER_LEN with the size needed in `nwritten`. */
  private putBytes(data: Uint8Array, buf: number, max: number, nwritten: number): number {
    this.u32(nwritten, data.length)
    if (data.length > max) return FastlyStatus.BUFFER_LEN
    new Uint8Array(this.memory.buffer, buf, data.length).set(data)
    return FastlyStatus.OK
  }
  /** The version and header calls, the same for request and response handles (`withHandle` finds either). */
  private headerCalls(
    kind: 'req' | 'resp',
    withHandle: (h: number, f: (r: { headers: Header[] }) => number) => number,
    done: (effect: unknown) => number,
  ): Record<string, (...args: never[]) => number | undefined> {
    const call = `fastly_http_${kind}`
    return {
      [`${call}.version_get`]: (h: number, out: number) => withHandle(h, () => done(this.u32(out, HTTP_1_1))),
      [`${call}.header_names_get`]: (h: number, buf: number, len: number, cursor: number, endOut: number, nwritten: number) =>
        withHandle(h, (r) => this.headerNames(r.headers, buf, len, cursor, endOut, nwritten)),
      [`${call}.header_values_get`]: (
        h: number,
        np: number,
        nl: number,
        buf: number,
        len: number,
        cursor: number,
        endOut: number,
        nwritten: number,
      ) => withHandle(h, (r) => this.headerValues(r.headers, this.str(np, nl), buf, len, cursor, endOut, nwritten)),
      [`${call}.header_insert`]: (h: number, np: number, nl: number, vp: number, vl: number) =>
        withHandle(h, (r) => done((r.headers = this.insertHeader(r.headers, np, nl, vp, vl)))),
      [`${call}.header_append`]: (h: number, np: number, nl: number, vp: number, vl: number) =>
        withHandle(h, (r) => done(r.headers.push([this.str(np, nl).toLowerCase(), this.copy(vp, vl)]))),
      [`${call}.header_remove`]: (h: number, np: number, nl: number) => withHandle(h, (r) => this.removeHeader(r, np, nl)),
      [`${call}.framing_headers_mode_set`]: (h: number) => withHandle(h, () => FastlyStatus.OK),
    }
  }

  private withReq(h: number, f: (r: ReqState) => number): number {
    const r = this.reqs.get(h)
    return r ? f(r) : FastlyStatus.BADF
  }
  private withResp(h: number, f: (r: RespState) => number): number {
    const r = this.resps.get(h)
    return r ? f(r) : FastlyStatus.BADF
  }
  private insertHeader(headers: Header[], np: number, nl: number, vp: number, vl: number): Header[] {
    const name = this.str(np, nl).toLowerCase()
    const value = this.copy(vp, vl)
    const i = headers.findIndex(([n]) => n === name)
    if (i < 0) return [...headers, [name, value]]
    // Replace every value; the header keeps the position of its first occurrence.
    const out = headers.filter(([n]) => n !== name)
    out.splice(i, 0, [name, value])
    return out
  }
  private removeHeader(r: { headers: Header[] }, np: number, nl: number): number {
    const name = this.str(np, nl).toLowerCase()
    if (!r.headers.some(([n]) => n === name)) return FastlyStatus.INVAL
    r.headers = r.headers.filter(([n]) => n !== name)
    return FastlyStatus.OK
  }
  /**
   * NUL-terminated distinct names from index `cursor` on, as many as fit in `len`; `ending_cursor`
   * (an i64) is the index to continue from, or -1 when every name was written.
   */
  private headerNames(headers: Header[], buf: number, len: number, cursor: number, endOut: number, nwritten: number): number {
    const names = [...new Set(headers.map(([n]) => n))]
    return this.writeList(
      names.map((n) => encoder.encode(n)),
      buf,
      len,
      cursor,
      endOut,
      nwritten,
    )
  }
  private headerValues(
    headers: Header[],
    name: string,
    buf: number,
    len: number,
    cursor: number,
    endOut: number,
    nwritten: number,
  ): number {
    const lower = name.toLowerCase()
    const values = headers.filter(([n]) => n === lower).map(([, v]) => v)
    return this.writeList(values, buf, len, cursor, endOut, nwritten)
  }
  private writeList(items: Uint8Array[], buf: number, len: number, cursor: number, endOut: number, nwritten: number): number {
    const view = new DataView(this.memory.buffer)
    let off = 0
    let i = cursor
    for (; i < items.length; i++) {
      const item = items[i]!
      if (off + item.length + 1 > len) {
        if (i === cursor) {
          // Not even one item fits: the guest must retry with a larger buffer.
          view.setUint32(nwritten, item.length + 1, true)
          return FastlyStatus.BUFFER_LEN
        }
        break
      }
      new Uint8Array(this.memory.buffer, buf + off, item.length).set(item)
      new Uint8Array(this.memory.buffer)[buf + off + item.length] = 0
      off += item.length + 1
    }
    view.setBigInt64(endOut, i < items.length ? BigInt(i) : -1n, true)
    view.setUint32(nwritten, off, true)
    return FastlyStatus.OK
  }
  private openStore<T>(
    table: Map<number, T>,
    source: Record<string, T> | undefined,
    np: number,
    nl: number,
    out: number,
    unknown: number,
  ): number {
    const name = this.str(np, nl)
    if (!source || !Object.hasOwn(source, name)) return unknown
    const h = this.handle()
    table.set(h, source[name]!)
    this.u32(out, h)
    return FastlyStatus.OK
  }
  private storeGet(h: number, kp: number, kl: number, buf: number, max: number, nwritten: number): number {
    const store = this.configStores.get(h)
    if (!store) return FastlyStatus.BADF
    const key = this.str(kp, kl)
    if (!Object.hasOwn(store, key)) return FastlyStatus.NONE
    return this.putBytes(encoder.encode(store[key]!), buf, max, nwritten)
  }
  /** Runs a KV operation against the store behind handle `store` now, and hands out a handle to wait on its outcome. */
  private kvStart(store: number, out: number, run: (s: HarnessKvStore) => KvPending): number {
    const s = this.kvStores.get(store)
    if (!s) return FastlyStatus.BADF
    const h = this.handle()
    this.kvPending.set(h, run(s))
    this.u32(out, h)
    return FastlyStatus.OK
  }
  private kvWait(h: number, kind: 'insert' | 'delete', kvErrOut: number): number {
    const p = this.kvPending.get(h)
    if (!p || p.kind !== kind) return FastlyStatus.BADF
    this.kvPending.delete(h)
    this.u32(kvErrOut, p.kvError)
    return FastlyStatus.OK
  }
}

/** Host calls this harness implements (module.name), for reports and for tests that check coverage. */
export function implementedHostCalls(): string[] {
  const host = new Host([{ method: 'GET', url: 'http://localhost/' }], {})
  return Object.keys(host.calls).sort()
}
