// Shared by the ML-KEM tests that run in Node: both shipped builds and the TypeScript core. The
// conformance vectors come from test/support/vectors.ts.
import { createMlKem, type MlKemSuite } from '../../src/mlkem/api.ts'
import type { MlKemModuleKind } from '../../src/mlkem/instantiate.ts'
import { createJsMlKem } from '../../src/mlkem/js/core.ts'
import { compileMlKemModule } from '../../src/mlkem/node.ts'
import { type MlKemWasmExports, wasmCore } from '../../src/mlkem/wasm-core.ts'

export const BUILD_KINDS: MlKemModuleKind[] = ['scalar', 'simd']

/** A fresh instance of one build, with its raw exports (for memory inspection). */
export function loadBuild(kind: MlKemModuleKind): { exports: MlKemWasmExports; kem: MlKemSuite } {
  const exports = new WebAssembly.Instance(compileMlKemModule(kind), {}).exports as unknown as MlKemWasmExports
  return { exports, kem: createMlKem(wasmCore(exports)) }
}

/** Every ML-KEM core the API-level suites run on: both wasm builds and the TypeScript core (src/mlkem/js). */
export type KemKind = MlKemModuleKind | 'js'
export const KEM_KINDS: KemKind[] = [...BUILD_KINDS, 'js']

/** The suite of one core (a fresh wasm instance, or the TypeScript core). */
export function loadKem(kind: KemKind): MlKemSuite {
  return kind === 'js' ? createJsMlKem() : loadBuild(kind).kem
}

/** ACVP / Wycheproof parameter-set names to this API's names. */
export const SETS = { 'ML-KEM-512': 'ml_kem512', 'ML-KEM-768': 'ml_kem768', 'ML-KEM-1024': 'ml_kem1024' } as const
export type SetName = keyof typeof SETS

export { toHex } from '../support/accumulated.ts'
export const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
export { readVector, readVectorJson } from '../support/vectors.ts'
