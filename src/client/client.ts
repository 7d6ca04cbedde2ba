// pq-edge/client, runtime-agnostic part: the client half of docs/PROTOCOL.md. `connect` fetches the
// server's keys (§4), establishes a session (§5, key confirmation verified) and reads config through
// it (§6.1); `admin` writes, lists and deletes config with the admin token (§6.2, §6.3). Every byte
// layout comes from src/protocol/v1.ts; this file only does HTTP, validation and state. The
// per-runtime entries (node.ts, workerd.ts, browser.ts) bind it to that runtime's ML-KEM loader.
//
// Sessions re-establish themselves: a call made after `expiresAt` (less a small margin for clock
// skew), or answered 401 `expired_ticket` / `invalid_ticket`, runs a new handshake with the same
// credentials and retries once. Pass `reestablish: false` to get PqEdgeError `expired_session`
// instead (the credentials are then not kept after connect).

import { b64u, constantTimeEqual, EncodingError, fromB64u, fromUtf8, utf8 } from '../crypto/bytes.ts'
import type { Backends } from '../crypto/types.ts'
import type { Hpke, Suite } from '../hpke/hpke.ts'
import {
  beginSession,
  type Credentials,
  configAad,
  type EstablishedSession,
  finishSession,
  KDF_HKDF_SHA256,
  keyId,
  LABEL,
  MODE_KEM,
  type Mode,
  PROTOCOL_VERSION,
  putAad,
  SESSION_AEADS,
  type SessionResponse,
} from '../protocol/v1.ts'
import { PqEdgeError } from './errors.ts'

export type { Mode } from '../protocol/v1.ts'
export type { LocalErrorCode } from './errors.ts'
export { PqEdgeError } from './errors.ts'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>
/** 3 = ChaCha20-Poly1305, 2 = AES-256-GCM (§3). */
export type SessionAead = (typeof SESSION_AEADS)[number]

/** A key as GET /v1/keys offers it (§4), decoded and checked: `kid` matches the public key. */
export interface ServerKey {
  kid: string
  mode: Mode
  kemId: number
  publicKey: Uint8Array
  notBefore: string | null
  notAfter: string | null
  status: 'current' | 'retiring'
}

export interface KeySet {
  version: 1
  policy: string
  aeads: number[]
  keys: ServerKey[]
}

/** Trust a specific server key instead of whatever GET /v1/keys says (§4, "Pinning"). */
export interface Pin {
  kid?: string
  /** The raw public key, or its base64url (no padding). */
  publicKey?: Uint8Array | string
}

export interface ConnectOptions {
  credentials: Credentials
  pin?: Pin
  /** Default `hybrid` (X-Wing); with a pin and no mode, the pinned key's mode (never `classical` implicitly). */
  mode?: Mode
  /** Default: the first of the server's `aeads` this client supports (3, then 2). */
  aead?: SessionAead
  fetch?: FetchLike
  /** Default true: renew an expired session transparently. False: throw `expired_session`. */
  reestablish?: boolean
}

export interface AdminOptions {
  token: string
  pin?: Pin
  /** The mode of the key config writes are sealed to; default `hybrid`, or the pinned key's. */
  mode?: Mode
  aead?: SessionAead
  fetch?: FetchLike
}

export interface ConfigValue {
  name: string
  version: number
  value: Uint8Array
  /** The value as UTF-8 (throws on invalid UTF-8). */
  text(): string
  json<T = unknown>(): T
}

export interface Session {
  /** base64url session id; changes when the session is re-established. */
  readonly id: string
  readonly expiresAt: Date
  readonly scopes: readonly string[]
  readonly kid: string
  readonly mode: Mode
  readonly aead: SessionAead
  getConfig(name: string): Promise<ConfigValue>
  /** Wipes the session key and forgets the credentials; later calls throw `session_closed`. */
  close(): void
}

export interface PutOptions {
  /**
   * Omitted: create only (`If-None-Match: *`; 412 if the name exists). A version: replace exactly
   * that version (`If-Match`). `'*'`: replace whatever version is current, or create: the current
   * version is read first with listConfig and the write is still conditional on it, so a concurrent
   * writer makes this fail with `version_mismatch` rather than be overwritten silently.
   */
  ifMatch?: number | '*'
}

