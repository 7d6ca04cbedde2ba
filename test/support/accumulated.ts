// The CCTV accumulated test, runtime-neutral so Node and workerd tests share it. Procedure and the
// final-FIPS-203 hashes: test/vectors/README.md ("The accumulated test").
import { shake128 } from '@noble/hashes/sha3.js'
import type { MlKem } from '../../src/mlkem/api.ts'

export const ACCUMULATED_10K = {
  ml_kem512: '705dcffc87f4e67e35a09dcaa31772e86f3341bd3ccf1e78a5fef99ae6a35a13',
  ml_kem768: 'f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1',
  ml_kem1024: 'e3bf82b013307b2e9d47dde791ff6dfc82e694e6382404abdb948b908b75bad5',
} as const
export const ACCUMULATED_1M_768 = '3b108396a277f2952ff3243a985c9709bcb95788c39b7b36a2c4e19d1a41e51e'

export const toHex = (u: Uint8Array) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')

/** Runs the accumulated test for `iterations` and returns the 32-byte digest as hex. */
export function accumulate(kem: MlKem, iterations: number, onProgress?: (done: number) => void): string {
  const stream = shake128.create({}) // SHAKE128("") is the random stream
  const digest = shake128.create({})
  for (let i = 0; i < iterations; i++) {
    const d = stream.xof(32)
    const z = stream.xof(32)
    const m = stream.xof(32)
    const bad = stream.xof(kem.lengths.cipherText)
    const seed = new Uint8Array(64)
    seed.set(d)
    seed.set(z, 32)
    const { publicKey: ek, secretKey: dk } = kem.keygen(seed)
    const { cipherText: c, sharedSecret: k } = kem.encapsulate(ek, m)
    if (toHex(kem.decapsulate(c, dk)) !== toHex(k)) throw new Error(`iteration ${i}: Decaps(dk, c) != K`)
    digest.update(ek).update(dk).update(c).update(k).update(kem.decapsulate(bad, dk))
    if (onProgress && (i + 1) % 100_000 === 0) onProgress(i + 1)
  }
  return toHex(digest.xof(32))
}
