// Backend selection for general runtimes (workerd, Node, browsers): select-core.ts's probing with
// @noble/* as the fallbacks, except X25519, whose fallback is pq-edge-js (faster than noble without
// WebCrypto X25519; js-compute, one run of `node scripts/fastly/bench.ts crypto 15`, medians:
// publicKey 1.8 vs 5.5 ms, sharedSecret 4.5 vs 10 ms). Fastly's set is in interpreter.ts.
import { nobleAes128Gcm, nobleAes256Gcm, nobleChacha20Poly1305, nobleHmacSha256, nobleSha3, nobleX25519 } from './noble.ts'
import {
  type Fallbacks,
  fallbackBackends,
  lazySelection,
  type MlKemSource,
  type Preferred,
  type SelectedBackends,
  selectWith,
} from './select-core.ts'
import type { Backends } from './types.ts'
import { jsX25519 } from './x25519-js.ts'

export {
  describeBackends,
  type Fallbacks,
  type MlKemSource,
  mlKem768FromSync,
  type Preferred,
  type SelectedBackends,
} from './select-core.ts'
export type { BackendDescription, Backends } from './types.ts'

export const GENERAL_FALLBACKS: Fallbacks = {
  x25519: jsX25519,
  hmacSha256: nobleHmacSha256,
  aes128Gcm: nobleAes128Gcm,
  aes256Gcm: nobleAes256Gcm,
  chacha20poly1305: nobleChacha20Poly1305,
  sha3: nobleSha3,
}

const NOBLE: Fallbacks = { ...GENERAL_FALLBACKS, x25519: nobleX25519 }

export function selectBackends(mlkem: MlKemSource, preferred?: Preferred): Promise<SelectedBackends> {
  return selectWith(mlkem, GENERAL_FALLBACKS, preferred)
}

/** All-noble backends with the given ML-KEM (for tests and comparisons). */
export function nobleBackends(mlkem: MlKemSource): Backends {
  return fallbackBackends(mlkem, NOBLE)
}

/** Memoises one selection per isolate; the first call runs the probes. */
export function lazyBackends(mlkem: MlKemSource, preferred?: Preferred): () => Promise<SelectedBackends> {
  return lazySelection(() => selectBackends(mlkem, preferred))
}
