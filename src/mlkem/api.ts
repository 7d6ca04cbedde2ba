// The one ML-KEM API, a drop-in for @noble/post-quantum's `ml_kem512/768/1024`: keygen(seed?) /
// encapsulate(publicKey, msg?) / decapsulate(cipherText, secretKey) / lengths, over any core that implements
// the FIPS 203 *_internal algorithms (MlKemCore): the wasm core through its adapter (wasm-core.ts, which
// copies into and out of linear memory) or the TypeScript core (js/core.ts, for engines without
// WebAssembly). This file owns what is the same for every core: the parameter table, the input checks
// (types, lengths), the randomness (crypto.getRandomValues, only inside calls), the wiping of the random
// inputs it drew, the error texts, and the imported keys (importPublicKey, importSecretKey) over the core's
// (MlKemCoreEncapsulationKey, MlKemCoreDecapsulationKey). The TypeScript core's extra, KeyGen with a known encapsulation key, is an
// extension of this API in js/core.ts (with the same checks and texts).

export interface MlKemLengths {
  publicKey: number
  secretKey: number
  cipherText: number
  /** keygen seed d ‖ z */
  seed: number
  /** encapsulation randomness m */
  msg: number
  msgRand: number
}

/** One parameter set (FIPS 203 §8 Table 2) with its byte lengths (FIPS 203 §8 Table 3). Public. */
export interface MlKemParams {
  /** e.g. 'ML-KEM-768' (error messages carry it) */
  readonly name: string
  /** the rank k: 2, 3 or 4 */
  readonly k: number
  readonly eta1: number
  readonly eta2: number
  readonly du: number
  readonly dv: number
  readonly lengths: Readonly<MlKemLengths>
}

export const SEED_BYTES = 64 // d ‖ z, FIPS 203 Alg. 19
export const MSG_BYTES = 32 // m, FIPS 203 Alg. 20
export const SHARED_SECRET_BYTES = 32

/** A parameter set from FIPS 203 §8 Table 2; the lengths follow from k, du and dv (FIPS 203 §8 Table 3). */
function params(name: string, k: number, eta1: number, du: number, dv: number): MlKemParams {
  const lengths = Object.freeze({
    publicKey: 384 * k + 32,
    secretKey: 768 * k + 96,
    cipherText: 32 * (du * k + dv),
    seed: SEED_BYTES,
    msg: MSG_BYTES,
    msgRand: MSG_BYTES,
  })
  return Object.freeze({ name, k, eta1, eta2: 2, du, dv, lengths })
}

/** The parameter table (FIPS 203 §8 Table 2): the only place the parameters are written down. */
export const PARAMETER_SETS = {
  ml_kem512: params('ML-KEM-512', 2, 3, 10, 4),
  ml_kem768: params('ML-KEM-768', 3, 2, 10, 4),
  ml_kem1024: params('ML-KEM-1024', 4, 2, 11, 5),
} as const

export type ParameterSetId = keyof typeof PARAMETER_SETS
export const PARAMETER_SET_IDS = Object.keys(PARAMETER_SETS) as ParameterSetId[]

/** Byte lengths, FIPS 203 §8 Table 3 (a fresh object the caller may keep). */
export function mlKemLengths(id: ParameterSetId): MlKemLengths {
  return { ...PARAMETER_SETS[id].lengths }
}

/**
 * What a core computes: the FIPS 203 *_internal algorithms on caller-owned byte arrays of the exact
 * lengths of `p` (the API has checked them). A core wipes its own temporaries (scratch, linear memory)
 * before returning; it never draws randomness.
 */
export interface MlKemCore {
  /** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16): seed = d ‖ z in, ek and dk out. */
  keyGenInternal(p: MlKemParams, seed: Uint8Array, ek: Uint8Array, dk: Uint8Array): void
  /** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) after the FIPS 203 §7.2 modulus check of ek: c and K
   *  out. Returns 0, or 1 when ek fails the check. */
  encapsInternal(p: MlKemParams, ek: Uint8Array, m: Uint8Array, ct: Uint8Array, ss: Uint8Array): number
  /** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) after the FIPS 203 §7.3 hash check of dk: K out (K̄ on
   *  implicit rejection). Returns 0, or 1 when dk fails the check. */
  decapsInternal(p: MlKemParams, dk: Uint8Array, ct: Uint8Array, ss: Uint8Array): number
  /** The FIPS 203 §7.2 modulus check of ek, then what ML-KEM.Encaps_internal (FIPS 203 Alg. 17) derives from ek
   *  alone (H(ek), Â) computed once into a key object the core owns. undefined when ek fails the check. */
  importEncapsulationKey(p: MlKemParams, ek: Uint8Array): MlKemCoreEncapsulationKey | undefined
  /** The FIPS 203 §7.3 hash check of dk, then Â of its ek computed once into a key object the core owns (with a
   *  copy of dk). undefined when dk fails the check. */
  importDecapsulationKey(p: MlKemParams, dk: Uint8Array): MlKemCoreDecapsulationKey | undefined
}

