// The service contract (test/service/contract.ts) and the Fastly-only service tests, against the real
// artifact: a main.wasm built by scripts/build-fastly.ts (StarlingMonkey with our bundle snapshotted
// in, the TypeScript ML-KEM core, the public keys of the test secrets built in) run by
// scripts/fastly/harness.ts, which gives every request a fresh instance (the first request of a
// sandbox, the costlier case), except in the reusable-sandbox tests at the end, where one instance
// serves several. The harness is our TEST stand-in for Fastly's host: the engine and the app are the
// real ones, the Secret Store `pq-edge-secrets`, the Config Store `pq_edge_settings`, the KV Store
// `pq-edge-config` and the log endpoint `pq-edge-metrics` are in-memory; the log endpoint and the
// guest's output are what the contract's `observed` checks.
//
// The artifacts (one with the test secrets' keys file, one built with none and no sandbox reuse) go to
// a temp dir outside the repository: bin/main.wasm is left alone. Each request costs a few hundred ms
// of interpreter time, so cases are chosen to cover each path once, and a deployment fetches its keys
// once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFastly } from '../../scripts/build-fastly.ts'
import {
  type FastlyLogLine,
  type FastlyTestRequest,
  HarnessKvStore,
  runFastlyRequest,
  runFastlySandbox,
} from '../../scripts/fastly/harness.ts'
import { type FastlyKeysFile, fastlyKeys } from '../../scripts/fastly-keys.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { lazyBackends } from '../../src/crypto/select.ts'
import { hpke } from '../../src/hpke/node.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { finishSession, type SessionResponse } from '../../src/protocol/v2.ts'
import { type ServiceUnderTest, serviceContract } from '../service/contract.ts'
import { TEST_ADMIN, TEST_BINDINGS, TEST_CLIENT, TEST_CLIENTS, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from '../service/secrets.ts'
import { type Caller, createServiceClient, expectProblem, json, type KeysDocument, uniqueName } from '../support/service-client.ts'

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

/** fastly.toml [local_server]'s public dummies: 32 zero bytes, and SHA-256("pqe_admin_local-dev-only-not-secret"). */
const LOCAL_DUMMY_SECRET = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const LOCAL_DUMMY_ADMIN = '4bb27517fa0f81dcfeb57b5946d327b0b607a56cd27cec964da821ad5420d82b'

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
const clientFor = (call: Caller) => createServiceClient({ call, hpke, backends, admin: TEST_ADMIN, client: TEST_CLIENT })

/** The variables the Config Store holds; every other one is in the Secret Store. */
const SETTINGS = new Set(['PQ_POLICY', 'SESSION_TTL_SECONDS'])
const vaults = new WeakMap<object, HarnessKvStore>()

/** The service under test of the contract: the keyed artifact, its variables split over the two stores. */
const fastlyService: ServiceUnderTest = {
  hpke,
  backends,
  newVault() {
    const vault = { id: crypto.randomUUID() }
    vaults.set(vault, new HarnessKvStore())
    return vault
  },
  deploy({ vars = {}, vault } = {}) {
    const secrets: Record<string, string | undefined> = {}
    const settings: Record<string, string> = { PQ_POLICY: 'pq-preferred' }
    for (const [name, value] of Object.entries(vars)) {
      if (!SETTINGS.has(name)) secrets[name] = value
      else if (value === undefined) delete settings[name]
      else settings[name] = value
    }
    const d = deploy({ secrets, settings, kv: vault ? vaults.get(vault) : undefined })
    return {
      call: d.call,
      snapshot: async () => JSON.stringify(d.kv.keys().map((k) => [k, d.kv.text(k)])),
      observed: { events: d.events, logText: () => `${JSON.stringify(d.logs)}\n${d.output()}` },
    }
  },
}

/** The keys the default deployment publishes (pq-preferred: every mode), fetched once. */
let published: KeysDocument

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pq-edge-fastly-service-'))
  keysFile = await fastlyKeys(
    [
      { variable: 'SERVER_SECRET', value: TEST_SERVER_SECRET },
      { variable: 'SERVER_SECRET_NEXT', value: TEST_SERVER_SECRET_NEXT },
      { variable: 'LOCAL_DUMMY', value: LOCAL_DUMMY_SECRET },
    ],
    { allowWeak: true },
  )
  const keysPath = join(dir, 'fastly-keys.json')
  writeFileSync(keysPath, JSON.stringify(keysFile))
  keyedWasm = join(dir, 'keyed/main.wasm')
  keylessWasm = join(dir, 'keyless/main.wasm')
  const log = () => {}
  await buildFastly({ keysFile: keysPath, bundle: join(dir, 'keyed/index.js'), wasm: keyedWasm, log })
  // The keyless artifact is also the one built without reusable sandboxes (its own test below).
  await buildFastly({ keysFile: null, bundle: join(dir, 'keyless/index.js'), wasm: keylessWasm, log, sandboxRequests: 1 })
  published = await clientFor(deploy().call).getKeys()
}, 300_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

