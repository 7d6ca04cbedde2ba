// The service endpoints of docs/PROTOCOL.md: /v1/keys, /v1/sessions, /v1/config, /v1/admin/rewrap
// and /metrics. Mounted by src/app.ts; every route first resolves the ServiceContext (a bad variable
// rejects with ConfigError: 500 service_misconfigured). Routes return their success response; every
// refusal is a thrown ProblemError, which the app renders as problem+json with a stable code. A
// rejected request stores nothing; no secret, token, ticket or value ever reaches a log line or an
// error body.
import { sValidator } from '@hono/standard-validator'
import type { Context, Hono, MiddlewareHandler } from 'hono'
import * as v from 'valibot'
import { b64u, EncodingError, fromB64u, utf8 } from '../crypto/bytes.ts'
import { HpkeError } from '../hpke/errors.ts'
import { ErrorCode, ProblemError } from '../problem.ts'
import { acceptSession, configAad, ProtocolError, putAad, SESSION_AEADS } from '../protocol/v1.ts'
import { authenticate, scopeCovers, verifyClient } from './auth.ts'
import type { ServiceContext } from './context.ts'
import { suiteFor } from './keys.ts'
import { PROMETHEUS_CONTENT_TYPE } from './metrics.ts'
import { isValidConfigName, MAX_CONFIG_NAME_LENGTH } from './names.ts'
import { decideMode, MODE_ALGORITHM } from './policy.ts'
import { updateAll } from './store.ts'
import { MAX_TICKET_LENGTH, type TicketSession } from './tickets.ts'
import { RecordUnreadableError } from './vault.ts'

export type ServiceEnv = { Variables: { service: ServiceContext } }

/** The service context for a request's platform `env`; rejects with ConfigError on a bad variable. */
export type ServiceContextFor = (env: unknown) => Promise<ServiceContext>

const REALM = 'realm="pq-edge"'
const ADMIN_CHALLENGE = { 'www-authenticate': `Bearer ${REALM}` }
const TICKET_CHALLENGE = { 'www-authenticate': `PQEdge-Ticket ${REALM}` }
const SESSION_CHALLENGE = { 'www-authenticate': `PQEdge-Session ${REALM}` }
const CONFIG_PREFIX = '/v1/config/'

// ---------- request validation (valibot; issue messages are the problem codes) ----------

const REQUEST_CODES = new Set<string>([
  ErrorCode.invalidJson,
  ErrorCode.invalidEncoding,
  ErrorCode.unsupportedVersion,
  ErrorCode.unsupportedSuite,
  ErrorCode.unknownKey,
])

const isB64u = (text: string) => {
  try {
    fromB64u(text, 'field')
    return true
  } catch {
    return false
  }
}
const binary = v.pipe(v.string(ErrorCode.invalidJson), v.check(isB64u, ErrorCode.invalidEncoding))
const aead = v.pipe(
  v.number(ErrorCode.invalidJson),
  v.check((n) => (SESSION_AEADS as readonly number[]).includes(n), ErrorCode.unsupportedSuite),
)
// A kid is 16 base64url characters; anything else names no key.
const kid = v.pipe(v.string(ErrorCode.invalidJson), v.regex(/^[A-Za-z0-9_-]{16}$/, ErrorCode.unknownKey))

const SessionRequestSchema = v.object(
  {
    version: v.pipe(v.number(ErrorCode.invalidJson), v.value(1, ErrorCode.unsupportedVersion)),
    kid,
    aead,
    enc: binary,
    ephemeralPublicKey: binary,
    sealed: binary,
  },
  ErrorCode.invalidJson,
)

const ConfigPutSchema = v.object({ kid, aead, enc: binary, ciphertext: binary }, ErrorCode.invalidJson)

/** The first issue's code (entries are checked in document order), or invalid_json. */
function validationHook(result: { success: boolean; error?: readonly { message: string }[] }): void {
  if (result.success) return
  const issue = result.error?.[0]
  const code = issue && REQUEST_CODES.has(issue.message) ? (issue.message as ErrorCode) : ErrorCode.invalidJson
  const detail: Record<string, string> = {
    invalid_json: 'The body must be a JSON object of the documented shape (docs/PROTOCOL.md).',
    invalid_encoding: 'A binary field is not base64url without padding.',
    unsupported_version: 'Only protocol version 1 is supported.',
    unsupported_suite: `aead must be one of ${SESSION_AEADS.join(', ')}.`,
    unknown_key: 'kid names no current or retiring key.',
  }
  throw new ProblemError(400, code, detail[code])
}

