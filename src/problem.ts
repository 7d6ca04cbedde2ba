// RFC 9457 problem details. Every error the service returns goes through here so that
// clients can branch on `code`, which is stable across releases; `title` and `detail` are prose.
// Routes and their helpers throw a ProblemError; the app's onError (src/app.ts) renders it, and turns
// a ConfigError, a 4xx HTTPException from Hono or a middleware, or anything unexpected into one.
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Stable error codes. Add new ones; never rename or reuse one. */
export const ErrorCode = {
  badRequest: 'bad_request',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  payloadTooLarge: 'payload_too_large',
  /** A 4xx without a more specific code. */
  requestRejected: 'request_rejected',
  internal: 'internal_error',
  // Service endpoints (docs/PROTOCOL.md §7).
  invalidJson: 'invalid_json',
  invalidEncoding: 'invalid_encoding',
  invalidLength: 'invalid_length',
  unsupportedVersion: 'unsupported_version',
  unsupportedSuite: 'unsupported_suite',
  unknownKey: 'unknown_key',
  decryptionFailed: 'decryption_failed',
  invalidName: 'invalid_name',
  invalidCredentials: 'invalid_credentials',
  invalidTicket: 'invalid_ticket',
  expiredTicket: 'expired_ticket',
  modeNotAllowed: 'mode_not_allowed',
  scopeDenied: 'scope_denied',
  versionMismatch: 'version_mismatch',
  preconditionRequired: 'precondition_required',
  /** 400 at establishment, 401 on a request: the timestamp is outside the freshness window. */
  staleRequest: 'stale_request',
  /** 401: the session's principal or credential is no longer configured. */
  sessionRevoked: 'session_revoked',
  /** 500: a configuration variable is missing or malformed; the detail names it, never its value. */
  serviceMisconfigured: 'service_misconfigured',
  /** 503 with Retry-After: the config store cannot answer consistently yet (e.g. Fastly KV replication lag); retry. */
  storeUnavailable: 'store_unavailable',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail?: string
  /** RFC 9457 extension members, e.g. `currentVersion` on `version_mismatch`. */
  [extension: string]: unknown
}

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad Request',
  not_found: 'Not Found',
  method_not_allowed: 'Method Not Allowed',
  payload_too_large: 'Payload Too Large',
  request_rejected: 'Request Rejected',
  internal_error: 'Internal Server Error',
  invalid_json: 'Invalid JSON',
  invalid_encoding: 'Invalid Encoding',
  invalid_length: 'Invalid Length',
  unsupported_version: 'Unsupported Version',
  unsupported_suite: 'Unsupported Suite',
  unknown_key: 'Unknown Key',
  decryption_failed: 'Decryption Failed',
  invalid_name: 'Invalid Name',
  invalid_credentials: 'Invalid Credentials',
  invalid_ticket: 'Invalid Ticket',
  expired_ticket: 'Expired Ticket',
  mode_not_allowed: 'Mode Not Allowed',
  scope_denied: 'Scope Denied',
  version_mismatch: 'Version Mismatch',
  precondition_required: 'Precondition Required',
  stale_request: 'Stale Request',
  session_revoked: 'Session Revoked',
  service_misconfigured: 'Service Misconfigured',
  store_unavailable: 'Store Unavailable',
}

export function problemBody(status: number, code: ErrorCode, detail?: string, extensions?: Record<string, unknown>): Problem {
  // `type` is a relative URI naming the code; docs/PROTOCOL.md §7 lists every code.
  return { ...extensions, type: `/problems/${code}`, title: TITLES[code], status, code, ...(detail ? { detail } : {}) }
}

export interface ProblemOptions {
  /** Response headers, e.g. `www-authenticate` on a 401, `allow` on a 405. */
  headers?: Record<string, string>
  /** RFC 9457 extension members, e.g. `currentVersion` on `version_mismatch`. */
  extensions?: Record<string, unknown>
}

/** An error that is answered as problem+json: throw it from a route, a helper or a middleware. */
export class ProblemError extends HTTPException {
  override name = 'ProblemError'
  readonly code: ErrorCode
  readonly detail: string | undefined
  readonly headers: Record<string, string>
  readonly extensions: Record<string, unknown> | undefined

  constructor(status: ContentfulStatusCode, code: ErrorCode, detail?: string, options: ProblemOptions = {}) {
    super(status, { message: detail ?? code })
    this.code = code
    this.detail = detail
    this.headers = options.headers ?? {}
    this.extensions = options.extensions
  }

  /** The problem+json response (also what Hono's default error handler would send). */
  override getResponse(): Response {
    return new Response(JSON.stringify(problemBody(this.status, this.code, this.detail, this.extensions)), {
      status: this.status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...this.headers },
    })
  }
}

/** The code for a 4xx raised as an HTTPException (by Hono or a middleware) rather than by a route. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.badRequest
    case 404:
      return ErrorCode.notFound
    case 405:
      return ErrorCode.methodNotAllowed
    case 413:
      return ErrorCode.payloadTooLarge
    default:
      return ErrorCode.requestRejected
  }
}
