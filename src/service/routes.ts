// The service endpoints of docs/PROTOCOL.md (protocol v2): /v2/keys, /v2/sessions, /v2/config,
// /v2/admin/rewrap and /metrics. Mounted by src/app.ts; every route first resolves the ServiceContext
// (a bad variable rejects with ConfigError: 500 service_misconfigured). Routes return their success
// response; every refusal is a thrown ProblemError, which the app renders as problem+json with a stable
// code. A rejected request stores nothing; no secret, token, ticket or value ever reaches a log line or
// an error body.
//
// Every request but GET /v2/keys, POST /v2/sessions and /health is authenticated by a session: the
// ticket, a timestamp and a MAC under K_auth (§4), checked cheapest first, and nothing about the vault
// is looked at before the MAC passes. Then the session is checked against the current configuration
// (revocation): principal and credential still configured, mode still accepted, scopes intersected.
import type { Context, Hono, MiddlewareHandler } from 'hono'
import { EncodingError, fromB64u, fromUtf8, wipe } from '../crypto/bytes.ts'
import { HpkeError } from '../hpke/errors.ts'
import { ErrorCode, ProblemError } from '../problem.ts'
import {
  acceptSession,
  FRESHNESS_WINDOW_SECONDS,
  isFresh,
  MAC_BYTES,
  MAX_SEALED_BYTES,
  type Mode,
  openConfigPut,
  PROTOCOL_VERSION,
  ProtocolError,
  SESSION_AEADS,
  sealConfigValue,
  verifyRequestMac,
} from '../protocol/v2.ts'
import { credentialDigest, scopeCovers, verifyAdmin, verifyClient } from './auth.ts'
import type { ServiceContext } from './context.ts'
import { type ServerKey, suiteFor } from './keys.ts'
import { PROMETHEUS_CONTENT_TYPE } from './metrics.ts'
import { isValidConfigName, MAX_CONFIG_NAME_LENGTH } from './names.ts'
import { decideMode, MODE_ALGORITHM } from './policy.ts'
import { updatePage } from './store.ts'
import { fingerprint, MAX_TICKET_LENGTH, type TicketSession } from './tickets.ts'
import { RecordUnreadableError } from './vault.ts'

export type ServiceEnv = { Variables: { service: ServiceContext } }

/** The service context for a request's platform `env`; rejects with ConfigError on a bad variable. */
export type ServiceContextFor = (env: unknown) => Promise<ServiceContext>

const SESSION_CHALLENGE = { 'www-authenticate': 'PQEdge-Session realm="pq-edge"' }
const CONFIG_PREFIX = '/v2/config/'
const KID_PATTERN = /^[A-Za-z0-9_-]{16}$/
const TIMESTAMP_PATTERN = /^(0|[1-9]\d{0,15})$/
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,400}$/

const since = (start: number) => performance.now() - start
const nowSeconds = (s: ServiceContext) => Math.floor(s.now() / 1000)

// ---------- request bodies ----------

