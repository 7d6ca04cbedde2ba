// Chooses every primitive's implementation once per isolate, by capability (never by runtime
// name): a WebCrypto operation where a probe with fixed public inputs succeeded, the caller's pure-JS
// fallback where it did not. The fallbacks are passed in, not imported, so each runtime bundles only
// the ones it can use: select.ts passes @noble/* (general runtimes), interpreter.ts the ones tuned for
// an engine without a JIT (Fastly). Run a selection lazily (inside a request or on first use), never at
// module top level: Fastly runs top level at build time.
// ML-KEM-768 always comes from the caller's source (the wasm or TypeScript core), never from workerd's
// native WebCrypto ML-KEM: measured (npm run bench, workerd, 2026-11) it is slower for keygen and
// encapsulation and cannot take the expanded decapsulation keys X-Wing and HPKE hold.
import type {
  Aead,
  BackendDescription,
  Backends,
  HmacSha256,
  MlKem768,
  MlKem768BackendName,
  Sha3,
  SyncMlKem768,
  X25519,
  XWingNative,
} from './types.ts'
import {
  probeWebCrypto,
  probeX25519,
  webCryptoAes128Gcm,
  webCryptoAes256Gcm,
  webCryptoChacha20Poly1305,
  webCryptoHmacSha256,
  webCryptoX25519,
} from './webcrypto.ts'
import { probeWebCryptoXWing, webCryptoXWing } from './webcrypto-xwing.ts'

export type { BackendDescription, Backends } from './types.ts'

/** The ML-KEM suite of pq-edge/mlkem for this runtime (its ml_kem768 and getBackend()). */
export interface MlKemSource {
  ml_kem768: SyncMlKem768
  getBackend(): { module: 'simd' | 'scalar' | 'typescript' } | undefined
  /** SHA-3 on the wasm module's Keccak, where there is one (and, in browsers, once it is loaded). */
  getSha3?(): Sha3 | undefined
}

/** Pure-JS implementations for what a runtime's WebCrypto lacks (and for what no WebCrypto offers). */
export interface Fallbacks {
  x25519: X25519
  hmacSha256: HmacSha256
  aes128Gcm: Aead
  aes256Gcm: Aead
  /** Only workerd's WebCrypto (Modern Algorithms) has ChaCha20-Poly1305; elsewhere this serves. */
  chacha20poly1305: Aead
  /** SHA-3 is called synchronously, so never from WebCrypto (its digest is async): from the ML-KEM wasm module's
   *  Keccak where that runs (MlKemSource.getSha3), otherwise from here. */
  sha3: Sha3
}

export interface SelectedBackends {
  backends: Backends
  /** Plain JSON for /health: which implementation serves each primitive. */
  describe: BackendDescription
}

/** The backend name an ML-KEM source reports: its wasm build, or the TypeScript core (no WebAssembly). */
export function mlKemSourceName(mlkem: MlKemSource): MlKem768BackendName {
  const module = mlkem.getBackend()?.module
  return module === 'typescript' ? 'pq-edge-js' : module === 'scalar' ? 'pq-edge-wasm-scalar' : 'pq-edge-wasm-simd'
}

/** Adapts a synchronous noble-style ML-KEM-768 (the pq-edge cores, @noble/post-quantum) to the async
 *  interface; expandDecapsulationKey only where the core offers it (the TypeScript core). */
export function mlKem768FromSync(kem: SyncMlKem768, name: MlKem768BackendName): MlKem768 {
  const adapted: MlKem768 = {
    name,
    keygen: async (seed) => kem.keygen(seed),
    encapsulate: async (publicKey, m) => kem.encapsulate(publicKey, m),
    decapsulate: async (cipherText, secretKey) => kem.decapsulate(cipherText, secretKey),
  }
  if (typeof kem.expandDecapsulationKey === 'function') {
    adapted.expandDecapsulationKey = async (seed, publicKey) => kem.expandDecapsulationKey!(seed, publicKey)
  }
  return adapted
}

/** Every primitive from the fallbacks (no probing): for tests and comparisons. */
export function fallbackBackends(mlkem: MlKemSource, fallbacks: Fallbacks): Backends {
  return {
    x25519: fallbacks.x25519,
    hmacSha256: fallbacks.hmacSha256,
    aes128Gcm: fallbacks.aes128Gcm,
    aes256Gcm: fallbacks.aes256Gcm,
    chacha20poly1305: fallbacks.chacha20poly1305,
    mlkem768: mlKem768FromSync(mlkem.ml_kem768, mlKemSourceName(mlkem)),
    sha3_256: fallbacks.sha3.sha3_256,
    shake256: fallbacks.sha3.shake256,
    sha3Name: fallbacks.sha3.name,
  }
}

