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
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export interface Problem {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail?: string
}

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad Request',
  not_found: 'Not Found',
  method_not_allowed: 'Method Not Allowed',
  payload_too_large: 'Payload Too Large',
  request_rejected: 'Request Rejected',
  internal_error: 'Internal Server Error',
}

export function problemBody(status: number, code: ErrorCode, detail?: string): Problem {
  // `type` is a relative URI naming the code; docs list every code (README, "Errors").
  return { type: `/problems/${code}`, title: TITLES[code], status, code, ...(detail ? { detail } : {}) }
}

export function problem(
  c: Context,
  status: ContentfulStatusCode,
  code: ErrorCode,
  detail?: string,
  headers?: Record<string, string>,
): Response {
  return c.body(JSON.stringify(problemBody(status, code, detail)), status, {
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