export interface AdminClient {
  keys(): Promise<KeySet>
  putConfig(name: string, value: string | Uint8Array, options?: PutOptions): Promise<{ name: string; version: number }>
  listConfig(): Promise<Array<{ name: string; version: number }>>
  deleteConfig(name: string, options?: { ifMatch?: number }): Promise<void>
}

export interface PqEdgeClient {
  connect(baseUrl: string, options: ConnectOptions): Promise<Session>
  admin(baseUrl: string, options: AdminOptions): AdminClient
  getKeys(baseUrl: string, options?: { fetch?: FetchLike }): Promise<KeySet>
}

export interface ClientDeps {
  hpke: Hpke
  /** The primitives (for HMAC and the session AEAD), resolved once. */
  backends: () => Promise<Backends>
}

/** Renew this long before `expiresAt`, so a request does not race the server's clock. */
const EXPIRY_MARGIN_MS = 5_000
const NONCE_BYTES = 12
/** Characters a config name may use in a URL path; the server enforces the full grammar (§6). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/

export function createClient(deps: ClientDeps): PqEdgeClient {
  const suiteFor = (mode: Mode, aead: number): Suite =>
    deps.hpke.suite({ kem: MODE_KEM[mode], kdf: KDF_HKDF_SHA256, aead, allowClassical: mode === 'classical' })

  async function getKeys(baseUrl: string, options: { fetch?: FetchLike } = {}): Promise<KeySet> {
    const http = httpFor(baseUrl, options.fetch)
    const res = await http('/v1/keys', { headers: { accept: 'application/json' } })
    if (res.status !== 200) throw await errorFrom(res)
    return parseKeySet(await jsonBody(res, 'GET /v1/keys'))
  }

  async function choose(
    baseUrl: string,
    fetchFn: FetchLike | undefined,
    wanted: { pin?: NormalPin | undefined; mode?: Mode | undefined; aead?: SessionAead | undefined },
  ) {
    const keySet = await getKeys(baseUrl, { fetch: fetchFn })
    const key = chooseKey(keySet, wanted.pin, wanted.mode)
    const aead = chooseAead(keySet, wanted.aead)
    return { key, aead, suite: suiteFor(key.mode, aead) }
  }

  async function connect(baseUrl: string, options: ConnectOptions): Promise<Session> {
    const { credentials } = options
    if (
      typeof credentials?.clientId !== 'string' ||
      typeof credentials.clientSecret !== 'string' ||
      !credentials.clientId ||
      !credentials.clientSecret
    ) {
      throw new PqEdgeError('invalid_argument', 'connect needs credentials: { clientId, clientSecret } (non-empty strings)')
    }
    const http = httpFor(baseUrl, options.fetch)
    const pin = normalisePin(options.pin)
    const reestablish = options.reestablish ?? true
    let kept: Credentials | null = { clientId: credentials.clientId, clientSecret: credentials.clientSecret }

    const establish = async () => {
      if (!kept) throw new PqEdgeError('session_closed', 'the session was closed')
      const { key, aead, suite } = await choose(baseUrl, options.fetch, { pin, mode: options.mode, aead: options.aead })
      const pending = await beginSession({ suite, kid: key.kid, serverPublicKey: key.publicKey, credentials: kept })
      const res = await http('/v1/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(pending.request),
      })
      if (res.status !== 201) {
        pending.ssS.fill(0)
        pending.ephemeral.privateKey.fill(0)
        throw await errorFrom(res)
      }
      const response = parseSessionResponse(await jsonBody(res, 'POST /v1/sessions'))
      const backends = await deps.backends()
      let session: EstablishedSession
      try {
        session = await finishSession({ suite, hmac: backends.hmacSha256, pending, response })
      } catch (error) {
        if (error instanceof EncodingError) throw new PqEdgeError('invalid_response', `POST /v1/sessions: ${error.message}`)
        // A ProtocolError, or an HPKE failure on an altered `enc`: either way the response does not
        // come from the holder of the key we encapsulated to, and there is no session.
        throw new PqEdgeError(
          'confirmation_failed',
          'key confirmation failed: the session response does not come from the holder of the server key',
          { cause: error },
        )
      }
      const expires = Date.parse(session.expiresAt)
      if (Number.isNaN(expires)) {
        session.sessionKey.fill(0)
        throw new PqEdgeError('invalid_response', 'POST /v1/sessions: expiresAt is not an RFC 3339 timestamp')
      }
      return { session, expires, key, aead: aead as SessionAead }
    }

    let current = await establish()
    if (!reestablish) kept = null
    let renewing: Promise<void> | null = null
    let closed = false

    const renew = (stale: typeof current) => {
      if (current !== stale) return Promise.resolve() // another call already renewed it
      return (renewing ??= (async () => {
        try {
          const next = await establish()
          if (closed) {
            next.session.sessionKey.fill(0)
            throw new PqEdgeError('session_closed', 'the session was closed')
          }
          stale.session.sessionKey.fill(0)
          current = next
        } finally {
          renewing = null
        }
      })())
    }

    const usable = async () => {
      if (closed) throw new PqEdgeError('session_closed', 'the session was closed')
      if (Date.now() < current.expires - EXPIRY_MARGIN_MS) return current
      if (!reestablish) throw new PqEdgeError('expired_session', `the session expired at ${current.session.expiresAt}; connect again`)
      await renew(current)
      return current
    }

    const readConfig = async (name: string, state: typeof current): Promise<Response> =>
      http(`/v1/config/${name}`, { headers: { authorization: `PQEdge-Ticket ${state.session.ticket}`, accept: 'application/json' } })

    const getConfig = async (name: string): Promise<ConfigValue> => {
      checkName(name)
      let state = await usable()
      let res = await readConfig(name, state)
      if (res.status === 401 && reestablish) {
        const error = await errorFrom(res)
        if (error.code !== 'expired_ticket' && error.code !== 'invalid_ticket') throw error
        await renew(state)
        state = await usable()
        res = await readConfig(name, state)
      }
      if (res.status !== 200) throw await errorFrom(res)
      const body = await jsonBody(res, `GET /v1/config/${name}`)
      const { version, nonce, ciphertext } = parseConfigResponse(body, name)
      if (closed) throw new PqEdgeError('session_closed', 'the session was closed')
      const backends = await deps.backends()
      const aead = state.aead === 2 ? backends.aes256Gcm : backends.chacha20poly1305
      let value: Uint8Array
      try {
        const key = await aead.importKey(state.session.sessionKey)
        value = await key.open(nonce, configAad(name, version, state.session.sessionId), ciphertext)
      } catch {
        throw new PqEdgeError('decryption_failed', `GET /v1/config/${name}: the value does not decrypt under this session's key`)
      }
      return configValue(name, version, value)
    }

    return {
      get id() {
        return b64u(current.session.sessionId)
      },
      get expiresAt() {
        return new Date(current.expires)
      },
      get scopes() {
        return [...current.session.scopes]
      },
      get kid() {
        return current.key.kid
      },
      get mode() {
        return current.key.mode
      },
      get aead() {
        return current.aead
      },
      getConfig,
      close() {
        closed = true
        kept = null
        current.session.sessionKey.fill(0)
      },
    }
  }

  function admin(baseUrl: string, options: AdminOptions): AdminClient {
    if (typeof options?.token !== 'string' || !options.token)
      throw new PqEdgeError('invalid_argument', 'admin needs { token } (the admin token)')
    const http = httpFor(baseUrl, options.fetch)
    const pin = normalisePin(options.pin)
    const token = options.token
    const authorized = (headers: Record<string, string> = {}) => ({
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...headers,
    })
    let chosen: ReturnType<typeof choose> | null = null
    const target = () =>
      (chosen ??= choose(baseUrl, options.fetch, { pin, mode: options.mode, aead: options.aead }).catch((e: unknown) => {
        chosen = null
        throw e
      }))

    async function listConfig() {
      const res = await http('/v1/config', { headers: authorized() })
      if (res.status !== 200) throw await errorFrom(res)
      return parseList(await jsonBody(res, 'GET /v1/config'))
    }

    async function putOnce(name: string, plaintext: Uint8Array, baseVersion: number) {
      const { key, aead, suite } = await target()
      const { enc, ciphertext } = await suite.Seal(key.publicKey, plaintext, {
        info: utf8(LABEL.configPut),
        aad: putAad(name, baseVersion),
      })
      const precondition: Record<string, string> = baseVersion === 0 ? { 'if-none-match': '*' } : { 'if-match': `"${baseVersion}"` }
      return http(`/v1/config/${name}`, {
        method: 'PUT',
        headers: authorized({ 'content-type': 'application/json', ...precondition }),
        body: JSON.stringify({ kid: key.kid, aead, enc: b64u(enc), ciphertext: b64u(ciphertext) }),
      })
    }

    async function putConfig(name: string, value: string | Uint8Array, putOptions: PutOptions = {}) {
      checkName(name)
      if (typeof value !== 'string' && !(value instanceof Uint8Array))
        throw new PqEdgeError('invalid_argument', 'putConfig: value must be a string or a Uint8Array')
      let baseVersion: number
      const { ifMatch } = putOptions
      if (ifMatch === undefined) baseVersion = 0
      else if (ifMatch === '*') baseVersion = (await listConfig()).find((item) => item.name === name)?.version ?? 0
      else if (Number.isSafeInteger(ifMatch) && ifMatch >= 1) baseVersion = ifMatch
      else throw new PqEdgeError('invalid_argument', "putConfig: ifMatch must be a version (an integer ≥ 1) or '*'")
      const plaintext = typeof value === 'string' ? utf8(value) : value
      try {
        let res = await putOnce(name, plaintext, baseVersion)
        if (res.status === 400) {
          // The key we sealed to may have been retired since we fetched it: fetch again, once.
          const error = await errorFrom(res)
          if (error.code !== 'unknown_key') throw error
          chosen = null
          res = await putOnce(name, plaintext, baseVersion)
        }
        if (res.status !== 200 && res.status !== 201) throw await errorFrom(res)
        const body = await jsonBody(res, `PUT /v1/config/${name}`)
        if (!isRecord(body) || body.name !== name || !isVersion(body.version))
          throw new PqEdgeError('invalid_response', `PUT /v1/config/${name}: expected { name, version }`)
        return { name, version: body.version }
      } finally {
        if (typeof value === 'string') plaintext.fill(0)
      }
    }

    async function deleteConfig(name: string, deleteOptions: { ifMatch?: number } = {}) {
      checkName(name)
      const { ifMatch } = deleteOptions
      if (ifMatch !== undefined && !(Number.isSafeInteger(ifMatch) && ifMatch >= 1))
        throw new PqEdgeError('invalid_argument', 'deleteConfig: ifMatch must be a version (an integer ≥ 1)')
      const res = await http(`/v1/config/${name}`, {
        method: 'DELETE',
        headers: authorized(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
      })
      if (res.status !== 204 && res.status !== 200) throw await errorFrom(res)
    }

    return { keys: () => getKeys(baseUrl, { fetch: options.fetch }), putConfig, listConfig, deleteConfig }
  }

  return { connect, admin, getKeys }
}

// ---------- key selection ----------

interface NormalPin {
  kid?: string
  publicKey?: Uint8Array
}

function normalisePin(pin: Pin | undefined): NormalPin | undefined {
  if (!pin || (pin.kid === undefined && pin.publicKey === undefined)) return undefined
  if (pin.kid !== undefined && typeof pin.kid !== 'string') throw new PqEdgeError('invalid_argument', 'pin.kid must be a string')
  let publicKey: Uint8Array | undefined
  if (typeof pin.publicKey === 'string') {
    try {
      publicKey = fromB64u(pin.publicKey, 'pin.publicKey')
    } catch (error) {
      throw new PqEdgeError('invalid_argument', (error as Error).message)
    }
  } else if (pin.publicKey instanceof Uint8Array) publicKey = pin.publicKey
  else if (pin.publicKey !== undefined)
    throw new PqEdgeError('invalid_argument', 'pin.publicKey must be a Uint8Array or a base64url string')
  return { ...(pin.kid !== undefined ? { kid: pin.kid } : {}), ...(publicKey ? { publicKey } : {}) }
}

function chooseKey(keySet: KeySet, pin: NormalPin | undefined, mode: Mode | undefined): ServerKey {
  if (pin) {
    const key = keySet.keys.find(
      (k) => (pin.kid === undefined || k.kid === pin.kid) && (pin.publicKey === undefined || constantTimeEqual(k.publicKey, pin.publicKey)),
    )
    const what = [pin.kid !== undefined ? `kid ${pin.kid}` : '', pin.publicKey ? `public key ${b64u(pin.publicKey).slice(0, 16)}…` : '']
      .filter(Boolean)
      .join(' and ')
    if (!key)
      throw new PqEdgeError(
        'pin_mismatch',
        `the server does not offer the pinned key (${what}); it offers ${keySet.keys.map((k) => k.kid).join(', ') || 'no keys'}`,
      )
    if (mode !== undefined && key.mode !== mode) throw new PqEdgeError('pin_mismatch', `the pinned key is a ${key.mode} key, not ${mode}`)
    if (mode === undefined && key.mode === 'classical')
      throw new PqEdgeError('no_usable_key', "the pinned key is classical (no post-quantum protection): pass mode: 'classical' to use it")
    return key
  }
  const wanted = mode ?? 'hybrid'
  const key = keySet.keys.find((k) => k.mode === wanted && k.status === 'current')
  if (!key) {
    const offered = [...new Set(keySet.keys.filter((k) => k.status === 'current').map((k) => k.mode))]
    throw new PqEdgeError(
      'no_usable_key',
      `the server (policy ${keySet.policy}) offers no current ${wanted} key; current keys: ${offered.join(', ') || 'none'}`,
    )
  }
  return key
}

function chooseAead(keySet: KeySet, wanted: SessionAead | undefined): SessionAead {
  const supported = SESSION_AEADS as readonly number[]
  if (wanted !== undefined) {
    if (!supported.includes(wanted)) throw new PqEdgeError('invalid_argument', `aead must be one of ${supported.join(', ')}`)
    if (!keySet.aeads.includes(wanted))
      throw new PqEdgeError('no_usable_key', `the server does not accept aead ${wanted}; it accepts ${keySet.aeads.join(', ')}`)
    return wanted
  }
  const aead = keySet.aeads.find((a) => supported.includes(a))
  if (aead === undefined)
    throw new PqEdgeError('no_usable_key', `the server accepts no AEAD this client supports (${keySet.aeads.join(', ')})`)
  return aead as SessionAead
}

// ---------- HTTP ----------

function httpFor(baseUrl: string, fetchFn: FetchLike | undefined): (path: string, init?: RequestInit) => Promise<Response> {
  let base: URL
  try {
    base = new URL(baseUrl)
  } catch {
    throw new PqEdgeError('invalid_argument', `not a URL: ${JSON.stringify(String(baseUrl))}`)
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new PqEdgeError('invalid_argument', `the base URL must be http: or https:, not ${base.protocol}`)
  if (base.username || base.password) throw new PqEdgeError('invalid_argument', 'the base URL must not contain credentials')
  const prefix = base.href.replace(/\/+$/, '')
  const doFetch: FetchLike = fetchFn ?? ((input, init) => globalThis.fetch(input, init))
  return async (path, init) => {
    try {
      return await doFetch(prefix + path, init)
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
      const reason =
        typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error)?.message
      throw new PqEdgeError('network_error', `${init?.method ?? 'GET'} ${prefix}${path}: ${reason ?? 'fetch failed'}`, { cause: error })
    }
  }
}

/** A PqEdgeError from an error response: the problem's code/detail, or `invalid_response` with the status. */
async function errorFrom(res: Response): Promise<PqEdgeError> {
  let body: unknown
  try {
    body = JSON.parse(await res.text())
  } catch {
    body = undefined
  }
  if (isRecord(body) && typeof body.code === 'string') {
    const detail = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : undefined
    const currentVersion = isVersion(body.currentVersion) ? body.currentVersion : undefined
    return new PqEdgeError(body.code, detail, { status: res.status, ...(currentVersion !== undefined ? { currentVersion } : {}) })
  }
  return new PqEdgeError('invalid_response', `unexpected HTTP ${res.status} without a problem body`, { status: res.status })
}

