// The TypeScript core (for engines without WebAssembly, e.g. Fastly's StarlingMonkey) as an MlKemCore
// (../api.ts), so that createJsMlKem() is the one ML-KEM API over it, extended with KeyGen with a known
// encapsulation key (same input checks and error texts, from ../api.ts); plus priming of its public caches
// and its backend description. Module top level only builds public
// tables and zeroed scratch: no randomness, no secrets.
import {
  createMlKem,
  ekModulusCheckError,
  inputChecker,
  type MlKem,
  type MlKemCore,
  type MlKemSuite,
  PARAMETER_SETS,
  type ParameterSetId,
  SEED_BYTES,
} from '../api.ts'
import { ekEntry, ekTHat, expandMatrix, pinEntries } from './cache.ts'
import { checkEncapsulationKey } from './encoding.ts'
import {
  decapsInternal,
  encapsInternal,
  expandDecapsulationKey,
  importDecapsulationKey,
  importEncapsulationKey,
  keyGenInternal,
  wipeScratch,
} from './internal.ts'
import { loadWords } from './kpke.ts'

/** Which ML-KEM implementation serves requests when the TypeScript core is in use (cf. MlKemBackend for wasm). */
export interface MlKemJsBackend {
  name: 'pq-edge-js'
  /** Always 'typescript': FIPS 203 in plain JS, Keccak-f1600 on 32-bit locals (src/mlkem/js). */
  module: 'typescript'
  /** No WebAssembly involved: nothing to instantiate. */
  instantiateMs: 0
}

/** The TypeScript core: FIPS 203 *_internal on caller-owned arrays (internal.ts), every op wiping all scratch. */
export const jsCore: MlKemCore = { keyGenInternal, encapsInternal, decapsInternal, importEncapsulationKey, importDecapsulationKey }

/** ML-KEM over the TypeScript core: the common API plus KeyGen with a known encapsulation key. */
export interface MlKemKnownEk extends MlKem {
  /**
   * KeyGen with a known encapsulation key: the decapsulation key (secretKey) that keygen(seed) returns,
   * for a seed d ‖ z whose encapsulation key `publicKey` is already known, without re-creating it: only
   * (ρ, σ) ← G(d‖k) and ŝ from σ are computed (FIPS 203 Alg. 13 steps 1, 8-11, 16, 20), then
   * dk = ByteEncode12(ŝ) ‖ ek ‖ H(ek) ‖ z (FIPS 203 Alg. 16 step 3; H(ek) cached for a primed key).
   * Byte-identical to keygen(seed).secretKey when publicKey is keygen(seed).publicKey.
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

/** Adds expandDecapsulationKey (internal.ts) to the common API of one parameter set. */
function withKnownEk(kem: MlKem, id: ParameterSetId): MlKemKnownEk {
  const p = PARAMETER_SETS[id]
  const expectBytes = inputChecker(p.name)
  return {
    ...kem,
    expandDecapsulationKey(seed, publicKey) {
      expectBytes('seed', seed, SEED_BYTES)
      expectBytes('publicKey', publicKey, p.lengths.publicKey)
      const secretKey = new Uint8Array(p.lengths.secretKey)
      const status = expandDecapsulationKey(p, seed, publicKey, secretKey)
      if (status === 1) throw ekModulusCheckError(p.name)
      if (status !== 0) throw new Error(`${p.name}: publicKey does not belong to this seed (its ρ differs from the ρ of G(d‖k))`)
      return secretKey
    },
  }
}

/** The ML-KEM suite over the TypeScript core, with expandDecapsulationKey. Stateless apart from module scratch,
 *  which every op wipes, and the public caches (cache.ts). */
export function createJsMlKem(): MlKemSuite<MlKemKnownEk> {
  const { ml_kem512, ml_kem768, ml_kem1024 } = createMlKem(jsCore)
  return {
    ml_kem512: withKnownEk(ml_kem512, 'ml_kem512'),
    ml_kem768: withKnownEk(ml_kem768, 'ml_kem768'),
    ml_kem1024: withKnownEk(ml_kem1024, 'ml_kem1024'),
  }
}

/** The parameter set of an encapsulation key, from its length (FIPS 203 §8 Table 3: 384k + 32 bytes). */
const PARAMETER_SET_OF_EK_LENGTH: Record<number, ParameterSetId> = Object.fromEntries(
  (Object.keys(PARAMETER_SETS) as ParameterSetId[]).map((id) => [PARAMETER_SETS[id].lengths.publicKey, id]),
)

/**
 * Fills the TypeScript core's public caches from an ML-KEM **public** (encapsulation) key: its matrix Â
 * (k² SampleNTT), H(ek) (SHA3-256 of the key), the decoded t̂ and the FIPS 203 §7.2 check result. Meant for the
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
  const p = PARAMETER_SETS[id]
  const { k } = p
  if (!checkEncapsulationKey(p, publicKey)) throw ekModulusCheckError(p.name)
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
