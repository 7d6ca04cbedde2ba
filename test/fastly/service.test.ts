// Request-level tests of the Fastly service in the real artifact: a main.wasm built by
// scripts/build-fastly.ts (StarlingMonkey with our bundle snapshotted in, the TypeScript ML-KEM core,
// the public keys of the test secrets built in) run by scripts/fastly/harness.ts, which gives every
// request a fresh instance as Fastly does. The harness is our TEST stand-in for Fastly's host: the
// engine and the app are the real ones, the Secret Store `pq-edge-secrets`, the Config Store
// `pq_edge_settings`, the KV Store `pq-edge-config` and the log endpoint `pq-edge-metrics` are
// in-memory. The client half is the shared protocol client (test/support/service-client.ts, also
// driving the workerd tests), so key confirmation and config decryption are checked client-side.
//
// The artifacts (one with the test secrets' keys file, one built with none) go to a temp dir outside
// the repository: bin/main.wasm is left alone. Each request costs a few hundred ms of interpreter
// time, so cases are chosen to cover each path once, and a deployment fetches its keys once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFastly } from '../../scripts/build-fastly.ts'
import { type FastlyLogLine, HarnessKvStore, runFastlyRequest } from '../../scripts/fastly/harness.ts'
import { type FastlyKeysFile, fastlyKeys } from '../../scripts/fastly-keys.ts'
import { MAX_BODY_BYTES } from '../../src/app.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { lazyBackends } from '../../src/crypto/select.ts'
import { AEAD, createHpke, hpke } from '../../src/hpke/node.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import type { Mode } from '../../src/protocol/v1.ts'
import { deriveSecretKeys, parseServerSecret } from '../../src/service/keys.ts'
import { Tickets } from '../../src/service/tickets.ts'
import {
  TEST_ADMIN_TOKEN,
  TEST_BINDINGS,
  TEST_CLIENT,
  TEST_OTHER_CLIENT,
  TEST_SERVER_SECRET,
  TEST_SERVER_SECRET_NEXT,
} from '../service/workerd/secrets.ts'
import {
  type Caller,
  createServiceClient,
  expectProblem,
  json,
  type KeysDocument,
  type PublishedKey,
  ticketAuth,
} from '../support/service-client.ts'

const SECRET_STORE = 'pq-edge-secrets'
const SETTINGS_STORE = 'pq_edge_settings'
const KV_STORE = 'pq-edge-config'
const LOG_ENDPOINT = 'pq-edge-metrics'
const BASE = 'https://pq-edge.test'
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

const BASE_SECRETS: Record<string, string> = {
  SERVER_SECRET: TEST_SERVER_SECRET,
  ADMIN_TOKEN_SHA256: TEST_BINDINGS.ADMIN_TOKEN_SHA256,
  CLIENTS: TEST_BINDINGS.CLIENTS,
}

let dir: string
let keyedWasm: string
let keylessWasm: string
let keysFile: FastlyKeysFile

interface DeploymentOptions {
  /** The artifact (default: the one with the test secrets' public keys built in). */
  wasm?: string
  /** Entries over BASE_SECRETS (undefined removes one); null: no Secret Store linked at all. */
  secrets?: Record<string, string | undefined> | null
  /** The Config Store's entries (default PQ_POLICY=pq-preferred); null: no Config Store linked. */
  settings?: Record<string, string> | null
  /** The vault's KV store, shared by every request of this deployment (and others given the same). */
  kv?: HarnessKvStore
}

