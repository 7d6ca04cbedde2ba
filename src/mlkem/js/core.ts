// The ML-KEM API over the TypeScript core (for engines without WebAssembly, e.g. Fastly's StarlingMonkey),
// the same as ../api.ts over the wasm core: `ml_kem512/768/1024` with keygen(seed?) / encapsulate(publicKey,
// msg?) / decapsulate(cipherText, secretKey) / lengths, the same validation and error messages.
// Module top level only builds public tables and zeroed scratch: no randomness, no secrets.
import {
  inputChecker,
  type MlKem,
  MSG_BYTES,
  mlKemLengths,
  PARAMETER_SETS,
  type ParameterSetId,
  randomBytes,
  SEED_BYTES,
  SHARED_SECRET_BYTES,
} from '../api.ts'
import { ekEntry, ekTHat, expandMatrix, pinEntries } from './cache.ts'
import {
  checkEncapsulationKey,
  decaps,
  ekLength,
  encaps,
  expandDecapsulationKey as expandDkInternal,
  keygen as keygenInternal,
  wipeScratch,
} from './index.ts'
import { loadWords } from './kpke.ts'

/** Which ML-KEM implementation serves requests when the TypeScript core is in use (cf. MlKemBackend for wasm). */
export interface MlKemJsBackend {
  name: 'pq-edge-js'
  /** Always 'typescript': FIPS 203 in plain JS, Keccak-f1600 on 32-bit locals (src/mlkem/js). */
  module: 'typescript'
  /** No WebAssembly involved: nothing to instantiate. */
  instantiateMs: 0
}

/** ML-KEM over the TypeScript core: the common API plus KeyGen with a known encapsulation key. */
export interface MlKemJs extends MlKem {
  /**
   * KeyGen with a known encapsulation key: the decapsulation key (secretKey) that keygen(seed) returns,
   * for a seed d ‖ z whose encapsulation key `publicKey` is already known, without re-creating it: only
   * (ρ, σ) ← G(d‖k) and ŝ from σ are computed (FIPS 203 Alg. 13 steps 1, 8-11, 16, 20), then
   * dk = ByteEncode12(ŝ) ‖ ek ‖ H(ek) ‖ z (Alg. 16 step 3; H(ek) cached for a primed key). Byte-identical
   * to keygen(seed).secretKey when publicKey is keygen(seed).publicKey.
   *
   * Checks: lengths and types; publicKey passes the FIPS 203 §7.2 modulus check; the ρ derived from d
   * equals publicKey's ρ (a mismatch throws). t̂ is NOT recomputed, so publicKey's t̂ part is not checked
   * against the seed: an altered one yields a secretKey embedding it (every decapsulation then returns
   * the implicit-rejection key). Use this only with a publicKey already checked against the secret by
   * other means (pq-edge's service: a check value derived from the same secret); otherwise keygen and
   * compare.
   */
  expandDecapsulationKey(seed: Uint8Array, publicKey: Uint8Array): Uint8Array
}

/** The suite over the TypeScript core (assignable to MlKemSuite). */
export interface MlKemJsSuite {
  ml_kem512: MlKemJs
  ml_kem768: MlKemJs
  ml_kem1024: MlKemJs
}

