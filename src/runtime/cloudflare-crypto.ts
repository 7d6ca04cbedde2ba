// The crypto fallbacks of the Cloudflare Workers entry: none, except SHA-3. workerd's WebCrypto has
// X25519, HMAC and AES-GCM, and ChaCha20-Poly1305 with the compatibility flag
// `webcrypto_modern_algorithms` that wrangler.jsonc sets; so that entry bundles no JavaScript
// implementation of them. Bundled fallbacks cost every cold isolate their parse time even when never
// called (`npm run bench:cold`; docs/BENCHMARKS.md). Where a probe fails anyway (the flag removed, an
// older compatibility date), /health reports the primitive `missing`, and the service refuses to start
// (requireWebCrypto: 500 service_misconfigured, naming the flag); each missing one also throws that
// ConfigError if called.
// The library entries (pq-edge/xwing, /hpke, /client for workerd) keep select.ts's general fallbacks:
// they run in other people's workers, under flags they do not control.
import type { Fallbacks } from '../crypto/select-core.ts'
import { jsSha3 } from '../crypto/sha3-js.ts'
import type { Aead, BackendDescription, HmacSha256, X25519 } from '../crypto/types.ts'
import { ConfigError } from '../service/config-error.ts'

const misconfigured = (primitives: string) =>
  new ConfigError(
    'compatibility_flags',
    `This runtime's WebCrypto lacks ${primitives}, which the Cloudflare entry takes from it: deploy with wrangler.jsonc's compatibility_date and compatibility_flags (webcrypto_modern_algorithms).`,
  )

const missing = (primitive: string) => () => Promise.reject(misconfigured(primitive))

function missingAead(primitive: string): Aead {
  return { name: 'missing', importKey: missing(primitive) }
}

const MISSING_X25519: X25519 = {
  name: 'missing',
  publicKey: missing('X25519'),
  sharedSecret: missing('X25519'),
  importSecretKey: missing('X25519'),
}
const MISSING_HMAC: HmacSha256 = { name: 'missing', mac: missing('HMAC-SHA256') }

export const CLOUDFLARE_FALLBACKS: Fallbacks = {
  x25519: MISSING_X25519,
  hmacSha256: MISSING_HMAC,
  aes128Gcm: missingAead('AES-128-GCM'),
  aes256Gcm: missingAead('AES-256-GCM'),
  chacha20poly1305: missingAead('ChaCha20-Poly1305'),
  sha3: jsSha3, // synchronous in X-Wing; WebCrypto's digest is async
}

/** Throws the ConfigError above when the selection left any primitive `missing` (called as the service starts). */
export function requireWebCrypto(described: BackendDescription): void {
  const lacking = Object.entries(described)
    .filter(([, servedBy]) => servedBy === 'missing')
    .map(([primitive]) => primitive)
  if (lacking.length > 0) throw misconfigured(lacking.join(', '))
}