/** One Fastly service configuration: a Caller over fresh instances that share its stores and logs. */
function deploy(options: DeploymentOptions = {}) {
  const kv = options.kv ?? new HarnessKvStore()
  const logs: FastlyLogLine[] = []
  let output = ''
  const secretEntries =
    options.secrets === null
      ? null
      : Object.entries({ ...BASE_SECRETS, ...options.secrets }).filter((e): e is [string, string] => e[1] !== undefined)
  const settings = options.settings === undefined ? { PQ_POLICY: 'pq-preferred' } : options.settings
  const call: Caller = async (path, init = {}) => {
    const body = init.body
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array))
      throw new Error('fastly caller: string or Uint8Array bodies only')
    const res = runFastlyRequest(
      options.wasm ?? keyedWasm,
      { method: init.method ?? 'GET', url: `${BASE}${path}`, headers: [...new Headers(init.headers).entries()], body: body ?? undefined },
      {
        secrets: secretEntries === null ? {} : { [SECRET_STORE]: Object.fromEntries(secretEntries) },
        configStores: settings === null ? {} : { [SETTINGS_STORE]: settings },
        kvStores: { [KV_STORE]: kv },
        logs,
      },
    )
    output += res.stdout + res.stderr
    return new Response(NULL_BODY_STATUSES.has(res.status) ? null : res.body.slice(), { status: res.status, headers: res.headerList })
  }
  return {
    call,
    kv,
    logs,
    /** What the guest printed (stdout and stderr: js-compute's console.error writes to stdout). */
    output: () => output,
    /** The JSON lines the service wrote to the metrics log endpoint. */
    events: () => logs.filter((l) => l.endpoint === LOG_ENDPOINT).map((l) => JSON.parse(l.line) as Record<string, unknown>),
  }
}

const getBackends = lazyBackends(mlkem)
const backends = async () => (await getBackends()).backends
const clientFor = (call: Caller) => createServiceClient({ call, hpke, backends, adminToken: TEST_ADMIN_TOKEN, client: TEST_CLIENT })

/** The keys the default deployment publishes (pq-preferred: every mode), fetched once. */
let published: KeysDocument
const keyOf = (mode: Mode): PublishedKey => {
  const key = published.keys.find((k) => k.mode === mode && k.status === 'current')
  if (!key) throw new Error(`no current ${mode} key`)
  return key
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pq-edge-fastly-service-'))
  keysFile = await fastlyKeys([
    { variable: 'SERVER_SECRET', value: TEST_SERVER_SECRET },
    { variable: 'SERVER_SECRET_NEXT', value: TEST_SERVER_SECRET_NEXT },
  ])
  const keysPath = join(dir, 'fastly-keys.json')
  writeFileSync(keysPath, JSON.stringify(keysFile))
  keyedWasm = join(dir, 'keyed/main.wasm')
  keylessWasm = join(dir, 'keyless/main.wasm')
  const log = () => {}
  await buildFastly({ keysFile: keysPath, bundle: join(dir, 'keyed/index.js'), wasm: keyedWasm, log })
  await buildFastly({ keysFile: null, bundle: join(dir, 'keyless/index.js'), wasm: keylessWasm, log })
  published = await clientFor(deploy().call).getKeys()
}, 300_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('/health and GET /v1/keys', () => {
  it('/health: fastly-compute, the TypeScript ML-KEM core, and the backends chosen where WebCrypto lacks X25519 and AES-GCM', async () => {
    const res = await deploy().call('/health')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ status: 'ok', runtime: { name: 'fastly-compute' }, mlkem: { name: 'pq-edge-js', module: 'typescript' } })
    expect(body.capabilities.webCrypto).toEqual({ x25519: false, hkdf: false, aesGcm: false, mlKem768: false })
    // Native HMAC; the interpreter-tuned fallbacks (src/crypto/interpreter.ts) for the rest.
    expect(body.backends).toEqual({
      x25519: 'pq-edge-js',
      hkdf: 'webcrypto',
      aesGcm: 'pq-edge-js',
      chacha20poly1305: 'noble',
      mlkem768: 'pq-edge-js',
      sha3: 'pq-edge-js',
    })
  })

  it('200 with the built-in public keys, ETag and Cache-Control; If-None-Match → 304; the keys each policy lists', async () => {
    const { call } = deploy()
    const res = await call('/v1/keys')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    const body = (await res.json()) as KeysDocument
    expect(body).toEqual(published)
    expect(body).toMatchObject({ policy: 'pq-preferred', aeads: [3, 2] })
    expect(body.keys.map((k) => [k.mode, k.kemId, fromB64u(k.publicKey, 'pk').length, k.status])).toEqual([
      ['hybrid', 0x647a, 1216, 'current'],
      ['pq', 0x0041, 1184, 'current'],
      ['classical', 0x0020, 32, 'current'],
    ])
    // What is served is what the keys file built in for SERVER_SECRET.
    for (const key of body.keys) expect(key.publicKey).toBe(keysFile.secrets[0]!.keys.find((k) => k.mode === key.mode)!.publicKey)

    const again = await call('/v1/keys', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)

    for (const [policy, modes] of [
      ['hybrid-required', ['hybrid']],
      ['pq-only', ['pq']],
    ] as const) {
      const keys = await clientFor(deploy({ settings: { PQ_POLICY: policy } }).call).getKeys()
      expect(keys.policy).toBe(policy)
      expect(keys.keys.map((k) => [k.mode, k.kid])).toEqual(modes.map((m) => [m, keyOf(m).kid]))
    }
    // No Config Store linked: the defaults apply (hybrid-required).
    expect((await clientFor(deploy({ settings: null }).call).getKeys()).policy).toBe('hybrid-required')
  })
})

