// SHA3-256 / SHAKE256 on the ML-KEM module's Keccak (wasmSha3 in src/mlkem/wasm-core.ts), both builds, against
// node:crypto (OpenSSL): across Keccak block boundaries and the module's chunk size on input and output, from
// a subarray, and with every byte of linear memory it used zeroed afterwards.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { compileMlKemModule } from '../../src/mlkem/node.ts'
import { type MlKemWasmExports, wasmSha3 } from '../../src/mlkem/wasm-core.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe.each(['simd', 'scalar'] as const)('SHA-3 in the %s module', (kind) => {
  const exports = new WebAssembly.Instance(compileMlKemModule(kind), {}).exports as unknown as MlKemWasmExports
  const sha3 = wasmSha3(exports)
  const chunk = exports.SHA3_CHUNK.value as number
  const LENGTHS = [0, 1, 31, 32, 134, 135, 136, 137, 272, 273, 1216, chunk - 1, chunk, chunk + 1, 2 * chunk + 137]

  it.each(LENGTHS)('SHA3-256 of %i bytes equals OpenSSL’s', (n) => {
    const data = crypto.getRandomValues(new Uint8Array(n))
    expect(hex(sha3.sha3_256(data))).toBe(createHash('sha3-256').update(data).digest('hex'))
  })

  it.each([
    [0, 32],
    [32, 96],
    [64, 64],
    [136, 137],
    [chunk + 5, 300],
    [33, chunk + 200],
  ])('SHAKE256 of %i bytes, %i out, equals OpenSSL’s', (n, out) => {
    const data = crypto.getRandomValues(new Uint8Array(n))
    expect(hex(sha3.shake256(data, out))).toBe(createHash('shake256', { outputLength: out }).update(data).digest('hex'))
  })

  it('reads a subarray at its offset and leaves linear memory as it found it', () => {
    const before = new Uint8Array(exports.memory.buffer).slice()
    const view = crypto.getRandomValues(new Uint8Array(3 * chunk)).subarray(17, 17 + chunk + 300)
    expect(hex(sha3.shake256(view, chunk + 64))).toBe(
      createHash('shake256', { outputLength: chunk + 64 })
        .update(view)
        .digest('hex'),
    )
    expect(new Uint8Array(exports.memory.buffer).every((b, i) => b === before[i])).toBe(true)
  })

  it('rejects what is not bytes or not a length', () => {
    expect(() => sha3.sha3_256('abc' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => sha3.shake256(new Uint8Array(1), -1)).toThrow(RangeError)
    expect(() => sha3.shake256(new Uint8Array(1), 1.5)).toThrow(RangeError)
  })
})
