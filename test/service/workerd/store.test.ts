import { env, evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DurableObjectConfigStore } from '../../../src/runtime/cloudflare-store.ts'
import {
  type ConfigStore,
  type JsonValue,
  MAX_UPDATE_ATTEMPTS,
  UPDATE_PAGE_SIZE,
  updateAll,
  updatePage,
} from '../../../src/service/store.ts'
import { MemoryConfigStore } from '../../../src/service/store-memory.ts'

const vaultEnv = env // Cloudflare.Env, generated from wrangler.jsonc (worker-configuration.d.ts)

// Each test gets a fresh store, and `connect` opens another client to that same store (for the
// Durable Object, another stub: what a second worker isolate would hold).
const backends: Record<string, () => () => ConfigStore> = {
  memory: () => {
    const store = new MemoryConfigStore()
    return () => store
  },
  'durable object': () => {
    const objectName = `test-${crypto.randomUUID()}`
    return () => new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT, objectName)
  },
}

function freshStore(newBackend: () => () => ConfigStore) {
  const connect = newBackend()
  return { store: connect(), connect }
}

const SEALED = { ciphertext: 'AAEC', wrappedKey: 'BwgJ', keyId: 'k1' } satisfies JsonValue

describe.each(Object.entries(backends))('ConfigStore contract: %s', (_, newBackend) => {
  it('creates with expected null; a second create is a mismatch naming the current version', async () => {
    const { store } = freshStore(newBackend)
    expect(await store.get('app/db')).toBeNull()
    expect(await store.put('app/db', SEALED, null)).toEqual({ ok: true, version: 1 })
    expect(await store.get('app/db')).toEqual({ data: SEALED, version: 1 })
    expect(await store.put('app/db', { other: true }, null)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 1 })
    expect(await store.get('app/db')).toEqual({ data: SEALED, version: 1 })
  })

  it('updates with the current version to version + 1; a stale version is a mismatch and changes nothing', async () => {
    const { store } = freshStore(newBackend)
    await store.put('app/db', SEALED, null)
    expect(await store.put('app/db', { v: 2 }, 1)).toEqual({ ok: true, version: 2 })
    expect(await store.put('app/db', { v: 3 }, 2)).toEqual({ ok: true, version: 3 })
    expect(await store.put('app/db', { stale: true }, 2)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 3 })
    expect(await store.get('app/db')).toEqual({ data: { v: 3 }, version: 3 })
  })

  it('an update of a record that does not exist is a mismatch with currentVersion null', async () => {
    const { store } = freshStore(newBackend)
    expect(await store.put('app/missing', SEALED, 1)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: null })
    expect(await store.get('app/missing')).toBeNull()
  })

  it('deletes with the right version; a stale version or a missing record is refused', async () => {
    const { store } = freshStore(newBackend)
    await store.put('app/db', SEALED, null)
    await store.put('app/db', SEALED, 1)
    expect(await store.delete('app/db', 1)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 2 })
    expect(await store.get('app/db')).not.toBeNull()
    expect(await store.delete('app/db', 2)).toEqual({ ok: true, deletedVersion: 2 })
    expect(await store.get('app/db')).toBeNull()
    expect(await store.delete('app/db', 2)).toEqual({ ok: false, reason: 'not_found' })
    expect(await store.delete('app/db')).toEqual({ ok: false, reason: 'not_found' })
  })

  it('deletes unconditionally when no version is given', async () => {
    const { store } = freshStore(newBackend)
    await store.put('app/db', SEALED, null)
    expect(await store.delete('app/db')).toEqual({ ok: true, deletedVersion: 1 })
    expect(await store.list()).toEqual([])
  })

  it('a record created again after a delete continues after its old version, so old If-Match values never match', async () => {
    const { store } = freshStore(newBackend)
    await store.put('app/db', SEALED, null)
    await store.put('app/db', SEALED, 1)
    await store.delete('app/db', 2)
    expect(await store.put('app/db', SEALED, 1)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: null })
    expect(await store.put('app/db', SEALED, 2)).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: null })
    expect(await store.put('app/db', { again: 1 }, null)).toEqual({ ok: true, version: 3 })
    expect(await store.get('app/db')).toEqual({ data: { again: 1 }, version: 3 })
  })

  it('lists existing names and versions, sorted by name, without deleted ones', async () => {
    const { store } = freshStore(newBackend)
    expect(await store.list()).toEqual([])
    await store.put('shared/flags', SEALED, null)
    await store.put('app/db', SEALED, null)
    await store.put('app/db', SEALED, 1)
    await store.put('app/gone', SEALED, null)
    await store.delete('app/gone')
    expect(await store.list()).toEqual([
      { name: 'app/db', version: 2 },
      { name: 'shared/flags', version: 1 },
    ])
  })

  it('returns copies: changing what was put or got does not change the stored record', async () => {
    const { store } = freshStore(newBackend)
    const data = { nested: { keyId: 'k1' } }
    await store.put('app/db', data, null)
    data.nested.keyId = 'changed'
    const got = await store.get('app/db')
    expect(got?.data).toEqual({ nested: { keyId: 'k1' } })
    ;(got!.data as { nested: { keyId: string } }).nested.keyId = 'changed again'
    expect((await store.get('app/db'))?.data).toEqual({ nested: { keyId: 'k1' } })
  })

  it('rejects invalid names and versions as caller bugs, not as mismatches', async () => {
    const { store } = freshStore(newBackend)
    for (const name of ['', 'app/', '/app', 'app//x', 'app/../x', 'a b', 'x'.repeat(201)]) {
      await expect(store.put(name, SEALED, null), name).rejects.toThrow('invalid config record name')
    }
    for (const version of [0, -1, 1.5, Number.NaN]) {
      await expect(store.put('app/db', SEALED, version)).rejects.toThrow('expectedVersion must be a positive integer')
      await expect(store.delete('app/db', version)).rejects.toThrow('expectedVersion must be a positive integer')
    }
  })

  it('N concurrent writers with the same expected version, each with its own client: exactly one wins', async () => {
    const { store, connect } = freshStore(newBackend)
    const WRITERS = 20
    const writers = Array.from({ length: WRITERS }, connect)
    const creates = await Promise.all(writers.map((writer, i) => writer.put('app/race', { writer: i }, null)))
    expect(creates.filter((r) => r.ok)).toEqual([{ ok: true, version: 1 }])
    expect(creates.filter((r) => !r.ok)).toHaveLength(WRITERS - 1)

    const updates = await Promise.all(writers.map((writer, i) => writer.put('app/race', { update: i }, 1)))
    const winners = updates.flatMap((r, i) => (r.ok ? [i] : []))
    expect(winners).toHaveLength(1)
    for (const r of updates) if (!r.ok) expect(r).toEqual({ ok: false, reason: 'version_mismatch', currentVersion: 2 })
    // The stored data is the winner's: no loser's write landed.
    expect(await store.get('app/race')).toEqual({ data: { update: winners[0] }, version: 2 })

    // Racing deletes and updates on version 2: exactly one of all of them wins as well.
    const mixed = await Promise.all(
      writers.map((writer, i) => (i % 2 ? writer.delete('app/race', 2) : writer.put('app/race', { last: i }, 2))),
    )
    expect(mixed.filter((r) => r.ok)).toHaveLength(1)
  })
})

