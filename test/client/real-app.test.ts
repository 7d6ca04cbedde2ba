// pq-edge/client and the CLI against the real service: createApp (src/app.ts) in-process in Node,
// with the service context of src/service/context.ts, a fresh key set from generateSecrets (what
// `pq-edge keygen` prints) and the in-memory store. No protocol double: this is the server as deployed,
// minus the platform (the Durable Object store is replaced by MemoryConfigStore). Key rotation is the
// real one: a second deployment with SERVER_SECRET new and SERVER_SECRET_PREVIOUS the old, over the
// same store.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app.ts'
import { detectCryptoCapabilities } from '../../src/capabilities.ts'
import { admin, connect, getKeys, type PqEdgeError } from '../../src/client/node.ts'
import { b64u } from '../../src/crypto/bytes.ts'
import { lazyBackends } from '../../src/crypto/select.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { generateSecrets } from '../../src/service/auth.ts'
import { createServiceContext, type ServiceContext } from '../../src/service/context.ts'
import { Metrics } from '../../src/service/metrics.ts'
import { MemoryConfigStore } from '../../src/service/store-memory.ts'
import { listen } from './protocol-double.ts'

const BASE = 'https://pq-edge.test'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const trust = { trustKeysFromServer: true } as const

type Secrets = Awaited<ReturnType<typeof generateSecrets>>

/** A deployment: its vars over `secrets` (+ `extra`), on `store`. */
function realApp(secrets: Secrets, extra: Record<string, string> = {}, store = new MemoryConfigStore(), now?: () => number) {
  const crypto = lazyBackends(mlkem)
  let context: Promise<ServiceContext> | undefined
  const app = createApp({
    runtime: { name: 'node-test' },
    mlkem,
    crypto,
    detectCapabilities: detectCryptoCapabilities,
    service: () =>
      (context ??= crypto().then(({ backends }) =>
        createServiceContext(
          { ...secrets.vars, ...extra },
          { backends, openStore: () => store, metrics: new Metrics(), ...(now ? { now } : {}) },
        ),
      )),
  })
  const handle = (req: Request) => Promise.resolve(app.fetch(req, {}))
  return {
    handle,
    fetch: (input: string, init?: RequestInit) => handle(new Request(input, init)),
    store,
    adminToken: secrets.plaintext.adminToken,
    credentials: { clientId: secrets.plaintext.client.id, clientSecret: secrets.plaintext.client.secret },
  }
}

async function freshApp(policy = 'hybrid-required') {
  const secrets = await generateSecrets({ clientId: 'edge-app', scopes: ['app/'] })
  return { secrets, ...realApp(secrets, { PQ_POLICY: policy }) }
}

