// Crypto capability detection, shared by every runtime. Backends are chosen by what the runtime
// can actually do, never by its name: each probe runs one real operation on fixed public inputs
// and reports whether it worked. Probes use randomness (key generation), so they run on the first
// request, never at module top level (Fastly runs top level at build time and freezes the result).
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
    /** Native ML-KEM-768 (workerd with the `webcrypto_modern_algorithms` flag). */
    mlKem768: boolean
  }
}

// ML-KEM-768 encapsulation key length (FIPS 203, Table 3: 384·k + 32 with k = 3). All-zero bytes
// are a valid key: every coefficient (0) is below q, so the §7.2 modulus check passes.
const MLKEM768_PUBLIC_KEY_BYTES = 1184

async function succeeds(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe()
    return true
  } catch {
    return false
  }
}

async function probeX25519(subtle: SubtleCrypto): Promise<void> {
  const pair = (await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair
  await subtle.deriveBits({ name: 'X25519', public: pair.publicKey } as EcdhKeyDeriveParams, pair.privateKey, 256)
}

async function probeHkdf(subtle: SubtleCrypto): Promise<void> {
  const key = await subtle.importKey('raw', new Uint8Array(32), 'HKDF', false, ['deriveBits'])
  await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new Uint8Array(0) }, key, 256)
}

async function probeAesGcm(subtle: SubtleCrypto): Promise<void> {
  const key = await subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt'])
  await subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, new Uint8Array(16))
}

// ML-KEM is newer than the WebCrypto types in @cloudflare/workers-types, hence the narrow cast.
interface KemSubtle {
  importKey(format: 'raw-public', key: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<CryptoKey>
  encapsulateBits(alg: { name: string }, key: CryptoKey): Promise<{ sharedKey: ArrayBuffer; ciphertext: ArrayBuffer }>
}

async function probeMlKem768(subtle: SubtleCrypto): Promise<void> {
  const kem = subtle as unknown as KemSubtle
  const alg = { name: 'ML-KEM-768' }
  const key = await kem.importKey('raw-public', new Uint8Array(MLKEM768_PUBLIC_KEY_BYTES), alg, false, ['encapsulateBits'])
  await kem.encapsulateBits(alg, key)
}

/** Runs every probe once; callers memoise the result per isolate. */
export async function detectCryptoCapabilities(): Promise<CryptoCapabilities> {
  const subtle = globalThis.crypto?.subtle
  const probe = (fn: (s: SubtleCrypto) => Promise<void>) => (subtle ? succeeds(() => fn(subtle)) : Promise.resolve(false))
  const [x25519, hkdf, aesGcm, mlKem768] = await Promise.all([
    probe(probeX25519),
    probe(probeHkdf),
    probe(probeAesGcm),
    probe(probeMlKem768),
  ])
  return {
    webAssembly: typeof WebAssembly === 'object',
    wasmSimd: wasmSimdSupported(),
    webCrypto: { x25519, hkdf, aesGcm, mlKem768 },
  }
}
