// SHA3-256 / SHAKE256 backends against node:crypto (OpenSSL): the TypeScript one on the ML-KEM core's
// Keccak (src/crypto/sha3-js.ts, for engines without WebAssembly) and the wasm modules' (wasmSha3 in
// src/mlkem/wasm-core.ts, both builds). Lengths cross Keccak's block boundaries and the wasm module's
// chunk size, on input and output; every backend reads subarrays at their offset, leaves no state
// behind (the input may be secret) and refuses what is not bytes or not a length.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { jsSha3 } from '../../src/crypto/sha3-js.ts'
import type { Sha3 } from '../../src/crypto/types.ts'
import { ST } from '../../src/mlkem/js/keccak.ts'
import { compileMlKemModule } from '../../src/mlkem/node.ts'
import { type MlKemWasmExports, wasmSha3 } from '../../src/mlkem/wasm-core.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function wasmBackend(kind: 'simd' | 'scalar') {
  const exports = new WebAssembly.Instance(compileMlKemModule(kind), {}).exports as unknown as MlKemWasmExports
  const memory = () => new Uint8Array(exports.memory.buffer)
  let before = memory().slice()
  return {
    sha3: wasmSha3(exports),
    chunk: exports.SHA3_CHUNK.value as number,
    // Linear memory exactly as it was before the calls (tables included): nothing of the input or state left.
    snapshot: () => (before = memory().slice()),
    leftNothing: () => memory().every((b, i) => b === before[i]),
  }
}

const simd = wasmBackend('simd')
const scalar = wasmBackend('scalar')
const BACKENDS: [string, Sha3, { chunk: number; snapshot(): void; leftNothing(): boolean }][] = [
  ['pq-edge-js', jsSha3, { chunk: 5000, snapshot: () => {}, leftNothing: () => ST.every((w) => w === 0) }],
  ['wasm simd', simd.sha3, simd],
  ['wasm scalar', scalar.sha3, scalar],
]

describe.each(BACKENDS)('SHA-3, %s', (_, sha3, state) => {
  const c = state.chunk
  it.each([0, 1, 3, 31, 32, 134, 135, 136, 137, 271, 272, 273, 1120, 1216, c - 1, c, c + 1, 2 * c + 137])(
    'SHA3-256 of %i bytes equals OpenSSL’s',
    (n) => {
      const data = crypto.getRandomValues(new Uint8Array(n))
      expect(hex(sha3.sha3_256(data))).toBe(createHash('sha3-256').update(data).digest('hex'))
    },
  )

  it.each([
    [0, 32],
    [32, 96],
    [64, 64],
    [136, 136],
    [137, 137],
    [500, 300],
    [c + 5, 300],
    [33, c + 200],
  ])('SHAKE256 of %i bytes, %i out, equals OpenSSL’s', (n, out) => {
    const data = crypto.getRandomValues(new Uint8Array(n))
    expect(hex(sha3.shake256(data, out))).toBe(createHash('shake256', { outputLength: out }).update(data).digest('hex'))
  })

  it('reads a subarray at its offset and leaves no state behind', () => {
    state.snapshot()
    const view = crypto.getRandomValues(new Uint8Array(3 * c)).subarray(17, 17 + c + 300)
    expect(hex(sha3.shake256(view, c + 64))).toBe(
      createHash('shake256', { outputLength: c + 64 })
        .update(view)
        .digest('hex'),
    )
    expect(hex(sha3.sha3_256(view))).toBe(createHash('sha3-256').update(view).digest('hex'))
    expect(state.leftNothing()).toBe(true)
  })

  it('rejects what is not bytes or not a length', () => {
    expect(() => sha3.sha3_256('abc' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => sha3.shake256(new Uint8Array(1), -1)).toThrow(RangeError)
    expect(() => sha3.shake256(new Uint8Array(1), 1.5)).toThrow(RangeError)
  })
})
