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
