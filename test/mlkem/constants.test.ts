// The division-free constants of the ML-KEM core, checked exhaustively over the inputs they meet.
// The core has no div/rem instruction (KyberSlash): Compress and the reductions divide by q with a
// multiply and a shift, which is exact only for the right constant. Each constant is read from the
// AssemblyScript source, so the check follows the code.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const Q = 3329
const source = (file: string) => readFileSync(fileURLToPath(new URL(`../../src/mlkem/assembly/${file}`, import.meta.url)), 'utf8')
const ntt = source('ntt.ts')
const encoding = source('encoding.ts')
const simd = source('encoding-simd.ts')

function constant(text: string, pattern: RegExp): number {
  const match = pattern.exec(text)
  expect(match, `constant ${pattern} not found in the source`).not.toBeNull()
  return Number(match![1])
}

/** Compress_d(x) = round(2^d · x / q) mod 2^d (FIPS 203 eq. 4.7), computed exactly with integers. */
const compressReference = (x: number, d: number) => Math.floor((2 * 2 ** d * x + Q) / (2 * Q)) % 2 ** d

describe('scalar core (encoding.ts, ntt.ts)', () => {
  const M36 = constant(encoding, /const M36: u64 = (\d+);/)
  const M40 = constant(ntt, /const M40: u64 = (\d+);/)

  it('M36: floor(y / q) = (y · M36) >> 36 for every 0 ≤ y < 2^23', () => {
    let wrong = 0
    for (let y = 0; y < 2 ** 23; y++) if (Math.floor((y * M36) / 2 ** 36) !== Math.floor(y / Q)) wrong++
    expect(wrong).toBe(0)
  })

  it('Compress_d via M36 equals the FIPS 203 definition for every x < q, d in {1, 4, 5, 10, 11}', () => {
    for (const d of [1, 4, 5, 10, 11]) {
      for (let x = 0; x < Q; x++) {
        const fast = Math.floor(((x * 2 ** d + 1664) * M36) / 2 ** 36) % 2 ** d
        if (fast !== compressReference(x, d)) expect.fail(`d = ${d}, x = ${x}: ${fast} != ${compressReference(x, d)}`)
      }
    }
  })

  it('M40: the twiddle-factor precomputation round(z · 2^15 / q) is exact for every z < q', () => {
    for (let z = 0; z < Q; z++) {
      const y = BigInt(z) * 32768n + 1664n
      expect((y * BigInt(M40)) >> 40n).toBe(y / BigInt(Q))
    }
  })
})

describe('SIMD core (encoding-simd.ts compressSimd)', () => {
  // (x · C + B) >> S, then mod 2^d: C and S per width, B per d, as written in compressSimd.
  const small = {
    C: constant(simd, /const c = i16x8\.splat\((\d+)\);/),
    B: [...simd.matchAll(/d == 1 \? (\d+) : d == 4 \? (\d+) : (\d+)\)/g)][0]!,
  }
  const large = { C: constant(simd, /const c = i32x4\.splat\((\d+)\);/), B: [...simd.matchAll(/d == 10 \? (\d+) : (\d+)\)/g)][0]! }
  const cases = [
    { d: 1, C: small.C, B: Number(small.B[1]), S: 19 },
    { d: 4, C: small.C, B: Number(small.B[2]), S: 16 },
    { d: 5, C: small.C, B: Number(small.B[3]), S: 15 },
    { d: 10, C: large.C, B: Number(large.B[1]), S: 19 },
    { d: 11, C: large.C, B: Number(large.B[2]), S: 18 },
  ]

  it('reads the shifts it checks from the source', () => {
    expect(simd).toContain('const s = d == 1 ? 19 : d == 4 ? 16 : 15;')
    expect(simd).toContain('const s = d == 10 ? 19 : 18;')
  })

  it.each(cases)('Compress_$d equals the FIPS 203 definition for every x < q, within 32-bit lanes', ({ d, C, B, S }) => {
    for (let x = 0; x < Q; x++) {
      const product = x * C + B
      expect(product).toBeLessThan(2 ** 32) // the lane arithmetic is u32
      const fast = Math.floor(product / 2 ** S) % 2 ** d
      if (fast !== compressReference(x, d)) expect.fail(`d = ${d}, x = ${x}: ${fast} != ${compressReference(x, d)}`)
    }
  })
})