/** SERVER_SECRET rotated: the new secret current, the old one SERVER_SECRET_PREVIOUS, same store and credentials. */
async function rotated(before: Awaited<ReturnType<typeof freshApp>>) {
  const next = (await generateSecrets()).vars.SERVER_SECRET
  return {
    next,
    ...realApp(before.secrets, { SERVER_SECRET: next, SERVER_SECRET_PREVIOUS: before.secrets.vars.SERVER_SECRET }, before.store),
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a PqEdgeError'),
    (e: unknown) => e as PqEdgeError,
  )

async function hybridKey(fetch: (input: string, init?: RequestInit) => Promise<Response>) {
  const key = (await getKeys(BASE, { fetch })).keys.find((k) => k.mode === 'hybrid' && k.status === 'current')!
  return { kid: key.kid, publicKey: b64u(key.publicKey) }
}

describe('SDK against the real app', () => {
  it('admin session put, client session getConfig round trip, list, ifMatch semantics, delete', async () => {
    const server = await freshApp()
    const pin = await hybridKey(server.fetch)
    const adm = admin(BASE, { adminToken: server.adminToken, fetch: server.fetch, pin })
    expect(await adm.putConfig('app/db', 'postgres://one')).toEqual({ name: 'app/db', version: 1 })
    expect(await failure(adm.putConfig('app/db', 'again'))).toMatchObject({ code: 'version_mismatch', status: 412 })
    expect(await adm.putConfig('app/db', 'postgres://two', { ifMatch: 1 })).toEqual({ name: 'app/db', version: 2 })
    expect(await failure(adm.putConfig('app/db', 'stale', { ifMatch: 1 }))).toMatchObject({ code: 'version_mismatch', status: 412 })
    expect(await adm.putConfig('app/db', 'postgres://three', { ifMatch: '*' })).toEqual({ name: 'app/db', version: 3 })
    await adm.putConfig('app/blob', new Uint8Array([0, 255, 1, 254]))
    await adm.putConfig('other/x', 'not for edge-app')

    const session = await connect(BASE, { credentials: server.credentials, fetch: server.fetch, pin })
    expect(session.scopes).toEqual(['app/'])
    expect(session.mode).toBe('hybrid')
    expect(session.pin).toEqual({ ...pin, mode: 'hybrid' })
    expect((await session.getConfig('app/db')).text()).toBe('postgres://three')
    expect((await session.getConfig('app/db')).version).toBe(3)
    expect([...(await session.getConfig('app/blob')).value]).toEqual([0, 255, 1, 254])
    expect(await failure(session.getConfig('other/x'))).toMatchObject({ code: 'scope_denied', status: 403 })
    expect(await failure(session.getConfig('app/none'))).toMatchObject({ code: 'not_found', status: 404 })

    const aes = await connect(BASE, { credentials: server.credentials, fetch: server.fetch, aead: 2, ...trust })
    expect((await aes.getConfig('app/db')).text()).toBe('postgres://three')

    expect(await adm.listConfig()).toEqual(
      expect.arrayContaining([
        { name: 'app/db', version: 3 },
        { name: 'other/x', version: 1 },
      ]),
    )
    expect(await failure(adm.deleteConfig('app/db', { ifMatch: 2 }))).toMatchObject({ code: 'version_mismatch', status: 412 })
    await adm.deleteConfig('app/db', { ifMatch: 3 })
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'not_found', status: 404 })
    expect(await adm.putConfig('app/db', 'back')).toEqual({ name: 'app/db', version: 4 }) // versions are never reused
    expect(await adm.metrics()).toContain('# TYPE')
    session.close()
    adm.close()
  })

  it('a client whose clock is 10 minutes off adopts the serverTime of stale_request once and works; without it, a clear error', async () => {
    const secrets = await generateSecrets({ clientId: 'edge-app', scopes: ['app/'] })
    const ahead = realApp(secrets, {}, new MemoryConfigStore(), () => Date.now() + 600_000)
    const seen: { path: string; status: number; serverTime?: unknown }[] = []
    const fetch = async (input: string, init?: RequestInit) => {
      const res = await ahead.fetch(input, init)
      const body = res.status >= 400 ? ((await res.clone().json()) as { serverTime?: unknown }) : {}
      seen.push({ path: new URL(input).pathname, status: res.status, serverTime: body.serverTime })
      return res
    }
    const adm = admin(BASE, { adminToken: ahead.adminToken, fetch, ...trust })
    expect(await adm.putConfig('app/db', 'postgres://skewed')).toEqual({ name: 'app/db', version: 1 })
    const session = await connect(BASE, { credentials: ahead.credentials, fetch, ...trust })
    expect((await session.getConfig('app/db')).text()).toBe('postgres://skewed')
    expect((await session.getConfig('app/db')).version).toBe(1)
    // Each principal's first establishment was refused once, with the server's clock; nothing else was.
    const refused = seen.filter((r) => r.status !== 200 && r.status !== 201)
    expect(refused.map((r) => [r.path, r.status])).toEqual([
      ['/v2/sessions', 400],
      ['/v2/sessions', 400],
    ])
    for (const r of refused) expect(Math.abs((r.serverTime as number) - (Math.floor(Date.now() / 1000) + 600))).toBeLessThan(5)

    // A server that does not say its time (an older one, or a proxy's error): the error reaches the caller.
    const mute = async (input: string, init?: RequestInit) => {
      const res = await ahead.fetch(input, init)
      if (res.status !== 400) return res
      const { serverTime: _, ...body } = (await res.json()) as Record<string, unknown>
      return new Response(JSON.stringify(body), { status: 400, headers: res.headers })
    }
    expect(await failure(connect(BASE, { credentials: ahead.credentials, fetch: mute, ...trust }))).toMatchObject({
      code: 'stale_request',
      status: 400,
      serverTime: undefined,
    })
  })

  it('wrong credentials and token are invalid_credentials (401); a client secret is no admin token', async () => {
    const server = await freshApp()
    const bad = { ...server.credentials, clientSecret: 'pqe_client_nope' }
    expect(await failure(connect(BASE, { credentials: bad, fetch: server.fetch, ...trust }))).toMatchObject({
      code: 'invalid_credentials',
      status: 401,
    })
    for (const adminToken of ['pqe_admin_nope', server.credentials.clientSecret]) {
      expect(await failure(admin(BASE, { adminToken, fetch: server.fetch, ...trust }).listConfig())).toMatchObject({ status: 401 })
    }
  })

  it('pinning: the published kid and key are accepted; a foreign one is pin_mismatch before any session', async () => {
    const server = await freshApp()
    const pin = await hybridKey(server.fetch)
    expect((await connect(BASE, { credentials: server.credentials, fetch: server.fetch, pin })).kid).toBe(pin.kid)
    const other = await freshApp()
    const foreign = await hybridKey(other.fetch)
    expect(await failure(connect(BASE, { credentials: server.credentials, fetch: server.fetch, pin: foreign }))).toMatchObject({
      code: 'pin_mismatch',
    })
  })

  it('pq-only policy: mode pq works, the default hybrid reports no_usable_key', async () => {
    const server = await freshApp('pq-only')
    expect((await connect(BASE, { credentials: server.credentials, fetch: server.fetch, mode: 'pq', ...trust })).mode).toBe('pq')
    expect(await failure(connect(BASE, { credentials: server.credentials, fetch: server.fetch, ...trust }))).toMatchObject({
      code: 'no_usable_key',
    })
  })

  it('SERVER_SECRET rotation: a session with the pinned (retiring) key moves the pin; rewrap pages through every record', async () => {
    const before = await freshApp()
    const oldPin = await hybridKey(before.fetch)
    const adm = admin(BASE, { adminToken: before.adminToken, fetch: before.fetch, pin: oldPin })
    const names = Array.from({ length: 55 }, (_, i) => `app/r${String(i).padStart(2, '0')}`)
    for (const name of names) await adm.putConfig(name, `value of ${name}`)
    adm.close()

    const after = await rotated(before)
    const newPin = await hybridKey(after.fetch)
    expect(newPin.kid).not.toBe(oldPin.kid)
    const moved = vi.fn()
    const session = await connect(BASE, { credentials: after.credentials, fetch: after.fetch, pin: oldPin, onPinChange: moved })
    expect(session.kid).toBe(oldPin.kid) // established with the pinned, now retiring, key
    expect(session.pin).toEqual({ ...newPin, mode: 'hybrid' })
    expect(moved).toHaveBeenCalledWith({ ...newPin, mode: 'hybrid' }, { ...oldPin, mode: 'hybrid' })
    expect((await session.getConfig('app/r07')).text()).toBe('value of app/r07')

    const rotatingAdmin = admin(BASE, { adminToken: after.adminToken, fetch: after.fetch, pin: oldPin })
    const pages: number[] = []
    const report = await rotatingAdmin.rewrap({ onPage: (_page, totals) => pages.push(totals.updated + totals.unchanged) })
    expect(report).toMatchObject({ updated: 55, unchanged: 0, vanished: 0, conflicts: [], unreadable: [], pages: 2 })
    expect(pages).toEqual([50, 55])
    // The admin client now seals writes to the new key too.
    expect(rotatingAdmin.pin?.kid).toBe(newPin.kid)
    expect(await rotatingAdmin.putConfig('app/r00', 'after rotation', { ifMatch: '*' })).toMatchObject({ name: 'app/r00' })
    expect((await session.getConfig('app/r00')).text()).toBe('after rotation')
  })

  it('a substituted GET /v2/keys (another deployment’s keys, a MITM) is refused against the pin', async () => {
    const server = await freshApp()
    const pin = await hybridKey(server.fetch)
    const mitm = await freshApp()
    const fetch = (input: string, init?: RequestInit) => (input.endsWith('/v2/keys') ? mitm.fetch(input, init) : server.fetch(input, init))
    expect(await failure(connect(BASE, { credentials: server.credentials, fetch, pin }))).toMatchObject({ code: 'pin_mismatch' })
    expect(await failure(admin(BASE, { adminToken: server.adminToken, fetch, pin }).listConfig())).toMatchObject({ code: 'pin_mismatch' })
  })
})