async function jsonBody(res: Response, what: string): Promise<unknown> {
  try {
    return JSON.parse(await res.text())
  } catch {
    throw new PqEdgeError('invalid_response', `${what}: the response is not JSON`)
  }
}

// ---------- response validation ----------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}
function bad(what: string): never {
  throw new PqEdgeError('invalid_response', what)
}

const KEY_LENGTHS: Record<Mode, number> = { hybrid: 1216, pq: 1184, classical: 32 }

async function parseKeySet(body: unknown): Promise<KeySet> {
  if (!isRecord(body)) bad('GET /v1/keys: expected an object')
  if (body.version !== PROTOCOL_VERSION) bad(`GET /v1/keys: unsupported version ${JSON.stringify(body.version)}`)
  if (!Array.isArray(body.aeads) || !body.aeads.every((a) => Number.isInteger(a))) bad('GET /v1/keys: aeads must be an array of AEAD ids')
  if (!Array.isArray(body.keys)) bad('GET /v1/keys: keys must be an array')
  const keys: ServerKey[] = []
  for (const [i, k] of body.keys.entries()) {
    const where = `GET /v1/keys: keys[${i}]`
    if (!isRecord(k)) bad(`${where} must be an object`)
    if (typeof k.kid !== 'string') bad(`${where}.kid must be a string`)
    if (k.mode !== 'hybrid' && k.mode !== 'pq' && k.mode !== 'classical') continue // a mode from a later version: not ours to use
    const mode: Mode = k.mode
    if (k.kemId !== MODE_KEM[mode]) bad(`${where}: kemId ${String(k.kemId)} is not the KEM of mode ${mode}`)
    if (k.status !== 'current' && k.status !== 'retiring') continue
    let publicKey: Uint8Array
    try {
      publicKey = fromB64u(k.publicKey, `${where}.publicKey`, KEY_LENGTHS[mode])
    } catch (error) {
      bad((error as Error).message)
    }
    if ((await keyId(MODE_KEM[mode], publicKey)) !== k.kid) bad(`${where}: kid ${k.kid} is not the key id of its public key`)
    const time = (v: unknown) => (typeof v === 'string' ? v : null)
    keys.push({
      kid: k.kid,
      mode,
      kemId: MODE_KEM[mode],
      publicKey,
      notBefore: time(k.notBefore),
      notAfter: time(k.notAfter),
      status: k.status,
    })
  }
  return { version: 1, policy: typeof body.policy === 'string' ? body.policy : 'unknown', aeads: body.aeads as number[], keys }
}