/** A decapsulation key imported into a core (MlKemCore.importDecapsulationKey); holds dk until wipe(). */
export interface MlKemCoreDecapsulationKey {
  /** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) for the imported dk: K (K̄ on implicit rejection) out. */
  decapsInternal(ct: Uint8Array, ss: Uint8Array): void
  /** Zeroes what the core holds for this key. */
  wipe(): void
}

/** An encapsulation key imported into a core (MlKemCore.importEncapsulationKey); public values only. */
export interface MlKemCoreEncapsulationKey {
  /** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) for the imported ek: c and K out. */
  encapsInternal(m: Uint8Array, ct: Uint8Array, ss: Uint8Array): void
  /** Zeroes what the core holds for this key. */
  wipe(): void
}

export interface MlKem {
  info: { type: 'ml-kem' }
  lengths: MlKemLengths
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array }
  encapsulate(publicKey: Uint8Array, msg?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array }
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array
  /**
   * Imports an encapsulation key for repeated encapsulation to it: the FIPS 203 §7.2 modulus check runs here,
   * once (a failing key throws), and H(ek) and the matrix Â (k² SampleNTT, FIPS 203 Alg. 14 steps 4-8) are
   * computed once and kept by the returned key, so each of its encapsulations skips them. The key holds
   * public values only (copies: later changes to `publicKey` do not affect it).
   */
  importPublicKey(publicKey: Uint8Array): MlKemPublicKey
  /**
   * Imports a decapsulation key for repeated decapsulation with it: the FIPS 203 §7.3 hash check runs here,
   * once (a failing key throws), and the matrix Â of its encapsulation key (for the re-encryption, FIPS 203
   * Alg. 18 step 10) is computed once and kept. The key holds a copy of `secretKey`: wipe() it when done.
   */
  importSecretKey(secretKey: Uint8Array): MlKemSecretKey
}

/** An imported decapsulation key (MlKem.importSecretKey). Holds secret material until wipe(). */
export interface MlKemSecretKey {
  /** ML-KEM.Decaps (FIPS 203 Alg. 21) with this key: the same result as `decapsulate(cipherText, secretKey)`. */
  decapsulate(cipherText: Uint8Array): Uint8Array
  /** Zeroes what the key holds (its dk and Â); any later use throws. */
  wipe(): void
}

/** An imported encapsulation key (MlKem.importPublicKey). */
export interface MlKemPublicKey {
  /** The encapsulation key's bytes (a copy). */
  readonly publicKey: Uint8Array
  /** ML-KEM.Encaps (FIPS 203 Alg. 20) to this key: the same result as `encapsulate(publicKey, msg)`. */
  encapsulate(msg?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array }
  /** Zeroes what the key holds (its ek, H(ek) and Â); any later use throws. */
  wipe(): void
}

export interface MlKemSuite<K extends MlKem = MlKem> {
  ml_kem512: K
  ml_kem768: K
  ml_kem1024: K
}

/** The error of an encapsulation key that fails the FIPS 203 §7.2 modulus check. */
export function ekModulusCheckError(name: string): Error {
  return new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
}

/** The error of a decapsulation key that fails the FIPS 203 §7.3 hash check. */
function dkHashCheckError(name: string): Error {
  return new Error(`${name}: secretKey fails the FIPS 203 §7.3 hash check (H(ek) does not match)`)
}