serviceContract(fastlyService)

describe('Fastly only: the engine, the built-in keys, the stores', () => {
  it('/health: fastly-compute, the TypeScript ML-KEM core, and the backends chosen where WebCrypto lacks X25519 and AES-GCM', async () => {
    const res = await deploy().call('/health')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ status: 'ok', runtime: { name: 'fastly-compute' }, mlkem: { name: 'pq-edge-js', module: 'typescript' } })
    expect(body.capabilities.webCrypto).toEqual({
      x25519: false,
      hkdf: false,
      aesGcm: false,
      chacha20poly1305: false,
      mlKem768: false,
      xwing: false,
    })
    // Native HMAC; the interpreter-tuned fallbacks (src/crypto/interpreter.ts) for the rest.
    expect(body.backends).toEqual({
      x25519: 'pq-edge-js',
      hkdf: 'webcrypto',
      aesGcm: 'pq-edge-js',
      chacha20poly1305: 'noble',
      mlkem768: 'pq-edge-js',
      sha3: 'pq-edge-js',
      xwingKeygen: 'pq-edge',
      xwingEncaps: 'pq-edge',
      xwingDecaps: 'pq-edge',
      xwingImportedKey: 'pq-edge',
    })
  })

  it('GET /v2/keys serves the public keys the keys file built in, for SERVER_SECRET and, rotating, for the next secret', async () => {
    for (const key of published.keys) expect(key.publicKey).toBe(keysFile.secrets[0]!.keys.find((k) => k.mode === key.mode)!.publicKey)
    const rotating = deploy({
      settings: { PQ_POLICY: 'hybrid-required' },
      secrets: { SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET },
    })
    const keys = (await clientFor(rotating.call).getKeys()).keys
    expect(keys.map((k) => [k.status, k.publicKey])).toEqual([
      ['current', keysFile.secrets[1]!.keys.find((k) => k.mode === 'hybrid')!.publicKey],
      ['retiring', keysFile.secrets[0]!.keys.find((k) => k.mode === 'hybrid')!.publicKey],
    ])
    expect(fromB64u(keys[0]!.publicKey, 'pk')).toHaveLength(1216)
  })

  it('the KV store lagging behind a recent write (replication): 503 store_unavailable with Retry-After, not a 500', async () => {
    const d = deploy()
    // A record at version 2 whose slot 2 has not reached this POP, while slot 1's "superseded" rewrite has.
    d.kv.set('cfg/v1/name/app/lag', JSON.stringify({ slot: 2 }))
    d.kv.set('cfg/v1/slot/app/lag@1', JSON.stringify({ version: 1, exists: true, superseded: true }))
    d.kv.set('cfg/v1/slot/app/lag@2', JSON.stringify({ version: 2, exists: true, data: {} }))
    d.kv.lag('cfg/v1/slot/app/lag@2', 1000, null)
    const res = await clientFor(d.call).admin('GET', '/v2/config')
    await expectProblem(res, 503, 'store_unavailable')
    expect(res.headers.get('retry-after')).toBe('1')
  })

  it('no Config Store linked: the defaults apply (hybrid-required)', async () => {
    expect((await clientFor(deploy({ settings: null }).call).getKeys()).policy).toBe('hybrid-required')
  })
})