/** Rejects a body that is not JSON (wrong media type or malformed) before validation. */
const requireJson: MiddlewareHandler = async (c, next) => {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json') throw new ProblemError(400, ErrorCode.invalidJson, 'The body must be application/json.')
  try {
    await c.req.json()
  } catch {
    throw new ProblemError(400, ErrorCode.invalidJson, 'The body is not valid JSON.')
  }
  await next()
}

function decode(text: string, what: string, length?: number): Uint8Array {
  try {
    return fromB64u(text, what, length)
  } catch (error) {
    if (error instanceof EncodingError) throw new ProblemError(400, error.code, error.message)
    throw error
  }
}

// ---------- authentication ----------

/** Opens `Authorization: PQEdge-Ticket <ticket>`; null when the header is not that scheme. */
async function ticketFrom(s: ServiceContext, authorization: string | undefined) {
  const match = /^PQEdge-Ticket +(\S+)\s*$/i.exec(authorization ?? '')
  if (!match) return null
  return s.tickets.open(match[1]!.slice(0, MAX_TICKET_LENGTH + 1), s.now())
}

/** Passes the admin; throws 403 for a valid client (ticket or Basic), 401 for anything else. */
const requireAdmin: MiddlewareHandler<ServiceEnv> = async (c, next) => {
  const s = c.var.service
  const authorization = c.req.header('authorization')
  const ticket = await ticketFrom(s, authorization)
  if (ticket) {
    if (ticket.ok)
      throw new ProblemError(403, ErrorCode.scopeDenied, 'This operation needs the admin token; a client session may only read config.')
    throw new ProblemError(401, ticket.code, ticket.code === 'expired_ticket' ? 'The ticket has expired.' : 'The ticket is not valid.', {
      headers: ADMIN_CHALLENGE,
    })
  }
  const result = await authenticate(s.auth, authorization)
  if (!result.ok)
    throw new ProblemError(401, ErrorCode.invalidCredentials, 'Send Authorization: Bearer <admin token>.', { headers: ADMIN_CHALLENGE })
  if (result.principal.kind !== 'admin') throw new ProblemError(403, ErrorCode.scopeDenied, 'This operation needs the admin token.')
  await next()
}

/** The session of `Authorization: PQEdge-Ticket`; throws 401 without a valid one. */
async function requireTicket(c: Context<ServiceEnv>): Promise<TicketSession> {
  const opened = await ticketFrom(c.var.service, c.req.header('authorization'))
  if (!opened)
    throw new ProblemError(401, ErrorCode.invalidTicket, 'Send Authorization: PQEdge-Ticket <ticket> from POST /v1/sessions.', {
      headers: TICKET_CHALLENGE,
    })
  if (!opened.ok)
    throw new ProblemError(
      401,
      opened.code,
      opened.code === 'expired_ticket' ? 'The ticket has expired; establish a new session.' : 'The ticket is not valid.',
      { headers: TICKET_CHALLENGE },
    )
  return opened.session
}

/** The config name from the raw path (never percent-decoded: the grammar has no `%`); throws 400. */
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

const since = (start: number) => performance.now() - start

