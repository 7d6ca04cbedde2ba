// Test client for the service endpoints (protocol v2), runtime-neutral: the protocol's own client half
// (src/protocol/v2.ts: beginSession / finishSession, the request MAC, HPKE seal for config PUTs and
// HPKE open with skE for config GETs) over a Caller, i.e. anything that turns (path, init) into a
// Response. The service contract (test/service/contract.ts) drives it over the Workers entry
// (test/service/workerd/service.ts) and over the real Fastly artifact under the harness host
// (test/fastly/service.test.ts). The caller's crypto (HPKE, backends) is passed in, so this file
// imports no runtime-specific module. It records every request and response it sends (`recorded`), as
// an eavesdropper would, for the attack tests.
import { expect } from 'vitest'
import { b64u, fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { AEAD, type Hpke, KDF } from '../../src/hpke/hpke.ts'
import {
  authHeaders,
  beginSession,
  type ClientSession,
  type Credentials,
  finishSession,
  MODE_KEM,
  type Mode,
  openConfigValue,
  type PublishedKey,
  type SessionResponse,
  sealConfigPut,
} from '../../src/protocol/v2.ts'

export type Caller = (path: string, init?: RequestInit) => Promise<Response>
export type { PublishedKey }

export interface KeysDocument {
  version: number
  policy: string
  aeads: number[]
  keys: PublishedKey[]
}

/** Asserts an RFC 9457 problem with this status and stable code; returns its body. */
export async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.clone().text()
  expect(res.status, `expected ${status} ${code}, got ${res.status} ${text}`).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = JSON.parse(text) as Record<string, unknown>
  expect(body).toMatchObject({ status, code, type: `/problems/${code}` })
  return body
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

/** A name no other test uses, under the edge-app client's `app/` scope. */
export const uniqueName = (prefix = 'app') => `${prefix}/t-${crypto.randomUUID().slice(0, 8)}`

export const nowSeconds = () => Math.floor(Date.now() / 1000)

/** One request as sent and its response as received: what a network observer records. */
export interface Recorded {
  path: string
  method: string
  headers: Record<string, string>
  body: string | null
  status: number
  responseBody: string
}

export interface ServiceClientOptions {
  /** The default caller of every function below (each also takes another). */
  call: Caller
  /** HPKE for this runtime (src/hpke/{workerd,node}.ts `hpke`). */
  hpke: Hpke
  /** This runtime's backends (HMAC for key confirmation and request MACs). */
  backends: () => Promise<Backends>
  /** The admin's and the default client's credentials. */
  admin: Credentials
  client: Credentials
}

type SessionOptions = { mode?: Mode; aead?: number; credentials?: Credentials; caller?: Caller; key?: PublishedKey; timestamp?: number }

export interface SignOptions {
  headers?: Record<string, string>
  body?: string
  /** Default: now. */
  timestamp?: number
}

export function createServiceClient(options: ServiceClientOptions) {
  const { call, hpke, backends } = options
  const recorded: Recorded[] = []

  /** Calls and records (request and response bytes, as an eavesdropper sees them). */
  async function send(caller: Caller, path: string, init: RequestInit = {}): Promise<Response> {
    const res = await caller(path, init)
    recorded.push({
      path,
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: typeof init.body === 'string' ? init.body : null,
      status: res.status,
      responseBody: await res.clone().text(),
    })
    return res
  }

  async function getKeys(caller: Caller = call): Promise<KeysDocument> {
    const res = await caller('/v2/keys')
    expect(res.status, 'GET /v2/keys').toBe(200)
    return (await res.json()) as KeysDocument
  }

  function suiteFor(mode: Mode, aead: number = AEAD.ChaCha20Poly1305) {
    return hpke.suite({ kem: MODE_KEM[mode], kdf: KDF.HkdfSha256, aead, allowClassical: mode === 'classical' })
  }

  async function keyFor(mode: Mode, caller: Caller = call, status: 'current' | 'retiring' = 'current'): Promise<PublishedKey> {
    const key = (await getKeys(caller)).keys.find((k) => k.mode === mode && k.status === status)
    if (!key) throw new Error(`no ${status} ${mode} key published`)
    return key
  }

  /** A session request (not sent), with its pending state. `key` saves the GET /v2/keys. */
  async function sessionRequest(opts: SessionOptions = {}) {
    const mode = opts.key?.mode ?? opts.mode ?? 'hybrid'
    const suite = suiteFor(mode, opts.aead)
    const key = opts.key ?? (await keyFor(mode, opts.caller))
    const pending = await beginSession({
      suite,
      kid: key.kid,
      serverPublicKey: fromB64u(key.publicKey, 'publicKey'),
      credentials: opts.credentials ?? options.client,
      ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
    })
    return { suite, key, pending }
  }

  /** A full handshake: the established session (skE kept), key confirmation verified by the client. */
  async function establish(opts: SessionOptions = {}): Promise<ClientSession> {
    const caller = opts.caller ?? call
    const { suite, pending } = await sessionRequest(opts)
    const res = await send(caller, '/v2/sessions', json(pending.request))
    expect(res.status, await res.clone().text()).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const response = (await res.json()) as SessionResponse
    return finishSession({ suite, hmac: (await backends()).hmacSha256, pending, response })
  }

  /** The RequestInit of an authenticated request (§4): ticket, timestamp and MAC over what is sent. */
  async function signed(session: ClientSession, method: string, path: string, opts: SignOptions = {}): Promise<RequestInit> {
    const headers = { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers }
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    const auth = await authHeaders((await backends()).hmacSha256, session, {
      method,
      pathAndQuery: path,
      timestamp: opts.timestamp ?? nowSeconds(),
      ifMatch: lower['if-match'] ?? null,
      ifNoneMatch: lower['if-none-match'] ?? null,
      body: opts.body === undefined ? null : utf8(opts.body),
    })
    return { method, headers: { ...headers, ...auth }, ...(opts.body === undefined ? {} : { body: opts.body }) }
  }

  /** Sends an authenticated request. */
  async function request(session: ClientSession, method: string, path: string, opts: SignOptions & { caller?: Caller } = {}) {
    return send(opts.caller ?? call, path, await signed(session, method, path, opts))
  }

  // One admin session per caller (a deployment), established on first use over the hybrid key.
  const adminSessions = new Map<Caller, Promise<ClientSession>>()
  function adminSession(caller: Caller = call): Promise<ClientSession> {
    let session = adminSessions.get(caller)
    if (!session) {
      session = establish({ caller, credentials: options.admin, mode: 'hybrid' })
      adminSessions.set(caller, session)
      session.catch(() => adminSessions.delete(caller))
    }
    return session
  }

  /** An authenticated request as the admin. */
  async function admin(method: string, path: string, opts: SignOptions & { caller?: Caller } = {}) {
    return request(await adminSession(opts.caller), method, path, opts)
  }

  /** The body of an admin PUT: the value sealed to the server's key for `name` and `baseVersion`. */
  async function sealedPut(
    name: string,
    value: string,
    baseVersion: number,
    opts: { mode?: Mode; caller?: Caller; key?: PublishedKey; aead?: number } = {},
  ) {
    const mode = opts.key?.mode ?? opts.mode ?? 'hybrid'
    const key = opts.key ?? (await keyFor(mode, opts.caller))
    return sealConfigPut({
      suite: suiteFor(mode, opts.aead),
      kid: key.kid,
      serverPublicKey: fromB64u(key.publicKey, 'publicKey'),
      name,
      baseVersion,
      value: utf8(value),
    })
  }

  /** PUT a value as the admin: created with If-None-Match: * unless `ifMatch` names the version to replace. */
  async function adminPut(
    name: string,
    value: string,
    opts: { ifMatch?: number; caller?: Caller; mode?: Mode; key?: PublishedKey; timestamp?: number } = {},
  ) {
    const body = await sealedPut(name, value, opts.ifMatch ?? 0, opts)
    const precondition: Record<string, string> = opts.ifMatch === undefined ? { 'if-none-match': '*' } : { 'if-match': `"${opts.ifMatch}"` }
    return admin('PUT', `/v2/config/${name}`, { ...opts, headers: precondition, body: JSON.stringify(body) })
  }

  /** GET a config value with a client session and open it with skE. */
  async function readConfig(session: ClientSession, name: string, caller: Caller = call) {
    const res = await request(session, 'GET', `/v2/config/${name}`, { caller })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = (await res.json()) as { name: string; version: number; enc: string; ciphertext: string }
    expect(res.headers.get('etag')).toBe(`"${body.version}"`)
    const plaintext = await openConfigValue({
      suite: suiteFor(session.mode!, session.aeadId),
      ephemeralPrivateKey: session.ephemeral.privateKey,
      name,
      version: body.version,
      sessionId: session.sessionId,
      enc: body.enc,
      ciphertext: body.ciphertext,
    })
    return { ...body, value: new TextDecoder().decode(plaintext) }
  }

  /** The vault's listing (asked as the admin). */
  async function list(caller: Caller = call): Promise<{ name: string; version: number }[]> {
    const res = await admin('GET', '/v2/config', { caller })
    expect(res.status, 'GET /v2/config').toBe(200)
    return ((await res.json()) as { items: { name: string; version: number }[] }).items
  }

  /**
   * The vault's listing, less the records other test files create concurrently (their names come from
   * uniqueName): what a rejected request must leave unchanged.
   */
  async function vaultSnapshot(caller: Caller = call): Promise<string> {
    return JSON.stringify((await list(caller)).filter((i) => !/^[a-z]+\/t-/.test(i.name)))
  }

  /** Whether the vault holds `name` (asked as the admin). */
  async function stored(name: string, caller: Caller = call): Promise<{ name: string; version: number } | undefined> {
    return (await list(caller)).find((i) => i.name === name)
  }

  /** Ends a session as the client does: wipes skE and K_auth. */
  function close(session: ClientSession): void {
    session.ephemeral.privateKey.fill(0)
    session.authKey.fill(0)
  }

  return {
    call,
    recorded,
    send,
    getKeys,
    suiteFor,
    keyFor,
    sessionRequest,
    establish,
    signed,
    request,
    adminSession,
    admin,
    sealedPut,
    adminPut,
    readConfig,
    list,
    vaultSnapshot,
    stored,
    close,
  }
}

export type ServiceClient = ReturnType<typeof createServiceClient>

/** base64url of text (the tests' own helper for forged values). */
export const b64uText = (text: string) => b64u(utf8(text))