describe('Fastly only: misconfiguration of the stores and the built-in keys, 500 service_misconfigured naming the variable, never its value', () => {
  const unknownSecret = b64u(crypto.getRandomValues(new Uint8Array(32)))

  it.each([
    ['no Secret Store linked', { secrets: null }, SECRET_STORE, []],
    ['SERVER_SECRET not the secret of the built-in keys', { secrets: { SERVER_SECRET: unknownSecret } }, 'SERVER_SECRET', [unknownSecret]],
    [
      'SERVER_SECRET_PREVIOUS not built in',
      { secrets: { SERVER_SECRET_PREVIOUS: unknownSecret } },
      'SERVER_SECRET_PREVIOUS',
      [unknownSecret],
    ],
    ['an artifact built with no keys file', { wasm: 'keyless' }, 'SERVER_SECRET', [TEST_SERVER_SECRET]],
  ] as [string, DeploymentOptions, string, string[]][])('%s', async (_, options, variable, values) => {
    const d = deploy({ ...options, wasm: options.wasm === 'keyless' ? keylessWasm : undefined })
    const body = await expectProblem(await d.call('/v2/keys'), 500, 'service_misconfigured')
    expect(body.detail).toContain(variable)
    for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) {
      expect(JSON.stringify(body)).not.toContain(value)
      expect(d.output()).not.toContain(value)
    }
    // The operator sees which variable in the service's log (fastly log-tail shows the guest's output).
    expect(d.output()).toContain('"event":"service_misconfigured"')
    expect(d.output()).toContain(`"variable":"${variable}"`)
  })

  it('the public dummies of fastly.toml [local_server] are refused unless its PQ_EDGE_DEV=1 is in the Config Store', async () => {
    const dummies = { SERVER_SECRET: LOCAL_DUMMY_SECRET, ADMIN_TOKEN_SHA256: LOCAL_DUMMY_ADMIN }
    const refusing: Record<string, string>[] = [{ PQ_POLICY: 'pq-preferred' }, { PQ_POLICY: 'pq-preferred', PQ_EDGE_DEV: 'yes' }]
    for (const settings of refusing) {
      const d = deploy({ secrets: dummies, settings })
      const body = await expectProblem(await d.call('/v2/keys'), 500, 'service_misconfigured')
      expect(body.detail).toMatch(/^SERVER_SECRET is one byte repeated/)
      expect(JSON.stringify(body)).not.toContain(LOCAL_DUMMY_SECRET)
    }
    const adminOnly = deploy({ secrets: { ADMIN_TOKEN_SHA256: LOCAL_DUMMY_ADMIN } })
    expect((await expectProblem(await adminOnly.call('/v2/keys'), 500, 'service_misconfigured')).detail).toMatch(
      /^ADMIN_TOKEN_SHA256 is a published dummy/,
    )
    const local = deploy({ secrets: dummies, settings: { PQ_POLICY: 'pq-preferred', PQ_EDGE_DEV: '1' } })
    expect((await local.call('/v2/keys')).status).toBe(200)
  })

  it('/health does not depend on the service configuration (keyless artifact, no stores)', async () => {
    const res = await deploy({ wasm: keylessWasm, secrets: null, settings: null }).call('/health')
    expect(res.status).toBe(200)
  })
})