describe('POST /v1/sessions: every mode and policy', () => {
  it.each([
    ['hybrid', AEAD.ChaCha20Poly1305],
    ['hybrid', AEAD.Aes256Gcm],
    ['pq', AEAD.ChaCha20Poly1305],
    ['classical', AEAD.Aes256Gcm],
  ] as const)(
    'pq-preferred: %s (aead %i) establishes, the client verifies key confirmation, the ticket reads config',
    async (mode, aead) => {
      const d = deploy()
      const client = clientFor(d.call)
      expect((await client.adminPut('app/db', `read over ${mode}`, { key: keyOf('hybrid') })).status).toBe(201)
      const session = await client.establish({ key: keyOf(mode), aead })
      expect(session).toMatchObject({ aeadId: aead, scopes: ['app/'] })
      expect(session.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(800_000)
      expect(await client.readConfig(session, 'app/db')).toMatchObject({ name: 'app/db', version: 1, value: `read over ${mode}` })

      const exchanges = d.events().filter((e) => e.metric === 'wasm_pqc_key_exchange_total')
      expect(exchanges).toEqual([
        expect.objectContaining({
          labels: { mode, algorithm: { hybrid: 'X-Wing', pq: 'ML-KEM-768', classical: 'DHKEM(X25519)' }[mode], result: 'success' },
          value: 1,
        }),
      ])
      // The classical fallback is a security event: counted and logged at warn level, with the client.
      const fallbacks = d.events().filter((e) => e.event === 'classical_fallback')
      if (mode === 'classical') {
        expect(fallbacks).toEqual([
          expect.objectContaining({
            level: 'warn',
            clientId: 'edge-app',
            metric: 'wasm_pqc_classical_fallback_total',
            labels: { reason: 'client_selected_classical_key' },
            value: 1,
          }),
        ])
      } else {
        expect(fallbacks).toEqual([])
      }
      // Nothing secret reaches the log endpoint.
      const logged = JSON.stringify(d.logs)
      for (const secret of [TEST_CLIENT.clientSecret, session.ticket, b64u(session.sessionKey)]) expect(logged).not.toContain(secret)
    },
  )

  it.each([
    ['hybrid-required', 'hybrid', ['pq', 'classical']],
    ['pq-only', 'pq', ['hybrid', 'classical']],
  ] as const)('%s: establishes %s; the other modes get 403 mode_not_allowed, counted as rejected', async (policy, accepted, refused) => {
    const d = deploy({ settings: { PQ_POLICY: policy } })
    const client = clientFor(d.call)
    await client.establish({ key: keyOf(accepted) })
    for (const mode of refused) {
      const { pending } = await client.sessionRequest({ key: keyOf(mode) })
      const body = await expectProblem(await d.call('/v1/sessions', json(pending.request)), 403, 'mode_not_allowed')
      expect(body.detail).toContain(policy)
    }
    expect(
      d
        .events()
        .filter((e) => e.metric === 'wasm_pqc_key_exchange_total')
        .map((e) => [(e.labels as any).mode, (e.labels as any).result]),
    ).toEqual([[accepted, 'success'], ...refused.map((m) => [m, 'rejected'])])
    expect(d.events().filter((e) => e.event === 'classical_fallback')).toEqual([])
  })

  it('SESSION_TTL_SECONDS from the Config Store sets the session lifetime', async () => {
    const session = await clientFor(deploy({ settings: { PQ_POLICY: 'hybrid-required', SESSION_TTL_SECONDS: '60' } }).call).establish({
      key: keyOf('hybrid'),
    })
    const ttl = Date.parse(session.expiresAt) - Date.now()
    expect(ttl).toBeGreaterThan(30_000)
    expect(ttl).toBeLessThanOrEqual(61_000)
  })
})

describe('POST /v1/sessions: rejections are problem+json with their code and store nothing', () => {
  const d = () => deployment
  let deployment: ReturnType<typeof deploy>
  let client: ReturnType<typeof clientFor>
  beforeAll(() => {
    deployment = deploy()
    client = clientFor(deployment.call)
  })
  const valid = async () => (await client.sessionRequest({ key: keyOf('hybrid') })).pending.request
  const altered = (text: string, i = 0) => {
    const bytes = fromB64u(text, 'field')
    bytes[i]! ^= 1
    return b64u(bytes)
  }

  it.each([
    ['unknown kid', 400, 'unknown_key', async () => json({ ...(await valid()), kid: 'AAAAAAAAAAAAAAAA' })],
    ['kid of the wrong shape', 400, 'unknown_key', async () => json({ ...(await valid()), kid: 'short' })],
    ['enc not base64url', 400, 'invalid_encoding', async () => json({ ...(await valid()), enc: `${(await valid()).enc}=` })],
    ['enc of the wrong length', 400, 'invalid_length', async () => json({ ...(await valid()), enc: b64u(new Uint8Array(1088)) })],
    [
      'ephemeralPublicKey of the wrong length',
      400,
      'invalid_length',
      async () => json({ ...(await valid()), ephemeralPublicKey: b64u(new Uint8Array(32)) }),
    ],
    ['sealed shorter than a tag', 400, 'invalid_length', async () => json({ ...(await valid()), sealed: b64u(new Uint8Array(15)) })],
    [
      'tampered sealed',
      400,
      'decryption_failed',
      async () => {
        const r = await valid()
        return json({ ...r, sealed: altered(r.sealed) })
      },
    ],
    [
      'tampered enc',
      400,
      'decryption_failed',
      async () => {
        const r = await valid()
        return json({ ...r, enc: altered(r.enc, 1100) })
      },
    ],
    ['version 2', 400, 'unsupported_version', async () => json({ ...(await valid()), version: 2 })],
    ['an AEAD not offered', 400, 'unsupported_suite', async () => json({ ...(await valid()), aead: 1 })],
    [
      'wrong content type',
      400,
      'invalid_json',
      async () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(await valid()) }),
    ],
    ['invalid JSON', 400, 'invalid_json', async () => json('{"version": 1,')],
    ['the wrong shape', 400, 'invalid_json', async () => json([1, 2])],
    ['a body over 65536 bytes', 413, 'payload_too_large', async () => json({ ...(await valid()), padding: 'x'.repeat(MAX_BODY_BYTES) })],
    [
      'a body over 65536 bytes, streamed (no Content-Length)',
      413,
      'payload_too_large',
      async () => json({ ...(await valid()), padding: 'x'.repeat(MAX_BODY_BYTES) }, { 'transfer-encoding': 'chunked' }),
    ],
  ] as [string, number, string, () => Promise<RequestInit>][])('%s: %i %s', async (_, status, code, init) => {
    const before = d().kv.keys()
    await expectProblem(await d().call('/v1/sessions', await init()), status, code)
    expect(d().kv.keys()).toEqual(before)
  })

  it('wrong secret or unknown client: 401 invalid_credentials with WWW-Authenticate, nothing echoed, counted as rejected', async () => {
    for (const credentials of [
      { ...TEST_CLIENT, clientSecret: 'pqe_client_wrong' },
      { clientId: 'nobody', clientSecret: TEST_CLIENT.clientSecret },
    ]) {
      const { pending } = await client.sessionRequest({ key: keyOf('hybrid'), credentials })
      const res = await d().call('/v1/sessions', json(pending.request))
      expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
      const body = await expectProblem(res, 401, 'invalid_credentials')
      expect(JSON.stringify(body)).not.toContain('pqe_client')
    }
    expect(JSON.stringify(d().logs)).not.toContain('pqe_client')
    expect(
      d()
        .events()
        .filter((e) => e.metric === 'wasm_pqc_key_exchange_total' && (e.labels as any).result === 'rejected'),
    ).toHaveLength(2)
  })

  it.each([
    ['GET', '/v1/sessions', 405, 'method_not_allowed', 'POST'],
    ['DELETE', '/v1/keys', 405, 'method_not_allowed', 'GET, HEAD'],
    ['GET', '/v1/no/such/route', 404, 'not_found', null],
  ] as const)('%s %s: %i %s', async (method, path, status, code, allow) => {
    const res = await d().call(path, { method })
    if (allow) expect(res.headers.get('allow')).toBe(allow)
    await expectProblem(res, status, code)
  })
})

