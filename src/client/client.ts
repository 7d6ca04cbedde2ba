// pq-edge/client, runtime-agnostic part: the client half of protocol v2 (docs/PROTOCOL.md). `connect`
// establishes a client session and reads config through it; `admin` establishes an admin session
// (the admin token travels only inside the HPKE envelope, never as a bearer header) and writes, lists,
// deletes and re-wraps config with MAC'd requests. Every byte layout comes from src/protocol/v2.ts;
// this file does HTTP, validation, key pinning and session state. The per-runtime entries (node.ts,
// workerd.ts, browser.ts) bind it to that runtime's ML-KEM loader.
//
// Verify by default: a caller passes a `pin` (the server key it expects) or says, by name,
// `trustKeysFromServer: true`; neither is `pin_required`. `http:` is refused unless the host is
// loopback (`insecure_transport`, before any request). A session established with the pinned key
// whose authenticated key list (bound into the confirmed transcript) shows that key retiring and
// another current key of the same mode moves the pin to that key (`onPinChange`), so pins survive
// rotation without anyone accepting an unauthenticated key change.
//
// Forward secrecy: values are HPKE-sealed by the server to the session's ephemeral key; the client
// keeps skE and K_auth until the session closes (or is replaced on renewal), then wipes them.
//
// Sessions re-establish themselves: a call made after `expiresAt` (less a margin for clock skew), or
// answered 401 `expired_ticket` / `invalid_ticket`, runs a new handshake with the same credentials and
// retries once. Pass `reestablish: false` to get PqEdgeError `expired_session` instead.

import { b64u, constantTimeEqual, EncodingError, fromB64u, fromUtf8, utf8 } from '../crypto/bytes.ts'
import type { Backends } from '../crypto/types.ts'
import type { Hpke, Suite } from '../hpke/hpke.ts'
import {
  authHeaders,
  beginSession,
  type ClientSession,
  type Credentials,
  finishSession,
  KDF_HKDF_SHA256,
  keyId,
  MODE_KEM,
  type Mode,
  openConfigValue,
  PROTOCOL_VERSION,
  type Principal,
  ProtocolError,
  SESSION_AEADS,
  type SessionResponse,
  sealConfigPut,
} from '../protocol/v2.ts'
import { PqEdgeError } from './errors.ts'
import { checkBaseUrl } from './transport.ts'

export type { Mode } from '../protocol/v2.ts'
export type { LocalErrorCode } from './errors.ts'
export { PqEdgeError } from './errors.ts'

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>
/** 3 = ChaCha20-Poly1305, 2 = AES-256-GCM. */
export type SessionAead = (typeof SESSION_AEADS)[number]

/** A key as GET /v2/keys offers it, decoded and checked: `kid` matches the public key. */
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
  version: 2
  policy: string
  aeads: number[]
  keys: ServerKey[]
}

/** Trust a specific server key instead of whatever GET /v2/keys says. At least one of the two. */
export interface Pin {
  kid?: string
  /** The raw public key, or its base64url (no padding). */
  publicKey?: Uint8Array | string
}

/** A server key as a client pins it (what the CLI stores in its known-keys file). */
export interface PinnedKey {
  kid: string
  /** base64url, no padding. */
  publicKey: string
  mode: Mode
}

/** Either a pin, or the explicit choice to trust the key list the server sends. */
export type Trust = { pin: Pin; trustKeysFromServer?: false } | { pin?: undefined; trustKeysFromServer: true }

interface CommonOptions {
  /** Default `hybrid` (X-Wing); with a pin and no mode, the pinned key's mode (never `classical` implicitly). */
  mode?: Mode
  /** Default: the first of the server's `aeads` this client supports (3, then 2). */
  aead?: SessionAead
  fetch?: FetchLike
  /**
   * Called when a session established with the pinned key delivered (inside the confirmed transcript)
   * a new current key of the same mode while the pinned one is retiring: the client now pins `next`.
   * Persist it (the CLI writes its known-keys file). Only with a pin.
   */
  onPinChange?: (next: PinnedKey, previous: PinnedKey) => void
}

export type ConnectOptions = CommonOptions &
  Trust & {
    credentials: ClientCredentials
    /** Default true: renew an expired session transparently. False: throw `expired_session`. */
    reestablish?: boolean
  }

export type AdminOptions = CommonOptions & Trust & { adminToken: string }

