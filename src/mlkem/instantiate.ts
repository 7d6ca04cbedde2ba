// Instantiates the ML-KEM core from a compiled module. Shared by every loader; the loaders differ only
// in how they obtain the WebAssembly.Module and which builds they offer (selectModuleKind: the simd128
// build where the engine validates SIMD, the scalar build otherwise; workerd always has SIMD).

import type { Sha3 } from '../crypto/types.ts'
import { createMlKem, type MlKemSuite, type RandomBytes, webCryptoRandomBytes } from './api.ts'
import { wasmSimdSupported } from './simd.ts'
import manifest from './wasm/manifest.json' with { type: 'json' }
import { type MlKemWasmExports, wasmCore, wasmSha3 } from './wasm-core.ts'

export type MlKemModuleKind = 'simd' | 'scalar'

/** Which module runs, its pinned SHA-256 and size, and what it cost to start (reported by /health and the metrics). */
export interface MlKemBackend {
  name: 'pq-edge-wasm'
  module: MlKemModuleKind
  /** The module file, e.g. `mlkem-simd.wasm`. */
  file: string
  sha256: string
  bytes: number
  /** Milliseconds to instantiate it (the module's start function builds its tables): its cold start. */
  instantiateMs: number
}

const MANIFEST_ENTRY: Record<MlKemModuleKind, keyof typeof manifest.modules> = { simd: 'mlkem-simd.wasm', scalar: 'mlkem.wasm' }

/** Instantiates one module kind (tests use this to run both builds). */
export function instantiateMlKem(
  module: WebAssembly.Module,
  kind: MlKemModuleKind,
  randomBytes: RandomBytes = webCryptoRandomBytes,
): MlKemSuite & { backend: MlKemBackend; sha3: Sha3 } {
  // The module imports nothing: no host calls, no clock, no randomness (JS passes seeds in).
  const started = performance.now()
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as MlKemWasmExports
  const instantiateMs = performance.now() - started
  const file = MANIFEST_ENTRY[kind]
  const { sha256, bytes } = manifest.modules[file]
  const backend: MlKemBackend = { name: 'pq-edge-wasm', module: kind, file, sha256, bytes, instantiateMs }
  return { ...createMlKem(wasmCore(exports), randomBytes), backend, sha3: wasmSha3(exports) }
}

export function selectModuleKind(): MlKemModuleKind {
  return wasmSimdSupported() ? 'simd' : 'scalar'
}