describe('DurableObjectConfigStore', () => {
  it('uses the object exported by the real Workers entry, and its records survive eviction', async () => {
    const objectName = `test-${crypto.randomUUID()}`
    const store = new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT, objectName)
    await store.put('app/db', SEALED, null)
    await evictDurableObject(vaultEnv.CONFIG_VAULT.getByName(objectName))
    expect(await new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT, objectName).get('app/db')).toEqual({ data: SEALED, version: 1 })
  })

  it('by default every client reaches the same single object', async () => {
    const name = `app/default-${crypto.randomUUID()}`
    await new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT).put(name, SEALED, null)
    expect(await new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT).get(name)).toEqual({ data: SEALED, version: 1 })
    await new DurableObjectConfigStore(vaultEnv.CONFIG_VAULT).delete(name)
  })
})

describe('updateAll (key rotation re-wrap)', () => {
  const rewrap = async (_: string, record: { data: JsonValue }) => {
    const data = record.data as { keyId: string }
    return data.keyId === 'k2' ? null : { ...data, keyId: 'k2' }
  }

  it('rewrites every record conditionally and skips the ones already done', async () => {
    const store = new MemoryConfigStore()
    await store.put('app/a', { keyId: 'k1' }, null)
    await store.put('app/b', { keyId: 'k2' }, null)
    await store.put('app/c', { keyId: 'k1' }, null)
    expect(await updateAll(store, rewrap)).toEqual({ updated: 2, unchanged: 1, vanished: 0, conflicts: [] })
    expect(await store.list()).toEqual([
      { name: 'app/a', version: 2 },
      { name: 'app/b', version: 1 },
      { name: 'app/c', version: 2 },
    ])
    expect((await store.get('app/a'))?.data).toEqual({ keyId: 'k2' })
  })

  it('never overwrites a concurrent update with stale data: it reads again and re-wraps the new data', async () => {
    const store = new MemoryConfigStore()
    await store.put('app/a', { keyId: 'k1', value: 'old' }, null)
    let raced = false
    const report = await updateAll(store, async (name, record) => {
      if (!raced) {
        raced = true // another writer updates the record between our read and our write
        await store.put(name, { keyId: 'k1', value: 'new' }, record.version)
      }
      return rewrap(name, record)
    })
    expect(report).toEqual({ updated: 1, unchanged: 0, vanished: 0, conflicts: [] })
    expect(await store.get('app/a')).toEqual({ data: { keyId: 'k2', value: 'new' }, version: 3 })
  })

  it('reports records deleted meanwhile, and names it could not update after repeated races', async () => {
    const store = new MemoryConfigStore()
    await store.put('app/busy', { keyId: 'k1' }, null)
    await store.put('app/gone', { keyId: 'k1' }, null)
    let attempts = 0
    const report = await updateAll(store, async (name, record) => {
      if (name === 'app/gone') {
        await store.delete(name)
      } else {
        attempts++
        await store.put(name, { keyId: 'k1' }, record.version) // a writer that always gets in first
      }
      return rewrap(name, record)
    })
    expect(report).toEqual({ updated: 0, unchanged: 0, vanished: 1, conflicts: ['app/busy'] })
    expect(attempts).toBe(MAX_UPDATE_ATTEMPTS)
  })
})

