// The wasm core as an MlKemCore (api.ts): copies the inputs into the module's I/O region, calls an export,
// copies the outputs into the caller's arrays and wipes linear memory. Encapsulation and decapsulation go
// through the modules' imported-key exports for imported keys (an ek expanded once: the FIPS 203 §7.2 or §7.3
// check, H(ek), Âᵀ) and, in the one-shot API, for a key seen before: the last few such public expansions are
// kept (KnownKeys), so a repeated key skips hashing ek and SampleNTT; a key met the first time takes the
// one-pass exports. This file never instantiates the module (each runtime loads wasm its own way: see
// node.ts, workerd.ts, browser.ts); it takes the instance's exports.
import type { Sha3 } from '../crypto/types.ts'
import type { MlKemCore, MlKemParams } from './api.ts'

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
  /** SHA-3 on the module's Keccak (FIPS 202), in chunks of at most SHA3_CHUNK bytes at ioBase(): see wasmSha3. */
  SHA3_CHUNK: WebAssembly.Global
  sha3Begin(rate: number): void
  sha3Absorb(length: number): void
  sha3Finish(domain: number): void
  sha3Squeeze(length: number): void
  sha3End(length: number): void
}

// FIPS 202 §6: SHA3-256 and SHAKE256 share the rate of 136 bytes; the domain bits with pad10*1's first 1.
const RATE_256 = 136
const DS_SHA3 = 0x06
const DS_SHAKE = 0x1f

/** SHA3-256 and SHAKE256 on the module's Keccak: what pq-edge's X-Wing and HPKE take SHA-3 from wherever the
 *  module runs (much less to compile and run cold than a JavaScript Keccak, and faster warm). Linear memory
 *  used is zeroed after every call, the input may be secret. */
export function wasmSha3(wasm: MlKemWasmExports): Sha3 {
  const base = wasm.ioBase()
  const chunk = wasm.SHA3_CHUNK.value as number
  const hash = (domain: number, data: Uint8Array, outputBytes: number): Uint8Array => {
    if (!(data instanceof Uint8Array)) throw new TypeError('SHA-3: data must be a Uint8Array')
    if (!Number.isSafeInteger(outputBytes) || outputBytes < 0)
      throw new RangeError('SHAKE256: the output length must be a whole number of bytes')
    const out = new Uint8Array(outputBytes)
    const mem = new Uint8Array(wasm.memory.buffer)
    try {
      wasm.sha3Begin(RATE_256)
      for (let at = 0; at < data.length; at += chunk) {
        const part = data.subarray(at, at + chunk)
        mem.set(part, base)
        wasm.sha3Absorb(part.length)
      }
      wasm.sha3Finish(domain)
      for (let at = 0; at < outputBytes; at += chunk) {
        const length = Math.min(chunk, outputBytes - at)
        wasm.sha3Squeeze(length)
        out.set(mem.subarray(base, base + length), at)
      }
    } finally {
      wasm.sha3End(Math.min(chunk, Math.max(data.length, outputBytes)))
    }
    return out
  }
  return {
    name: 'pq-edge-wasm',
    sha3_256: (data) => hash(DS_SHA3, data, 32),
    shake256: (data, outputBytes) => hash(DS_SHAKE, data, outputBytes),
  }
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

  /** ML-KEM.Encaps_internal with an expanded ek (encapsInternalImported). */
  const encapsWith = (p: MlKemParams, e: ExpandedEk, m: Uint8Array, ct: Uint8Array, ss: Uint8Array) =>
    run([
      [io.ek, e.ek],
      [io.hek, e.hek],
      [io.mat, e.mat],
      [io.msg, m],
    ], () => {
      wasm.encapsInternalImported(p.k, p.eta1, p.eta2, p.du, p.dv)
      return 0
    }, [
      [io.ct, ct],
      [io.ss, ss],
    ])
  /** ML-KEM.Decaps_internal for a dk already checked, with its ek's Âᵀ (decapsInternalImported). */
  const decapsWith = (p: MlKemParams, dk: Uint8Array, mat: Uint8Array, ct: Uint8Array, ss: Uint8Array) =>
    run([
      [io.dk, dk],
      [io.mat, mat],
      [io.ct, ct],
    ], () => {
      wasm.decapsInternalImported(p.k, p.eta1, p.eta2, p.du, p.dv)
      return 0
    }, [[io.ss, ss]])
  /** importEncapsulationKey: the FIPS 203 §7.2 check, H(ek) and Âᵀ; undefined if ek fails the check. */
  const expandEk = (p: MlKemParams, ek: Uint8Array): ExpandedEk | undefined => {
    const e = { ek: Uint8Array.from(ek), hek: new Uint8Array(32), mat: new Uint8Array(p.k * p.k * 512), used: 0 }
    const out: [number, Uint8Array][] = [
      [io.hek, e.hek],
      [io.mat, e.mat],
    ]
    return run([[io.ek, ek]], () => wasm.importEncapsulationKey(p.k), out) === 0 ? e : undefined
  }
  /** importDecapsulationKey: the FIPS 203 §7.3 check, then H(ek) and Âᵀ of dk's ek; undefined if dk fails it. */
  const expandDkEk = (p: MlKemParams, dk: Uint8Array): ExpandedEk | undefined => {
    const off = 384 * p.k
    const e = { ek: dk.slice(off, off + p.lengths.publicKey), hek: new Uint8Array(32), mat: new Uint8Array(p.k * p.k * 512), used: 0 }
    const out: [number, Uint8Array][] = [
      [io.hek, e.hek],
      [io.mat, e.mat],
    ]
    return run([[io.dk, dk]], () => wasm.importDecapsulationKey(p.k), out) === 0 ? e : undefined
  }
  // The keys seen last, public values only: encapsulation keys that passed the FIPS 203 §7.2 check, and the
  // encapsulation keys inside decapsulation keys (their H(ek) known, not §7.2-checked): a repeated key skips
  // hashing ek and SampleNTT, as with the TypeScript core's caches (js/cache.ts).
  const seenEks = new KnownKeys()
  const seenDkEks = new KnownKeys()

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
    encapsInternal(p, ek, m, ct, ss) {
      let e = seenEks.find(ek, 0, p.lengths.publicKey)
      if (e === undefined && seenEks.repeated(ek, 0, p.lengths.publicKey)) {
        e = seenEks.add(expandEk(p, ek)) // the second time: expand and keep
        if (e === undefined) return 1
      }
      if (e !== undefined) return encapsWith(p, e, m, ct, ss)
      // a key not seen before: the one-pass export (H(ek) and SampleNTT share the 2-way Keccak in the SIMD build)
      return run(
        [
          [io.ek, ek],
          [io.msg, m],
        ],
        () => wasm.encapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv),
        [
          [io.ct, ct],
          [io.ss, ss],
        ],
      )
    },
    decapsInternal(p, dk, ct, ss) {
      const [ekOff, len] = [384 * p.k, p.lengths.publicKey]
      let e = seenDkEks.find(dk, ekOff, len)
      // the FIPS 203 §7.3 check for a known ek: its H(ek) against dk's h
      if (e !== undefined && !sameBytes(e.hek, 0, dk, 768 * p.k + 32, 32)) return 1
      if (e === undefined && seenDkEks.repeated(dk, ekOff, len)) {
        e = seenDkEks.add(expandDkEk(p, dk))
        if (e === undefined) return 1
      }
      if (e !== undefined) return decapsWith(p, dk, e.mat, ct, ss)
      return run(
        [
          [io.dk, dk],
          [io.ct, ct],
        ],
        () => wasm.decapsInternal(p.k, p.eta1, p.eta2, p.du, p.dv),
        [[io.ss, ss]],
      )
    },
    importEncapsulationKey(p, ek) {
      const e = expandEk(p, ek)
      if (e === undefined) return undefined
      return {
        encapsInternal: (m, ct, ss) => {
          encapsWith(p, e, m, ct, ss)
        },
        wipe: () => wipeExpanded(e),
      }
    },
    importDecapsulationKey(p, dk) {
      const e = expandDkEk(p, dk)
      if (e === undefined) return undefined
      const key = Uint8Array.from(dk)
      return {
        decapsInternal: (ct, ss) => {
          decapsWith(p, key, e.mat, ct, ss)
        },
        wipe() {
          key.fill(0)
          wipeExpanded(e)
        },
      }
    },
  }
}

