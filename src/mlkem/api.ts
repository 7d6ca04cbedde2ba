// The ML-KEM API over the wasm core, a drop-in for @noble/post-quantum's `ml_kem512/768/1024`:
// keygen(seed?) / encapsulate(publicKey, msg?) / decapsulate(cipherText, secretKey) / lengths.
// This file never instantiates the module (each runtime loads wasm its own way: see node.ts,
// workerd.ts, browser.ts); it takes the instance's exports.

/** Exports of mlkem.wasm and mlkem-simd.wasm (one interface; see assembly/index.ts). */
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
  /** KeyGen_internal(d, z) for rank k: seed in, ek and dk out. */
  keygen(k: number): void
  /** Encaps_internal(ek, m): 0, or 1 when ek fails the §7.2 modulus check. */
  encaps(k: number): number
  /** Decaps: 0, or 1 when dk fails the §7.3 hash check. */
  decaps(k: number): number
  /** Zeroes the I/O region and all scratch. */
  wipe(): void
}

export interface MlKemLengths {
  publicKey: number
  secretKey: number
  cipherText: number
  /** keygen seed d ‖ z */
  seed: number
  /** encapsulation randomness m */
  msg: number
  msgRand: number
}

export interface MlKem {
  info: { type: 'ml-kem' }
  lengths: MlKemLengths
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array }
  encapsulate(publicKey: Uint8Array, msg?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array }
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array
}

export interface MlKemSuite {
  ml_kem512: MlKem
  ml_kem768: MlKem
  ml_kem1024: MlKem
}

/** Parameter sets, FIPS 203 §8 Table 2: rank k and the compression widths du, dv. */
export const PARAMETER_SETS = {
  ml_kem512: { name: 'ML-KEM-512', k: 2, du: 10, dv: 4 },
  ml_kem768: { name: 'ML-KEM-768', k: 3, du: 10, dv: 4 },
  ml_kem1024: { name: 'ML-KEM-1024', k: 4, du: 11, dv: 5 },
} as const

export type ParameterSetId = keyof typeof PARAMETER_SETS
export const PARAMETER_SET_IDS = Object.keys(PARAMETER_SETS) as ParameterSetId[]

export const SEED_BYTES = 64 // d ‖ z, FIPS 203 Algorithm 19
export const MSG_BYTES = 32 // m, FIPS 203 Algorithm 20
export const SHARED_SECRET_BYTES = 32

/** Byte lengths, FIPS 203 §8 Table 3. */
export function mlKemLengths(id: ParameterSetId): MlKemLengths {
  const { k, du, dv } = PARAMETER_SETS[id]
  return {
    publicKey: 384 * k + 32,
    secretKey: 768 * k + 96,
    cipherText: 32 * (du * k + dv),
    seed: SEED_BYTES,
    msg: MSG_BYTES,
    msgRand: MSG_BYTES,
  }
}

/** The length and type check of every ML-KEM input, with the parameter set's name in its errors. */
export function inputChecker(name: string) {
  return (what: string, value: unknown, length: number): Uint8Array => {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${name}: ${what} must be a Uint8Array`)
    if (value.length !== length) throw new RangeError(`${name}: ${what} must be ${length} bytes, got ${value.length}`)
    return value
  }
}

export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n))
}

export function createMlKem(wasm: MlKemWasmExports): MlKemSuite {
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
  /** Copies [offset, offset + length) out of wasm memory into a fresh array the caller owns. */
  const copyOut = (offset: number, length: number) => memory().slice(offset, offset + length)

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
          memory().set(dz, io.seed)
          wasm.keygen(k)
          return { publicKey: copyOut(io.ek, lengths.publicKey), secretKey: copyOut(io.dk, lengths.secretKey) }
        } finally {
          wasm.wipe() // the seed and dk in linear memory
          if (seed === undefined) dz.fill(0)
        }
      },
      encapsulate(publicKey, msg) {
        expectBytes('publicKey', publicKey, lengths.publicKey)
        const m = msg === undefined ? randomBytes(MSG_BYTES) : expectBytes('msg', msg, MSG_BYTES)
        try {
          const mem = memory()
          mem.set(publicKey, io.ek)
          mem.set(m, io.msg)
          if (wasm.encaps(k) !== 0)
            throw new Error(`${name}: publicKey fails the FIPS 203 §7.2 modulus check (a coefficient is not below q)`)
          return { cipherText: copyOut(io.ct, lengths.cipherText), sharedSecret: copyOut(io.ss, SHARED_SECRET_BYTES) }
        } finally {
          wasm.wipe() // m and K in linear memory
          if (msg === undefined) m.fill(0)
        }
      },
      decapsulate(cipherText, secretKey) {
        expectBytes('cipherText', cipherText, lengths.cipherText)
        expectBytes('secretKey', secretKey, lengths.secretKey)
        try {
          const mem = memory()
          mem.set(secretKey, io.dk)
          mem.set(cipherText, io.ct)
          // A wrong but well-formed ciphertext is not an error: implicit rejection returns K̄.
          if (wasm.decaps(k) !== 0) throw new Error(`${name}: secretKey fails the FIPS 203 §7.3 hash check (H(ek) does not match)`)
          return copyOut(io.ss, SHARED_SECRET_BYTES)
        } finally {
          wasm.wipe() // dk and K in linear memory
        }
      },
    }
  }

  return { ml_kem512: parameterSet('ml_kem512'), ml_kem768: parameterSet('ml_kem768'), ml_kem1024: parameterSet('ml_kem1024') }
}
