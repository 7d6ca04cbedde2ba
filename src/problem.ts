// RFC 9457 problem details. Every error the service returns goes through here so that
// clients can branch on `code`, which is stable across releases; `title` and `detail` are prose.
import type { Context } from 'hono'
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
  /** 500: a configuration variable is missing or malformed; the detail names it, never its value. */
  serviceMisconfigured: 'service_misconfigured',
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
  service_misconfigured: 'Service Misconfigured',
}

export function problemBody(status: number, code: ErrorCode, detail?: string, extensions?: Record<string, unknown>): Problem {
  // `type` is a relative URI naming the code; docs list every code (README, "Errors").
  return { ...extensions, type: `/problems/${code}`, title: TITLES[code], status, code, ...(detail ? { detail } : {}) }
}

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  detail?: string,
  headers?: Record<string, string>,
  extensions?: Record<string, unknown>,
): Response {
  return c.body(JSON.stringify(problemBody(status, code, detail, extensions)), status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    ...headers,
  })
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
