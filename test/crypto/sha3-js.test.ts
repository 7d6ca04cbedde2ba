// SHA3-256 / SHAKE256 over the ML-KEM core's Keccak (src/crypto/sha3-js.ts), against node:crypto
// (OpenSSL) across block boundaries on both sides, and the sponge state left zeroed.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { jsSha3 } from '../../src/crypto/sha3-js.ts'
import { ST } from '../../src/mlkem/js/keccak.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const LENGTHS = [0, 1, 3, 4, 31, 32, 135, 136, 137, 271, 272, 273, 1120, 1216, 4000]

describe('pq-edge-js SHA-3', () => {
  it.each(LENGTHS)('SHA3-256 of %i bytes equals OpenSSL’s', (n) => {
    const data = crypto.getRandomValues(new Uint8Array(n))
    expect(hex(jsSha3.sha3_256(data))).toBe(createHash('sha3-256').update(data).digest('hex'))
  })

  it.each([
    [0, 32],
    [64, 96],
    [136, 136],
    [137, 137],
    [500, 300],
    [33, 1000],
  ])('SHAKE256 of %i bytes, %i out, equals OpenSSL’s', (n, out) => {
    const data = crypto.getRandomValues(new Uint8Array(n))
    expect(hex(jsSha3.shake256(data, out))).toBe(createHash('shake256', { outputLength: out }).update(data).digest('hex'))
  })

  it('reads a subarray at its offset and leaves the sponge state zeroed', () => {
    const buffer = crypto.getRandomValues(new Uint8Array(300))
    const view = buffer.subarray(17, 217)
    expect(hex(jsSha3.sha3_256(view))).toBe(createHash('sha3-256').update(view).digest('hex'))
    expect(ST.every((w) => w === 0)).toBe(true)
  })

  it('rejects what is not bytes or not a length', () => {
    expect(() => jsSha3.sha3_256('abc' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => jsSha3.shake256(new Uint8Array(1), -1)).toThrow(RangeError)
  })
})
