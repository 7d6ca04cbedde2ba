// FastlyKvConfigStore inside the real Fastly engine: fixtures/kv-store-program.ts (which imports
// src/runtime/fastly-store.ts) is bundled like the app (FASTLY_ESBUILD_OPTIONS) and compiled by
// js-compute-runtime (compileJsCompute) once, then driven through the harness, whose KV store
// behaves as Viceroy's (generations, add mode, list with prefix/cursor). The ConfigStore contract
// of test/service/workerd/store.test.ts is checked step by step on what the engine returned.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileJsCompute, FASTLY_ESBUILD_OPTIONS } from '../../scripts/build-fastly.ts'
import { HarnessKvStore, KvError, runFastlyRequest } from '../../scripts/fastly/harness.ts'

let dir: string
let wasm: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pq-edge-fastly-kv-'))
  const bundle = join(dir, 'kv-store-program.js')
  wasm = join(dir, 'kv-store-program.wasm')
  await build({
    ...FASTLY_ESBUILD_OPTIONS,
    entryPoints: [fileURLToPath(new URL('./fixtures/kv-store-program.ts', import.meta.url))],
    outfile: bundle,
  })
  compileJsCompute(bundle, wasm, { capture: true })
}, 300_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const SEALED = { ciphertext: 'AAEC', wrappedKey: 'BwgJ', keyId: 'k1' }

function call(kv: HarnessKvStore, path: string, init: { method?: string; body?: unknown } = {}): Record<string, unknown> {
  const res = runFastlyRequest(
    wasm,
    { method: init.method ?? 'GET', url: `http://localhost${path}`, body: init.body === undefined ? undefined : JSON.stringify(init.body) },
    { kvStores: { 'pq-edge-config': kv } },
  )
  expect(res.status, res.stderr).toBe(200)
  return res.json() as Record<string, unknown>
}
const returned = (value: unknown) => `returned ${JSON.stringify(value)}`

