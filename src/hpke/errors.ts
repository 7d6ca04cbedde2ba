// The one error class pq-edge/hpke throws. Branch on `code`, never on the message; messages name
// the failed step and never contain key material, shared secrets or plaintext.

export type HpkeErrorCode =
  /** The kem/kdf/aead combination is not implemented here. */
  | 'unsupported_suite'
  /** A classical-only KEM (DHKEM(X25519)) was asked for without `allowClassical: true`. */
  | 'classical_not_allowed'
  /** A public or private key has the wrong length or fails its check (FIPS 203 §7.2, low-order X25519). */
  | 'invalid_key'
  /** The encapsulated key `enc` has the wrong length or cannot be decapsulated. */
  | 'invalid_enc'
  /** AEAD authentication failed: wrong key, enc, info, AAD, or an altered/truncated ciphertext. */
  | 'open_failed'
  /** The sequence number would overflow (RFC 9180 §5.2). */
  | 'message_limit_reached'
  /** Any other malformed argument (not a Uint8Array, export length out of range, …). */
  | 'invalid_argument'

export class HpkeError extends Error {
  readonly code: HpkeErrorCode
  constructor(code: HpkeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HpkeError'
    this.code = code
  }
}
