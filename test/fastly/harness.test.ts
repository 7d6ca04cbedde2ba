// Checks the harness's host calls against the real engine: test/fastly/fixtures/host-calls.js
// is compiled by js-compute-runtime (the same StarlingMonkey as bin/main.wasm, ~5 s) into a temp
// dir, then driven through the harness. These are the calls the Fastly service work will lean on
// (secret, config and KV stores, log endpoints, request/response bodies and headers).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type FastlyHarnessOptions,
  type FastlyLogLine,
  HarnessKvStore,
  implementedHostCalls,
  runFastlyRequest,
  runFastlySandbox,
} from '../../scripts/fastly/harness.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)
const enc = new TextEncoder()

let dir: string
let wasm: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pq-edge-fastly-harness-'))
  wasm = join(dir, 'host-calls.wasm')
  await run(
    join(ROOT, 'node_modules/.bin/js-compute-runtime'),
    [fileURLToPath(new URL('./fixtures/host-calls.js', import.meta.url)), wasm],
    { cwd: ROOT },
  )
}, 300_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const get = (
  path: string,
  options: FastlyHarnessOptions = {},
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
) =>
  runFastlyRequest(wasm, { method: init.method ?? 'GET', url: `http://localhost${path}`, headers: init.headers, body: init.body }, options)