/**
 * Implementations a runtime entry prefers over WebCrypto's (each still probed): the Node entries pass
 * node:crypto's synchronous X25519 (crypto/node-x25519.ts), which only they may import.
 */
export interface Preferred {
  x25519?: X25519
}

/**
 * The X-Wing operations served by a runtime's native X-Wing when its probe passes; the others stay
 * with pq-edge's X-Wing. Chosen by measurement: `node scripts/bench.ts --xwing-workerd-only`
 * (bench/xwing.workerd.ts, workerd 1.20261117, each contender in its own workerd process, CPU time per
 * batch, contenders alternating; pq-edge ÷ native per round, median; three runs 2026-12-04, load < 1.5):
 *   keygen (random)              0.70 0.77 0.71  → pq-edge
 *   encaps                       1.11 1.18 1.13  → native
 *   decaps from the 32-byte key  0.72 0.78 0.78  → pq-edge
 *   decaps, key imported once    0.84 0.81 0.82  → pq-edge (the service's per-request operation)
 *   importSecretKey              0.70 0.70 0.67  → pq-edge (with the key above)
 * An earlier method ran both contenders in one process, where the collection of native's garbage (CryptoKey
 * objects) depended on, and landed in, the other contender's batches; it had native ahead for decaps
 * from the 32-byte key.
 * docs/BENCHMARKS.md has the table and the method.
 */
export const NATIVE_XWING_OPERATIONS = { keygen: false, encaps: true, decaps: false, importedKey: false } as const

function nativeXWing(native: Required<XWingNative>): XWingNative {
  const chosen: XWingNative = { name: native.name }
  if (NATIVE_XWING_OPERATIONS.keygen) chosen.keygen = native.keygen
  if (NATIVE_XWING_OPERATIONS.encaps) chosen.encapsulate = native.encapsulate
  if (NATIVE_XWING_OPERATIONS.decaps) chosen.decapsulate = native.decapsulate
  if (NATIVE_XWING_OPERATIONS.importedKey) chosen.importSecretKey = native.importSecretKey
  return chosen
}

export async function selectWith(mlkem: MlKemSource, fallbacks: Fallbacks, preferred: Preferred = {}): Promise<SelectedBackends> {
  const [preferredX25519, x25519, hmac, aesGcm, chacha, xwing] = await Promise.all([
    preferred.x25519 ? probeX25519(preferred.x25519) : false,
    probeWebCrypto.x25519(),
    probeWebCrypto.hmacSha256(),
    probeWebCrypto.aesGcm(),
    probeWebCrypto.chacha20poly1305(),
    probeWebCryptoXWing(),
  ])
  const backends = fallbackBackends(mlkem, fallbacks)
  if (preferredX25519) backends.x25519 = preferred.x25519!
  else if (x25519) backends.x25519 = webCryptoX25519
  if (xwing) backends.xwing = nativeXWing(webCryptoXWing)
  if (hmac) backends.hmacSha256 = webCryptoHmacSha256
  if (aesGcm) {
    backends.aes128Gcm = webCryptoAes128Gcm
    backends.aes256Gcm = webCryptoAes256Gcm
  }
  if (chacha) backends.chacha20poly1305 = webCryptoChacha20Poly1305
  // SHA-3 is called synchronously (X-Wing), so not from WebCrypto: from the wasm module's Keccak where it runs.
  const moduleSha3 = mlkem.getSha3?.()
  if (moduleSha3) Object.assign(backends, { sha3_256: moduleSha3.sha3_256, shake256: moduleSha3.shake256, sha3Name: moduleSha3.name })
  return { backends, describe: describeBackends(backends) }
}

export function describeBackends(b: Backends): BackendDescription {
  return {
    x25519: b.x25519.name,
    hkdf: b.hmacSha256.name,
    aesGcm: b.aes256Gcm.name,
    chacha20poly1305: b.chacha20poly1305.name,
    mlkem768: b.mlkem768.name,
    sha3: b.sha3Name,
    xwingKeygen: b.xwing?.keygen ? b.xwing.name : 'pq-edge',
    xwingEncaps: b.xwing?.encapsulate ? b.xwing.name : 'pq-edge',
    xwingDecaps: b.xwing?.decapsulate ? b.xwing.name : 'pq-edge',
    xwingImportedKey: b.xwing?.importSecretKey ? b.xwing.name : 'pq-edge',
  }
}

/** Memoises one selection per isolate; the first call runs it. */
export function lazySelection(select: () => Promise<SelectedBackends>): () => Promise<SelectedBackends> {
  let selected: Promise<SelectedBackends> | undefined
  return () => (selected ??= select())
}
