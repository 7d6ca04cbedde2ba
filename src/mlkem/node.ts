// pq-edge/mlkem for Node: reads and compiles the module synchronously at import (a few KiB
// compile in well under a millisecond), so no set-up call is needed.
import { readFileSync } from 'node:fs'
import { pooledRandomBytes } from '../crypto/node-random.ts'
import type { Sha3 } from '../crypto/types.ts'
import { instantiateMlKem, type MlKemBackend, type MlKemModuleKind, selectModuleKind } from './instantiate.ts'

export type { MlKem, MlKemLengths, MlKemSuite } from './api.ts'
export type { MlKemBackend } from './instantiate.ts'

const FILES: Record<MlKemModuleKind, string> = { simd: 'mlkem-simd.wasm', scalar: 'mlkem.wasm' }

/** Compiles one of the shipped modules (exported for tests and benchmarks that run both). */
export function compileMlKemModule(kind: MlKemModuleKind): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL(`./wasm/${FILES[kind]}`, import.meta.url)))
}

const kind = selectModuleKind()
// Randomness from node:crypto in 4 KiB draws (crypto/node-random.ts): a third of keygen's time otherwise.
const suite = instantiateMlKem(compileMlKemModule(kind), kind, pooledRandomBytes())

export const { ml_kem512, ml_kem768, ml_kem1024 } = suite
/** SHA3-256 and SHAKE256 on the module's Keccak (pq-edge/xwing and /hpke take SHA-3 from here). */
export function getSha3(): Sha3 {
  return suite.sha3
}
/** Which module runs, and its pinned SHA-256. */
export function getBackend(): MlKemBackend {
  return suite.backend
}
/** Nothing to do in Node; exists so code written for browsers runs unchanged. */
export async function init(): Promise<void> {}
