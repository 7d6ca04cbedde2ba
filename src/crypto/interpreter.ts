// The fallbacks for an engine without a JIT, WebAssembly or most of WebCrypto (Fastly Compute's
// StarlingMonkey), each chosen by measurement inside js-compute (node scripts/fastly/bench.ts crypto,
// node scripts/fastly/bench.ts aead): X25519 on BigInt with a fixed-base comb (pq-edge-js, 2–3× noble),
// AES-GCM with 4 KiB of tables (pq-edge-js, 3–12× noble, whose 1.3 MB of tables would also be
// snapshotted into the package), SHA-3 on the ML-KEM core's Keccak (pq-edge-js). HMAC there is native
// (the probe passes); if it were not, HMAC over the native SHA-256 digest, not a JS SHA-256 that
// would add package bytes. ChaCha20-Poly1305 is noble's.
import { jsAes128Gcm, jsAes256Gcm } from './aes-gcm-js.ts'
import { digestHmacSha256 } from './hmac-digest.ts'
import { nobleChacha20Poly1305 } from './noble.ts'
import type { Fallbacks } from './select-core.ts'
import { jsSha3 } from './sha3-js.ts'
import { jsX25519 } from './x25519-js.ts'

export const INTERPRETER_FALLBACKS: Fallbacks = {
  x25519: jsX25519,
  hmacSha256: digestHmacSha256,
  aes128Gcm: jsAes128Gcm,
  aes256Gcm: jsAes256Gcm,
  chacha20poly1305: nobleChacha20Poly1305,
  sha3: jsSha3,
}
