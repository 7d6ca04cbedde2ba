// Crypto capability detection for /health, shared by every runtime: what the runtime can actually
// do, never judged by its name. Each WebCrypto probe runs one real operation on fixed public inputs
// and reports whether it worked. The native ML-KEM probe's encapsulation draws randomness, so the
// probes run on the first request that needs them, never at module top level (Fastly runs top level
// at build time and freezes the result).
import { probeWebCrypto } from './crypto/webcrypto.ts'
import { probeWebCryptoXWing } from './crypto/webcrypto-xwing.ts'
import { wasmSimdSupported } from './mlkem/simd.ts'

export interface CryptoCapabilities {
  /** A `WebAssembly` global exists (absent on Fastly Compute). */
  webAssembly: boolean
  /** The engine validates a module that uses simd128 instructions. */
  wasmSimd: boolean
  webCrypto: {
    x25519: boolean
    hkdf: boolean
    aesGcm: boolean
    /** ChaCha20-Poly1305 (workerd with `webcrypto_modern_algorithms`); used where present. */
    chacha20poly1305: boolean
    /** Native ML-KEM-768 (workerd with the `webcrypto_modern_algorithms` flag); reported, not used. */
    mlKem768: boolean
    /** Native X-Wing, `MLKEM768-X25519` (same flag); used for the operations where it measured faster
     *  (crypto/select-core.ts; /health's `backends.xwing*` say which). */
    xwing: boolean
  }
}

async function probeHkdf(): Promise<boolean> {
  try {
    const subtle = globalThis.crypto.subtle
    const key = await subtle.importKey('raw', new Uint8Array(32), 'HKDF', false, ['deriveBits'])
    await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new Uint8Array(0) }, key, 256)
    return true
  } catch {
    return false
  }
}

/** Runs every probe once; callers memoise the result per isolate. */
export async function detectCryptoCapabilities(): Promise<CryptoCapabilities> {
  // The X25519, AES-GCM and ChaCha20-Poly1305 probes are the ones the backend selection uses (crypto/select-core.ts); the
  // native ML-KEM-768 one is reported only: the wasm and TypeScript cores serve ML-KEM everywhere.
  const [x25519, hkdf, aesGcm, chacha20poly1305, mlKem768, xwing] = await Promise.all([
    probeWebCrypto.x25519(),
    probeHkdf(),
    probeWebCrypto.aesGcm(),
    probeWebCrypto.chacha20poly1305(),
    probeWebCrypto.mlKem768(),
    probeWebCryptoXWing(),
  ])
  return {
    webAssembly: typeof WebAssembly === 'object',
    wasmSimd: wasmSimdSupported(),
    webCrypto: { x25519, hkdf, aesGcm, chacha20poly1305, mlKem768, xwing },
  }
}