function requireJsonType(c: Context): void {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json') throw new ProblemError(400, ErrorCode.invalidJson, 'The body must be application/json.')
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(bytes))
  } catch {
    throw new ProblemError(400, ErrorCode.invalidJson, 'The body is not valid JSON.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProblemError(400, ErrorCode.invalidJson, 'The body must be a JSON object of the documented shape (docs/PROTOCOL.md).')
  return value as Record<string, unknown>
}

const shape = (detail: string) => new ProblemError(400, ErrorCode.invalidJson, detail)

function decode(text: unknown, what: string, length?: number): Uint8Array {
  try {
    return fromB64u(text, what, length)
  } catch (error) {
    if (error instanceof EncodingError) throw new ProblemError(400, error.code, `${what}: ${error.message}`)
    throw error
  }
}

/**
 * `kid` (a string), `aead` (a number) and the key it names, checked against the policy: 400 / 403.
 * `onRefused` sees a key whose mode the policy refuses, before the 403 is thrown.
 */
async function keyAndSuite(s: ServiceContext, body: Record<string, unknown>, onRefused?: (key: ServerKey) => void) {
  const key = typeof body.kid === 'string' && KID_PATTERN.test(body.kid) ? await s.findKey(body.kid) : undefined
  if (!key) throw new ProblemError(400, ErrorCode.unknownKey, 'kid names no current or retiring key.')
  const decision = decideMode(s.policy, key.mode)
  if (!decision.accepted) {
    onRefused?.(key)
    throw new ProblemError(
      403,
      ErrorCode.modeNotAllowed,
      `PQ_POLICY ${s.policy} does not accept mode ${key.mode}; accepted: ${decision.allowed.join(', ')}.`,
    )
  }
  return { key, suite: suiteFor(s.hpke, key.mode, body.aead as number) }
}

function checkAead(body: Record<string, unknown>): void {
  if (typeof body.aead !== 'number') throw shape('aead must be a number.')
  if (!(SESSION_AEADS as readonly number[]).includes(body.aead))
    throw new ProblemError(400, ErrorCode.unsupportedSuite, `aead must be one of ${SESSION_AEADS.join(', ')}.`)
}

// ---------- authenticated requests (§4) ----------

export interface AuthenticatedSession {
  ticket: TicketSession
  /** For a client: its current scopes that the ticket was issued with (ticket ∩ current). */
  scopes: readonly string[]
}

const invalidTicket = (detail = 'Send Authorization: PQEdge-Session <ticket>, PQEdge-Timestamp and PQEdge-MAC (docs/PROTOCOL.md §4).') =>
  new ProblemError(401, ErrorCode.invalidTicket, detail, { headers: SESSION_CHALLENGE })

/** §4, in order: headers, ticket, expiry, timestamp, MAC, then revocation against the current config. */
async function authenticateRequest(c: Context<ServiceEnv>, body: Uint8Array | null): Promise<AuthenticatedSession> {
  const s = c.var.service
  const match = /^PQEdge-Session +([A-Za-z0-9_-]+)\s*$/i.exec((c.req.header('authorization') ?? '').slice(0, MAX_TICKET_LENGTH + 64))
  const timestampText = c.req.header('pqedge-timestamp')?.trim()
  const macText = c.req.header('pqedge-mac')?.trim()
  if (!match || !timestampText || !TIMESTAMP_PATTERN.test(timestampText) || !macText || macText.length !== 43) throw invalidTicket()
  let mac: Uint8Array
  try {
    mac = fromB64u(macText, 'mac', MAC_BYTES)
  } catch {
    throw invalidTicket()
  }
  const opened = await s.tickets.open(match[1]!, s.now())
  if (!opened.ok) {
    if (opened.code === 'expired_ticket')
      throw new ProblemError(401, ErrorCode.expiredTicket, 'The session has expired; establish a new one.', { headers: SESSION_CHALLENGE })
    throw invalidTicket('The ticket is not valid.')
  }
  const ticket = opened.session
  const timestamp = Number(timestampText)
  if (!isFresh(timestamp, s.now()))
    throw new ProblemError(
      401,
      ErrorCode.staleRequest,
      `PQEdge-Timestamp must be within ${FRESHNESS_WINDOW_SECONDS} s of the server's clock.`,
      { headers: SESSION_CHALLENGE, extensions: { serverTime: nowSeconds(s) } },
    )
  const url = new URL(c.req.url)
  const valid = await verifyRequestMac(
    s.backends.hmacSha256,
    ticket.authKey,
    {
      method: c.req.method,
      pathAndQuery: url.pathname + url.search,
      timestamp,
      ifMatch: c.req.header('if-match') ?? null,
      ifNoneMatch: c.req.header('if-none-match') ?? null,
      body,
    },
    mac,
  )
  wipe(ticket.authKey)
  if (!valid) throw invalidTicket('The request MAC does not verify.')

  // Revocation: every use checks the current configuration.
  const digest = credentialDigest(
    s.auth,
    ticket.principal === 'admin' ? { principal: 'admin' } : { principal: 'client', id: ticket.clientId! },
    ticket.mode,
  )
  if (!digest || (await fingerprint(digest)) !== ticket.credential)
    throw new ProblemError(
      401,
      ErrorCode.sessionRevoked,
      'The session was revoked (its principal or credential changed); establish a new one.',
      {
        headers: SESSION_CHALLENGE,
      },
    )
  const decision = decideMode(s.policy, ticket.mode)
  if (!decision.accepted)
    throw new ProblemError(403, ErrorCode.modeNotAllowed, `PQ_POLICY ${s.policy} no longer accepts this session's mode ${ticket.mode}.`)
  let scopes: readonly string[] = []
  if (ticket.principal === 'client') {
    const current = s.auth.clients.get(ticket.clientId!)!.scopes
    const issued = new Set(ticket.scopes)
    const fingerprints = await Promise.all(current.map((scope) => fingerprint(scope)))
    scopes = current.filter((_, i) => issued.has(fingerprints[i]!))
  }
  return { ticket, scopes }
}

/** The body bytes (bodyLimit applies) for the MAC; empty when there is none. */
async function bodyBytes(c: Context): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer())
}