describe('CLI against the real app over HTTP', () => {
  let http: Awaited<ReturnType<typeof listen>>
  let env: Record<string, string>
  let knownKeys: string
  let before: Awaited<ReturnType<typeof freshApp>>
  /** What the listener serves now (switched to the rotated deployment in a test). */
  let serving: (req: Request) => Promise<Response>
  beforeAll(async () => {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['scripts/build-lib.ts'], { cwd: ROOT }, (e) => (e ? reject(e) : resolve())),
    )
    before = await freshApp()
    serving = before.handle
    http = await listen((req) => serving(req))
    knownKeys = join(mkdtempSync(join(tmpdir(), 'pq-edge-real-')), 'known_keys.json')
    env = {
      PATH: process.env.PATH ?? '',
      PQ_EDGE_KNOWN_KEYS: knownKeys,
      PQ_EDGE_URL: http.url,
      PQ_EDGE_ADMIN_TOKEN: before.adminToken,
      PQ_EDGE_CLIENT_ID: before.credentials.clientId,
      PQ_EDGE_CLIENT_SECRET: before.credentials.clientSecret,
    }
  }, 180_000)
  afterAll(() => http?.close())

  const run = (args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(ROOT, 'dist/cli/pq-edge.js'), ...args],
        { env: { ...env, ...extra }, encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    )

  it('keys, establish (pinned on first use), config put/get/list/delete, rewrap', async () => {
    const keys = JSON.parse((await run(['keys', '--json'])).stdout)
    expect(keys.policy).toBe('hybrid-required')
    const first = await run(['establish', '--json'])
    expect(JSON.parse(first.stdout).scopes).toEqual(['app/'])
    expect(first.stderr).toContain('pinned its hybrid server key')
    const pinned = JSON.parse(readFileSync(knownKeys, 'utf8'))[http.url].hybrid
    expect(pinned.kid).toBe(keys.keys.find((k: { mode: string; status: string }) => k.mode === 'hybrid' && k.status === 'current').kid)
    expect(await run(['config', 'put', 'app/cli', '--value', 'hello', '--create'])).toMatchObject({
      code: 0,
      stdout: 'app/cli: version 1\n',
    })
    expect(await run(['config', 'get', 'app/cli'])).toMatchObject({ code: 0, stdout: 'hello' })
    const stale = await run(['config', 'put', 'app/cli', '--value', 'x', '--if-match', '7'])
    expect(stale.code).toBe(3)
    expect(stale.stderr).toContain('version_mismatch')
    expect(JSON.parse((await run(['config', 'list', '--json'])).stdout).items).toEqual([{ name: 'app/cli', version: 1 }])
    const rewrap = await run(['rewrap', '--json'])
    expect(rewrap.code).toBe(0)
    expect(JSON.parse(rewrap.stdout)).toMatchObject({ updated: 0, unchanged: 1, pages: 1 })
    expect(rewrap.stderr).toContain('rewrap page 1')
    expect((await run(['config', 'delete', 'app/cli', '--if-match', '1'])).code).toBe(0)
    expect((await run(['config', 'get', 'app/cli'])).code).toBe(3)
    await run(['config', 'put', 'app/keep', '--value', 'kept', '--create'])
  })

  it('a substituted /v2/keys is refused (exit 5); SERVER_SECRET rotation moves the pin in the known-keys file', async () => {
    const oldKid = JSON.parse(readFileSync(knownKeys, 'utf8'))[http.url].hybrid.kid
    // A man in the middle answering /v2/keys with its own deployment's keys.
    const mitm = await freshApp()
    serving = (req) => (new URL(req.url).pathname === '/v2/keys' ? mitm.handle(req) : before.handle(req))
    const refused = await run(['config', 'get', 'app/keep'])
    expect(refused.code).toBe(5)
    expect(refused.stderr).toContain('HAS CHANGED')
    expect(refused.stderr).toContain(knownKeys)
    expect(JSON.parse(readFileSync(knownKeys, 'utf8'))[http.url].hybrid.kid).toBe(oldKid)

    // The real rotation: the pinned key is now SERVER_SECRET_PREVIOUS's (retiring).
    const after = await rotated(before)
    serving = after.handle
    const newKid = (await hybridKey(after.fetch)).kid
    const got = await run(['config', 'get', 'app/keep'])
    expect(got).toMatchObject({ code: 0, stdout: 'kept' })
    expect(got.stderr).toContain(`rotated its hybrid key ${oldKid} -> ${newKid}`)
    expect(JSON.parse(readFileSync(knownKeys, 'utf8'))[http.url].hybrid.kid).toBe(newKid)
    const rewrap = await run(['rewrap', '--json'])
    expect(JSON.parse(rewrap.stdout)).toMatchObject({ updated: 1 })
    // The old secret can go: the finished deployment has only the new key, which is what is pinned now.
    serving = realApp(before.secrets, { SERVER_SECRET: after.next }, before.store).handle
    expect(await run(['config', 'get', 'app/keep'])).toMatchObject({ code: 0, stdout: 'kept', stderr: '' })
  })

  it('credentials from a file: baseUrl and secrets together; mixing with the environment is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-real-'))
    const file = join(dir, 'creds.json')
    writeFileSync(
      file,
      JSON.stringify({
        baseUrl: http.url,
        adminToken: before.adminToken,
        clientId: before.credentials.clientId,
        clientSecret: before.credentials.clientSecret,
      }),
    )
    const only = { PATH: process.env.PATH ?? '', PQ_EDGE_KNOWN_KEYS: knownKeys }
    const listed = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(ROOT, 'dist/cli/pq-edge.js'), 'config', 'list', '--credentials', file, '--json'],
        { env: only, encoding: 'utf8' },
        (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
      ),
    )
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).items.map((i: { name: string }) => i.name)).toEqual(['app/keep'])
    expect((await run(['config', 'list', '--credentials', file])).code).toBe(2)
  })
})
