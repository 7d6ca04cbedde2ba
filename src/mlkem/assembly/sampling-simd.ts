// 2-way Keccak forms of sampling.ts (SIMD build only): SampleNTT (FIPS 203 Alg. 7) of two matrix entries at
// a time, the whole matrix into S_MAT, and PRF_η + SamplePolyCBD_η (FIPS 203 Alg. 8) two at a time. The rejection data, masks and table indices derive from the public ρ only; the CBD code is bit
// arithmetic only, with no secret-dependent branch or index.
import { BASE, S_KECCAK, S_XOFIN, S_MAT, S_XBUF, S_PRFIN, S_PRFOUT, S_PRFIN2, S_PRFOUT2 } from "./layout";
import { keccakF1600x2 } from "./keccak-x2";
import { RATE_256, DS_SHAKE } from "./keccak";
import { hashX2 } from "./keccak-x2-sponge";
import { rejectSampleSimd, sampleMatrixEntry, samplePolyCbd } from "./sampling";

/** Two SampleNTT streams at once (FIPS 203 Alg. 7 ×2) with the 2-way Keccak: entries (rowA,colA) → outA and
 *  (rowB,colB) → outB. ρ is at S_XOFIN. Both states are permuted until both polynomials are full. */
function sampleNttX2(outA: usize, rowA: i32, colA: i32, outB: usize, rowB: i32, colB: i32): void {
  const st = BASE + S_KECCAK, rho = BASE + S_XOFIN, buf = BASE + S_XBUF;
  memory.fill(st, 0, 400);
  for (let l = 0; l < 4; l++) {
    const w = load<u64>(rho + (l << 3));
    store<u64>(st + (l << 4), w); store<u64>(st + (l << 4) + 8, w);
  }
  // lane 4: bytes col ‖ row, then the SHAKE domain/padding byte 0x1f; lane 20 byte 7: final pad bit 0x80
  store<u64>(st + 64, <u64>colA | (<u64>rowA << 8) | (0x1f << 16));
  store<u64>(st + 72, <u64>colB | (<u64>rowB << 8) | (0x1f << 16));
  store<u64>(st + 320, <u64>0x80 << 56); store<u64>(st + 328, <u64>0x80 << 56);
  let ja = 0, jb = 0;
  while (ja < 256 || jb < 256) {
    keccakF1600x2(st);
    for (let l = 0; l < 21; l++) {
      store<u64>(buf + (l << 3), load<u64>(st + (l << 4)));
      store<u64>(buf + 168 + (l << 3), load<u64>(st + (l << 4) + 8));
    }
    ja = rejectSampleSimd(outA, ja, buf);
    jb = rejectSampleSimd(outB, jb, buf + 168);
  }
}

/** Sample matrix entries e = first .. k²−1 into S_MAT (entry e ↔ (i, j) = (e / k, e mod k), found by
 *  counting: no division instruction), two at a time with the 2-way Keccak; an odd last one alone. */
export function sampleMatrix(k: i32, transposed: bool, first: i32, n: i32): void {
  const mat = BASE + S_MAT;
  let i = 0, j = 0, e = 0;
  while (e < first) { e++; j++; if (j == k) { j = 0; i++; } }
  while (e < n) {
    let i2 = i, j2 = j + 1;
    if (j2 == k) { j2 = 0; i2++; }
    if (e + 1 < n) {
      if (transposed) sampleNttX2(mat + (e << 9), j, i, mat + ((e + 1) << 9), j2, i2);
      else sampleNttX2(mat + (e << 9), i, j, mat + ((e + 1) << 9), i2, j2);
      i = i2; j = j2 + 1;
      if (j == k) { j = 0; i++; }
      e += 2;
    } else {
      if (transposed) sampleMatrixEntry(mat + (e << 9), j, i); else sampleMatrixEntry(mat + (e << 9), i, j);
      e++;
    }
  }
}

/** Seed lane `off` (0 = A, 8 = B) of the interleaved 2-way state with the one-block SHAKE128 input
 *  ρ ‖ col ‖ row ‖ pad (ρ at S_XOFIN), zeroing the rest of the lane. */
