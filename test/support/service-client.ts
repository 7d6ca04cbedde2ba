// Test client for the service endpoints, runtime-neutral: the protocol's own client half
// (src/protocol/v1.ts beginSession / finishSession, HPKE seal for config PUTs, AEAD open for config
// GETs) over a Caller, i.e. anything that turns (path, init) into a Response. The service contract
// (test/service/contract.ts) drives it over the Workers entry (test/service/workerd/service.ts) and over
// the real Fastly artifact under the harness host (test/fastly/service.test.ts). The caller's crypto
// (HPKE, backends) is passed in, so this file imports no runtime-specific module.
import { expect } from 'vitest'
import { b64u, fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { AEAD, type Hpke, KDF } from '../../src/hpke/hpke.ts'
import {
  beginSession,
  type Credentials,
  configAad,
  type EstablishedSession,
  finishSession,
  LABEL,
  MODE_KEM,
  type Mode,
  putAad,
  type SessionResponse,
} from '../../src/protocol/v1.ts'

export type Caller = (path: string, init?: RequestInit) => Promise<Response>

export interface PublishedKey {
  kid: string
  mode: Mode
  kemId: number
  publicKey: string
  status: 'current' | 'retiring'
}

export interface KeysDocument {
  policy: string
  aeads: number[]
  keys: PublishedKey[]
}

/** Asserts an RFC 9457 problem with this status and stable code; returns its body. */
export async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status, `expected ${status} ${code}`).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = (await res.json()) as Record<string, unknown>
  expect(body).toMatchObject({ status, code, type: `/problems/${code}` })
  return body
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

/** The Authorization header carrying a session ticket. */
export const ticketAuth = (ticket: string) => ({ authorization: `PQEdge-Ticket ${ticket}` })

/** A name no other test uses, under the edge-app client's `app/` scope. */
export const uniqueName = (prefix = 'app') => `${prefix}/t-${crypto.randomUUID().slice(0, 8)}`

export interface ServiceClientOptions {
  /** The default caller of every function below (each also takes another). */
  call: Caller
  /** HPKE for this runtime (src/hpke/{workerd,node}.ts `hpke`). */
  hpke: Hpke
  /** This runtime's backends (HMAC for key confirmation, the AEADs for config reads). */
  backends: () => Promise<Backends>
  /** The admin token (plaintext) and the default client's credentials. */
  adminToken: string
  client: Credentials
}

type SessionOptions = { mode?: Mode; aead?: number; credentials?: Credentials; caller?: Caller; key?: PublishedKey }

export function createServiceClient(options: ServiceClientOptions) {
  const { call, hpke, backends } = options
  const admin = { authorization: `Bearer ${options.adminToken}` }

  async function getKeys(caller: Caller = call): Promise<KeysDocument> {
    const res = await caller('/v1/keys')
    expect(res.status, 'GET /v1/keys').toBe(200)
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

  /** A session request (not sent), with its pending state. `key` saves the GET /v1/keys. */
  async function sessionRequest(opts: SessionOptions = {}) {
    const mode = opts.key?.mode ?? opts.mode ?? 'hybrid'
    const suite = suiteFor(mode, opts.aead)
    const key = opts.key ?? (await keyFor(mode, opts.caller))
    const pending = await beginSession({
      suite,
      kid: key.kid,
      serverPublicKey: fromB64u(key.publicKey, 'publicKey'),
      credentials: opts.credentials ?? options.client,
    })
    return { suite, key, pending }
  }

  /** A full handshake: the established session, key confirmation verified by the client. */
  async function establish(opts: SessionOptions = {}): Promise<EstablishedSession> {
    const caller = opts.caller ?? call
    const { suite, pending } = await sessionRequest(opts)
    const res = await caller('/v1/sessions', json(pending.request))
    expect(res.status, await res.clone().text()).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const response = (await res.json()) as SessionResponse
    return finishSession({ suite, hmac: (await backends()).hmacSha256, pending, response })
  }

  /** The body of an admin PUT: the value sealed to the server's key for `name` and `baseVersion`. */
  async function sealedPut(
    name: string,
    value: string,
    baseVersion: number,
    opts: { mode?: Mode; caller?: Caller; key?: PublishedKey; aead?: number } = {},
  ) {
    const mode = opts.key?.mode ?? opts.mode ?? 'hybrid'
    const aead = opts.aead ?? AEAD.ChaCha20Poly1305
    const key = opts.key ?? (await keyFor(mode, opts.caller))
    const { enc, ciphertext } = await suiteFor(mode, aead).Seal(fromB64u(key.publicKey, 'publicKey'), utf8(value), {
      info: utf8(LABEL.configPut),
      aad: putAad(name, baseVersion),
    })
    return { kid: key.kid, aead, enc: b64u(enc), ciphertext: b64u(ciphertext) }
  }

  /** PUT a value as the admin: created with If-None-Match: * unless `ifMatch` names the version to replace. */
  async function adminPut(name: string, value: string, opts: { ifMatch?: number; caller?: Caller; mode?: Mode; key?: PublishedKey } = {}) {
    const caller = opts.caller ?? call
    const body = await sealedPut(name, value, opts.ifMatch ?? 0, opts)
    const precondition: Record<string, string> = opts.ifMatch === undefined ? { 'if-none-match': '*' } : { 'if-match': `"${opts.ifMatch}"` }
    return caller(`/v1/config/${name}`, { ...json(body, { ...admin, ...precondition }), method: 'PUT' })
  }

  /** GET a config value with a session and decrypt it (§6.1). */
  async function readConfig(
    session: { ticket: string; sessionKey: Uint8Array; sessionId: Uint8Array; aeadId: number },
    name: string,
    caller: Caller = call,
  ) {
    const res = await caller(`/v1/config/${name}`, { headers: ticketAuth(session.ticket) })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = (await res.json()) as { name: string; version: number; nonce: string; ciphertext: string }
    expect(res.headers.get('etag')).toBe(`"${body.version}"`)
    const b = await backends()
    const aead = session.aeadId === AEAD.Aes256Gcm ? b.aes256Gcm : b.chacha20poly1305
    const key = await aead.importKey(session.sessionKey)
    const plaintext = await key.open(
      fromB64u(body.nonce, 'nonce', 12),
      configAad(name, body.version, session.sessionId),
      fromB64u(body.ciphertext, 'ciphertext'),
    )
    return { ...body, value: new TextDecoder().decode(plaintext) }
  }

  /** The vault's listing (asked as the admin). */
  async function list(caller: Caller = call): Promise<{ name: string; version: number }[]> {
    const res = await caller('/v1/config', { headers: admin })
    expect(res.status, 'GET /v1/config').toBe(200)
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

  return { call, admin, getKeys, suiteFor, keyFor, sessionRequest, establish, sealedPut, adminPut, readConfig, list, vaultSnapshot, stored }
}

export type ServiceClient = ReturnType<typeof createServiceClient>