/** The length and type check of every ML-KEM input, with the parameter set's name in its errors. */
export function inputChecker(name: string) {
  return (what: string, value: unknown, length: number): Uint8Array => {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: ${what} must be a Uint8Array`)
    if (value.length !== length) throw new RangeError(`${name}: ${what} must be ${length} bytes, got ${value.length}`)
    return value
  }
}

/** Where keygen() and encapsulate() without a seed take their randomness: n fresh bytes, the caller's to wipe. */
export type RandomBytes = (n: number) => Uint8Array

/** The default source: crypto.getRandomValues, on every call. */
export const webCryptoRandomBytes: RandomBytes = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n))

function parameterSet(core: MlKemCore, id: ParameterSetId, randomBytes: RandomBytes): MlKem {
  const p = PARAMETER_SETS[id]
  const { name, lengths } = p
  const expectBytes = inputChecker(name)
  const kem: MlKem = {
    info: { type: 'ml-kem' },
    lengths: mlKemLengths(id),
    keygen(seed) {
      const dz = seed === undefined ? randomBytes(SEED_BYTES) : expectBytes('seed', seed, SEED_BYTES)
      try {
        const publicKey = new Uint8Array(lengths.publicKey)
        const secretKey = new Uint8Array(lengths.secretKey)
        core.keyGenInternal(p, dz, publicKey, secretKey)
        return { publicKey, secretKey }
      } finally {
        if (seed === undefined) dz.fill(0)
      }
    },
    encapsulate(publicKey, msg) {
      expectBytes('publicKey', publicKey, lengths.publicKey)
      const m = msg === undefined ? randomBytes(MSG_BYTES) : expectBytes('msg', msg, MSG_BYTES)
      try {
        const cipherText = new Uint8Array(lengths.cipherText)
        const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
        if (core.encapsInternal(p, publicKey, m, cipherText, sharedSecret) !== 0) throw ekModulusCheckError(name)
        return { cipherText, sharedSecret }
      } finally {
        if (msg === undefined) m.fill(0)
      }
    },
    decapsulate(cipherText, secretKey) {
      expectBytes('cipherText', cipherText, lengths.cipherText)
      expectBytes('secretKey', secretKey, lengths.secretKey)
      const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
      // A wrong but well-formed ciphertext is not an error: implicit rejection returns K̄.
      if (core.decapsInternal(p, secretKey, cipherText, sharedSecret) !== 0) throw dkHashCheckError(name)
      return sharedSecret
    },
    importPublicKey(publicKey) {
      expectBytes('publicKey', publicKey, lengths.publicKey)
      const ek = Uint8Array.from(publicKey)
      const key = core.importEncapsulationKey(p, ek)
      if (key === undefined) throw ekModulusCheckError(name)
      let wiped = false
      return {
        get publicKey() {
          if (wiped) throw new Error(`${name}: this imported publicKey was wiped`)
          return ek.slice()
        },
        encapsulate(msg) {
          if (wiped) throw new Error(`${name}: this imported publicKey was wiped`)
          const m = msg === undefined ? randomBytes(MSG_BYTES) : expectBytes('msg', msg, MSG_BYTES)
          try {
            const cipherText = new Uint8Array(lengths.cipherText)
            const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
            key.encapsInternal(m, cipherText, sharedSecret)
            return { cipherText, sharedSecret }
          } finally {
            if (msg === undefined) m.fill(0)
          }
        },
        wipe() {
          wiped = true
          key.wipe()
          ek.fill(0)
        },
      }
    },
    importSecretKey(secretKey) {
      expectBytes('secretKey', secretKey, lengths.secretKey)
      const key = core.importDecapsulationKey(p, secretKey)
      if (key === undefined) throw dkHashCheckError(name)
      let wiped = false
      return {
        decapsulate(cipherText) {
          if (wiped) throw new Error(`${name}: this imported secretKey was wiped`)
          expectBytes('cipherText', cipherText, lengths.cipherText)
          const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
          key.decapsInternal(cipherText, sharedSecret) // implicit rejection: K̄ for a wrong ciphertext
          return sharedSecret
        },
        wipe() {
          wiped = true
          key.wipe()
        },
      }
    },
  }
  return kem
}

/** The ML-KEM suite over a core. */
export function createMlKem(core: MlKemCore, randomBytes: RandomBytes = webCryptoRandomBytes): MlKemSuite {
  return {
    ml_kem512: parameterSet(core, 'ml_kem512', randomBytes),
    ml_kem768: parameterSet(core, 'ml_kem768', randomBytes),
    ml_kem1024: parameterSet(core, 'ml_kem1024', randomBytes),
  }
}