describe('config vault', () => {
  /** A forged ticket as only the server could make it (its ticket key, derived here from the test secret). */
  async function serverTickets() {
    const b = await backends()
    const keys = await deriveSecretKeys(b, createHpke(b), parseServerSecret('SERVER_SECRET', TEST_SERVER_SECRET), 'current')
    return Tickets.create(b.aes256Gcm, keys.ticketKey, null)
  }
  const put = (call: Caller, name: string, body: unknown, headers: Record<string, string>) =>
    call(`/v1/config/${name}`, { ...json(body, headers), method: 'PUT' })

  it('PUT create (If-None-Match: *), 428 without precondition, 412 over an existing or stale version, replace with If-Match, list, DELETE', async () => {
    const { call, kv } = deploy()
    const client = clientFor(call)
    const { admin } = client
    const hybrid = keyOf('hybrid')
    const name = 'app/db-url'

    const noPrecondition = await expectProblem(
      await put(call, name, await client.sealedPut(name, 'x', 0, { key: hybrid }), admin),
      428,
      'precondition_required',
    )
    expect(noPrecondition.detail).toContain('If-None-Match')
    expect(kv.keys()).toEqual([])

    const created = await client.adminPut(name, 'postgres://v1', { key: hybrid })
    expect(created.status).toBe(201)
    expect(created.headers.get('etag')).toBe('"1"')
    expect(await created.json()).toEqual({ name, version: 1 })

    const createAgain = await expectProblem(
      await put(call, name, await client.sealedPut(name, 'x', 0, { key: hybrid }), { ...admin, 'if-none-match': '*' }),
      412,
      'version_mismatch',
    )
    expect(createAgain.currentVersion).toBe(1)
    const stale = await expectProblem(
      await put(call, name, await client.sealedPut(name, 'x', 5, { key: hybrid }), { ...admin, 'if-match': '"5"' }),
      412,
      'version_mismatch',
    )
    expect(stale.currentVersion).toBe(1)
    // Sealed for another name (the AAD binds it): does not open.
    await expectProblem(
      await put(call, name, await client.sealedPut('app/other', 'x', 1, { key: hybrid }), { ...admin, 'if-match': '"1"' }),
      400,
      'decryption_failed',
    )
    await expectProblem(
      await put(call, 'app/.x', await client.sealedPut('app/.x', 'x', 0, { key: hybrid }), { ...admin, 'if-none-match': '*' }),
      400,
      'invalid_name',
    )
    // A value sealed to the pq key is accepted too (pq-preferred).
    const replaced = await client.adminPut(name, 'postgres://v2', { ifMatch: 1, key: keyOf('pq') })
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toEqual({ name, version: 2 })
    expect((await client.adminPut('app/flags', 'on', { key: hybrid })).status).toBe(201)

    expect(await client.list()).toEqual([
      { name: 'app/db-url', version: 2 },
      { name: 'app/flags', version: 1 },
    ])
    // The vault holds ciphertext only.
    expect(
      kv
        .keys()
        .map((k) => kv.text(k))
        .join('\n'),
    ).not.toContain('postgres://')

    const session = await client.establish({ key: hybrid })
    expect(await client.readConfig(session, name)).toMatchObject({ version: 2, value: 'postgres://v2' })

    await expectProblem(
      await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"1"' } }),
      412,
      'version_mismatch',
    )
    expect((await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"2"' } })).status).toBe(204)
    await expectProblem(await call(`/v1/config/${name}`, { headers: ticketAuth(session.ticket) }), 404, 'not_found')
    await expectProblem(await call(`/v1/config/${name}`, { method: 'DELETE', headers: admin }), 404, 'not_found')
    expect((await call('/v1/config/app/flags', { method: 'DELETE', headers: admin })).status).toBe(204)
    expect(await client.list()).toEqual([])
  })

  it('GET with a ticket: scopes allowed and denied; missing, altered, forged-expired tickets 401', async () => {
    const { call } = deploy()
    const client = clientFor(call)
    const hybrid = keyOf('hybrid')
    expect((await client.adminPut('shared/flags', 'beta=on', { key: hybrid })).status).toBe(201)

    const narrow = await client.establish({ key: hybrid, credentials: TEST_OTHER_CLIENT })
    expect(narrow.scopes).toEqual(['shared/flags'])
    expect((await client.readConfig(narrow, 'shared/flags')).value).toBe('beta=on')
    await expectProblem(await call('/v1/config/app/db', { headers: ticketAuth(narrow.ticket) }), 403, 'scope_denied')

    const bytes = fromB64u(narrow.ticket, 'ticket')
    bytes[bytes.length - 1]! ^= 1
    for (const headers of [{}, ticketAuth(b64u(bytes)), client.admin] as Record<string, string>[]) {
      const res = await call('/v1/config/shared/flags', { headers })
      expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Ticket /)
      await expectProblem(res, 401, 'invalid_ticket')
    }

    const tickets = await serverTickets()
    const base = { sessionId: new Uint8Array(16), clientId: 'narrow', scopes: ['shared/flags'], aeadId: 3, sessionKey: new Uint8Array(32) }
    const at = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z')
    await expectProblem(
      await call('/v1/config/shared/flags', { headers: ticketAuth(await tickets.seal({ ...base, expiresAt: at(-1000) })) }),
      401,
      'expired_ticket',
    )
    // The same forging path with a future expiry is accepted: what failed above was the expiry.
    expect(
      (await call('/v1/config/shared/flags', { headers: ticketAuth(await tickets.seal({ ...base, expiresAt: at(60_000) })) })).status,
    ).toBe(200)
  })

  it('admin endpoints: 401 without or with a wrong token, 403 for an authenticated client, 200 for the admin', async () => {
    const { call } = deploy()
    const client = clientFor(call)
    const { ticket } = await client.establish({ key: keyOf('hybrid') })
    const basic = { authorization: `Basic ${btoa(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`)}` }
    for (const [path, method] of [
      ['/v1/config', 'GET'],
      ['/v1/admin/rewrap', 'POST'],
      ['/metrics', 'GET'],
    ] as const) {
      const res = await call(path, { method })
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
      await expectProblem(res, 401, 'invalid_credentials')
      await expectProblem(await call(path, { method, headers: ticketAuth(ticket) }), 403, 'scope_denied')
    }
    await expectProblem(await call('/metrics', { headers: { authorization: 'Bearer pqe_admin_wrong' } }), 401, 'invalid_credentials')
    await expectProblem(await call('/v1/config', { headers: basic }), 403, 'scope_denied')
    const put = await call('/v1/config/app/x', {
      ...json(await client.sealedPut('app/x', 'x', 0, { key: keyOf('hybrid') }), { ...ticketAuth(ticket), 'if-none-match': '*' }),
      method: 'PUT',
    })
    await expectProblem(put, 403, 'scope_denied')

    // GET /metrics (admin): this instance's metrics, Prometheus text. Fastly runs each request in a
    // fresh instance, so it holds the metric families only; the counts are in the log endpoint.
    const metrics = await call('/metrics', { headers: client.admin })
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await metrics.text()
    for (const name of [
      'wasm_pqc_key_exchange_total counter',
      'wasm_pqc_classical_fallback_total counter',
      'wasm_pqc_operation_duration_ms histogram',
    ]) {
      expect(text).toContain(`# TYPE ${name}`)
    }
  })

  it('PUT with a malformed request: each rejection has its code and leaves the KV store as it was', async () => {
    const { call, kv } = deploy()
    const client = clientFor(call)
    const name = 'app/x'
    expect((await client.adminPut(name, 'one', { key: keyOf('hybrid') })).status).toBe(201)
    const snapshot = () => kv.keys().map((k) => `${k}=${kv.text(k)}`)
    const before = snapshot()
    const good = await client.sealedPut(name, 'two', 1, { key: keyOf('hybrid') })
    const h = { ...client.admin, 'if-match': '"1"' }
    const cases: [RequestInit, number, string][] = [
      [{ method: 'PUT', headers: { ...h, 'content-type': 'application/json' }, body: '{nope' }, 400, 'invalid_json'],
      [{ method: 'PUT', headers: { ...h, 'content-type': 'text/plain' }, body: JSON.stringify(good) }, 400, 'invalid_json'],
      [{ ...json({ ...good, ciphertext: undefined }, h), method: 'PUT' }, 400, 'invalid_json'],
      [{ ...json({ ...good, enc: `${good.enc}==` }, h), method: 'PUT' }, 400, 'invalid_encoding'],
      [{ ...json({ ...good, enc: b64u(new Uint8Array(32)) }, h), method: 'PUT' }, 400, 'invalid_length'],
      [{ ...json({ ...good, kid: 'BBBBBBBBBBBBBBBB' }, h), method: 'PUT' }, 400, 'unknown_key'],
      [{ ...json({ ...good, aead: 1 }, h), method: 'PUT' }, 400, 'unsupported_suite'],
      [{ ...json(good, { ...client.admin, 'if-match': '1' }), method: 'PUT' }, 400, 'bad_request'],
      [{ ...json({ ...good, ciphertext: b64u(new Uint8Array(MAX_BODY_BYTES)) }, h), method: 'PUT' }, 413, 'payload_too_large'],
    ]
    for (const [init, status, code] of cases) await expectProblem(await call(`/v1/config/${name}`, init), status, code)
    expect(snapshot()).toEqual(before)
    // The same body, well-formed, is accepted: the cases above failed for what they changed.
    expect((await call(`/v1/config/${name}`, { ...json(good, h), method: 'PUT' })).status).toBe(200)
  })

  it('PUT under a policy that refuses the key: 403 mode_not_allowed', async () => {
    const { call, kv } = deploy({ settings: { PQ_POLICY: 'hybrid-required' } })
    const res = await clientFor(call).adminPut('app/x', 'x', { key: keyOf('classical') })
    await expectProblem(res, 403, 'mode_not_allowed')
    expect(kv.keys()).toEqual([])
  })
})