describe('Fastly harness host calls, driven by the real engine', () => {
  it('secret store: plaintext (also past a 4 KiB buffer), missing key -> null, unknown store -> "No … named … exists"', () => {
    const res = get('/secrets', { secrets: { vault: { TOKEN: 's3cret', LONG: 'x'.repeat(5000) } } })
    expect(res.status).toBe(200)
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({ hit: 's3cret', long: 5000, miss: null })
    expect(body.noStore).toMatch(/^threw: .*No \w+ named 'nostore' exists/)
  })

  it('config store: values (also past the 512-byte first buffer), missing key -> null, unknown store -> "No … named … exists"', () => {
    const res = get('/config', { configStores: { settings: { PQ_POLICY: 'hybrid-required', LONG: 'y'.repeat(9000) } } })
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({ hit: 'hybrid-required', long: 9000, miss: null })
    expect(body.noStore).toMatch(/^threw: .*No \w+ named 'nostore' exists/)
  })

  it('KV store: get/put/delete on a store shared across requests; unknown store -> "No … named … exists"', () => {
    const data = new HarnessKvStore({ seeded: enc.encode('seed value') })
    const res = get('/kv', { kvStores: { data } }, { method: 'POST', body: 'put value' })
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({ before: null, put: 'ok', after: 'put value', seeded: 'seed value', deleted: 'ok', gone: null })
    expect(body.noStore).toMatch(/^threw: .*No \w+ named 'nostore' exists/)
    expect(data.keys()).toEqual(['k'])
    expect(data.text('k')).toBe('put value')
  })

  it('KV store: if-generation-match, add/append/prepend, metadata and TTL, as Viceroy answers them', () => {
    const data = new HarnessKvStore()
    const gen = data.set('gen', 'seed')
    // Above 2^32: the guest must pass the whole u64 (KVInsertOptions.if_generation_match at offset 24).
    expect(gen).toBeGreaterThan(0xffff_ffffn)
    const res = get('/kv-write', { kvStores: { data } }, { headers: { 'x-gen': String(gen) } })
    const body = res.json() as Record<string, unknown>
    expect(body).toEqual({
      genMismatch: 'threw: KVStore insert: Precondition failed.',
      afterMismatch: 'seed',
      genMatch: 'ok',
      afterMatch: 'fresh',
      // Every write gives the entry a new generation, so the old one no longer matches.
      genReused: 'threw: KVStore insert: Precondition failed.',
      addExisting: 'threw: KVStore insert: Precondition failed.',
      addNew: 'ok',
      afterAdd: 'added',
      append: 'head+added+tail',
      metadata: 'some metadata',
      noMetadata: null,
      deleteMissing: 'threw: KVStore delete: Not found.',
    })
    expect(data.entry('gen')!.generation).toBeGreaterThan(gen)
    expect(data.entry('meta')!.expiresAt! - Date.now()).toBeGreaterThan(50_000)
    expect(data.entry('meta')!.expiresAt! - Date.now()).toBeLessThanOrEqual(60_000)
  })

  it('KV store: list pages by prefix, limit and cursor in key order; a bad cursor is "Bad request."', () => {
    const data = new HarnessKvStore(Object.fromEntries(['p/c', 'p/a', 'q1', 'p/e', 'p/b', 'p/d', 'o'].map((k) => [k, 'v'])))
    const body = get('/kv-list', { kvStores: { data } }).json() as Record<string, unknown>
    expect(body.pages).toEqual([['p/a', 'p/b'], ['p/c', 'p/d'], ['p/e']])
    expect(body.all).toEqual(['o', 'p/a', 'p/b', 'p/c', 'p/d', 'p/e', 'q1'])
    expect(body.noSync).toEqual(['q1'])
    expect(body.badCursor).toBe('threw: KVStore list: Bad request.')
  })

  it('KV store: an expired entry (TTL) is gone', () => {
    const data = new HarnessKvStore()
    data.set('k', 'v')
    data.entry('k')!.expiresAt = Date.now() - 1
    expect(data.get('k')).toBeUndefined()
    expect(data.keys()).toEqual([])
  })

  it('log endpoints go to options.logs; console output is captured, not printed', () => {
    const logs: FastlyLogLine[] = []
    const res = get('/log', { logs })
    expect(res.status).toBe(200)
    expect(logs).toEqual([
      { endpoint: 'audit', line: 'line one' },
      { endpoint: 'audit', line: 'line two' },
    ])
    expect(res.stdout).toBe('to stdout\n')
  })

  it('request headers and body reach the guest; status, headers and a streamed-through body come back', () => {
    const res = get('/echo', {}, { method: 'PUT', body: 'echo me', headers: { 'X-In': '1' } })
    expect(res.status).toBe(201)
    expect(res.text()).toBe('echo me')
    expect(res.headers.get('x-in')).toBe('1')
    expect(res.headers.get('host')).toBe('localhost')
    expect(res.headers.get('x-method')).toBe('PUT')
    expect(res.headers.get('x-multi')).toBe('a, b')
  })

  it('a streaming response body is captured whole (writes after send_downstream, timers in between)', () => {
    const res = get('/stream')
    expect(res.status).toBe(200)
    expect(res.text()).toBe('chunk0;chunk1;chunk2;')
  })

  it('an unimplemented host call fails loudly, naming the call', () => {
    expect(() => get('/backend')).toThrow(/harness: host call fastly_http_req\.send_async not implemented/)
  })

  it('reusable sandboxes: the guest asks for the next request (its timeout passed on) until maxRequests, state kept in between', () => {
    const requests = ['?a', '?b', '?c', '?d'].map((q) => ({ method: 'GET', url: `http://localhost/served${q}` }))
    const changed: number[] = []
    const run = runFastlySandbox(wasm, requests, {}, (i) => changed.push(i))
    // maxRequests: 3, so the fourth request is never asked for; the counter lives on in the instance.
    expect(run.responses.map((r) => r.json())).toEqual([
      { served: 1, path: '?a' },
      { served: 2, path: '?b' },
      { served: 3, path: '?c' },
    ])
    expect(changed).toEqual([1, 2])
    expect(run.nextRequestTimeoutMs).toBe(250)
    // One request, one instance: the next one finds a fresh counter.
    expect(get('/served').json()).toEqual({ served: 1, path: '' })
  })

  it('lists what it implements', () => {
    const calls = implementedHostCalls()
    expect(calls).toContain('fastly_http_req.body_downstream_get')
    expect(calls).toContain('fastly_http_resp.send_downstream')
    expect(calls).toEqual(expect.arrayContaining(['fastly_http_downstream.next_request', 'fastly_http_downstream.next_request_wait']))
    expect(calls).toEqual(expect.arrayContaining(['fastly_kv_store.list', 'fastly_kv_store.list_wait', 'fastly_kv_store.lookup_wait_v2']))
    expect(calls).not.toContain('fastly_http_req.send_async')
  })
})
