// The crypto fallbacks of the Cloudflare Workers entry: none. workerd's WebCrypto has X25519, HMAC and
// AES-GCM, and ChaCha20-Poly1305 with the compatibility flag `webcrypto_modern_algorithms` that
// wrangler.jsonc sets; SHA-3 comes from the ML-KEM wasm module's Keccak (select-core.ts), which workerd
// always runs. So this entry bundles no JavaScript implementation of any of them: a bundled fallback costs
// every cold isolate its parse time even when never called (`npm run bench:cold`; docs/BENCHMARKS.md).
// Where a primitive is missing anyway (the flag removed, an older compatibility date), /health reports it
// `missing` and the service refuses to start (refuseMissingPrimitives: 500 service_misconfigured, naming
// the flag); each stand-in also throws that ConfigError if called.
// The library entries (pq-edge/xwing, /hpke, /client for workerd) keep select.ts's general fallbacks:
// they run in other people's workers, under flags they do not control.
import type { Fallbacks } from '../crypto/select-core.ts'
import type { Aead, BackendDescription, HmacSha256, Sha3, X25519 } from '../crypto/types.ts'
import { ConfigError } from '../service/config-error.ts'

const misconfigured = (primitives: string) =>
  new ConfigError(
    'compatibility_flags',
    `This runtime lacks ${primitives}, which the Cloudflare entry takes from WebCrypto (SHA-3: from the ML-KEM wasm module): deploy with wrangler.jsonc's compatibility_date and compatibility_flags (webcrypto_modern_algorithms).`,
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
const MISSING_SHA3: Sha3 = {
  name: 'missing',
  sha3_256: () => {
    throw misconfigured('SHA-3')
  },
  shake256: () => {
    throw misconfigured('SHA-3')
  },
}

export const CLOUDFLARE_FALLBACKS: Fallbacks = {
  x25519: MISSING_X25519,
  hmacSha256: MISSING_HMAC,
  aes128Gcm: missingAead('AES-128-GCM'),
  aes256Gcm: missingAead('AES-256-GCM'),
  chacha20poly1305: missingAead('ChaCha20-Poly1305'),
  sha3: MISSING_SHA3,
}

/** Throws the ConfigError above when the selection left any primitive `missing` (called as the service starts). */
export function refuseMissingPrimitives(described: BackendDescription): void {
  const lacking = Object.entries(described)
    .filter(([, servedBy]) => servedBy === 'missing')
    .map(([primitive]) => primitive)
  if (lacking.length > 0) throw misconfigured(lacking.join(', '))
}
