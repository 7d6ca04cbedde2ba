// All scratch of the TypeScript core (Keccak state, PRF output, K-PKE polynomials and byte buffers, c', K̄,
// the FIPS 203 §7.3 hash) lives in views of one ArrayBuffer, the arena, so that wiping it is a few native
// copies from a zero buffer (wipe(), src/crypto/bytes.ts). (In Fastly's StarlingMonkey,
// TypedArray.prototype.fill is self-hosted JS: an interpreted store per element, ≈ 1 ms for the ≈ 11 KB
// of scratch; TypedArray.prototype.set is a memcpy, ≈ 1 µs.)
// Only the module top level allocates; the public caches (cache.ts) are not part of the arena.

import { wipe } from '../../crypto/bytes.ts'

/** Arena size in bytes: the sum of all scratch below (≈ 11.4 KB) rounded up; allocation fails past it. */
const ARENA_SIZE = 12288
const ARENA = new ArrayBuffer(ARENA_SIZE)
/** The whole arena as bytes (tests scan it; wipeArena zeroes it). */
export const ARENA_BYTES = new Uint8Array(ARENA)
let top = 0

/** Reserve `bytes` bytes aligned to `align` (a power of two ≤ 8), at module load only. */
function reserve(bytes: number, align: number): number {
  const at = (top + align - 1) & -align
  if (at + bytes > ARENA_SIZE) throw new Error('mlkem-js: scratch arena too small')
  top = at + bytes
  return at
}

/** A zeroed scratch Uint8Array / Int16Array / Int32Array of n elements inside the arena. */
export const scratchU8 = (n: number) => new Uint8Array(ARENA, reserve(n, 1), n)
export const scratchI16 = (n: number) => new Int16Array(ARENA, reserve(2 * n, 4), n) // 4-aligned: ntt.ts reads pairs as words
export const scratchI32 = (n: number) => new Int32Array(ARENA, reserve(4 * n, 4), n)

/** Zero every scratch array (wipe: memory copies from a zero buffer, not fill(0), which is slow on Fastly). */
export function wipeArena(): void {
  wipe(ARENA_BYTES)
}
