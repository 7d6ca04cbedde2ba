// pq-edge/mlkem for browsers (and other runtimes where compiling wasm synchronously is not allowed):
// `await init()` once, then use the API synchronously. init() is idempotent; calls made before it
// resolves throw a clear error. The .wasm files are fetched relative to this module.
import type { Sha3 } from '../crypto/types.ts'
import { type MlKem, type MlKemSuite, mlKemLengths, PARAMETER_SET_IDS, type ParameterSetId } from './api.ts'
import { instantiateMlKem, type MlKemBackend, type MlKemModuleKind, selectModuleKind } from './instantiate.ts'

export type { MlKem, MlKemLengths, MlKemSuite } from './api.ts'
export type { MlKemBackend } from './instantiate.ts'

const FILES: Record<MlKemModuleKind, string> = { simd: 'mlkem-simd.wasm', scalar: 'mlkem.wasm' }

let loaded: (MlKemSuite & { backend: MlKemBackend; sha3: Sha3 }) | undefined
let loading: Promise<void> | undefined

export function init(): Promise<void> {
  loading ??= (async () => {
    const kind = selectModuleKind()
    const module = await WebAssembly.compileStreaming(fetch(new URL(`./wasm/${FILES[kind]}`, import.meta.url)))
    loaded = instantiateMlKem(module, kind)
  })()
  return loading
}

function ready(): MlKemSuite & { backend: MlKemBackend; sha3: Sha3 } {
  if (!loaded) throw new Error('pq-edge/mlkem: call `await init()` before using ML-KEM in this runtime')
  return loaded
}

function deferred(id: ParameterSetId): MlKem {
  return {
    info: { type: 'ml-kem' },
    lengths: mlKemLengths(id),
    keygen: (seed) => ready()[id].keygen(seed),
    encapsulate: (publicKey, msg) => ready()[id].encapsulate(publicKey, msg),
    decapsulate: (cipherText, secretKey) => ready()[id].decapsulate(cipherText, secretKey),
    importPublicKey: (publicKey) => ready()[id].importPublicKey(publicKey),
    importSecretKey: (secretKey) => ready()[id].importSecretKey(secretKey),
  }
}

export const [ml_kem512, ml_kem768, ml_kem1024] = PARAMETER_SET_IDS.map(deferred) as [MlKem, MlKem, MlKem]
/** Which module runs; undefined until init() resolves. */
export function getBackend(): MlKemBackend | undefined {
  return loaded?.backend
}
/** SHA3-256 and SHAKE256 on the module's Keccak (pq-edge/xwing and /hpke take SHA-3 from here); undefined until
 *  init() resolves. */
export function getSha3(): Sha3 | undefined {
  return loaded?.sha3
}
