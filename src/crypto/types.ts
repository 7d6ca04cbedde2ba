// The primitive interfaces X-Wing and HPKE are written against. Each has pure-JS implementations
// (@noble/* in noble.ts; pq-edge-js in x25519-js.ts, aes-gcm-js.ts, sha3-js.ts, hmac-digest.ts) and,
// where WebCrypto offers it, a WebCrypto one (webcrypto.ts); select-core.ts picks one per primitive by
// probing what the runtime can actually do. All methods are async so that a
// WebCrypto backend and a synchronous one are interchangeable.
import type { MlKem } from '../mlkem/api.ts'

/** X25519 (RFC 7748 §5). Both backends reject low-order peer keys (all-zero shared secret). */
export interface X25519 {
  /** `missing`: none here (the Cloudflare entry bundles no fallback; src/runtime/cloudflare-crypto.ts). */
  readonly name: 'webcrypto' | 'node-crypto' | 'noble' | 'pq-edge-js' | 'missing'
  /** X25519(sk, 9): the public key of a 32-byte secret scalar. */
  publicKey(secretKey: Uint8Array): Promise<Uint8Array>
  /** X25519(sk, pk). Throws on a low-order pk (RFC 7748 §6.1 all-zero check). */
  sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>
  /**
   * Imports a static secret key once (a CryptoKey, or a copy of the bytes) for repeated DH.
   * `publicKey`, when the caller already holds X25519(sk, 9) from a source checked against the
   * secret (e.g. public keys built into a Fastly package), is taken as is instead of recomputed:
   * on an interpreter a scalar multiplication is milliseconds.
   */
  importSecretKey(secretKey: Uint8Array, publicKey?: Uint8Array): Promise<X25519SecretKey>
  /**
   * Optional: a fresh random key pair (an ephemeral key), where the backend makes one more cheaply
   * than importSecretKey(random bytes) does (WebCrypto: generateKey + exportKey instead of a PKCS#8
   * import + a deriveBits against u = 9).
   */
  generateKeyPair?(): Promise<X25519SecretKey>
}

export interface X25519SecretKey {
  readonly publicKey: Uint8Array
  sharedSecret(publicKey: Uint8Array): Promise<Uint8Array>
}

/** HMAC-SHA256 (RFC 2104), from which HKDF-SHA256 (RFC 5869) is built in hkdf.ts. */
export interface HmacSha256 {
  readonly name: 'webcrypto' | 'webcrypto-digest' | 'noble' | 'missing'
  /** HMAC-SHA256(key, data); key may be empty. */
  mac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>
}

/** An AEAD with its key imported once (RFC 9180 §5.2 uses one key for a whole context). */
export interface AeadKey {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>
  /** Throws on a failed tag check; never returns unauthenticated plaintext. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>
}

export interface Aead {
  readonly name: 'webcrypto' | 'noble' | 'pq-edge-js' | 'missing'
  /** Key length in bytes this AEAD takes (AES-GCM: 16 or 32; ChaCha20-Poly1305: 32). */
  importKey(key: Uint8Array): Promise<AeadKey>
}

export type MlKem768BackendName = 'pq-edge-wasm-simd' | 'pq-edge-wasm-scalar' | 'pq-edge-js'

/** ML-KEM-768 (FIPS 203), as X-Wing and HPKE use it. */
export interface MlKem768 {
  readonly name: MlKem768BackendName
  /** ML-KEM.KeyGen_internal(d, z) with seed = d ‖ z (64 bytes): expanded keys. */
  keygen(seed: Uint8Array): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }>
  /** ML-KEM.Encaps (random m) or Encaps_internal(ek, m); runs the §7.2 key check. */
  encapsulate(publicKey: Uint8Array, m?: Uint8Array): Promise<{ cipherText: Uint8Array; sharedSecret: Uint8Array }>
  /** ML-KEM.Decaps with the expanded (2400-byte) decapsulation key. */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>
  /**
   * Optional (the TypeScript core has it; the wasm cores and noble do not): KeyGen with a known
   * encapsulation key, keygen(seed).secretKey without re-creating publicKey (no ê, no t̂ = Â∘ŝ + ê).
   * Throws when publicKey's ρ is not the seed's or it fails the FIPS 203 §7.2 check, but does NOT
   * check its t̂ part against the seed: only for a publicKey already checked against the secret by
   * other means. Absent: callers run keygen and compare the whole publicKey.
   */
  expandDecapsulationKey?(seed: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>
}