describe('FastlyKvConfigStore in the js-compute engine', () => {
  it('meets the ConfigStore contract: create, update, stale, delete, recreate, list, copies, caller bugs', () => {
    const kv = new HarnessKvStore()
    const r = call(kv, '/contract')
    expect(r.getMissing).toBeNull()
    expect(r.create).toEqual({ ok: true, version: 1 })
    expect(r.getCreated).toEqual({ data: SEALED, version: 1 })
    expect(r.createAgain).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 1 })
    expect(r.update2).toEqual({ ok: true, version: 2 })
    expect(r.update3).toEqual({ ok: true, version: 3 })
    expect(r.stale).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 3 })
    expect(r.getAfterStale).toEqual({ data: { v: 3 }, version: 3 })
    expect(r.updateMissing).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: null })
    expect(r.deleteStale).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 3 })
    expect(r.delete).toEqual({ ok: true, deletedVersion: 3 })
    expect(r.getDeleted).toBeNull()
    expect(r.deleteAgain).toEqual({ ok: false, reason: 'not_found' })
    expect(r.deleteAgainUnconditional).toEqual({ ok: false, reason: 'not_found' })
    expect(r.putOldVersion).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: null })
    expect(r.recreate).toEqual({ ok: true, version: 4 })
    expect(r.getRecreated).toEqual({ data: { again: 1 }, version: 4 })
    expect(r.list).toEqual([
      { name: 'app./x.y', version: 1 },
      { name: 'app/db', version: 4 },
      { name: 'shared/flags', version: 1 },
    ])
    expect(r.copy).toEqual({ data: { nested: { keyId: 'k1' } }, version: 1 })
    expect(r.invalidNames).toEqual(Array(7).fill('threw: invalid config record name'))
    for (const message of [...(r.invalidVersions as string[]), ...(r.invalidDeleteVersions as string[])]) {
      expect(message).toMatch(/^threw: expectedVersion must be a positive integer/)
    }

    // What is in the KV store: only the current slot of a name holds data; superseded ones were
    // stripped (old ciphertext does not linger), and every write was a separate, numbered key.
    expect(kv.keys().filter((k) => k.startsWith('cfg/v1/slot/app/db@'))).toEqual([
      'cfg/v1/slot/app/db@1',
      'cfg/v1/slot/app/db@2',
      'cfg/v1/slot/app/db@3',
      'cfg/v1/slot/app/db@4',
      'cfg/v1/slot/app/db@5',
    ])
    expect(JSON.parse(kv.text('cfg/v1/slot/app/db@1')!)).toEqual({ version: 1, exists: true, superseded: true })
    expect(JSON.parse(kv.text('cfg/v1/slot/app/db@4')!)).toEqual({ version: 3, exists: false, superseded: true })
    expect(JSON.parse(kv.text('cfg/v1/slot/app/db@5')!)).toEqual({ version: 4, exists: true, data: { again: 1 } })
    expect(JSON.parse(kv.text('cfg/v1/name/app/db')!)).toEqual({ slot: 5 })
    expect(kv.keys()).toContain('cfg/v1/name/app%2E/x%2Ey')
  })

  it('N writers with the same expected version, each with its own KVStore handle: exactly one wins', () => {
    const kv = new HarnessKvStore()
    const WRITERS = 20
    type Result = { ok: boolean }
    const r = call(kv, `/race?writers=${WRITERS}`) as {
      creates: Result[]
      updates: Result[]
      mixed: Result[]
      afterUpdates: unknown
      naiveWinners: number
    }
    expect(r.creates.filter((x) => x.ok)).toEqual([{ ok: true, version: 1 }])
    expect(r.creates.filter((x) => !x.ok)).toEqual(Array(WRITERS - 1).fill({ ok: false, reason: 'version_mismatch', currentVersion: 1 }))
    const winners = r.updates.flatMap((x, i) => (x.ok ? [i] : []))
    expect(winners).toHaveLength(1)
    for (const x of r.updates) if (!x.ok) expect(x).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 2 })
    expect(r.afterUpdates).toEqual({ data: { update: winners[0] }, version: 2 })
    expect(r.mixed.filter((x) => x.ok)).toHaveLength(1)
    // The control: in the same engine, read-then-overwrite lets several of the writers "win".
    expect(r.naiveWinners).toBeGreaterThan(1)
  })

  it('records persist across requests (instances), and a stale If-Match from before a delete never matches', () => {
    const kv = new HarnessKvStore()
    expect(call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: SEALED }).result).toBe(returned({ ok: true, version: 1 }))
    expect(call(kv, '/put?name=app/db&expected=1', { method: 'POST', body: { v: 2 } }).result).toBe(returned({ ok: true, version: 2 }))
    expect(call(kv, '/get?name=app/db').result).toBe(returned({ data: { v: 2 }, version: 2 }))
    expect(call(kv, '/delete?name=app/db').result).toBe(returned({ ok: true, deletedVersion: 2 }))
    expect(call(kv, '/put?name=app/db&expected=2', { method: 'POST', body: SEALED }).result).toBe(
      returned({ ok: false, reason: 'version_mismatch', currentVersion: null }),
    )
    expect(call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: SEALED }).result).toBe(returned({ ok: true, version: 3 }))
    expect(call(kv, '/list').result).toBe(returned([{ name: 'app/db', version: 3 }]))
  })

  it('finds the current record when the name hint lags (a writer stopped after its claim) or is missing', () => {
    const kv = new HarnessKvStore()
    call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: { v: 1 } })
    call(kv, '/put?name=app/db&expected=1', { method: 'POST', body: { v: 2 } })
    kv.set('cfg/v1/name/app/db', JSON.stringify({ slot: 1 })) // as if the last writer never moved the hint
    expect(call(kv, '/get?name=app/db').result).toBe(returned({ data: { v: 2 }, version: 2 }))
    expect(call(kv, '/put?name=app/db&expected=1', { method: 'POST', body: {} }).result).toBe(
      returned({ ok: false, reason: 'version_mismatch', currentVersion: 2 }),
    )
    kv.set('cfg/v1/name/app/db', JSON.stringify({ slot: 9 })) // ahead of what this POP has seen
    expect(call(kv, '/get?name=app/db').result).toBe(returned({ data: { v: 2 }, version: 2 }))
    kv.delete('cfg/v1/name/app/db')
    expect(call(kv, '/put?name=app/db&expected=2', { method: 'POST', body: { v: 3 } }).result).toBe(returned({ ok: true, version: 3 }))
  })

  it('replication lag: a hint ahead of what this POP sees is probed from the hint (a few lookups, not a walk from slot 1)', () => {
    const kv = new HarnessKvStore()
    const VERSIONS = 50
    // What 50 writes leave (as the store writes them): slots 1..49 superseded, slot 50 current.
    for (let v = 1; v <= VERSIONS; v++) {
      kv.set(
        `cfg/v1/slot/app/db@${v}`,
        JSON.stringify({ version: v, exists: true, ...(v < VERSIONS ? { superseded: true } : { data: { v } }) }),
      )
    }
    kv.set('cfg/v1/name/app/db', JSON.stringify({ slot: VERSIONS }))
    // A 51st write elsewhere: the hint moved, but this POP has neither slot 51 nor slot 50's rewrite yet.
    kv.set('cfg/v1/slot/app/db@51', JSON.stringify({ version: 51, exists: true, data: { v: 51 } }))
    kv.set('cfg/v1/slot/app/db@50', JSON.stringify({ version: 50, exists: true, superseded: true }))
    kv.set('cfg/v1/name/app/db', JSON.stringify({ slot: 51 }))
    kv.lag('cfg/v1/slot/app/db@51', 100, null)
    kv.lag('cfg/v1/slot/app/db@50', 100, JSON.stringify({ version: 50, exists: true, data: { v: 50 } }))
    kv.lookups.length = 0
    // The newest state this POP has (stale, as an eventually consistent read may be), in 3 lookups:
    // the hint, slot 51 (not here), slot 50.
    expect(call(kv, '/get?name=app/db').result).toBe(returned({ data: { v: 50 }, version: 50 }))
    expect(kv.lookups).toEqual(['cfg/v1/name/app/db', 'cfg/v1/slot/app/db@51', 'cfg/v1/slot/app/db@50'])
    // A write based on it still cannot be lost: its add of slot 51 fails at the store's authority.
    expect(call(kv, '/put?name=app/db&expected=50', { method: 'POST', body: {} }).result).toMatch(/"reason":"version_mismatch"/)

    // A hint far ahead of everything here (the hinted slot and the ones below it not yet replicated):
    // galloping down and bisecting, O(log n) lookups.
    const far = new HarnessKvStore()
    for (let v = 1; v <= 1000; v++) far.set(`cfg/v1/slot/app/db@${v}`, JSON.stringify({ version: v, exists: true, superseded: true }))
    far.set('cfg/v1/slot/app/db@1000', JSON.stringify({ version: 1000, exists: true, data: { v: 1000 } }))
    far.set('cfg/v1/name/app/db', JSON.stringify({ slot: 1100 }))
    expect(call(far, '/get?name=app/db').result).toBe(returned({ data: { v: 1000 }, version: 1000 }))
    expect(far.lookups.length).toBeLessThanOrEqual(20)
    // A hint behind (a writer stopped after its claim): galloping up.
    far.lookups.length = 0
    far.set('cfg/v1/name/app/db', JSON.stringify({ slot: 3 }))
    expect(call(far, '/get?name=app/db').result).toBe(returned({ data: { v: 1000 }, version: 1000 }))
    expect(far.lookups.length).toBeLessThanOrEqual(22)
  })

  it('replication lag: a current slot whose successor has not arrived is retried with backoff, then 503 store_unavailable with Retry-After', () => {
    const kv = new HarnessKvStore()
    call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: { v: 1 } })
    call(kv, '/put?name=app/db&expected=1', { method: 'POST', body: { v: 2 } })
    // This POP has slot 1's "superseded" rewrite but neither slot 2 nor the moved hint.
    kv.lag('cfg/v1/name/app/db', 1000, JSON.stringify({ slot: 1 }))
    kv.lag('cfg/v1/slot/app/db@2', 1000, null)
    kv.lookups.length = 0
    const r = call(kv, '/get?name=app/db') as { result: string; ms: number }
    expect(r.result).toBe(
      'threw: The config store has not caught up with a recent write at this location yet; retry shortly. [503 store_unavailable {"retry-after":"1"}]',
    )
    // Five looks (the first and four after waiting 10, 20, 40 and 80 ms), three lookups each.
    expect(kv.lookups).toHaveLength(5 * 3)
    expect(r.ms).toBeGreaterThanOrEqual(150)
    expect(r.ms).toBeLessThan(2000)

    // Lag that clears while the read backs off: the read answers the newest state, no error.
    kv.lag('cfg/v1/name/app/db', 2, JSON.stringify({ slot: 1 }))
    kv.lag('cfg/v1/slot/app/db@2', 2, null)
    expect(call(kv, '/get?name=app/db').result).toBe(returned({ data: { v: 2 }, version: 2 }))
  })

  it('lists past one KV page (the list cursor is followed)', () => {
    const kv = new HarnessKvStore()
    // More names than one page of KVStore.list (1000 keys by default), written as the store would.
    const names = Array.from({ length: 1005 }, (_, i) => `bulk/n${String(i).padStart(4, '0')}`)
    for (const name of names) {
      kv.set(`cfg/v1/name/${name}`, JSON.stringify({ slot: 1 }))
      kv.set(`cfg/v1/slot/${name}@1`, JSON.stringify({ version: 1, exists: true, data: 'x' }))
    }
    const result = call(kv, '/list').result as string
    const list = JSON.parse(result.slice('returned '.length)) as Array<{ name: string }>
    expect(list.map((e) => e.name)).toEqual(names)
  })

  it('a store failure other than "already exists" throws instead of answering version_mismatch', () => {
    const kv = new HarnessKvStore()
    kv.failNext('insert', KvError.INTERNAL_ERROR)
    expect(call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: SEALED }).result).toMatch(
      /^threw: KVStore insert: Internal error/,
    )
    kv.failNext('insert', KvError.TOO_MANY_REQUESTS)
    expect(call(kv, '/delete?name=app/db').result).toBe(returned({ ok: false, reason: 'not_found' }))
    expect(call(kv, '/put?name=app/db&expected=null', { method: 'POST', body: SEALED }).result).toMatch(
      /^threw: KVStore insert: Too many requests/,
    )
    kv.failNext('lookup', KvError.INTERNAL_ERROR)
    expect(call(kv, '/get?name=app/db').result).toMatch(/^threw: KVStore lookup: Internal error/)
    expect(call(kv, '/get?name=app/db&store=no-such-store').result).toMatch(/^threw: .*No KVStore named 'no-such-store' exists/)
  })
})
