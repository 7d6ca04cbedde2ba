// HMAC-SHA256 (RFC 2104) over WebCrypto's SHA-256 digest, for a runtime whose crypto.subtle digests
// but cannot import HMAC keys: the Fastly fallback (src/crypto/interpreter.ts; StarlingMonkey always
// has digest), in place of a pure-JS SHA-256 that would only add package bytes there.
//   HMAC(K, m) = H((K0 ⊕ opad) ‖ H((K0 ⊕ ipad) ‖ m)), K0 = K zero-padded to the 64-byte block
//   (or H(K), padded, when K is longer than the block), ipad = 0x36…, opad = 0x5c… (RFC 2104 §2).

import { sha256, wipe } from './bytes.ts'
import type { HmacSha256 } from './types.ts'

/** SHA-256's block size B (RFC 2104 §2). */
const BLOCK = 64

export const digestHmacSha256: HmacSha256 = {
  name: 'webcrypto-digest',
  async mac(key, data) {
    const k0 = new Uint8Array(BLOCK)
    k0.set(key.length > BLOCK ? await sha256(key) : key)
    const inner = new Uint8Array(BLOCK + data.length)
    const outer = new Uint8Array(BLOCK + 32)
    try {
      for (let i = 0; i < BLOCK; i++) {
        inner[i] = k0[i]! ^ 0x36
        outer[i] = k0[i]! ^ 0x5c
      }
      inner.set(data, BLOCK)
      outer.set(await sha256(inner), BLOCK)
      return await sha256(outer)
    } finally {
      wipe(k0)
      wipe(inner)
      wipe(outer)
    }
  },
}