describe('the race test discriminates', () => {
  it('control: a store that reads, awaits, then writes lets several racing writers "succeed"', async () => {
    // What KV-style get-then-put amounts to: the check and the write are separate steps.
    const records = new Map<string, { data: JsonValue; version: number }>()
    const racyPut = async (name: string, data: JsonValue, expectedVersion: number | null) => {
      const current = records.get(name)?.version ?? null
      await new Promise((resolve) => setTimeout(resolve, 1)) // the gap between read and write
      if (current !== expectedVersion) return { ok: false }
      records.set(name, { data, version: (current ?? 0) + 1 })
      return { ok: true }
    }
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => racyPut('app/race', { writer: i }, null)))
    expect(results.filter((r) => r.ok).length).toBeGreaterThan(1)
  })
})

describe('updatePage (paged rewrap: POST /v2/admin/rewrap?cursor=…)', () => {
  it('handles at most UPDATE_PAGE_SIZE records per call, in name order, and its cursor reaches every record exactly once', async () => {
    const store = new MemoryConfigStore()
    const names = Array.from({ length: 2 * UPDATE_PAGE_SIZE + 7 }, (_, i) => `app/r${String(i).padStart(3, '0')}`)
    for (const name of names) await store.put(name, { keyId: 'k1' }, null)
    const seen: string[] = []
    const transform = async (name: string, record: { data: JsonValue }) => {
      seen.push(name)
      const data = record.data as { keyId: string }
      return data.keyId === 'k2' ? null : { ...data, keyId: 'k2' }
    }
    let after: string | null = null
    const pages: number[] = []
    do {
      const page: Awaited<ReturnType<typeof updatePage>> = await updatePage(store, transform, { after })
      pages.push(page.updated)
      after = page.next
    } while (after !== null)
    expect(pages).toEqual([UPDATE_PAGE_SIZE, UPDATE_PAGE_SIZE, 7])
    expect(seen).toEqual(names)
    // A repeated (or replayed) page changes nothing more.
    expect(await updatePage(store, transform, { after: null })).toMatchObject({ updated: 0, unchanged: UPDATE_PAGE_SIZE })
  })
})