export interface ClientCredentials {
  clientId: string
  clientSecret: string
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
  /** The server key this session was established with. */
  readonly kid: string
  readonly mode: Mode
  readonly aead: SessionAead
  /** The key to pin from now on: the one used, or the one the pin moved to on an authenticated rotation. */
  readonly pin: PinnedKey
  getConfig(name: string): Promise<ConfigValue>
  /** Wipes skE and K_auth and forgets the credentials; later calls throw `session_closed`. */
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

/** The totals of POST /v2/admin/rewrap over all pages. */
export interface RewrapReport {
  kek: string
  updated: number
  unchanged: number
  vanished: number
  conflicts: string[]
  unreadable: string[]
  /** How many pages (requests) it took. */
  pages: number
}

export interface AdminClient {
  keys(): Promise<KeySet>
  putConfig(name: string, value: string | Uint8Array, options?: PutOptions): Promise<{ name: string; version: number }>
  listConfig(): Promise<Array<{ name: string; version: number }>>
  /** `ifMatch` is required (the server refuses unconditional deletes); `'*'` reads the current version first. */
  deleteConfig(name: string, options: { ifMatch: number | '*' }): Promise<void>
  /** Re-wraps every record under the current vault key, following the server's cursor page by page. */
  rewrap(options?: { onPage?: (page: Omit<RewrapReport, 'pages'>, totals: RewrapReport) => void }): Promise<RewrapReport>
  /** GET /metrics (Prometheus text). */
  metrics(): Promise<string>
  /** The key pinned now (undefined before the first admin session). */
  readonly pin: PinnedKey | undefined
  /** Wipes the admin session's skE and K_auth and forgets the token. */
  close(): void
}

export interface PqEdgeClient {
  connect(baseUrl: string, options: ConnectOptions): Promise<Session>
  admin(baseUrl: string, options: AdminOptions): AdminClient
  getKeys(baseUrl: string, options?: { fetch?: FetchLike }): Promise<KeySet>
}

export interface ClientDeps {
  hpke: Hpke
  /** The primitives (for HMAC), resolved once. */
  backends: () => Promise<Backends>
}

/** Renew this long before `expiresAt`, so a request does not race the server's clock. */
const EXPIRY_MARGIN_MS = 5_000
/** Characters a config name may use in a URL path; the server enforces the full grammar. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/
/** More pages than this from rewrap is a server that never ends its cursor. */
const MAX_REWRAP_PAGES = 100_000

type Http = (path: string, init?: RequestInit) => Promise<Response>

/** One established session and everything needed to use it. Wiped by `wipe`. */
interface Live {
  session: ClientSession
  expires: number
  key: ServerKey
  suite: Suite
  pin: PinnedKey
}

export function createClient(deps: ClientDeps): PqEdgeClient {
  const suiteFor = (mode: Mode, aead: number): Suite =>
    deps.hpke.suite({ kem: MODE_KEM[mode], kdf: KDF_HKDF_SHA256, aead, allowClassical: mode === 'classical' })

  async function fetchKeys(http: Http): Promise<KeySet> {
    const res = await http('/v2/keys', { headers: { accept: 'application/json' } })
    if (res.status !== 200) throw await errorFrom(res)
    return parseKeySet(await jsonBody(res, 'GET /v2/keys'))
  }

  async function getKeys(baseUrl: string, options: { fetch?: FetchLike } = {}): Promise<KeySet> {
    return fetchKeys(httpFor(baseUrl, options.fetch))
  }

  /**
   * The session machinery shared by client and admin sessions: key choice (pin or explicit trust),
   * the handshake, pin moves on authenticated rotation, renewal, MAC'd requests.
   */
  function sessionManager(
    http: Http,
    options: CommonOptions & { pin?: Pin | undefined; trustKeysFromServer?: boolean | undefined },
    principal: Principal,
    credentials: () => Credentials,
  ) {
    let pin = normaliseTrust(options)
    const hmac = async () => (await deps.backends()).hmacSha256
    // The server refuses timestamps more than 120 s from its clock (stale_request) and says what its
    // clock reads; a client whose clock is off adopts that offset once and tries again.
    let clockOffsetSeconds = 0
    const now = () => Math.floor(Date.now() / 1000) + clockOffsetSeconds
    /** After a stale_request: true when the server's time gives a new offset worth one retry. */
    const adjustClock = (error: PqEdgeError): boolean => {
      if (error.code !== 'stale_request' || error.serverTime === undefined) return false
      const offset = error.serverTime - Math.floor(Date.now() / 1000)
      if (offset === clockOffsetSeconds) return false
      clockOffsetSeconds = offset
      return true
    }

    const establish = async (): Promise<Live> => {
      const keySet = await fetchKeys(http)
      const key = chooseKey(keySet, pin, options.mode)
      const aead = chooseAead(keySet, options.aead)
      const suite = suiteFor(key.mode, aead)
      let pending: Awaited<ReturnType<typeof beginSession>>
      let res: Response
      for (let attempt = 0; ; attempt++) {
        pending = await beginSession({ suite, kid: key.kid, serverPublicKey: key.publicKey, credentials: credentials(), timestamp: now() })
        try {
          res = await http('/v2/sessions', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(pending.request),
          })
        } catch (error) {
          wipePending(pending)
          throw error
        }
        if (res.status === 201) break
        wipePending(pending)
        const error = await errorFrom(res)
        if (attempt === 0 && adjustClock(error)) continue
        throw error
      }
      const abandon = () => wipePending(pending)
      let response: SessionResponse
      try {
        response = parseSessionResponse(await jsonBody(res, 'POST /v2/sessions'))
      } catch (error) {
        abandon()
        throw error
      }
      let session: ClientSession
      try {
        session = await finishSession({ suite, hmac: await hmac(), pending, response })
      } catch (error) {
        abandon()
        if (error instanceof EncodingError) throw new PqEdgeError('invalid_response', `POST /v2/sessions: ${error.message}`)
        // Key confirmation failed: the response does not come from the holder of the key we
        // encapsulated to, and there is no session.
        throw new PqEdgeError(
          'confirmation_failed',
          'key confirmation failed: the session response does not come from the holder of the server key',
          { cause: error },
        )
      }
      // From here on the response is authenticated (its keys are bound into the confirmed transcript).
      const live: Live = { session, expires: Number.NaN, key, suite, pin: pinnedKey(key) }
      try {
        if (session.principal !== principal)
          throw new PqEdgeError('invalid_response', `POST /v2/sessions: a ${session.principal} session, not ${principal}`)
        // expiresAt is on the server's clock; `expires` on ours (renewal compares it with Date.now()).
        live.expires = Date.parse(session.expiresAt) - clockOffsetSeconds * 1000
        if (Number.isNaN(live.expires))
          throw new PqEdgeError('invalid_response', 'POST /v2/sessions: expiresAt is not an RFC 3339 timestamp')
        const delivered = await parseKeys(session.keys, 'POST /v2/sessions: keys')
        const next = rotatedKey(delivered, key)
        if (next) {
          live.pin = pinnedKey(next)
          if (pin) {
            const previous = pinnedKey(key)
            pin = { kid: next.kid, publicKey: next.publicKey }
            options.onPinChange?.(live.pin, previous)
          }
        }
      } catch (error) {
        wipe(live)
        throw error
      }
      return live
    }

    /** Sends one authenticated request: the ticket, a timestamp and the MAC over method, path, preconditions and body. */
    const send = async (
      live: Live,
      method: string,
      pathAndQuery: string,
      extra: { ifMatch?: string; ifNoneMatch?: string; body?: Uint8Array } = {},
    ): Promise<Response> => {
      const timestamp = now()
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(await authHeaders(await hmac(), live.session, {
          method,
          pathAndQuery,
          timestamp,
          ifMatch: extra.ifMatch ?? null,
          ifNoneMatch: extra.ifNoneMatch ?? null,
          body: extra.body ?? null,
        })),
      }
      if (extra.ifMatch !== undefined) headers['if-match'] = extra.ifMatch
      if (extra.ifNoneMatch !== undefined) headers['if-none-match'] = extra.ifNoneMatch
      if (extra.body !== undefined) headers['content-type'] = 'application/json'
      return http(pathAndQuery, { method, headers, ...(extra.body !== undefined ? { body: extra.body as BodyInit } : {}) })
    }

