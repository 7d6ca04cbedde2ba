// HKDF-SHA256 (RFC 5869) over an HMAC-SHA256 backend. HPKE needs Extract and Expand separately
// (RFC 9180 §4: LabeledExtract / LabeledExpand), which WebCrypto's one-shot HKDF cannot give, so
// both are built from HMAC here.

import { wipe } from './bytes.ts'
import type { HmacSha256 } from './types.ts'

/** Hash output length of SHA-256 (RFC 5869 HashLen; RFC 9180 Nh for HKDF-SHA256). */
export const SHA256_BYTES = 32

export interface HkdfSha256 {
  /** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). */
  extract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array>
  /** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3), L ≤ 255·HashLen. */
  expand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
}

export function createHkdfSha256(hmac: HmacSha256): HkdfSha256 {
  return {
    // An empty salt means HashLen zero bytes (RFC 5869 §2.2); HMAC treats both the same.
    extract: (salt, ikm) => hmac.mac(salt, ikm),
    async expand(prk, info, length) {
      if (!Number.isInteger(length) || length < 0 || length > 255 * SHA256_BYTES)
        throw new RangeError('HKDF-Expand: L must be at most 255·HashLen')
      const out = new Uint8Array(length)
      // T(0) = ""; T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i); OKM = first L bytes of T(1) ‖ T(2) ‖ …
      let t: Uint8Array = new Uint8Array(0)
      for (let i = 1, at = 0; at < length; i++) {
        const input = new Uint8Array(t.length + info.length + 1)
        input.set(t)
        input.set(info, t.length)
        input[input.length - 1] = i
        const next = await hmac.mac(prk, input)
        wipe(t)
        t = next
        out.set(t.subarray(0, Math.min(SHA256_BYTES, length - at)), at)
        at += SHA256_BYTES
      }
      wipe(t)
      return out
    },
  }
}