/** The noble-compatible synchronous ML-KEM-768 of pq-edge/mlkem (or @noble/post-quantum), with the
 *  TypeScript core's optional KeyGen with a known encapsulation key (see MlKem768). */
export type SyncMlKem768 = Pick<MlKem, 'keygen' | 'encapsulate' | 'decapsulate'> & {
  expandDecapsulationKey?(seed: Uint8Array, publicKey: Uint8Array): Uint8Array
}

/** A natively imported X-Wing decapsulation key (a CryptoKey underneath). */
export interface XWingNativeKey {
  readonly publicKey: Uint8Array
  decapsulate(cipherText: Uint8Array): Promise<Uint8Array>
  wipe(): void
}

/**
 * A runtime's own X-Wing (draft-connolly-cfrg-xwing-kem-10), with only the operations chosen for it
 * (select-core.ts: where it is measured faster than pq-edge's X-Wing on the same runtime). Inputs
 * are validated by the caller (createXWing). Encapsulation is the random one only.
 */
export interface XWingNative {
  readonly name: 'webcrypto'
  keygen?(seed?: Uint8Array): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }>
  encapsulate?(publicKey: Uint8Array): Promise<{ cipherText: Uint8Array; sharedSecret: Uint8Array }>
  /** One-shot Decapsulate(ct, sk). */
  decapsulate?(cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>
  /** A key imported once for repeated decapsulation. Throws when a given publicKey is not the secret key's. */
  importSecretKey?(secretKey: Uint8Array, publicKey?: Uint8Array): Promise<XWingNativeKey>
}

/** Every primitive X-Wing and HPKE need, chosen once per isolate. */
export interface Backends {
  x25519: X25519
  hmacSha256: HmacSha256
  aes128Gcm: Aead
  aes256Gcm: Aead
  chacha20poly1305: Aead
  mlkem768: MlKem768
  /** FIPS 202 SHA3-256 and SHAKE256 (no runtime offers them natively): `sha3`'s, as plain functions. */
  sha3_256(data: Uint8Array): Uint8Array
  shake256(data: Uint8Array, outputBytes: number): Uint8Array
  /** Which implementation those two are. */
  sha3Name: Sha3['name']
  /** The runtime's native X-Wing, for the operations where it was chosen; absent: pq-edge's for all. */
  xwing?: XWingNative
}

/** FIPS 202 SHA3-256 and SHAKE256 (output length in bytes). */
export interface Sha3 {
  /** `pq-edge-wasm`: the ML-KEM module's Keccak; `missing`: none (src/runtime/cloudflare-crypto.ts). */
  readonly name: 'noble' | 'pq-edge-js' | 'pq-edge-wasm' | 'missing'
  sha3_256(data: Uint8Array): Uint8Array
  shake256(data: Uint8Array, outputBytes: number): Uint8Array
}

/** What /health shows: which implementation serves each primitive. */
export interface BackendDescription {
  x25519: X25519['name']
  hkdf: HmacSha256['name']
  aesGcm: Aead['name']
  chacha20poly1305: Aead['name']
  mlkem768: MlKem768BackendName
  sha3: Sha3['name']
  /** Per X-Wing operation (flat, so the description stays string-valued): the runtime's native X-Wing
   *  ('webcrypto'), or pq-edge's X-Wing built from the primitives above ('pq-edge'). */
  xwingKeygen: XWingServedBy
  xwingEncaps: XWingServedBy
  /** One-shot decapsulation from the 32-byte key. */
  xwingDecaps: XWingServedBy
  /** importSecretKey and the decapsulations with that key (what the service does). */
  xwingImportedKey: XWingServedBy
}

export type XWingServedBy = XWingNative['name'] | 'pq-edge'