describe('SERVER_SECRET rotation', () => {
  it('old records, keys and tickets work while rotating; rewrap moves records to the new secret', async () => {
    const kv = new HarnessKvStore()
    const settings = { PQ_POLICY: 'hybrid-required' }
    const old = deploy({ kv, settings })
    const rotating = deploy({
      kv,
      settings,
      secrets: { SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET },
    })
    const finished = deploy({ kv, settings, secrets: { SERVER_SECRET: TEST_SERVER_SECRET_NEXT } })
    const oldClient = clientFor(old.call)
    const rotatingClient = clientFor(rotating.call)
    const finishedClient = clientFor(finished.call)
    const oldKey = keyOf('hybrid')

    expect((await oldClient.adminPut('app/db', 'written under the old secret', { key: oldKey })).status).toBe(201)
    const oldSession = await oldClient.establish({ key: oldKey })

    const keys = (await rotatingClient.getKeys()).keys
    expect(keys.map((k) => [k.mode, k.status])).toEqual([
      ['hybrid', 'current'],
      ['hybrid', 'retiring'],
    ])
    expect(keys[1]!.kid).toBe(oldKey.kid)
    expect(keys[0]!.publicKey).toBe(keysFile.secrets[1]!.keys.find((k) => k.mode === 'hybrid')!.publicKey)
    const newKey = keys[0]!

    // Readable during rotation: with the ticket issued under the old secret, and with a new session.
    expect((await rotatingClient.readConfig(oldSession, 'app/db')).value).toBe('written under the old secret')
    const newSession = await rotatingClient.establish({ key: newKey })
    expect((await rotatingClient.readConfig(newSession, 'app/db')).value).toBe('written under the old secret')
    // A client still holding the retiring key establishes a session.
    await rotatingClient.establish({ key: oldKey })

    // Without the previous secret, the record does not open yet: 500 internal_error, its name not in the body.
    const unreadable = await expectProblem(
      await finished.call('/v1/config/app/db', { headers: ticketAuth(newSession.ticket) }),
      500,
      'internal_error',
    )
    expect(JSON.stringify(unreadable)).not.toContain('app/db')

    const rewrap = await rotating.call('/v1/admin/rewrap', { method: 'POST', headers: rotatingClient.admin })
    expect(rewrap.status).toBe(200)
    expect(await rewrap.json()).toMatchObject({ updated: 1, unchanged: 0, vanished: 0, conflicts: [], unreadable: [] })
    const second = (await (await rotating.call('/v1/admin/rewrap', { method: 'POST', headers: rotatingClient.admin })).json()) as Record<
      string,
      unknown
    >
    expect(second).toMatchObject({ updated: 0, unchanged: 1, unreadable: [] })

    // Now the old secret can go: the finished deployment reads it (the version moved with the rewrap).
    expect(await finishedClient.readConfig(newSession, 'app/db')).toMatchObject({ value: 'written under the old secret', version: 2 })
    // ... and the ticket of the old secret no longer opens there.
    await expectProblem(await finished.call('/v1/config/app/db', { headers: ticketAuth(oldSession.ticket) }), 401, 'invalid_ticket')
  })
})