function parseSessionResponse(body: unknown): SessionResponse {
  const what = 'POST /v1/sessions'
  if (!isRecord(body)) bad(`${what}: expected an object`)
  for (const field of ['sessionId', 'expiresAt', 'enc', 'ticket', 'confirmation'] as const) {
    if (typeof body[field] !== 'string' || !body[field]) bad(`${what}: ${field} must be a non-empty string`)
  }
  if (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string')) bad(`${what}: scopes must be an array of strings`)
  return body as unknown as SessionResponse
}

function parseConfigResponse(body: unknown, name: string): { version: number; nonce: Uint8Array; ciphertext: Uint8Array } {
  const what = `GET /v1/config/${name}`
  if (!isRecord(body)) bad(`${what}: expected an object`)
  if (body.name !== name) bad(`${what}: the response is for another name`)
  if (!isVersion(body.version) || body.version < 1) bad(`${what}: version must be a positive integer`)
  try {
    return { version: body.version, nonce: fromB64u(body.nonce, 'nonce', NONCE_BYTES), ciphertext: fromB64u(body.ciphertext, 'ciphertext') }
  } catch (error) {
    bad(`${what}: ${(error as Error).message}`)
  }
}

function parseList(body: unknown): Array<{ name: string; version: number }> {
  if (!isRecord(body) || !Array.isArray(body.items)) bad('GET /v1/config: expected { items: [...] }')
  return body.items.map((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string' || !isVersion(item.version))
      bad(`GET /v1/config: items[${i}] must be { name, version }`)
    return { name: item.name, version: item.version }
  })
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !SAFE_NAME.test(name)) {
    throw new PqEdgeError(
      'invalid_name',
      `not a config name: ${JSON.stringify(String(name)).slice(0, 80)} (segments of letters, digits, ".", "_", "-", separated by "/")`,
    )
  }
}

function configValue(name: string, version: number, value: Uint8Array): ConfigValue {
  return {
    name,
    version,
    value,
    text: () => fromUtf8(value),
    json<T>() {
      return JSON.parse(fromUtf8(value)) as T
    },
  }
}
