// pq-edge/mlkem for workerd (Cloudflare Workers): workerd compiles WebAssembly only from imported
// .wasm modules, which wrangler turns into WebAssembly.Module objects. Synchronous, no set-up call.
// Only the SIMD build is imported: every workerd runs wasm SIMD (V8 has had it since 9.1), so the scalar
// build would be 10 KiB of upload that workerd decodes on every cold start and never runs.
import type { Sha3 } from '../crypto/types.ts'
import { instantiateMlKem, type MlKemBackend } from './instantiate.ts'
import simd from './wasm/mlkem-simd.wasm'

export type { MlKem, MlKemLengths, MlKemSuite } from './api.ts'
export type { MlKemBackend } from './instantiate.ts'

// Instantiating is deterministic and touches no secret, so it may happen at module top level.
const suite = instantiateMlKem(simd, 'simd')

export const { ml_kem512, ml_kem768, ml_kem1024 } = suite
/** SHA3-256 and SHAKE256 on the module's Keccak (pq-edge/xwing and /hpke take SHA-3 from here). */
export function getSha3(): Sha3 {
  return suite.sha3
}
/** Which module runs, and its pinned SHA-256. */
export function getBackend(): MlKemBackend {
  return suite.backend
}
/** Nothing to do here; exists so code written for browsers runs unchanged. */
export async function init(): Promise<void> {}