class CredentialsRejected extends Error {}

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

  app.get('/v1/keys', service, (c) => {
    const { body, etag } = c.var.service.keysDocument
    const headers = { etag, 'cache-control': 'public, max-age=300' }
    const ifNoneMatch = c.req.header('if-none-match')
    if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
      return c.body(null, 304, headers)
    }
    return c.body(body, 200, { ...headers, 'content-type': 'application/json' })
  })

  app.post('/v1/sessions', service, requireJson, sValidator('json', SessionRequestSchema, validationHook), async (c) => {
    const s = c.var.service
    const request = c.req.valid('json')
    const key = s.keyByKid.get(request.kid)
    if (!key) throw new ProblemError(400, ErrorCode.unknownKey, 'kid names no current or retiring key.')
    const labels = { mode: key.mode, algorithm: MODE_ALGORITHM[key.mode] }
    const decision = decideMode(s.policy, key.mode)
    if (!decision.accepted) {
      s.metrics.keyExchange({ ...labels, result: 'rejected' })
      throw new ProblemError(
        403,
        ErrorCode.modeNotAllowed,
        `PQ_POLICY ${s.policy} does not accept mode ${key.mode}; accepted: ${decision.allowed.join(', ')}.`,
      )
    }
    const suite = suiteFor(s.hpke, key.mode, request.aead)
    const enc = decode(request.enc, 'enc', suite.info.kem.Nenc)
    const ephemeralPublicKey = decode(request.ephemeralPublicKey, 'ephemeralPublicKey', suite.info.kem.Npk)
    const sealed = decode(request.sealed, 'sealed')
    if (sealed.length < suite.info.aead.Nt)
      throw new ProblemError(400, ErrorCode.invalidLength, `sealed must be at least ${suite.info.aead.Nt} bytes.`)

    // Built-in public keys that do not match reject with ConfigError: 500 service_misconfigured.
    const recipientKey = await key.recipientKey()
    const expiresAt = new Date(Math.floor(s.now() / 1000) * 1000 + s.sessionTtlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const start = performance.now()
    try {
      const { response, session } = await acceptSession({
        suite,
        recipientKey,
        hmac: s.backends.hmacSha256,
        kid: key.kid,
        enc,
        ephemeralPublicKey,
        sealed,
        expiresAt,
        authenticate: async (credentials) => {
          const result = await verifyClient(s.auth, credentials.clientId, credentials.clientSecret)
          if (!result.ok || result.principal.kind !== 'client') throw new CredentialsRejected()
          return { clientId: result.principal.id, scopes: [...result.principal.scopes] }
        },
        issueTicket: (session) => s.tickets.seal(session),
      })
      session.sessionKey.fill(0)
      s.metrics.operationDuration({ algorithm: labels.algorithm, operation: 'session_accept' }, since(start))
      s.metrics.keyExchange({ ...labels, result: 'success' })
      if (decision.fallback) s.metrics.classicalFallback('client_selected_classical_key', { clientId: session.clientId })
      return c.json(response, 201, { 'cache-control': 'no-store' })
    } catch (error) {
      if (error instanceof CredentialsRejected) {
        s.metrics.keyExchange({ ...labels, result: 'rejected' })
        throw new ProblemError(401, ErrorCode.invalidCredentials, 'The sealed client credentials are not valid.', {
          headers: SESSION_CHALLENGE,
        })
      }
      s.metrics.keyExchange({ ...labels, result: 'failure' })
      if (error instanceof ProtocolError) {
        if (error.code === 'invalid_json')
          throw new ProblemError(400, ErrorCode.invalidJson, 'The sealed credentials must be {"clientId": string, "clientSecret": string}.')
        throw new ProblemError(400, ErrorCode.decryptionFailed, 'The request does not open with this key.')
      }
      // The server's encapsulation to pkE refused it (ML-KEM modulus check, low-order X25519 point).
      if (error instanceof HpkeError)
        throw new ProblemError(400, ErrorCode.invalidEncoding, 'ephemeralPublicKey is not a valid public key for this KEM.')
      throw error
    }
  })

  app.get('/v1/config', service, requireAdmin, async (c) => {
    return c.json({ items: await c.var.service.openStore().list() }, 200, { 'cache-control': 'no-store' })
  })

  app.get('/v1/config/:name{.+}', service, async (c) => {
    const s = c.var.service
    const session = await requireTicket(c)
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
    const aeadImpl = session.aeadId === 0x0002 ? s.backends.aes256Gcm : s.backends.chacha20poly1305
    const nonce = crypto.getRandomValues(new Uint8Array(12))
    try {
      const key = await aeadImpl.importKey(session.sessionKey)
      const ciphertext = await key.seal(nonce, configAad(name, record.version, session.sessionId), value)
      return c.json({ name, version: record.version, nonce: b64u(nonce), ciphertext: b64u(ciphertext) }, 200, {
        etag: `"${record.version}"`,
        'cache-control': 'no-store',
      })
    } finally {
      value.fill(0)
      session.sessionKey.fill(0)
    }
  })

  app.put(
    '/v1/config/:name{.+}',
    service,
    // Authentication, name and preconditions before the body is looked at.
    requireAdmin,
    async (c, next) => {
      configName(c) // throws 400 for a bad name
      const ifMatch = ifMatchVersion(c)
      const ifNoneMatch = c.req.header('if-none-match')
      if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*')
        throw new ProblemError(400, ErrorCode.badRequest, 'If-None-Match on PUT must be "*" (create).')
      if (ifMatch !== null && ifNoneMatch !== undefined)
        throw new ProblemError(400, ErrorCode.badRequest, 'Send exactly one of If-Match and If-None-Match: *.')
      if (ifMatch === null && ifNoneMatch === undefined) {
        throw new ProblemError(
          428,
          ErrorCode.preconditionRequired,
          'Send If-None-Match: * to create, or If-Match: "<version>" to replace that version.',
        )
      }
      await next()
    },
    requireJson,
    sValidator('json', ConfigPutSchema, validationHook),
    async (c) => {
      const s = c.var.service
      const name = configName(c)
      const ifMatch = ifMatchVersion(c)
      const baseVersion = ifMatch ?? 0
      const request = c.req.valid('json')
      const key = s.keyByKid.get(request.kid)
      if (!key) throw new ProblemError(400, ErrorCode.unknownKey, 'kid names no current or retiring key.')
      if (!decideMode(s.policy, key.mode).accepted)
        throw new ProblemError(403, ErrorCode.modeNotAllowed, `PQ_POLICY ${s.policy} does not accept mode ${key.mode}.`)
      const suite = suiteFor(s.hpke, key.mode, request.aead)
      const enc = decode(request.enc, 'enc', suite.info.kem.Nenc)
      const ciphertext = decode(request.ciphertext, 'ciphertext')
      if (ciphertext.length < suite.info.aead.Nt)
        throw new ProblemError(400, ErrorCode.invalidLength, `ciphertext must be at least ${suite.info.aead.Nt} bytes.`)

      const recipientKey = await key.recipientKey()
      const start = performance.now()
      let value: Uint8Array
      try {
        value = await suite.Open(enc, recipientKey, ciphertext, { info: utf8('pq-edge/v1 config put'), aad: putAad(name, baseVersion) })
      } catch (error) {
        if (error instanceof HpkeError)
          throw new ProblemError(400, ErrorCode.decryptionFailed, 'The value does not open with this key, name and base version.')
        throw error
      }
      s.metrics.operationDuration({ algorithm: MODE_ALGORITHM[key.mode], operation: 'config_put_open' }, since(start))
      try {
        const result = await s.openStore().put(name, await s.vault.seal(name, value), ifMatch)
        if (!result.ok) throw versionMismatch(result.currentVersion)
        return c.json({ name, version: result.version }, ifMatch === null ? 201 : 200, { etag: `"${result.version}"` })
      } finally {
        value.fill(0)
      }
    },
  )

  app.delete('/v1/config/:name{.+}', service, requireAdmin, async (c) => {
    const name = configName(c)
    const ifMatch = ifMatchVersion(c)
    const result = await c.var.service.openStore().delete(name, ifMatch ?? undefined)
    if (result.ok) return c.body(null, 204)
    if (result.reason === 'not_found') throw new ProblemError(404, ErrorCode.notFound, 'No such config name.')
    throw versionMismatch(result.currentVersion)
  })

  app.post('/v1/admin/rewrap', service, requireAdmin, async (c) => {
    const { vault } = c.var.service
    const store = c.var.service.openStore()
    const unreadable: string[] = []
    const report = await updateAll(store, async (name, record) => {
      try {
        return await vault.rewrap(name, record.data)
      } catch (error) {
        if (!(error instanceof RecordUnreadableError)) throw error
        unreadable.push(name)
        return null
      }
    })
    return c.json({ kek: vault.current.id, ...report, unchanged: report.unchanged - unreadable.length, unreadable }, 200)
  })

  app.get('/metrics', service, requireAdmin, async (c) => {
    return c.body(c.var.service.metrics.renderPrometheus(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' })
  })
}