export function seedXofLane(st: usize, off: usize, row: i32, col: i32): void {
  const rho = BASE + S_XOFIN;
  for (let l = 0; l < 25; l++) store<u64>(st + (l << 4) + off, 0);
  for (let l = 0; l < 4; l++) store<u64>(st + (l << 4) + off, load<u64>(rho + (l << 3)));
  store<u64>(st + 64 + off, <u64>col | (<u64>row << 8) | (0x1f << 16));
  store<u64>(st + 320 + off, <u64>0x80 << 56);
}

/** Two PRF_η(σ, N) + SamplePolyCBD_η at once (FIPS 203 §4.1 eq. 4.3, FIPS 203 Alg. 8): outA ← CBD_ηA(
 *  SHAKE256(σ‖nA)), outB ← CBD_ηB(SHAKE256(σ‖nB)). Same secret handling as samplePolyCbdPrf: scratch only. */
export function samplePolyCbdPrfX2(outA: usize, nA: i32, etaA: i32, outB: usize, nB: i32, etaB: i32, sigma: usize): void {
  if (etaA == 2 && etaB == 2) { samplePolyCbd2PrfX2(outA, nA, outB, nB, sigma); return; }
  const inA = BASE + S_PRFIN, inB = BASE + S_PRFIN2, bufA = BASE + S_PRFOUT, bufB = BASE + S_PRFOUT2;
  memory.copy(inA, sigma, 32); store<u8>(inA + 32, <u8>nA);
  memory.copy(inB, sigma, 32); store<u8>(inB + 32, <u8>nB);
  hashX2(RATE_256, DS_SHAKE, inA, 33, bufA, etaA << 6, RATE_256, DS_SHAKE, inB, 33, bufB, etaB << 6);
  samplePolyCbd(outA, bufA, etaA);
  samplePolyCbd(outB, bufB, etaB);
}

/** samplePolyCbdPrfX2 for η = 2 on both lanes, straight from the 2-way state: the one-block SHAKE256 input
 *  σ ‖ N ‖ pad is written into the interleaved state directly, permuted once, and the first 128 bytes of
 *  each lane are turned into coefficients by vector SamplePolyCBD_2 (FIPS 203 Alg. 8): per byte, 2-bit sums
 *  x, y of each nibble (mask/shift/add) and coefficient x − y. One v128 load holds 8 bytes of lane A
 *  and 8 of lane B. Bit arithmetic only: no secret-dependent branch or index. */
function samplePolyCbd2PrfX2(outA: usize, nA: i32, outB: usize, nB: i32, sigma: usize): void {
  const st = BASE + S_KECCAK;
  memory.fill(st, 0, 400);
  for (let l = 0; l < 4; l++) {
    const w = load<u64>(sigma + (l << 3));
    store<u64>(st + (l << 4), w); store<u64>(st + (l << 4) + 8, w);
  }
  store<u64>(st + 64, <u64>nA | (<u64>DS_SHAKE << 8));
  store<u64>(st + 72, <u64>nB | (<u64>DS_SHAKE << 8));
  store<u64>(st + 256, <u64>0x80 << 56); store<u64>(st + 264, <u64>0x80 << 56); // byte 135 of each lane
  keccakF1600x2(st);
  const m55 = i8x16.splat(0x55), m3 = i8x16.splat(3);
  for (let l = 0; l < 16; l++) {
    const x = v128.load(st + (l << 4));
    const t = i8x16.add(v128.and(x, m55), v128.and(i8x16.shr_u(x, 1), m55));
    const lo = i8x16.sub(v128.and(t, m3), v128.and(i8x16.shr_u(t, 2), m3));
    const hi = i8x16.sub(v128.and(i8x16.shr_u(t, 4), m3), i8x16.shr_u(t, 6));
    const a = v128.shuffle<u8>(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const b = v128.shuffle<u8>(lo, hi, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const pa = outA + (<usize>l << 5), pb = outB + (<usize>l << 5);
    v128.store(pa, i16x8.extend_low_i8x16_s(a)); v128.store(pa, i16x8.extend_high_i8x16_s(a), 16);
    v128.store(pb, i16x8.extend_low_i8x16_s(b)); v128.store(pb, i16x8.extend_high_i8x16_s(b), 16);
  }
}