function parameterSet(id: ParameterSetId): MlKemJs {
  const { name, k } = PARAMETER_SETS[id]
  const lengths = mlKemLengths(id)
  const expectBytes = inputChecker(name)
  return {
    info: { type: 'ml-kem' },
    lengths,
    keygen(seed) {
      const dz = seed === undefined ? randomBytes(SEED_BYTES) : expectBytes('seed', seed, SEED_BYTES)
      try {
        const publicKey = new Uint8Array(lengths.publicKey)
        const secretKey = new Uint8Array(lengths.secretKey)
        keygenInternal(k, dz, publicKey, secretKey)
        return { publicKey, secretKey }
      } finally {
        if (seed === undefined) dz.fill(0)
      }
    },
    expandDecapsulationKey(seed, publicKey) {
      expectBytes('seed', seed, SEED_BYTES)
      expectBytes('publicKey', publicKey, lengths.publicKey)
      const secretKey = new Uint8Array(lengths.secretKey)
      const status = expandDkInternal(k, seed, publicKey, secretKey)
      if (status === 1) throw new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
      if (status !== 0) throw new Error(`${name}: publicKey does not belong to this seed (its ρ differs from the ρ of G(d‖k))`)
      return secretKey
    },
    encapsulate(publicKey, msg) {
      expectBytes('publicKey', publicKey, lengths.publicKey)
      const m = msg === undefined ? randomBytes(MSG_BYTES) : expectBytes('msg', msg, MSG_BYTES)
      try {
        const cipherText = new Uint8Array(lengths.cipherText)
        const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
        if (encaps(k, publicKey, m, cipherText, sharedSecret) !== 0)
          throw new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
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
      if (decaps(k, secretKey, cipherText, sharedSecret) !== 0)
        throw new Error(`${name}: secretKey fails the FIPS 203 §7.3 hash check (H(ek) does not match)`)
      return sharedSecret
    },
  }
}

/** The ML-KEM suite over the TypeScript core. Stateless apart from module scratch, which every op wipes. */
export function createJsMlKem(): MlKemJsSuite {
  return { ml_kem512: parameterSet('ml_kem512'), ml_kem768: parameterSet('ml_kem768'), ml_kem1024: parameterSet('ml_kem1024') }
}

/** The parameter set of an encapsulation key, from its length (FIPS 203 §8 Table 3: 384k + 32 bytes). */
const PARAMETER_SET_OF_EK_LENGTH: Record<number, ParameterSetId> = Object.fromEntries(
  (Object.keys(PARAMETER_SETS) as ParameterSetId[]).map((id) => [ekLength(PARAMETER_SETS[id].k), id]),
)

/**
 * Fills the TypeScript core's public caches from an ML-KEM **public** (encapsulation) key: its matrix Â
 * (k² SampleNTT), H(ek) (SHA3-256 of the key), the decoded t̂ and the §7.2 check result. Meant for the
 * module top level, which Fastly Compute runs at build time: the values are frozen into the binary, so
 * every request's encapsulation to this key, decapsulation with its secret key, and re-derivation of the
 * secret key from its seed (keygen) skip that work. The entries are pinned: other keys never evict them
 * (up to MAX_PINNED = 4 primed keys, see cache.ts; priming more unpins the least recently used).
 *
 * For public keys only: everything cached is a function of the public key, and that is all this reads.
 * Never pass secret material (a secret key or seed) here. Returns the key's parameter set; throws a
 * RangeError for a length that is no ML-KEM public key and an Error when the key fails the FIPS 203 §7.2
 * modulus check (nothing is cached then).
 */
export function primeMlKemPublicKey(publicKey: Uint8Array): ParameterSetId {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('primeMlKemPublicKey: publicKey must be a Uint8Array')
  const id = PARAMETER_SET_OF_EK_LENGTH[publicKey.length]
  if (id === undefined) throw new RangeError(`primeMlKemPublicKey: publicKey must be 800, 1184 or 1568 bytes, got ${publicKey.length}`)
  const { name, k } = PARAMETER_SETS[id]
  if (!checkEncapsulationKey(k, publicKey))
    throw new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
  const rho = new Int32Array(8) // ρ = ek[384k:], public
  loadWords(rho, publicKey, 384 * k)
  try {
    const e = ekEntry(publicKey, 0, publicKey.length)
    e.valid = 1
    ekTHat(e, k)
    expandMatrix(rho, k)
    pinEntries(e, rho, k)
  } finally {
    wipeScratch() // the Keccak state of the hashing and sampling (public here, but scratch is left zero)
  }
  return id
}

const BACKEND: MlKemJsBackend = { name: 'pq-edge-js', module: 'typescript', instantiateMs: 0 }

/** The backend description, for /health and metrics (the wasm entries report MlKemBackend instead). */
export function getBackend(): MlKemJsBackend {
  return { ...BACKEND }
}