    return {
      establish,
      send,
      adjustClock,
      get pinned() {
        return pin
      },
    }
  }

  /** Holds the current session of a manager: lazily established, renewed before expiry or on a 401 ticket error. */
  function holder(
    manager: ReturnType<typeof sessionManager>,
    reestablish: boolean,
    closedMessage: string,
  ): {
    current(): Promise<Live>
    peek(): Live | undefined
    /** Runs a request on the session; on 401 expired_ticket/invalid_ticket renews once and runs it again. */
    request(run: (live: Live) => Promise<Response>): Promise<{ res: Response; live: Live }>
    close(): void
  } {
    let current: Live | undefined
    let pending: Promise<Live> | null = null
    let closed = false

    const replace = (stale: Live | undefined): Promise<Live> => {
      if (current !== stale && current) return Promise.resolve(current) // another call already renewed it
      return (pending ??= (async () => {
        try {
          const next = await manager.establish()
          if (closed) {
            wipe(next)
            throw new PqEdgeError('session_closed', closedMessage)
          }
          if (stale) wipe(stale)
          current = next
          return next
        } finally {
          pending = null
        }
      })())
    }

    const usable = async (): Promise<Live> => {
      if (closed) throw new PqEdgeError('session_closed', closedMessage)
      if (current && Date.now() < current.expires - EXPIRY_MARGIN_MS) return current
      if (current && !reestablish)
        throw new PqEdgeError('expired_session', `the session expired at ${current.session.expiresAt}; connect again`)
      return replace(current)
    }

    return {
      current: usable,
      peek: () => current,
      async request(run) {
        let live = await usable()
        let res = await run(live)
        if (res.status === 401) {
          const error = await errorFrom(res.clone())
          if (manager.adjustClock(error)) res = await run(live)
          else if (reestablish && (error.code === 'expired_ticket' || error.code === 'invalid_ticket')) {
            live = await replace(live)
            res = await run(live)
          }
        }
        if (closed) throw new PqEdgeError('session_closed', closedMessage)
        return { res, live }
      },
      close() {
        closed = true
        if (current) wipe(current)
      },
    }
  }

  async function connect(baseUrl: string, options: ConnectOptions): Promise<Session> {
    const http = httpFor(baseUrl, options?.fetch)
    const given = options?.credentials
    if (typeof given?.clientId !== 'string' || typeof given.clientSecret !== 'string' || !given.clientId || !given.clientSecret) {
      throw new PqEdgeError('invalid_argument', 'connect needs credentials: { clientId, clientSecret } (non-empty strings)')
    }
    const reestablish = options.reestablish ?? true
    let kept: ClientCredentials | null = { clientId: given.clientId, clientSecret: given.clientSecret }
    const manager = sessionManager(http, options, 'client', () => {
      if (!kept) throw new PqEdgeError('session_closed', 'the session was closed')
      return { principal: 'client', id: kept.clientId, secret: kept.clientSecret }
    })
    const sessions = holder(manager, reestablish, 'the session was closed')
    await sessions.current()
    if (!reestablish) kept = null
    const now = () => sessions.peek()!

    const getConfig = async (name: string): Promise<ConfigValue> => {
      checkName(name)
      const path = `/v2/config/${name}`
      const { res, live } = await sessions.request((l) => manager.send(l, 'GET', path))
      if (res.status !== 200) throw await errorFrom(res)
      const body = await jsonBody(res, `GET ${path}`)
      const { version, enc, ciphertext } = parseConfigResponse(body, name)
      let value: Uint8Array
      try {
        value = await openConfigValue({
          suite: live.suite,
          ephemeralPrivateKey: live.session.ephemeral.privateKey,
          name,
          version,
          sessionId: live.session.sessionId,
          enc,
          ciphertext,
        })
      } catch (error) {
        if (error instanceof ProtocolError || error instanceof EncodingError)
          throw new PqEdgeError('decryption_failed', `GET ${path}: the value does not open with this session's ephemeral key`)
        throw error
      }
      return configValue(name, version, value)
    }

    return {
      get id() {
        return b64u(now().session.sessionId)
      },
      get expiresAt() {
        return new Date(now().expires)
      },
      get scopes() {
        return [...now().session.scopes]
      },
      get kid() {
        return now().key.kid
      },
      get mode() {
        return now().key.mode
      },
      get aead() {
        return now().session.aeadId as SessionAead
      },
      get pin() {
        return { ...now().pin }
      },
      getConfig,
      close() {
        kept = null
        sessions.close()
      },
    }
  }

  function admin(baseUrl: string, options: AdminOptions): AdminClient {
    const http = httpFor(baseUrl, options?.fetch)
    if (typeof options?.adminToken !== 'string' || !options.adminToken)
      throw new PqEdgeError('invalid_argument', 'admin needs { adminToken } (the admin token)')
    normaliseTrust(options) // pin_required now, not at the first call
    let token: string | null = options.adminToken
    const manager = sessionManager(http, options, 'admin', () => {
      if (token === null) throw new PqEdgeError('session_closed', 'the admin client was closed')
      return { principal: 'admin', secret: token }
    })
    const sessions = holder(manager, true, 'the admin client was closed')

    const call = async (
      method: string,
      pathAndQuery: string,
      extra: { ifMatch?: string; ifNoneMatch?: string; body?: Uint8Array } = {},
    ): Promise<Response> => (await sessions.request((l) => manager.send(l, method, pathAndQuery, extra))).res

    async function listConfig() {
      const res = await call('GET', '/v2/config')
      if (res.status !== 200) throw await errorFrom(res)
      return parseList(await jsonBody(res, 'GET /v2/config'))
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
      const path = `/v2/config/${name}`
      try {
        const { res } = await sessions.request(async (live) => {
          // Sealed to the key pinned now: the session's, or the one an authenticated rotation delivered.
          const body = await sealConfigPut({
            suite: suiteFor(live.pin.mode, live.session.aeadId),
            kid: live.pin.kid,
            serverPublicKey: fromB64u(live.pin.publicKey, 'publicKey'),
            name,
            baseVersion,
            value: plaintext,
          })
          return manager.send(
            live,
            'PUT',
            path,
            baseVersion === 0
              ? { ifNoneMatch: '*', body: utf8(JSON.stringify(body)) }
              : { ifMatch: `"${baseVersion}"`, body: utf8(JSON.stringify(body)) },
          )
        })
        if (res.status !== 200 && res.status !== 201) throw await errorFrom(res)
        const body = await jsonBody(res, `PUT ${path}`)
        if (!isRecord(body) || body.name !== name || !isVersion(body.version))
          throw new PqEdgeError('invalid_response', `PUT ${path}: expected { name, version }`)
        return { name, version: body.version }
      } finally {
        if (typeof value === 'string') plaintext.fill(0)
      }
    }

    async function deleteConfig(name: string, deleteOptions: { ifMatch: number | '*' }) {
      checkName(name)
      const ifMatch = deleteOptions?.ifMatch
      let version: number
      if (ifMatch === '*') {
        const found = (await listConfig()).find((item) => item.name === name)
        if (!found) throw new PqEdgeError('not_found', `no config named ${name}`, { status: 404 })
        version = found.version
      } else if (Number.isSafeInteger(ifMatch) && (ifMatch as number) >= 1) version = ifMatch as number
      else throw new PqEdgeError('invalid_argument', "deleteConfig: ifMatch must be a version (an integer ≥ 1) or '*'")
      const res = await call('DELETE', `/v2/config/${name}`, { ifMatch: `"${version}"` })
      if (res.status !== 204 && res.status !== 200) throw await errorFrom(res)
    }

    async function rewrap(rewrapOptions: { onPage?: (page: Omit<RewrapReport, 'pages'>, totals: RewrapReport) => void } = {}) {
      const totals: RewrapReport = { kek: '', updated: 0, unchanged: 0, vanished: 0, conflicts: [], unreadable: [], pages: 0 }
      let cursor: string | null = null
      do {
        const path: string = cursor === null ? '/v2/admin/rewrap' : `/v2/admin/rewrap?cursor=${encodeURIComponent(cursor)}`
        const res = await call('POST', path)
        if (res.status !== 200) throw await errorFrom(res)
        const page = parseRewrapPage(await jsonBody(res, `POST ${path}`))
        totals.kek = page.kek
        totals.updated += page.updated
        totals.unchanged += page.unchanged
        totals.vanished += page.vanished
        totals.conflicts.push(...page.conflicts)
        totals.unreadable.push(...page.unreadable)
        totals.pages++
        const { next, ...counts } = page
        rewrapOptions.onPage?.(counts, { ...totals, conflicts: [...totals.conflicts], unreadable: [...totals.unreadable] })
        if (next !== null && next === cursor) bad(`POST ${path}: the cursor did not advance`)
        cursor = next
      } while (cursor !== null && totals.pages < MAX_REWRAP_PAGES)
      if (cursor !== null) bad('POST /v2/admin/rewrap: the server never ended the cursor')
      return totals
    }

    async function metrics() {
      const res = await call('GET', '/metrics')
      if (res.status !== 200) throw await errorFrom(res)
      return res.text()
    }

    return {
      keys: () => fetchKeys(http),
      putConfig,
      listConfig,
      deleteConfig,
      rewrap,
      metrics,
      get pin() {
        const live = sessions.peek()
        return live ? { ...live.pin } : undefined
      },
      close() {
        token = null
        sessions.close()
      },
    }
  }

  return { connect, admin, getKeys }
}