function requireAdmin(session: AuthenticatedSession): void {
  if (session.ticket.principal !== 'admin')
    throw new ProblemError(403, ErrorCode.scopeDenied, 'This operation needs an admin session; a client session may only read config.')
}

/** The config name from the raw path (never percent-decoded: the grammar has no `%`, no `.`/`..` segments); throws 400. */
function configName(c: Context): string {
  const name = new URL(c.req.url).pathname.slice(CONFIG_PREFIX.length)
  if (!isValidConfigName(name)) {
    throw new ProblemError(
      400,
      ErrorCode.invalidName,
      `Config names are /-separated segments of letters, digits, ".", "_" and "-", each starting with a letter or digit, at most ${MAX_CONFIG_NAME_LENGTH} characters.`,
    )
  }
  return name
}

/** `If-Match: "<version>"` → the version; null when absent; throws 400 when malformed. */
function ifMatchVersion(c: Context): number | null {
  const header = c.req.header('if-match')
  if (header === undefined) return null
  const match = /^\s*"([1-9]\d{0,14})"\s*$/.exec(header)
  if (!match) throw new ProblemError(400, ErrorCode.badRequest, 'If-Match must be one quoted version, e.g. "7".')
  return Number(match[1])
}

const versionMismatch = (currentVersion: number | null) =>
  new ProblemError(
    412,
    ErrorCode.versionMismatch,
    currentVersion === null ? 'The record does not exist.' : `The current version is ${currentVersion}.`,
    { extensions: { currentVersion } },
  )

class CredentialsRejected extends Error {}
class ClassicalAdmin extends Error {}

// ---------- routes ----------