describe('Fastly only: reusable sandboxes (one instance serving request after request)', () => {
  /** Stores for one sandbox, read by the guest as they are when it reads them, so a test can change them between requests. */
  const storesOf = (secrets: Record<string, string>, kv = new HarnessKvStore()) => ({
    secrets: { [SECRET_STORE]: secrets },
    configStores: { [SETTINGS_STORE]: { PQ_POLICY: 'pq-preferred' } as Record<string, string> },
    kvStores: { [KV_STORE]: kv },
  })
  const toRequest = (path: string, init: RequestInit = {}): FastlyTestRequest => ({
    method: init.method ?? 'GET',
    url: `${BASE}${path}`,
    headers: [...new Headers(init.headers).entries()],
    body: typeof init.body === 'string' ? init.body : undefined,
  })

  it('the artifact asks for the next request: a bad one, then sessions and keys, all answered in one sandbox, each session confirmed', async () => {
    const client = clientFor(deploy().call)
    const key = published.keys.find((k) => k.mode === 'hybrid' && k.status === 'current')!
    const sessions = [await client.sessionRequest({ key }), await client.sessionRequest({ key })]
    const run = runFastlySandbox(
      keyedWasm,
      [
        toRequest('/v2/sessions', json({ not: 'a session request' })),
        ...sessions.map(({ pending }) => toRequest('/v2/sessions', json(pending.request))),
        toRequest('/v2/keys'),
      ],
      storesOf({ ...BASE_SECRETS }),
    )
    expect(run.responses.map((r) => r.status)).toEqual([400, 201, 201, 200])
    const hmac = (await backends()).hmacSha256
    for (const [i, { suite, pending }] of sessions.entries()) {
      // The client half checks key confirmation: a sandbox that mixed up two requests' state fails here.
      const session = await finishSession({ suite, hmac, pending, response: run.responses[i + 1]!.json() as SessionResponse })
      expect(session.mode).toBe('hybrid')
    }
    expect(run.responses[3]!.json()).toEqual(published)
  })

  const withClient = (change: (c: (typeof TEST_CLIENTS)[number]) => object | null) =>
    JSON.stringify(TEST_CLIENTS.flatMap((c) => (c.id === TEST_CLIENT.id ? (change(c) ?? []) : [c])))
  it.each([
    ['the client removed from CLIENTS', { CLIENTS: withClient(() => null) }, 401, 'session_revoked'],
    ['its secret rotated', { CLIENTS: withClient((c) => ({ ...c, secretSha256: 'ab'.repeat(32) })) }, 401, 'session_revoked'],
    ['its scopes narrowed', { CLIENTS: withClient((c) => ({ ...c, scopes: ['other/'] })) }, 403, 'scope_denied'],
    ['the policy tightened to pq-only (a hybrid session)', { PQ_POLICY: 'pq-only' }, 403, 'mode_not_allowed'],
  ] as const)(
    '%s between two requests of one sandbox: refused from the next request on, served again once undone',
    async (_, change, status, code) => {
      const kv = new HarnessKvStore()
      const client = clientFor(deploy({ kv }).call)
      const session = await client.establish()
      const path = `/v2/config/${uniqueName()}`
      const stores = storesOf({ ...BASE_SECRETS }, kv)
      const requests = await Promise.all([0, 1, 2].map(async () => toRequest(path, await client.signed(session, 'GET', path))))
      const run = runFastlySandbox(keyedWasm, requests, stores, (i) => {
        // Before request 1 the change is made (in the Secret Store, or the Config Store for PQ_POLICY); before request 2 it is undone.
        for (const [name, value] of Object.entries(change)) {
          const store = name === 'PQ_POLICY' ? stores.configStores[SETTINGS_STORE] : stores.secrets[SECRET_STORE]
          store[name] = i === 1 ? value : name === 'PQ_POLICY' ? 'pq-preferred' : BASE_SECRETS[name]!
        }
      })
      const [before, changed, undone] = run.responses
      expect(before!.status).toBe(404) // authenticated; no such record
      expect(changed!.status).toBe(status)
      expect(changed!.json()).toMatchObject({ code })
      expect(undone!.status).toBe(404)
    },
  )

  it('a configuration error does not stick to the sandbox: fixed in the store, the next request is served', async () => {
    const client = clientFor(deploy().call)
    const key = published.keys.find((k) => k.mode === 'hybrid' && k.status === 'current')!
    const { pending } = await client.sessionRequest({ key })
    const secrets: Record<string, string> = { ...BASE_SECRETS, SERVER_SECRET: b64u(crypto.getRandomValues(new Uint8Array(32))) }
    const run = runFastlySandbox(
      keyedWasm,
      [toRequest('/v2/sessions', json(pending.request)), toRequest('/v2/sessions', json(pending.request))],
      storesOf(secrets),
      () => {
        secrets.SERVER_SECRET = TEST_SERVER_SECRET
      },
    )
    expect(run.responses.map((r) => [r.status, (r.json() as { code?: string }).code])).toEqual([
      [500, 'service_misconfigured'],
      [201, undefined],
    ])
  })

  it('built with PQ_EDGE_FASTLY_SANDBOX_REQUESTS=1 (the keyless artifact here), a sandbox serves one request and ends', () => {
    const run = runFastlySandbox(keylessWasm, [toRequest('/health'), toRequest('/health')], storesOf({}))
    expect(run.responses.map((r) => r.status)).toEqual([200])
  })
})
