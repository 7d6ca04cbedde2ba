// pq-edge/client and the CLI against the real service: createApp (src/app.ts) in-process in Node,
// with the service context of src/service/context.ts, a fresh key set from generateSecrets (what
// `pq-edge keygen` prints) and the in-memory store. No protocol double: this is the server as deployed,
// minus the platform (the Durable Object store is replaced by MemoryConfigStore).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

async function realApp(policy = 'hybrid-required') {
  const secrets = await generateSecrets({ clientId: 'edge-app', scopes: ['app/'] })
  const crypto = lazyBackends(mlkem)
  const store = new MemoryConfigStore()
  let context: Promise<ServiceContext> | undefined
  const app = createApp({
    runtime: { name: 'node-test' },
    mlkem,
    crypto,
    detectCapabilities: detectCryptoCapabilities,
    service: () =>
      (context ??= crypto().then(({ backends }) =>
        createServiceContext({ ...secrets.vars, PQ_POLICY: policy }, { backends, openStore: () => store, metrics: new Metrics() }),
      )),
  })
  const handle = (req: Request) => Promise.resolve(app.fetch(req, {}))
  return {
    handle,
    fetch: (input: string, init?: RequestInit) => handle(new Request(input, init)),
    token: secrets.plaintext.adminToken,
    credentials: { clientId: secrets.plaintext.client.id, clientSecret: secrets.plaintext.client.secret },
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a PqEdgeError'),
    (e: unknown) => e as PqEdgeError,
  )

describe('SDK against the real app', () => {
  it('admin put, session getConfig round trip, list, ifMatch semantics, delete', async () => {
    const server = await realApp()
    const adm = admin(BASE, { token: server.token, fetch: server.fetch })
    expect(await adm.putConfig('app/db', 'postgres://one')).toEqual({ name: 'app/db', version: 1 })
    expect(await failure(adm.putConfig('app/db', 'again'))).toMatchObject({ code: 'version_mismatch', status: 412 })
    expect(await adm.putConfig('app/db', 'postgres://two', { ifMatch: 1 })).toEqual({ name: 'app/db', version: 2 })
    expect(await failure(adm.putConfig('app/db', 'stale', { ifMatch: 1 }))).toMatchObject({ code: 'version_mismatch', status: 412 })
    expect(await adm.putConfig('app/db', 'postgres://three', { ifMatch: '*' })).toEqual({ name: 'app/db', version: 3 })
    await adm.putConfig('app/blob', new Uint8Array([0, 255, 1, 254]))
    await adm.putConfig('other/x', 'not for edge-app')

    const session = await connect(BASE, { credentials: server.credentials, fetch: server.fetch })
    expect(session.scopes).toEqual(['app/'])
    expect(session.mode).toBe('hybrid')
    expect((await session.getConfig('app/db')).text()).toBe('postgres://three')
    expect((await session.getConfig('app/db')).version).toBe(3)
    expect([...(await session.getConfig('app/blob')).value]).toEqual([0, 255, 1, 254])
    expect(await failure(session.getConfig('other/x'))).toMatchObject({ code: 'scope_denied', status: 403 })
    expect(await failure(session.getConfig('app/none'))).toMatchObject({ code: 'not_found', status: 404 })

    const aes = await connect(BASE, { credentials: server.credentials, fetch: server.fetch, aead: 2 })
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
    session.close()
  })

  it('wrong credentials and token are invalid_credentials (401)', async () => {
    const server = await realApp()
    expect(
      await failure(connect(BASE, { credentials: { ...server.credentials, clientSecret: 'pqe_client_nope' }, fetch: server.fetch })),
    ).toMatchObject({ code: 'invalid_credentials', status: 401 })
    expect(await failure(admin(BASE, { token: 'pqe_admin_nope', fetch: server.fetch }).listConfig())).toMatchObject({ status: 401 })
  })

  it('pinning: the published kid and key are accepted; a foreign one is pin_mismatch', async () => {
    const server = await realApp()
    const keySet = await getKeys(BASE, { fetch: server.fetch })
    const key = keySet.keys.find((k) => k.mode === 'hybrid' && k.status === 'current')!
    expect(
      (await connect(BASE, { credentials: server.credentials, fetch: server.fetch, pin: { kid: key.kid, publicKey: b64u(key.publicKey) } }))
        .kid,
    ).toBe(key.kid)
    const other = await realApp()
    const foreign = (await getKeys(BASE, { fetch: other.fetch })).keys[0]!
    expect(
      await failure(connect(BASE, { credentials: server.credentials, fetch: server.fetch, pin: { publicKey: foreign.publicKey } })),
    ).toMatchObject({ code: 'pin_mismatch' })
  })

  it('pq-only policy: mode pq works, the default hybrid reports no_usable_key', async () => {
    const server = await realApp('pq-only')
    expect((await connect(BASE, { credentials: server.credentials, fetch: server.fetch, mode: 'pq' })).mode).toBe('pq')
    expect(await failure(connect(BASE, { credentials: server.credentials, fetch: server.fetch }))).toMatchObject({ code: 'no_usable_key' })
  })
})

describe('CLI against the real app over HTTP', () => {
  let http: Awaited<ReturnType<typeof listen>>
  let env: Record<string, string>
  beforeAll(async () => {
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['scripts/build-lib.ts'], { cwd: ROOT }, (e) => (e ? reject(e) : resolve())),
    )
    const server = await realApp()
    http = await listen(server.handle)
    env = {
      PATH: process.env.PATH ?? '',
      PQ_EDGE_URL: http.url,
      PQ_EDGE_ADMIN_TOKEN: server.token,
      PQ_EDGE_CLIENT_ID: server.credentials.clientId,
      PQ_EDGE_CLIENT_SECRET: server.credentials.clientSecret,
    }
  }, 180_000)
  afterAll(() => http?.close())

  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(ROOT, 'dist/cli/pq-edge.js'), ...args], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    )

  it('keys, establish, config put/get/list/delete', async () => {
    const keys = JSON.parse((await run(['keys', '--json'])).stdout)
    expect(keys.policy).toBe('hybrid-required')
    expect(JSON.parse((await run(['establish', '--json'])).stdout).scopes).toEqual(['app/'])
    expect(await run(['config', 'put', 'app/cli', '--value', 'hello', '--create'])).toMatchObject({
      code: 0,
      stdout: 'app/cli: version 1\n',
    })
    expect(await run(['config', 'get', 'app/cli'])).toMatchObject({ code: 0, stdout: 'hello' })
    const stale = await run(['config', 'put', 'app/cli', '--value', 'x', '--if-match', '7'])
    expect(stale.code).toBe(3)
    expect(stale.stderr).toContain('version_mismatch')
    expect(JSON.parse((await run(['config', 'list', '--json'])).stdout).items).toEqual([{ name: 'app/cli', version: 1 }])
    expect((await run(['config', 'delete', 'app/cli', '--if-match', '1'])).code).toBe(0)
    expect((await run(['config', 'get', 'app/cli'])).code).toBe(3)
  })
})