export function registerServiceRoutes(
  app: Hono<ServiceEnv>,
  contextFor: ServiceContextFor,
  logError: (message: string, error: unknown) => void,
): void {
  // A bad variable rejects with ConfigError, which the app answers 500 service_misconfigured.
  const service: MiddlewareHandler<ServiceEnv> = async (c, next) => {
    c.set('service', await contextFor(c.env))
    await next()
  }

  app.get('/v2/keys', service, (c) => {
    const { body, etag } = c.var.service.keysDocument
    const headers = { etag, 'cache-control': 'public, max-age=300' }
    const ifNoneMatch = c.req.header('if-none-match')
    if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
      return c.body(null, 304, headers)
    }
    return c.body(body, 200, { ...headers, 'content-type': 'application/json' })
  })

  app.post('/v2/sessions', service, async (c) => {
    const s = c.var.service
    // 1. Shape, version, suite, timestamp: no crypto yet.
    requireJsonType(c)
    const body = parseJsonObject(await bodyBytes(c))
    if (typeof body.version !== 'number') throw shape('version must be a number.')
    if (body.version !== PROTOCOL_VERSION)
      throw new ProblemError(400, ErrorCode.unsupportedVersion, 'Only protocol version 2 is supported.')
    for (const field of ['kid', 'enc', 'ephemeralPublicKey', 'sealed'])
      if (typeof body[field] !== 'string') throw shape(`${field} must be a string.`)
    checkAead(body)
    if (typeof body.timestamp !== 'number' || !Number.isSafeInteger(body.timestamp) || body.timestamp < 0)
      throw shape('timestamp must be an integer number of Unix seconds.')
    // 2. Freshness.
    const timestamp = body.timestamp
    if (!isFresh(timestamp, s.now()))
      throw new ProblemError(400, ErrorCode.staleRequest, `timestamp must be within ${FRESHNESS_WINDOW_SECONDS} s of the server's clock.`, {
        extensions: { serverTime: nowSeconds(s) },
      })
    // 3. kid known, its mode accepted.
    const { key, suite } = await keyAndSuite(s, body, (refused) =>
      s.metrics.keyExchange({ mode: refused.mode, algorithm: MODE_ALGORITHM[refused.mode], result: 'rejected' }),
    )
    const mode: Mode = key.mode
    const labels = { mode, algorithm: MODE_ALGORITHM[mode] }
    // 4. Every binary field at exactly its suite's size.
    const enc = decode(body.enc, 'enc', suite.info.kem.Nenc)
    const ephemeralPublicKey = decode(body.ephemeralPublicKey, 'ephemeralPublicKey', suite.info.kem.Npk)
    if ((body.sealed as string).length > Math.ceil((MAX_SEALED_BYTES * 4) / 3))
      throw new ProblemError(400, ErrorCode.invalidLength, `sealed must be at most ${MAX_SEALED_BYTES} bytes.`)
    const sealed = decode(body.sealed, 'sealed')
    if (sealed.length < suite.info.aead.Nt || sealed.length > MAX_SEALED_BYTES)
      throw new ProblemError(400, ErrorCode.invalidLength, `sealed must be ${suite.info.aead.Nt} to ${MAX_SEALED_BYTES} bytes.`)

    // 5.–12. The public-key work. Built-in public keys that do not match reject with ConfigError.
    const recipientKey = await key.recipientKey()
    const exp = nowSeconds(s) + s.sessionTtlSeconds
    const expiresAt = new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const start = performance.now()
    try {
      const { response, principal } = await acceptSession({
        suite,
        recipientKey,
        hmac: s.backends.hmacSha256,
        x25519: s.backends.x25519,
        kid: key.kid,
        timestamp,
        enc,
        ephemeralPublicKey,
        sealed,
        keys: s.publishedKeys,
        keyList: s.keyList,
        expiresAt,
        authenticate: async (credentials) => {
          if (credentials.principal === 'admin') {
            if (mode === 'classical') throw new ClassicalAdmin()
            const result = await verifyAdmin(s.auth, credentials.secret)
            if (!result.ok) throw new CredentialsRejected()
            return { principal: 'admin' as const, clientId: null, scopes: [] as string[], digest: s.auth.adminTokenSha256! }
          }
          const result = await verifyClient(s.auth, credentials.id, credentials.secret, { classical: mode === 'classical' })
          if (!result.ok || result.principal.kind !== 'client') throw new CredentialsRejected()
          const digest = credentialDigest(s.auth, { principal: 'client', id: result.principal.id }, mode)!
          return { principal: 'client' as const, clientId: result.principal.id, scopes: [...result.principal.scopes], digest }
        },
        issueTicket: async (session, principal) =>
          s.tickets.seal({
            sessionId: session.sessionId,
            principal: principal.principal,
            clientId: principal.clientId,
            credential: await fingerprint(principal.digest),
            scopes: await Promise.all(principal.scopes.map((scope) => fingerprint(scope))),
            mode,
            exp,
            authKey: session.authKey,
            ephemeralPublicKey: session.ephemeralPublicKey,
            aeadId: session.aeadId,
          }),
      })
      s.metrics.operationDuration({ algorithm: labels.algorithm, operation: 'session_accept' }, since(start))
      s.metrics.keyExchange({ ...labels, result: 'success' })
      if (mode === 'classical') s.metrics.classicalFallback('classical_session', { clientId: principal.clientId ?? 'admin' })
      return c.json(response, 201, { 'cache-control': 'no-store' })
    } catch (error) {
      if (error instanceof ClassicalAdmin) {
        s.metrics.keyExchange({ ...labels, result: 'rejected' })
        throw new ProblemError(403, ErrorCode.modeNotAllowed, 'Admin sessions are never classical: use a hybrid or pq key.')
      }
      if (error instanceof CredentialsRejected) {
        s.metrics.keyExchange({ ...labels, result: 'rejected' })
        throw new ProblemError(401, ErrorCode.invalidCredentials, 'The sealed credentials are not valid for this mode.', {
          headers: SESSION_CHALLENGE,
        })
      }
      s.metrics.keyExchange({ ...labels, result: 'failure' })
      if (error instanceof ProtocolError) {
        if (error.code === 'invalid_key')
          throw new ProblemError(400, ErrorCode.invalidEncoding, 'ephemeralPublicKey is not a valid public key for this KEM.')
        if (error.code === 'invalid_json')
          throw new ProblemError(
            400,
            ErrorCode.invalidJson,
            'The sealed credentials must be {"principal":"client","id","secret"} or {"principal":"admin","secret"}.',
          )
        throw new ProblemError(400, ErrorCode.decryptionFailed, 'The request does not open with this key.')
      }
      throw error
    }
  })

  app.get('/v2/config', service, async (c) => {
    requireAdmin(await authenticateRequest(c, null))
    return c.json({ items: await c.var.service.openStore().list() }, 200, { 'cache-control': 'no-store' })
  })

  app.get('/v2/config/:name{.+}', service, async (c) => {
    const s = c.var.service
    const session = await authenticateRequest(c, null)
    if (session.ticket.principal !== 'client')
      throw new ProblemError(403, ErrorCode.scopeDenied, 'Config values are read with a client session; the admin writes them.')
    const name = configName(c)
    if (!scopeCovers(session.scopes, name)) throw new ProblemError(403, ErrorCode.scopeDenied, 'This session may not read that name.')
    const record = await s.openStore().get(name)
    if (!record) throw new ProblemError(404, ErrorCode.notFound, 'No such config name.')
    let value: Uint8Array
    try {
      value = await s.vault.open(name, record.data)
    } catch (error) {
      if (error instanceof RecordUnreadableError) {
        logError('config record unreadable (wrapped under a retired SERVER_SECRET, or altered)', error.message)
        throw new ProblemError(500, ErrorCode.internal)
      }
      throw error
    }
    const { ticket } = session
    try {
      const start = performance.now()
      const sealed = await sealConfigValue({
        suite: suiteFor(s.hpke, ticket.mode, ticket.aeadId),
        ephemeralPublicKey: ticket.ephemeralPublicKey,
        name,
        version: record.version,
        sessionId: ticket.sessionId,
        value,
      })
      s.metrics.operationDuration({ algorithm: MODE_ALGORITHM[ticket.mode], operation: 'config_read_seal' }, since(start))
      return c.json({ name, version: record.version, ...sealed }, 200, { etag: `"${record.version}"`, 'cache-control': 'no-store' })
    } catch (error) {
      if (error instanceof HpkeError) throw new ProblemError(401, ErrorCode.invalidTicket, 'The ticket is not valid.')
      throw error
    } finally {
      wipe(value)
    }
  })

  app.put('/v2/config/:name{.+}', service, async (c) => {
    const s = c.var.service
    const raw = await bodyBytes(c)
    requireAdmin(await authenticateRequest(c, raw))
    const name = configName(c)
    const ifMatch = ifMatchVersion(c)
    const ifNoneMatch = c.req.header('if-none-match')
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
      throw new ProblemError(400, ErrorCode.badRequest, 'If-None-Match on PUT must be "*" (create).')
    if (ifMatch !== null && ifNoneMatch !== undefined)
      throw new ProblemError(400, ErrorCode.badRequest, 'Send exactly one of If-Match and If-None-Match: *.')
    if (ifMatch === null && ifNoneMatch === undefined)
      throw new ProblemError(
        428,
        ErrorCode.preconditionRequired,
        'Send If-None-Match: * to create, or If-Match: "<version>" to replace that version.',
      )
    const baseVersion = ifMatch ?? 0

    requireJsonType(c)
    const body = parseJsonObject(raw)
    for (const field of ['kid', 'enc', 'ciphertext']) if (typeof body[field] !== 'string') throw shape(`${field} must be a string.`)
    checkAead(body)
    const { key, suite } = await keyAndSuite(s, body)
    const enc = decode(body.enc, 'enc', suite.info.kem.Nenc)
    const ciphertext = decode(body.ciphertext, 'ciphertext')
    if (ciphertext.length < suite.info.aead.Nt)
      throw new ProblemError(400, ErrorCode.invalidLength, `ciphertext must be at least ${suite.info.aead.Nt} bytes.`)

    const recipientKey = await key.recipientKey()
    const start = performance.now()
    let value: Uint8Array
    try {
      value = await openConfigPut({ suite, recipientKey, name, baseVersion, enc, ciphertext })
    } catch (error) {
      if (error instanceof ProtocolError)
        throw new ProblemError(400, ErrorCode.decryptionFailed, 'The value does not open with this key, name and base version.')
      throw error
    }
    s.metrics.operationDuration({ algorithm: MODE_ALGORITHM[key.mode], operation: 'config_put_open' }, since(start))
    try {
      const result = await s.openStore().put(name, await s.vault.seal(name, value), ifMatch)
      if (!result.ok) throw versionMismatch(result.currentVersion)
      // Counted once stored: the value crossed the wire under X25519 alone.
      if (key.mode === 'classical') s.metrics.classicalFallback('classical_put', { clientId: 'admin' })
      return c.json({ name, version: result.version }, ifMatch === null ? 201 : 200, { etag: `"${result.version}"` })
    } finally {
      wipe(value)
    }
  })

  app.delete('/v2/config/:name{.+}', service, async (c) => {
    requireAdmin(await authenticateRequest(c, null))
    const name = configName(c)
    const ifMatch = ifMatchVersion(c)
    if (ifMatch === null)
      throw new ProblemError(428, ErrorCode.preconditionRequired, 'Send If-Match: "<version>": a DELETE names the version it removes.')
    const result = await c.var.service.openStore().delete(name, ifMatch)
    if (result.ok) return c.body(null, 204)
    if (result.reason === 'not_found') throw new ProblemError(404, ErrorCode.notFound, 'No such config name.')
    throw versionMismatch(result.currentVersion)
  })

  app.post('/v2/admin/rewrap', service, async (c) => {
    const raw = await bodyBytes(c)
    requireAdmin(await authenticateRequest(c, raw))
    const cursorText = c.req.query('cursor')
    let after: string | null = null
    if (cursorText !== undefined) {
      try {
        if (!CURSOR_PATTERN.test(cursorText)) throw new Error()
        after = fromUtf8(fromB64u(cursorText, 'cursor'))
        if (!isValidConfigName(after)) throw new Error()
      } catch {
        throw new ProblemError(400, ErrorCode.badRequest, 'cursor must be a value of "next" from an earlier rewrap response.')
      }
    }
    const { vault } = c.var.service
    const unreadable: string[] = []
    const report = await updatePage(
      c.var.service.openStore(),
      async (name, record) => {
        try {
          return await vault.rewrap(name, record.data)
        } catch (error) {
          if (!(error instanceof RecordUnreadableError)) throw error
          unreadable.push(name)
          return null
        }
      },
      { after },
    )
    const next = report.next === null ? null : encodeCursor(report.next)
    return c.json({ kek: vault.current.id, ...report, unchanged: report.unchanged - unreadable.length, unreadable, next }, 200, {
      'cache-control': 'no-store',
    })
  })

  app.get('/metrics', service, async (c) => {
    requireAdmin(await authenticateRequest(c, null))
    return c.body(c.var.service.metrics.renderPrometheus(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' })
  })
}

function encodeCursor(name: string): string {
  return btoa(name).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
