// The wasm core as an MlKemCore (api.ts): copies the inputs into the module's I/O region, calls an export,
// copies the outputs into the caller's arrays and wipes linear memory. This file never instantiates the
// module (each runtime loads wasm its own way: see node.ts, workerd.ts, browser.ts); it takes the
// instance's exports.
import type { MlKemCore } from './api.ts'

/** Exports of mlkem.wasm and mlkem-simd.wasm (one interface; see assembly/internal.ts). */
export interface MlKemWasmExports {
  memory: WebAssembly.Memory
  /** Start of the I/O region; the OFF_* globals are offsets from it. */
  ioBase(): number
  OFF_SEED: WebAssembly.Global
  OFF_MSG: WebAssembly.Global
  OFF_SS: WebAssembly.Global
  OFF_EK: WebAssembly.Global
  OFF_DK: WebAssembly.Global
  OFF_CT: WebAssembly.Global
  /** H(ek) and Âᵀ of an imported encapsulation key (importEncapsulationKey, encapsInternalImported). */
  OFF_HEK: WebAssembly.Global
  OFF_MAT: WebAssembly.Global
  /** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16) for rank k: seed in, ek and dk out. */
  keyGenInternal(k: number, eta1: number): void
  /** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17): 0, or 1 when ek fails the FIPS 203 §7.2 modulus check. */
  encapsInternal(k: number, eta1: number, eta2: number, du: number, dv: number): number
  /** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18): 0, or 1 when dk fails the FIPS 203 §7.3 hash check. */
  decapsInternal(k: number, eta1: number, eta2: number, du: number, dv: number): number
  /** The FIPS 203 §7.2 check of ek, then H(ek) and Âᵀ out (FIPS 203 Alg. 17 step 1, FIPS 203 Alg. 14 steps 4-8): 0, or 1
   *  when ek fails the check. */
  importEncapsulationKey(k: number): number
  /** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) with ek's H(ek) and Âᵀ from importEncapsulationKey as inputs. */
  encapsInternalImported(k: number, eta1: number, eta2: number, du: number, dv: number): void
  /** The FIPS 203 §7.3 check of dk, then Âᵀ of its ek out: 0, or 1 when dk fails the check. */
  importDecapsulationKey(k: number): number
  /** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) with dk's Âᵀ from importDecapsulationKey as an input. */
  decapsInternalImported(k: number, eta1: number, eta2: number, du: number, dv: number): void
  /** Zeroes the I/O region and all scratch. */
  wipe(): void
}

export function wasmCore(wasm: MlKemWasmExports): MlKemCore {
  const base = wasm.ioBase()
  const at = (global: WebAssembly.Global) => base + (global.value as number)
  const io = {
    seed: at(wasm.OFF_SEED),
    msg: at(wasm.OFF_MSG),
    ss: at(wasm.OFF_SS),
    ek: at(wasm.OFF_EK),
    dk: at(wasm.OFF_DK),
    ct: at(wasm.OFF_CT),
    hek: at(wasm.OFF_HEK),
    mat: at(wasm.OFF_MAT),
  }
  /** Writes the inputs to linear memory, runs op, and on 0 fills the outputs from linear memory; returns op's
   *  status. Linear memory (inputs, outputs, scratch) is wiped whatever happens. */
  const run = (inputs: [number, Uint8Array][], op: () => number, outputs: [number, Uint8Array][]): number => {
    try {
      // The memory is one fixed page and never grows, but a view is cheap: take one per call.
      const mem = new Uint8Array(wasm.memory.buffer)
      for (const [offset, data] of inputs) mem.set(data, offset)
      const status = op()
      if (status === 0) for (const [offset, out] of outputs) out.set(mem.subarray(offset, offset + out.length))
      return status
    } finally {
      wasm.wipe()
    }
  }

  return {
    keyGenInternal(p, seed, ek, dk) {
      const keyGen = () => {
        wasm.keyGenInternal(p.k, p.eta1)
        return 0
      }
      run([[io.seed, seed]], keyGen, [
        [io.ek, ek],
        [io.dk, dk],
      ])
    },
    encapsInternal: (p, ek, m, ct, ss) =>
      run(
        [
          [io.ek, ek],
          [io.msg, m],
        ],
        () => wasm.encapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv),
        [
          [io.ct, ct],
          [io.ss, ss],
        ],
      ),
    decapsInternal: (p, dk, ct, ss) =>
      run(
        [
          [io.dk, dk],
          [io.ct, ct],
        ],
        () => wasm.decapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv),
        [[io.ss, ss]],
      ),
    importEncapsulationKey(p, ek) {
      // The key's copy of what linear memory needs for encapsInternalImported: ek, H(ek), Âᵀ (k² polynomials).
      const hek = new Uint8Array(32)
      const mat = new Uint8Array(p.k * p.k * 512)
      const status = run([[io.ek, ek]], () => wasm.importEncapsulationKey(p.k), [
        [io.hek, hek],
        [io.mat, mat],
      ])
      if (status !== 0) return undefined
      const key = Uint8Array.from(ek)
      const encaps = () => {
        wasm.encapsInternalImported(p.k, p.eta1, p.eta2, p.du, p.dv)
        return 0
      }
      return {
        encapsInternal: (m, ct, ss) => {
          run(
            [
              [io.ek, key],
              [io.hek, hek],
              [io.mat, mat],
              [io.msg, m],
            ],
            encaps,
            [
              [io.ct, ct],
              [io.ss, ss],
            ],
          )
        },
        wipe() {
          key.fill(0)
          hek.fill(0)
          mat.fill(0)
        },
      }
    },
    importDecapsulationKey(p, dk) {
      const mat = new Uint8Array(p.k * p.k * 512) // Âᵀ of dk's ek
      if (run([[io.dk, dk]], () => wasm.importDecapsulationKey(p.k), [[io.mat, mat]]) !== 0) return undefined
      const key = Uint8Array.from(dk)
      const decaps = () => {
        wasm.decapsInternalImported(p.k, p.eta1, p.eta2, p.du, p.dv)
        return 0
      }
      return {
        decapsInternal: (ct, ss) => {
          run(
            [
              [io.dk, key],
              [io.mat, mat],
              [io.ct, ct],
            ],
            decaps,
            [[io.ss, ss]],
          )
        },
        wipe() {
          key.fill(0)
          mat.fill(0)
        },
      }
    },
  }
}
