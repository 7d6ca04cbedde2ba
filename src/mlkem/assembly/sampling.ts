// Sampling of FIPS 203 §4.2.2: SampleNTT (FIPS 203 Alg. 7) of matrix entries from SHAKE128 (rejection
// sampling in scalar and simd128 form), and SamplePolyCBD_η (FIPS 203 Alg. 8) of PRF_η output (FIPS 203 §4.1
// eq. 4.3). The 2-way Keccak forms are in sampling-simd.ts.
import { keccakF1600 } from "./keccak-round";
import { spongeInit, spongeAbsorb, spongeFinish, RATE_SHAKE128, RATE_256, DS_SHAKE } from "./keccak";
import { BASE, S_KECCAK, S_PRFOUT, S_XOFIN } from "./layout";
import { Q } from "./ntt";

/** SampleNTT (FIPS 203 Alg. 7): rejection-sample Â[i][j] from SHAKE128(seed34), squeezing further
 *  168-byte blocks until 256 coefficients < q are found (any number of blocks: "unluckysample").
 *  The branches depend only on the public seed ρ. The rate block is parsed in place in the state. */
export function sampleNtt(out: usize, seed34: usize): void {
  const st = BASE + S_KECCAK;
  spongeInit(RATE_SHAKE128);
  spongeAbsorb(seed34, 34);
  spongeFinish(DS_SHAKE);
  let j = rejectSampleBlock(out, 0, st);
  while (j < 256) {
    keccakF1600(st);
    j = rejectSampleBlock(out, j, st);
  }
}

/** FIPS 203 Alg. 7 steps 4-16 on one block: the vector form in the SIMD build (compile-time constant). */
// @ts-ignore: decorator
@inline function rejectSampleBlock(out: usize, j: i32, blk: usize): i32 {
  return ASC_FEATURE_SIMD ? rejectSampleSimd(out, j, blk) : rejectSample(out, j, blk);
}

/** Â[row][col] ← SampleNTT(ρ‖col‖row) into out (FIPS 203 Alg. 13 step 6 / FIPS 203 Alg. 14 step 6). ρ is at S_XOFIN. */
export function sampleMatrixEntry(out: usize, row: i32, col: i32): void {
  const xin = BASE + S_XOFIN;
  store<u8>(xin + 32, <u8>col);
  store<u8>(xin + 33, <u8>row);
  sampleNtt(out, xin);
}

/** FIPS 203 Alg. 7 steps 4-16 on one 168-byte SHAKE128 block at blk: append coefficients < q to out from
 *  index j (from byte `from` of the block: the SIMD form hands over its tail); returns the new count (stops at 256). Branches depend on public data (ρ) only. */
export function rejectSample(out: usize, j: i32, blk: usize, from: i32 = 0): i32 {
  for (let p = from; p < RATE_SHAKE128 && j < 256; p += 3) {
    const w = load<u32>(blk + p);
    const d1 = <i32>(w & 0xfff), d2 = <i32>((w >> 12) & 0xfff);
    if (d1 < Q) { store<i16>(out + (j << 1), d1); j++; }
    if (d2 < Q && j < 256) { store<i16>(out + (j << 1), d2); j++; }
  }
  return j;
}

/** 256 byte-shuffles for vectorised rejection sampling (filled by initRejectionTable). */
const REJ_SHUF: usize = memory.data(4096, 16);

/** Fill REJ_SHUF (called once at instantiation, SIMD build). */
export function initRejectionTable(): void {
  for (let m = 0; m < 256; m++) {
    // REJ_SHUF[m]: byte shuffle gathering the i16 lanes i with bit i of m set, in order, to the front
    let n = 0;
    for (let i = 0; i < 8; i++) {
      if ((m >> i) & 1) { store<u8>(REJ_SHUF + (m << 4) + n, 2 * i); store<u8>(REJ_SHUF + (m << 4) + n + 1, 2 * i + 1); n += 2; }
    }
  }
}