/** An encapsulation key with what Encaps_internal and the re-encryption of Decaps_internal derive from it
 *  alone: H(ek) and Âᵀ. Public. */
interface ExpandedEk {
  ek: Uint8Array
  hek: Uint8Array
  mat: Uint8Array
  used: number
}

function wipeExpanded(e: ExpandedEk): void {
  e.ek.fill(0)
  e.hek.fill(0)
  e.mat.fill(0)
}

/** True if a[aOff..+len) equals b[bOff..+len). Public data only (keys, hashes of them): it exits early. The
 *  last 32 bytes (an ek's ρ) first, then 32-bit words where both sides are aligned. */
function sameBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = len - 32; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false
  const [x, y] = [a.byteOffset + aOff, b.byteOffset + bOff]
  if (((x | y | len) & 3) === 0) {
    const [u, v] = [new Int32Array(a.buffer, x, len >> 2), new Int32Array(b.buffer, y, len >> 2)]
    for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false
    return true
  }
  for (let i = 0; i < len - 32; i++) if (a[aOff + i] !== b[bOff + i]) return false
  return true
}

/** The last SLOTS expanded keys of one core (public values), least recently used replaced first, and the
 *  last SLOTS keys seen once (only their bytes: a key is expanded and kept when it comes a second time, so
 *  one-off keys cost a comparison and a copy, not an expansion). */
class KnownKeys {
  static readonly SLOTS = 4
  private readonly entries: ExpandedEk[] = []
  private readonly once: Uint8Array[] = []
  private onceNext = 0
  private clock = 0

  /** True if src[off..+len) is among the keys seen once (which it then leaves); else records it there. */
  repeated(src: Uint8Array, off: number, len: number): boolean {
    const i = this.once.findIndex((ek) => ek.length === len && sameBytes(ek, 0, src, off, len))
    if (i >= 0) {
      this.once.splice(i, 1)
      return true
    }
    const copy = src.slice(off, off + len)
    if (this.once.length < KnownKeys.SLOTS) this.once.push(copy)
    else this.once[this.onceNext++ % KnownKeys.SLOTS] = copy
    return false
  }

  /** The entry whose ek equals src[off..+len), or undefined. */
  find(src: Uint8Array, off: number, len: number): ExpandedEk | undefined {
    for (const e of this.entries)
      if (e.ek.length === len && sameBytes(e.ek, 0, src, off, len)) {
        e.used = ++this.clock
        return e
      }
    return undefined
  }

  /** Remembers e (if any), replacing the least recently used entry when full; returns e. */
  add(e: ExpandedEk | undefined): ExpandedEk | undefined {
    if (e === undefined) return undefined
    e.used = ++this.clock
    if (this.entries.length < KnownKeys.SLOTS) this.entries.push(e)
    else {
      let oldest = 0
      for (let i = 1; i < this.entries.length; i++) if (this.entries[i]!.used < this.entries[oldest]!.used) oldest = i
      this.entries[oldest] = e
    }
    return e
  }
}
