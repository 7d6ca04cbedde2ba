// The Node entry's randomness pool (src/crypto/node-random.ts): every byte handed out once, copied out of the
// pool (never a view of it), and random.
import { randomFillSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { pooledRandomBytes } from '../../src/crypto/node-random.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('pooledRandomBytes', () => {
  it('never hands out the same bytes twice, across many refills', () => {
    const random = pooledRandomBytes(256) // small pool: many refills, and draws that do not divide it
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const out = random(i % 2 ? 32 : 64)
      expect(out.length).toBe(i % 2 ? 32 : 64)
      seen.add(hex(out))
    }
    expect(seen.size).toBe(5000)
  })

  it('returns copies the caller owns, not views of the pool', () => {
    const random = pooledRandomBytes()
    const a = random(64)
    expect(a.buffer.byteLength).toBe(64)
    a.fill(0) // a caller wiping its seed
    const b = random(64)
    expect(b.some((x) => x !== 0)).toBe(true)
  })

  it('zeroes each byte in the pool as it hands it out: the pool holds only bytes nobody has seen', () => {
    let pool: Uint8Array | undefined
    let fills = 0
    const random = pooledRandomBytes(256, (buffer) => {
      if (buffer.length === 256) {
        pool = buffer
        fills++
      }
      randomFillSync(buffer)
    })
    expect(fills).toBe(0) // nothing drawn until the first call (never at module evaluation)
    let handedOut = 0
    for (let i = 0; i < 7; i++) {
      expect(random(32).some((x) => x !== 0)).toBe(true)
      handedOut += 32
      expect(pool!.subarray(0, handedOut).every((x) => x === 0)).toBe(true) // what was handed out
      expect(pool!.subarray(handedOut).some((x) => x !== 0)).toBe(true) // what was not, still random
    }
    expect(fills).toBe(1)
    random(64) // 224 + 64 > 256: a refill, the unused tail overwritten
    expect(fills).toBe(2)
    expect(pool!.subarray(0, 64).every((x) => x === 0)).toBe(true)
  })

  it('looks uniform: every byte value, mean near 127.5', () => {
    const random = pooledRandomBytes()
    const counts = new Array(256).fill(0)
    let sum = 0
    for (let i = 0; i < 4096; i++)
      for (const x of random(64)) {
        counts[x]++
        sum += x
      }
    expect(counts.every((c) => c > 0)).toBe(true)
    expect(Math.abs(sum / (4096 * 64) - 127.5)).toBeLessThan(1)
  })

  it('serves requests larger than the pool directly, and refuses bad lengths', () => {
    const random = pooledRandomBytes(128)
    expect(random(1000).length).toBe(1000)
    expect(random(0).length).toBe(0)
    expect(() => random(-1)).toThrow(RangeError)
    expect(() => random(1.5)).toThrow(RangeError)
  })
})