describe('misconfiguration: 500 service_misconfigured naming the variable, never its value', () => {
  const unknownSecret = b64u(crypto.getRandomValues(new Uint8Array(32)))

  it.each([
    ['no Secret Store linked', { secrets: null }, SECRET_STORE, []],
    ['SERVER_SECRET missing', { secrets: { SERVER_SECRET: undefined } }, 'SERVER_SECRET', []],
    ['SERVER_SECRET not the secret of the built-in keys', { secrets: { SERVER_SECRET: unknownSecret } }, 'SERVER_SECRET', [unknownSecret]],
    [
      'SERVER_SECRET_PREVIOUS not built in',
      { secrets: { SERVER_SECRET_PREVIOUS: unknownSecret } },
      'SERVER_SECRET_PREVIOUS',
      [unknownSecret],
    ],
    ['SERVER_SECRET malformed', { secrets: { SERVER_SECRET: 'not-a-secret-value-1234' } }, 'SERVER_SECRET', ['not-a-secret-value-1234']],
    [
      'ADMIN_TOKEN_SHA256 a plaintext',
      { secrets: { ADMIN_TOKEN_SHA256: 'pqe_admin_plaintext-value' } },
      'ADMIN_TOKEN_SHA256',
      ['pqe_admin_plaintext-value'],
    ],
    ['CLIENTS not JSON', { secrets: { CLIENTS: 'not json leaky-value' } }, 'CLIENTS', ['leaky-value']],
    ['PQ_POLICY unknown', { settings: { PQ_POLICY: 'quantum-maybe' } }, 'PQ_POLICY', ['quantum-maybe']],
    ['SESSION_TTL_SECONDS over 900', { settings: { SESSION_TTL_SECONDS: '3600' } }, 'SESSION_TTL_SECONDS', ['3600']],
    ['an artifact built with no keys file', { wasm: 'keyless' }, 'SERVER_SECRET', [TEST_SERVER_SECRET]],
  ] as [string, DeploymentOptions, string, string[]][])('%s', async (_, options, variable, values) => {
    const d = deploy({ ...options, wasm: options.wasm === 'keyless' ? keylessWasm : undefined })
    const body = await expectProblem(await d.call('/v1/keys'), 500, 'service_misconfigured')
    expect(body.detail).toContain(variable)
    for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) {
      expect(JSON.stringify(body)).not.toContain(value)
      expect(d.output()).not.toContain(value)
    }
    // The operator sees which variable in the service's log (fastly log-tail shows the guest's output).
    expect(d.output()).toContain('"event":"service_misconfigured"')
    expect(d.output()).toContain(`"variable":"${variable}"`)
  })

  it('/health does not depend on the service configuration (keyless artifact, no stores)', async () => {
    const res = await deploy({ wasm: keylessWasm, secrets: null, settings: null }).call('/health')
    expect(res.status).toBe(200)
  })
})
