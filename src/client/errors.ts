// The one error class pq-edge/client throws. Branch on `code`: either the server's stable problem
// code (docs/PROTOCOL.md §7, v2, with `status`) or one of the local codes below (no `status`). Messages
// name the failed step and never contain credentials, tokens, tickets, keys or plaintext.

/** Codes raised by the client itself, before or after talking to the server. */
export type LocalErrorCode =
  /** The response to POST /v2/sessions failed key confirmation: no session was created. */
  | 'confirmation_failed'
  /** A pinned key (kid or public key) is not among the keys the server offers. */
  | 'pin_mismatch'
  /** Neither a pin nor the explicit `trustKeysFromServer: true` was given: the SDK will not trust GET /v2/keys silently. */
  | 'pin_required'
  /** An `http:` URL to a host that is not loopback (127.0.0.0/8, ::1, localhost): refused before any request. */
  | 'insecure_transport'
  /** The server offers no current key for the requested mode, or no AEAD the client supports. */
  | 'no_usable_key'
  /** fetch() failed: DNS, connection refused, TLS, reset. */
  | 'network_error'
  /** The server answered with something that is not the documented shape (or a non-problem error). */
  | 'invalid_response'
  /** A config value did not decrypt under the session key (altered in transit, or the wrong session). */
  | 'decryption_failed'
  /** The session has expired and automatic re-establishment is off. */
  | 'expired_session'
  /** The session was closed with close(). */
  | 'session_closed'
  /** A config name the client refuses to put in a URL path. */
  | 'invalid_name'
  /** A bad argument to an SDK function (wrong type, out of range). */
  | 'invalid_argument'

export class PqEdgeError extends Error {
  /** A server problem code (`scope_denied`, `version_mismatch`, …) or a LocalErrorCode. */
  readonly code: string
  /** The HTTP status, when the server answered with an error. */
  readonly status: number | undefined
  /** The problem's `detail` (server prose), or the local explanation. */
  readonly detail: string | undefined
  /** For 412 `version_mismatch`: the record's current version, from the problem body. */
  readonly currentVersion: number | undefined
  /** For `stale_request`: the server's clock (Unix seconds), from the problem body. */
  readonly serverTime: number | undefined

  constructor(
    code: string,
    detail?: string,
    options: { status?: number; currentVersion?: number; serverTime?: number; cause?: unknown } = {},
  ) {
    const where = options.status !== undefined ? ` (HTTP ${options.status})` : ''
    super(`${code}${where}${detail ? `: ${detail}` : ''}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PqEdgeError'
    this.code = code
    this.status = options.status
    this.detail = detail
    this.currentVersion = options.currentVersion
    this.serverTime = options.serverTime
  }
}
