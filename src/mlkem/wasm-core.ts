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
  /** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16) for rank k: seed in, ek and dk out. */
  keyGenInternal(k: number, eta1: number): void
  /** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17): 0, or 1 when ek fails the FIPS 203 §7.2 modulus check. */
  encapsInternal(k: number, eta1: number, eta2: number, du: number, dv: number): number
  /** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18): 0, or 1 when dk fails the FIPS 203 §7.3 hash check. */
  decapsInternal(k: number, eta1: number, eta2: number, du: number, dv: number): number
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
  }
  // The memory is one fixed page and never grows, but a view is cheap: take one per call.
  const memory = () => new Uint8Array(wasm.memory.buffer)
  /** Fills out from [offset, offset + out.length) of linear memory. */
  const copyOut = (mem: Uint8Array, offset: number, out: Uint8Array) => out.set(mem.subarray(offset, offset + out.length))

  return {
    keyGenInternal(p, seed, ek, dk) {
      try {
        const mem = memory()
        mem.set(seed, io.seed)
        wasm.keyGenInternal(p.k, p.eta1)
        copyOut(mem, io.ek, ek)
        copyOut(mem, io.dk, dk)
      } finally {
        wasm.wipe() // the seed and dk in linear memory
      }
    },
    encapsInternal(p, ek, m, ct, ss) {
      try {
        const mem = memory()
        mem.set(ek, io.ek)
        mem.set(m, io.msg)
        if (wasm.encapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv) !== 0) return 1
        copyOut(mem, io.ct, ct)
        copyOut(mem, io.ss, ss)
        return 0
      } finally {
        wasm.wipe() // m and K in linear memory
      }
    },
    decapsInternal(p, dk, ct, ss) {
      try {
        const mem = memory()
        mem.set(dk, io.dk)
        mem.set(ct, io.ct)
        if (wasm.decapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv) !== 0) return 1
        copyOut(mem, io.ss, ss)
        return 0
      } finally {
        wasm.wipe() // dk and K in linear memory
      }
    },
  }
}
