// Randomness for pq-edge/mlkem under the `node` condition: node:crypto's CSPRNG, drawn 4 KiB at a time.
// In Node 22 every getRandomValues / randomFillSync call costs about 5 µs whatever its size (one
// OpenSSL RAND_bytes call each), a third of an ML-KEM-768 key generation; one call per 4 KiB makes it
// ~0.15 µs per 64 bytes (Node's own randomUUID batches the same way). Each byte is handed out once: it
// is copied out and zeroed in the pool at once, so the pool holds only bytes nobody has seen. The pool is
// filled on first use, inside a call, never at module evaluation (a bundle snapshotted at build time, as
// Fastly does, would otherwise share its bytes between instances; this module is for Node only).
import { randomFillSync } from 'node:crypto'
import type { RandomBytes } from '../mlkem/api.ts'

const POOL_BYTES = 4096

/** `fill` is node:crypto's randomFillSync; tests pass a wrapper to watch the pool. */
export function pooledRandomBytes(poolBytes = POOL_BYTES, fill: (pool: Uint8Array) => void = randomFillSync): RandomBytes {
  let pool: Uint8Array | undefined
  let next = poolBytes // no bytes yet: the first call fills the pool
  return (n) => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('random bytes: n must be a whole number')
    if (n > poolBytes) {
      const out = new Uint8Array(n)
      fill(out)
      return out
    }
    pool ??= new Uint8Array(poolBytes)
    if (next + n > poolBytes) {
      fill(pool)
      next = 0
    }
    const out = pool.slice(next, next + n)
    pool.fill(0, next, next + n)
    next += n
    return out
  }
}