function wipe(live: Live): void {
  live.session.authKey.fill(0)
  live.session.ephemeral.privateKey.fill(0)
}

// ---------- key selection and pins ----------

interface NormalPin {
  kid?: string
  publicKey?: Uint8Array
}

/** The pin, undefined for explicit trust; `pin_required` when neither is given. */
function normaliseTrust(options: { pin?: Pin | undefined; trustKeysFromServer?: boolean | undefined }): NormalPin | undefined {
  const { pin } = options
  if (pin !== undefined && options.trustKeysFromServer === true)
    throw new PqEdgeError('invalid_argument', 'give either pin or trustKeysFromServer: true, not both')
  if (pin === undefined) {
    if (options.trustKeysFromServer === true) return undefined
    throw new PqEdgeError(
      'pin_required',
      'no server key pinned: pass pin: { kid } or { publicKey } (from `pq-edge keys` over a channel you trust), or trustKeysFromServer: true to accept whatever GET /v2/keys says',
    )
  }
  if (typeof pin !== 'object' || pin === null || (pin.kid === undefined && pin.publicKey === undefined))
    throw new PqEdgeError('invalid_argument', 'pin must be { kid } and/or { publicKey }')
  if (pin.kid !== undefined && (typeof pin.kid !== 'string' || !pin.kid))
    throw new PqEdgeError('invalid_argument', 'pin.kid must be a non-empty string')
  let publicKey: Uint8Array | undefined
  if (typeof pin.publicKey === 'string') {
    try {
      publicKey = fromB64u(pin.publicKey, 'pin.publicKey')
    } catch (error) {
      throw new PqEdgeError('invalid_argument', (error as Error).message)
    }
  } else if (pin.publicKey instanceof Uint8Array) publicKey = new Uint8Array(pin.publicKey)
  else if (pin.publicKey !== undefined)
    throw new PqEdgeError('invalid_argument', 'pin.publicKey must be a Uint8Array or a base64url string')
  return { ...(pin.kid !== undefined ? { kid: pin.kid } : {}), ...(publicKey ? { publicKey } : {}) }
}

