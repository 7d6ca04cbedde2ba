// Two independent SHA-3 / SHAKE sponges (FIPS 202) on the 2-way Keccak-f[1600] of keccak-x2.ts, whose
// state interleaves the lanes of state A (u64 at s + 16i) and state B (at s + 16i + 8). SIMD build only.
// Branches and addresses depend only on the public lengths.
import { BASE, S_KECCAK } from "./layout";
import { keccakF1600x2 } from "./keccak-x2";

/** Absorb the next block of one lane of the interleaved 2-way state (lane word i at s + 16i): a full
 *  rate block if rem ≥ rate, else the rem-byte tail plus the domain byte and the final pad bit
 *  (FIPS 202 pad10*1). Returns true when the padded last block was absorbed. Branches and addresses
 *  depend only on the public lengths. */
export function absorbLane(s: usize, p: usize, rem: i32, rate: i32, ds: i32): bool {
  if (rem >= rate) {
    for (let i = 0; i < rate; i += 8) store<u64>(s + (i << 1), load<u64>(s + (i << 1)) ^ load<u64>(p + i));
    return false;
  }
  let i = 0;
  for (; i + 8 <= rem; i += 8) store<u64>(s + (i << 1), load<u64>(s + (i << 1)) ^ load<u64>(p + i));
  for (; i < rem; i++) {
    const a = s + ((<usize>i >> 3) << 4) + (i & 7);
    store<u8>(a, load<u8>(a) ^ load<u8>(p + i));
  }
  const d = s + ((<usize>rem >> 3) << 4) + (rem & 7);
  store<u8>(d, load<u8>(d) ^ <u8>ds);
  const e = s + ((<usize>(rate - 1) >> 3) << 4) + 7;
  store<u8>(e, load<u8>(e) ^ 0x80);
  return true;
}

/** Copy n output bytes of one lane of the interleaved state to o. */
export function squeezeLane(s: usize, o: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) store<u64>(o + i, load<u64>(s + (i << 1)));
  for (; i < n; i++) store<u8>(o + i, load<u8>(s + ((<usize>i >> 3) << 4) + (i & 7)));
}

/** Two independent one-shot sponges (SHA3-256/512, SHAKE128/256: rate, domain byte ds) computed with
 *  the 2-way permutation: A = (inA, lenA) → outLenA bytes at outA, B likewise. Each permutation
 *  advances both lanes; a lane that is already done is permuted needlessly (its output was already
 *  copied). The permutation count depends only on the public lengths. */
export function hashX2(rA: i32, dsA: i32, inA: usize, lenA: i32, outA: usize, outLenA: i32,
                       rB: i32, dsB: i32, inB: usize, lenB: i32, outB: usize, outLenB: i32): void {
  const st = BASE + S_KECCAK;
  memory.fill(st, 0, 400);
  let posA = 0, posB = 0, padA = false, padB = false;
  while (outLenA > 0 || outLenB > 0) {
    if (!padA) { padA = absorbLane(st, inA + posA, lenA - posA, rA, dsA); posA += rA; }
    if (!padB) { padB = absorbLane(st + 8, inB + posB, lenB - posB, rB, dsB); posB += rB; }
    keccakF1600x2(st);
    if (padA && outLenA > 0) {
      const n = min(outLenA, rA);
      squeezeLane(st, outA, n); outA += n; outLenA -= n;
    }
    if (padB && outLenB > 0) {
      const n = min(outLenB, rB);
      squeezeLane(st + 8, outB, n); outB += n; outLenB -= n;
    }
  }
}
