// The ML-KEM API over the TypeScript core (for engines without WebAssembly, e.g. Fastly's StarlingMonkey),
// the same as ../api.ts over the wasm core: `ml_kem512/768/1024` with keygen(seed?) / encapsulate(publicKey,
// msg?) / decapsulate(cipherText, secretKey) / lengths, the same validation and error messages.
// Module top level only builds public tables and zeroed scratch: no randomness, no secrets.
import { inputChecker, MSG_BYTES, PARAMETER_SETS, mlKemLengths, type MlKem, type MlKemSuite, type ParameterSetId, randomBytes, SEED_BYTES, SHARED_SECRET_BYTES } from '../api.ts'
import { keygen as keygenInternal, encaps, decaps } from './index.ts'

/** Which ML-KEM implementation serves requests when the TypeScript core is in use (cf. MlKemBackend for wasm). */
export interface MlKemJsBackend {
  name: 'pq-edge-js'
  /** Always 'typescript': FIPS 203 in plain JS, Keccak-f1600 on 32-bit locals (src/mlkem/js). */
  module: 'typescript'
  /** No WebAssembly involved: nothing to instantiate. */
  instantiateMs: 0
}

function parameterSet(id: ParameterSetId): MlKem {
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
    encapsulate(publicKey, msg) {
      expectBytes('publicKey', publicKey, lengths.publicKey)
      const m = msg === undefined ? randomBytes(MSG_BYTES) : expectBytes('msg', msg, MSG_BYTES)
      try {
        const cipherText = new Uint8Array(lengths.cipherText)
        const sharedSecret = new Uint8Array(SHARED_SECRET_BYTES)
        if (encaps(k, publicKey, m, cipherText, sharedSecret) !== 0) throw new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
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
      if (decaps(k, secretKey, cipherText, sharedSecret) !== 0) throw new Error(`${name}: secretKey fails the FIPS 203 §7.3 hash check (H(ek) does not match)`)
      return sharedSecret
    },
  }
}

/** The ML-KEM suite over the TypeScript core. Stateless apart from module scratch, which every op wipes. */
export function createJsMlKem(): MlKemSuite {
  return { ml_kem512: parameterSet('ml_kem512'), ml_kem768: parameterSet('ml_kem768'), ml_kem1024: parameterSet('ml_kem1024') }
}

const BACKEND: MlKemJsBackend = { name: 'pq-edge-js', module: 'typescript', instantiateMs: 0 }

/** The backend description, for /health and metrics (the wasm entries report MlKemBackend instead). */
export function getBackend(): MlKemJsBackend {
  return { ...BACKEND }
}