function pinnedKey(key: ServerKey): PinnedKey {
  return { kid: key.kid, publicKey: b64u(key.publicKey), mode: key.mode }
}

/** The key an authenticated key list says replaces `used`: `used` is no longer current, another key of its mode is. */
function rotatedKey(delivered: ServerKey[], used: ServerKey): ServerKey | undefined {
  const self = delivered.find((k) => k.kid === used.kid && constantTimeEqual(k.publicKey, used.publicKey))
  if (self?.status === 'current') return undefined
  return delivered.find((k) => k.mode === used.mode && k.status === 'current' && k.kid !== used.kid)
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

function httpFor(baseUrl: string, fetchFn: FetchLike | undefined): Http {
  const base = checkBaseUrl(baseUrl)
  const prefix = base.href.replace(/\/+$/, '')
  const doFetch: FetchLike = fetchFn ?? ((input, init) => globalThis.fetch(input, init))
  return async (path, init) => {
    try {
      return await doFetch(prefix + path, { ...init, redirect: 'error' })
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
      const reason =
        typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error)?.message
      throw new PqEdgeError(
        'network_error',
        `${init?.method ?? 'GET'} ${prefix}${path.replace(/\?.*$/, '')}: ${reason ?? 'fetch failed'}`,
        {
          cause: error,
        },
      )
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
    const serverTime = isVersion(body.serverTime) ? body.serverTime : undefined
    return new PqEdgeError(body.code, detail, {
      status: res.status,
      ...(currentVersion !== undefined ? { currentVersion } : {}),
      ...(serverTime !== undefined ? { serverTime } : {}),
    })
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
/** Wipes a pending handshake's secrets (ssS, skE). */
function wipePending(pending: { ssS: Uint8Array; ephemeral: { privateKey: Uint8Array } }): void {
  pending.ssS.fill(0)
  pending.ephemeral.privateKey.fill(0)
}

function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}
function bad(what: string): never {
  throw new PqEdgeError('invalid_response', what)
}

const KEY_LENGTHS: Record<Mode, number> = { hybrid: 1216, pq: 1184, classical: 32 }

/** Decodes and checks a `keys` list (GET /v2/keys, or the establishment response's); skips modes and statuses it does not know. */
async function parseKeys(list: unknown, what: string): Promise<ServerKey[]> {
  if (!Array.isArray(list)) bad(`${what} must be an array`)
  const keys: ServerKey[] = []
  for (const [i, k] of list.entries()) {
    const where = `${what}[${i}]`
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
  return keys
}

async function parseKeySet(body: unknown): Promise<KeySet> {
  if (!isRecord(body)) bad('GET /v2/keys: expected an object')
  if (body.version !== PROTOCOL_VERSION) bad(`GET /v2/keys: unsupported version ${JSON.stringify(body.version)}`)
  if (!Array.isArray(body.aeads) || !body.aeads.every((a) => Number.isInteger(a))) bad('GET /v2/keys: aeads must be an array of AEAD ids')
  const keys = await parseKeys(body.keys, 'GET /v2/keys: keys')
  return { version: 2, policy: typeof body.policy === 'string' ? body.policy : 'unknown', aeads: body.aeads as number[], keys }
}

function parseSessionResponse(body: unknown): SessionResponse {
  const what = 'POST /v2/sessions'
  if (!isRecord(body)) bad(`${what}: expected an object`)
  for (const field of ['sessionId', 'expiresAt', 'ticket', 'confirmation'] as const) {
    if (typeof body[field] !== 'string' || !body[field]) bad(`${what}: ${field} must be a non-empty string`)
  }
  if (body.principal !== 'client' && body.principal !== 'admin') bad(`${what}: principal must be "client" or "admin"`)
  if (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string')) bad(`${what}: scopes must be an array of strings`)
  if (
    !Array.isArray(body.keys) ||
    !body.keys.every(
      (k) =>
        isRecord(k) &&
        typeof k.kid === 'string' &&
        Number.isInteger(k.kemId) &&
        typeof k.publicKey === 'string' &&
        typeof k.status === 'string',
    )
  )
    bad(`${what}: keys must be an array of { kid, kemId, publicKey, status }`)
  return body as unknown as SessionResponse
}

function parseConfigResponse(body: unknown, name: string): { version: number; enc: string; ciphertext: string } {
  const what = `GET /v2/config/${name}`
  if (!isRecord(body)) bad(`${what}: expected an object`)
  if (body.name !== name) bad(`${what}: the response is for another name`)
  if (!isVersion(body.version) || body.version < 1) bad(`${what}: version must be a positive integer`)
  if (typeof body.enc !== 'string' || typeof body.ciphertext !== 'string') bad(`${what}: enc and ciphertext must be strings`)
  return { version: body.version, enc: body.enc, ciphertext: body.ciphertext }
}

function parseList(body: unknown): Array<{ name: string; version: number }> {
  if (!isRecord(body) || !Array.isArray(body.items)) bad('GET /v2/config: expected { items: [...] }')
  return body.items.map((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string' || !isVersion(item.version))
      bad(`GET /v2/config: items[${i}] must be { name, version }`)
    return { name: item.name, version: item.version }
  })
}

function parseRewrapPage(body: unknown): Omit<RewrapReport, 'pages'> & { next: string | null } {
  const what = 'POST /v2/admin/rewrap'
  if (!isRecord(body)) bad(`${what}: expected an object`)
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string')
  if (typeof body.kek !== 'string') bad(`${what}: kek must be a string`)
  if (!isCount(body.updated) || !isCount(body.unchanged) || !isCount(body.vanished))
    bad(`${what}: updated, unchanged, vanished must be counts`)
  if (!strings(body.conflicts) || !strings(body.unreadable)) bad(`${what}: conflicts and unreadable must be arrays of names`)
  if (body.next !== null && (typeof body.next !== 'string' || !body.next)) bad(`${what}: next must be a cursor or null`)
  return {
    kek: body.kek,
    updated: body.updated,
    unchanged: body.unchanged,
    vanished: body.vanished,
    conflicts: body.conflicts as string[],
    unreadable: body.unreadable as string[],
    next: body.next as string | null,
  }
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