/** FIPS 203 Alg. 7 steps 4-16 on one 168-byte SHAKE128 block with vector code: 12 bytes → 8 candidates
 *  d (i16 lanes via a byte shuffle, then mask / shift), accept-mask = d < q, and the accepted lanes
 *  are packed to the front with a table shuffle indexed by the mask and stored at out + 2j (8 lanes
 *  written, popcount kept). The data, the mask and the table index derive from the public ρ only.
 *  Vector steps run while j ≤ 248 (so the 8-lane store stays inside the polynomial); the rest of the
 *  block is handled by the scalar loop. Returns the new count (≤ 256). */
export function rejectSampleSimd(out: usize, j: i32, blk: usize): i32 {
  const q = i16x8.splat(<i16>Q), m12 = i16x8.splat(0xfff);
  const evenLanes = i32x4.splat(0xffff);
  let p = 0;
  for (; p < RATE_SHAKE128 && j <= 248; p += 12) {
    let v = v128.load(blk + p);
    v = v128.shuffle<u8>(v, v, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
    v = v128.bitselect(v128.and(v, m12), i16x8.shr_u(v, 4), evenLanes);
    const m = i16x8.bitmask(i16x8.lt_u(v, q));
    v128.store(out + (<usize>j << 1), i8x16.swizzle(v, v128.load(REJ_SHUF + (<usize>m << 4))));
    j += <i32>popcnt<u32>(m);
  }
  return rejectSample(out, j, blk, p);
}

/** PRF_η(σ, N) = SHAKE256(σ‖N, 64η) (FIPS 203 §4.1, eq. 4.3) followed by SamplePolyCBD_η
 *  (FIPS 203 Alg. 8). σ is at S_PRFIN[0..32). CBD uses only bit arithmetic (masks, adds, shifts):
 *  no secret-dependent branch or index. */
export function samplePolyCbdPrf(out: usize, sigma: usize, n: i32, eta: i32): void {
  // The 33-byte input σ ‖ N fits one SHAKE256 block: write it and the padding (0x1f at byte 33, 0x80 at
  // byte 135) straight into the state and permute; η = 2 reads its 128 bytes from the state, η = 3
  // (192 bytes) copies the first 136 and squeezes a second block.
  const st = BASE + S_KECCAK, buf = BASE + S_PRFOUT;
  memory.fill(st, 0, 200);
  for (let l = 0; l < 32; l += 8) store<u64>(st + l, load<u64>(sigma + l));
  store<u64>(st + 32, <u64>n | (<u64>DS_SHAKE << 8));
  store<u64>(st + 128, <u64>0x80 << 56);
  keccakF1600(st);
  if (eta == 2) { samplePolyCbd(out, st, 2); return; }
  for (let l = 0; l < RATE_256; l += 8) store<u64>(buf + l, load<u64>(st + l));
  keccakF1600(st);
  for (let l = 0; l < 56; l += 8) store<u64>(buf + RATE_256 + l, load<u64>(st + l));
  samplePolyCbd(out, buf, eta);
}

/** SamplePolyCBD_η (FIPS 203 Alg. 8) of the 64η bytes at buf into out: bit arithmetic only (masks, adds,
 *  shifts), no secret-dependent branch or index. */
export function samplePolyCbd(out: usize, buf: usize, eta: i32): void {
  if (eta == 2) {
    for (let i = 0; i < 32; i++) {
      const w = load<u32>(buf + (i << 2));
      const t = (w & 0x55555555) + ((w >> 1) & 0x55555555); // 2-bit sums x, y per coefficient
      for (let j = 0; j < 8; j++) {
        const s = t >> (j << 2);
        store<i16>(out + (((i << 3) + j) << 1), <i32>(s & 3) - <i32>((s >> 2) & 3));
      }
    }
  } else {
    for (let i = 0; i < 64; i++) {
      const w = load<u32>(buf + i * 3) & 0xffffff;
      const t = (w & 0x249249) + ((w >> 1) & 0x249249) + ((w >> 2) & 0x249249); // 3-bit sums
      for (let j = 0; j < 4; j++) {
        const s = t >> (j * 6);
        store<i16>(out + (((i << 2) + j) << 1), <i32>(s & 7) - <i32>((s >> 3) & 7));
      }
    }
  }
}
