// Chooses every primitive's implementation once per isolate, by capability (never by runtime
// name): a WebCrypto operation is used where a probe with fixed public inputs succeeded, the
// @noble/* implementation where it did not. Call selectBackends() lazily (inside a request or on
// first use), never at module top level: Fastly runs top level at build time.
import { mlKem768FromSync, nobleAes128Gcm, nobleAes256Gcm, nobleChacha20Poly1305, nobleHmacSha256, nobleX25519, sha3_256, shake256 } from './noble.ts'
import type { BackendDescription, Backends, MlKem768BackendName, SyncMlKem768 } from './types.ts'
import { probeWebCrypto, webCryptoAes128Gcm, webCryptoAes256Gcm, webCryptoHmacSha256, webCryptoMlKem768, webCryptoX25519 } from './webcrypto.ts'
import { jsX25519 } from './x25519-js.ts'

export type { BackendDescription, Backends } from './types.ts'

/** The ML-KEM suite of pq-edge/mlkem for this runtime (its ml_kem768 and getBackend()). */
export interface MlKemSource {
  ml_kem768: SyncMlKem768
  getBackend(): { module: 'simd' | 'scalar' | 'typescript' } | undefined
}

/** The backend name an ML-KEM source reports: its wasm build, or the TypeScript core (no WebAssembly). */
function mlKemSourceName(mlkem: MlKemSource): MlKem768BackendName {
  const module = mlkem.getBackend()?.module
  return module === 'typescript' ? 'pq-edge-js' : module === 'scalar' ? 'pq-edge-wasm-scalar' : 'pq-edge-wasm-simd'
}

export interface SelectOptions {
  /**
   * Use workerd's native WebCrypto ML-KEM-768 for random encapsulation where it is offered.
   * Default false, from the bench (npm run bench, workerd, 2026-11): pq-edge SIMD ≈ 40/30/35 µs
   * keygen/encaps/decaps vs native ≈ 105/70/25 µs (native encaps includes importKey of the
   * encapsulation key; native decaps needs a key object imported from the 64-byte seed, and X-Wing
   * and HPKE hold expanded keys). The wasm core therefore wins keygen and encaps from bytes, and
   * native's only win (decaps, by ≈10 µs, with a key object ready) is not reachable from an
   * expanded key. Rule: native only where crypto.subtle offers it AND a bench on that runtime
   * shows it faster for the operation it would take over; pass true only with such a measurement.
   */
  nativeMlKemFaster?: boolean
}

export interface SelectedBackends {
  backends: Backends
  /** Plain JSON for /health: which implementation serves each primitive. */
  describe: BackendDescription
}

export async function selectBackends(mlkem: MlKemSource, options: SelectOptions = {}): Promise<SelectedBackends> {
  const [x25519, hmac, aesGcm, mlKem768] = await Promise.all([
    probeWebCrypto.x25519(),
    probeWebCrypto.hmacSha256(),
    probeWebCrypto.aesGcm(),
    options.nativeMlKemFaster ? probeWebCrypto.mlKem768() : Promise.resolve(false),
  ])
  const wasm = mlKem768FromSync(mlkem.ml_kem768, mlKemSourceName(mlkem))
  const backends: Backends = {
    // No WebCrypto X25519 (Fastly): pq-edge-js, faster than noble there. js-compute (StarlingMonkey), one run of
    // `npx node scripts/fastly-crypto-bench.ts 15`, medians: publicKey 1.8 vs 5.5 ms (3.0×), sharedSecret
    // 4.5 vs 10 ms (2.2×); three scalar multiplications per establishment 10.8 vs 25.5 ms.
    x25519: x25519 ? webCryptoX25519 : jsX25519,
    hmacSha256: hmac ? webCryptoHmacSha256 : nobleHmacSha256,
    aes128Gcm: aesGcm ? webCryptoAes128Gcm : nobleAes128Gcm,
    aes256Gcm: aesGcm ? webCryptoAes256Gcm : nobleAes256Gcm,
    chacha20poly1305: nobleChacha20Poly1305,
    mlkem768: mlKem768 ? webCryptoMlKem768(wasm) : wasm,
    sha3_256,
    shake256,
  }
  return { backends, describe: describeBackends(backends) }
}

/** All-noble backends with the given ML-KEM (for tests, and runtimes with no usable WebCrypto). */
export function nobleBackends(mlkem: MlKemSource): Backends {
  const name = mlKemSourceName(mlkem)
  return {
    x25519: nobleX25519,
    hmacSha256: nobleHmacSha256,
    aes128Gcm: nobleAes128Gcm,
    aes256Gcm: nobleAes256Gcm,
    chacha20poly1305: nobleChacha20Poly1305,
    mlkem768: mlKem768FromSync(mlkem.ml_kem768, name),
    sha3_256,
    shake256,
  }
}

export function describeBackends(b: Backends): BackendDescription {
  return {
    x25519: b.x25519.name,
    hkdf: b.hmacSha256.name,
    aesGcm: b.aes256Gcm.name,
    chacha20poly1305: 'noble',
    mlkem768: b.mlkem768.name,
    sha3: 'noble',
  }
}

/** Memoises one selection per isolate; the first call runs the probes. */
export function lazyBackends(mlkem: MlKemSource, options?: SelectOptions): () => Promise<SelectedBackends> {
  let selected: Promise<SelectedBackends> | undefined
  return () => (selected ??= selectBackends(mlkem, options))
}
