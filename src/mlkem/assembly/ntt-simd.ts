// SIMD code paths (compiled only when ASC_FEATURE_SIMD is true, i.e. built with --enable simd):
// i16x8 NTT / NTT^-1, i32x4 dot-product MultiplyNTTs, and 2-way Keccak (i64x2) for matrix sampling.
// Same arithmetic conventions as the scalar code in poly.ts (plain-domain NTT with Barrett
// multiplication by ζ; MultiplyNTTs sums Montgomery-reduced once). All straight-line vector code:
// no data-dependent branch or address, except SampleNTT rejection on the public seed ρ.
import { BASE, S_A, S_ACC, S_ACC2, S_KECCAK, S_XOFIN, S_MAT, S_XBUF, S_BG, S_PRFIN, S_PRFOUT, S_PRFIN2, S_PRFOUT2 } from "./layout";
import { Q, ZETA, ZETA_P, GAMMA_R } from "./poly";
import { keccakF1600x2 } from "./keccak-x2";
import { RATE_SHAKE128, RATE_256, DS_SHAKE, DS_SHA3, spongeInit, spongeAbsorb, spongeFinish, spongeSqueeze, spongeResume, hashOnce } from "./keccak";
import { keccakF1600 } from "./keccak-round";
import { sampleMatrixEntry, vecPoly } from "./kpke";
import { rejectSample, cbd } from "./poly";

/** ceil(2^40/q), to derive round(z·2^15/q) (see poly.ts). */
const M40: u64 = 330282857;
/** Barrett-multiplication companion of 1: round(2^15/q) = 10 (used to reduce a vector mod q). */
const ONE_P: i16 = 10;
/** 2^16 · 128^-1 mod q (see poly.ts INVNTT_SCALE). */
const INVNTT_SCALE: i16 = 512;

/** Barrett multiplication of 8 lanes by z (zp = round(z·2^15/q)): a·z − round(a·zp/2^15)·q (mod 2^16),
 *  exact because the true value lies in [−q, q]. q15mulr_sat never saturates as zp ≠ −2^15. */
// @ts-ignore: decorator
@inline function mulZetaV(a: v128, z: v128, zp: v128): v128 {
  return i16x8.sub(i16x8.mul(a, z), i16x8.mul(i16x8.q15mulr_sat_s(a, zp), i16x8.splat(<i16>Q)));
}

/** Reduce 8 lanes mod q: a − round(a·10/2^15)·q, |result| ≤ 0.66q for |a| < 2^15. */
// @ts-ignore: decorator
@inline function reduceV(a: v128): v128 {
  return i16x8.sub(a, i16x8.mul(i16x8.q15mulr_sat_s(a, i16x8.splat(ONE_P)), i16x8.splat(<i16>Q)));
}

/** NTT (FIPS 203 Algorithm 9), 8 coefficients per vector. Layers len ≥ 8 use splatted ζ; the last two
 *  layers (len 4, 2) regroup two vectors with shuffles so each butterfly stays lane-parallel. */
export function nttV(f: usize): void {
  let k = 1;
  for (let len = 128; len >= 8; len >>= 1) {
    for (let start = 0; start < 256; start += len << 1) {
      const z = v128.load16_splat(ZETA + (k << 1)), zp = v128.load16_splat(ZETA_P + (k << 1));
      k++;
      for (let j = start; j < start + len; j += 8) {
        const pa = f + (j << 1), pb = pa + (len << 1);
        const a = v128.load(pa), t = mulZetaV(v128.load(pb), z, zp);
        v128.store(pb, i16x8.sub(a, t));
        v128.store(pa, i16x8.add(a, t));
      }
    }
  }
  // len = 4: groups k, k+1 in one vector pair; then len = 2: groups k..k+3
  for (let i = 0; i < 512; i += 32) {
    const p = f + i;
    let v0 = v128.load(p), v1 = v128.load(p, 16);
    let z = v128.load32_splat(ZETA + (k << 1)), zp = v128.load32_splat(ZETA_P + (k << 1));
    z = v128.shuffle<i16>(z, z, 0, 0, 0, 0, 1, 1, 1, 1); zp = v128.shuffle<i16>(zp, zp, 0, 0, 0, 0, 1, 1, 1, 1);
    let a = v128.shuffle<i16>(v0, v1, 0, 1, 2, 3, 8, 9, 10, 11);
    let b = v128.shuffle<i16>(v0, v1, 4, 5, 6, 7, 12, 13, 14, 15);
    let t = mulZetaV(b, z, zp);
    b = i16x8.sub(a, t); a = i16x8.add(a, t);
    v0 = v128.shuffle<i16>(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
    v1 = v128.shuffle<i16>(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    const k2 = 64 + (i >> 3); // len = 2 layer: ζ index 64 + 4·(i/32)
    z = v128.load64_splat(ZETA + (k2 << 1)); zp = v128.load64_splat(ZETA_P + (k2 << 1));
    z = v128.shuffle<i16>(z, z, 0, 0, 1, 1, 2, 2, 3, 3); zp = v128.shuffle<i16>(zp, zp, 0, 0, 1, 1, 2, 2, 3, 3);
    a = v128.shuffle<i16>(v0, v1, 0, 1, 4, 5, 8, 9, 12, 13);
    b = v128.shuffle<i16>(v0, v1, 2, 3, 6, 7, 10, 11, 14, 15);
    t = mulZetaV(b, z, zp);
    b = i16x8.sub(a, t); a = i16x8.add(a, t);
    v128.store(p, reduceV(v128.shuffle<i16>(a, b, 0, 1, 8, 9, 2, 3, 10, 11)));
    v128.store(p, reduceV(v128.shuffle<i16>(a, b, 4, 5, 12, 13, 6, 7, 14, 15)), 16);
    k += 2;
  }
}

/** NTT^-1 (FIPS 203 Algorithm 10), 8 coefficients per vector; mirror image of nttV. Sums are reduced
 *  in the len 2, 4 pass and at len 32 only (lazy, bounds below), and the final scale folds 128^-1 with
 *  2^16 (see poly.ts invNtt). */
export function invNttV(f: usize): void {
  for (let i = 0; i < 512; i += 32) {
    const p = f + i;
    let v0 = v128.load(p), v1 = v128.load(p, 16);
    // len = 2: groups with ζ index 127 − 4·(i/32) − {0,1,2,3}
    const k2 = 124 - (i >> 3);
    let z = v128.load64_splat(ZETA + (k2 << 1)), zp = v128.load64_splat(ZETA_P + (k2 << 1));
    z = v128.shuffle<i16>(z, z, 3, 3, 2, 2, 1, 1, 0, 0); zp = v128.shuffle<i16>(zp, zp, 3, 3, 2, 2, 1, 1, 0, 0);
    let a = v128.shuffle<i16>(v0, v1, 0, 1, 4, 5, 8, 9, 12, 13);
    let b = v128.shuffle<i16>(v0, v1, 2, 3, 6, 7, 10, 11, 14, 15);
    let t = a;
    a = reduceV(i16x8.add(t, b)); b = mulZetaV(i16x8.sub(b, t), z, zp);
    v0 = v128.shuffle<i16>(a, b, 0, 1, 8, 9, 2, 3, 10, 11);
    v1 = v128.shuffle<i16>(a, b, 4, 5, 12, 13, 6, 7, 14, 15);
    // len = 4: ζ index 63 − 2·(i/32) − {0,1}
    const k4 = 62 - (i >> 4);
    z = v128.load32_splat(ZETA + (k4 << 1)); zp = v128.load32_splat(ZETA_P + (k4 << 1));
    z = v128.shuffle<i16>(z, z, 1, 1, 1, 1, 0, 0, 0, 0); zp = v128.shuffle<i16>(zp, zp, 1, 1, 1, 1, 0, 0, 0, 0);
    a = v128.shuffle<i16>(v0, v1, 0, 1, 2, 3, 8, 9, 10, 11);
    b = v128.shuffle<i16>(v0, v1, 4, 5, 6, 7, 12, 13, 14, 15);
    t = a;
    a = reduceV(i16x8.add(t, b)); b = mulZetaV(i16x8.sub(b, t), z, zp);
    v128.store(p, v128.shuffle<i16>(a, b, 0, 1, 2, 3, 8, 9, 10, 11));
    v128.store(p, v128.shuffle<i16>(a, b, 4, 5, 6, 7, 12, 13, 14, 15), 16);
  }
  let k = 31;
  for (let len = 8; len <= 128; len <<= 1) {
    for (let start = 0; start < 256; start += len << 1) {
      const z = v128.load16_splat(ZETA + (k << 1)), zp = v128.load16_splat(ZETA_P + (k << 1));
      k--;
      for (let j = start; j < start + len; j += 8) {
        const pa = f + (j << 1), pb = pa + (len << 1);
        const a = v128.load(pa), b = v128.load(pb);
        // lazy: sums grow to ≤ 2.64q over len 8, 16, are reduced at len 32 (≤ 5.3q < 2^15 before), and
        // reach ≤ 3.1q after len 128; Barrett-multiplied differences stay ≤ 0.8q throughout
        const sum = i16x8.add(a, b);
        v128.store(pa, len == 32 ? reduceV(sum) : sum);
        v128.store(pb, mulZetaV(i16x8.sub(b, a), z, zp));
      }
    }
  }
  const zs = i16x8.splat(INVNTT_SCALE);
  const zsp = i16x8.splat(<i16>((((<u64>INVNTT_SCALE) << 15) + 1664) * M40 >> 40));
  for (let j = 0; j < 512; j += 16) v128.store(f + j, mulZetaV(v128.load(f + j), zs, zsp));
}

/** acc += a ∘ b (MultiplyNTTs / BaseCaseMultiply, Algorithms 11-12) for 4 pairs per vector:
 *  c0 = a0·b0 + a1·(γ·b1)  and  c1 = a0·b1 + a1·b0 as i32x4 dot products. γ·b1 is a Barrett
 *  multiplication by the plain γ (GAMMA_R holds γ·2^16; the ·2^16 is undone by a Montgomery
 *  multiplication in gammaVector). Accumulator layout per 4 pairs: [c0 ×4][c1 ×4] (i32). */
export function baseMulAccV(acc: usize, a: usize, bg: usize, b: usize): void {
  for (let i = 0; i < 512; i += 16) {
    const va = v128.load(a + i);
    const vb = v128.load(b + i), vbg = v128.load(bg + i);
    const pc = acc + (i << 1);
    const bs = v128.shuffle<i16>(vb, vb, 1, 0, 3, 2, 5, 4, 7, 6);
    v128.store(pc, i32x4.add(v128.load(pc), i32x4.dot_i16x8_s(va, vbg)));
    v128.store(pc, i32x4.add(v128.load(pc, 16), i32x4.dot_i16x8_s(va, bs)), 16);
  }
}

/** bg = b with every odd coefficient b1 replaced by γ·b1 mod q (even lanes: b0 reduced). */
export function gammaVector(bg: usize, b: usize): void {
  for (let i = 0; i < 128; i += 4) {
    // lanes [1, γ_i, 1, γ_{i+1}, ...] from GAMMA_V / GAMMA_VP (filled by initSimdTables)
    const g = v128.load(GAMMA_V + (i << 2)), gp = v128.load(GAMMA_VP + (i << 2));
    v128.store(bg + (i << 2), mulZetaV(v128.load(b + (i << 2)), g, gp));
  }
}

/** r = MontgomeryReduce(acc) (i32x4, then narrow and re-interleave pairs), and clear acc. */
export function accReduceV(r: usize, acc: usize): void {
  const qinv = i32x4.splat(62209), q = i32x4.splat(Q), zero = i32x4.splat(0);
  for (let i = 0; i < 512; i += 16) {
    const pc = acc + (i << 1);
    let c0 = v128.load(pc), c1 = v128.load(pc, 16);
    let t0 = i32x4.shr_s(i32x4.shl(i32x4.mul(c0, qinv), 16), 16);
    let t1 = i32x4.shr_s(i32x4.shl(i32x4.mul(c1, qinv), 16), 16);
    c0 = i32x4.shr_s(i32x4.sub(c0, i32x4.mul(t0, q)), 16);
    c1 = i32x4.shr_s(i32x4.sub(c1, i32x4.mul(t1, q)), 16);
    const n = i16x8.narrow_i32x4_s(c0, c1);
    v128.store(r + i, v128.shuffle<i16>(n, n, 0, 4, 1, 5, 2, 6, 3, 7));
    v128.store(pc, zero); v128.store(pc, zero, 16);
  }
}

/** Lane vectors for gammaVector: [1, γ_i, 1, γ_{i+1}, ...] and their Barrett companions. */
export const GAMMA_V: usize = memory.data(512, 16);
export const GAMMA_VP: usize = memory.data(512, 16);

/** 256 byte-shuffles for vectorised rejection sampling (filled by initSimdTables). */
const REJ_SHUF: usize = memory.data(4096, 16);

/** Algorithm 7 steps 4-16 on one 168-byte SHAKE128 block with vector code: 12 bytes → 8 candidates
 *  d (i16 lanes via a byte shuffle, then mask / shift), accept-mask = d < q, and the accepted lanes
 *  are packed to the front with a table shuffle indexed by the mask and stored at out + 2j (8 lanes
 *  written, popcount kept). The data, the mask and the table index derive from the public ρ only.
 *  Vector steps run while j ≤ 248 (so the 8-lane store stays inside the polynomial); the rest of the
 *  block is handled by the scalar loop. Returns the new count (≤ 256). */
function rejectSampleV(out: usize, j: i32, blk: usize): i32 {
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
  for (; p < RATE_SHAKE128 && j < 256; p += 3) {
    const w = load<u32>(blk + p);
    const d1 = <i32>(w & 0xfff), d2 = <i32>((w >> 12) & 0xfff);
    if (d1 < Q) { store<i16>(out + (j << 1), d1); j++; }
    if (d2 < Q && j < 256) { store<i16>(out + (j << 1), d2); j++; }
  }
  return j;
}

/** SampleNTT (Algorithm 7) of one matrix entry Â[row][col] from ρ at S_XOFIN with the scalar Keccak
 *  and rejectSampleV (the odd entry left over by the pairing). Public data only. */
function sampleEntryV(out: usize, row: i32, col: i32): void {
  const xin = BASE + S_XOFIN, st = BASE + S_KECCAK;
  store<u8>(xin + 32, <u8>col);
  store<u8>(xin + 33, <u8>row);
  spongeInit(RATE_SHAKE128);
  spongeAbsorb(xin, 34);
  spongeFinish(DS_SHAKE);
  let j = rejectSampleV(out, 0, st);
  while (j < 256) {
    keccakF1600(st);
    j = rejectSampleV(out, j, st);
  }
}

/** Fill GAMMA_V / GAMMA_VP from GAMMA_R (called once at instantiation). */
export function initSimdTables(): void {
  for (let m = 0; m < 256; m++) {
    // REJ_SHUF[m]: byte shuffle gathering the i16 lanes i with bit i of m set, in order, to the front
    let n = 0;
    for (let i = 0; i < 8; i++) {
      if ((m >> i) & 1) { store<u8>(REJ_SHUF + (m << 4) + n, 2 * i); store<u8>(REJ_SHUF + (m << 4) + n + 1, 2 * i + 1); n += 2; }
    }
  }
  for (let i = 0; i < 128; i++) {
    // plain γ = γ·2^16 · 2^-16: Montgomery-reduce the stored value, then canonicalise
    let g = <i32>load<u16>(GAMMA_R + (i << 1));
    let t = <i32><i16>(g * 62209);
    g = (g - t * Q) >> 16;
    g += (g >> 31) & Q;
    store<u16>(GAMMA_V + (i << 2), 1);
    store<u16>(GAMMA_VP + (i << 2), ONE_P);
    store<u16>(GAMMA_V + (i << 2) + 2, g);
    store<u16>(GAMMA_VP + (i << 2) + 2, <u16>(((<u64>g << 15) + 1664) * M40 >> 40));
  }
}

/** Two SampleNTT streams at once (Algorithm 7 ×2) with the 2-way Keccak: entries (rowA,colA) → outA and
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
    ja = rejectSampleV(outA, ja, buf);
    jb = rejectSampleV(outB, jb, buf + 168);
  }
}

/** out[i] = Σ_j Â[i][j] ∘ v[j] (or Âᵀ), as in kpke.ts, with the whole matrix sampled first in pairs
 *  (2-way Keccak) into S_MAT, then multiplied with vector code. */
export function matrixTimesVector(out: usize, v: usize, k: i32, transposed: bool, sampled: i32): void {
  const mat = BASE + S_MAT, acc = BASE + S_ACC, bg = BASE + S_BG;
  for (let r = 0; r < k; r++) gammaVector(vecPoly(bg, r), vecPoly(v, r));
  sampleMatrix(k, transposed, sampled, k * k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < k; r++) {
      baseMulAccV(acc, mat + ((c * k + r) << 9), vecPoly(bg, r), vecPoly(v, r));
    }
    accReduceV(vecPoly(out, c), acc);
  }
}

/** Sample matrix entries e = first .. k²−1 into S_MAT (entry e ↔ (i, j) = (e / k, e mod k), found by
 *  counting: no division instruction), two at a time with the 2-way Keccak; an odd last one alone. */
function sampleMatrix(k: i32, transposed: bool, first: i32, n: i32): void {
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
      if (transposed) sampleEntryV(mat + (e << 9), j, i); else sampleEntryV(mat + (e << 9), i, j);
      e++;
    }
  }
}

/** Seed lane `off` (0 = A, 8 = B) of the interleaved 2-way state with the one-block SHAKE128 input
 *  ρ ‖ col ‖ row ‖ pad (ρ at S_XOFIN), zeroing the rest of the lane. */
function seedXofLane(st: usize, off: usize, row: i32, col: i32): void {
  const rho = BASE + S_XOFIN;
  for (let l = 0; l < 25; l++) store<u64>(st + (l << 4) + off, 0);
  for (let l = 0; l < 4; l++) store<u64>(st + (l << 4) + off, load<u64>(rho + (l << 3)));
  store<u64>(st + 64 + off, <u64>col | (<u64>row << 8) | (0x1f << 16));
  store<u64>(st + 320 + off, <u64>0x80 << 56);
}

/** Encapsulation: H(ek) (SHA3-256 of the public ek, lane A) computed on the 2-way Keccak while lane B
 *  samples the (transposed) matrix entries 0, 1, ... one after another into S_MAT; lane B finishes the
 *  entry it has started. Returns the number of entries completed (the rest: sampleMatrix). All
 *  branches depend on public data (ek, ρ). ρ must be at S_XOFIN. */
export function hashEkWithMatrix(ek: usize, ekLen: i32, hOut: usize, k: i32): i32 {
  const st = BASE + S_KECCAK, mat = BASE + S_MAT, buf = BASE + S_XBUF;
  memory.fill(st, 0, 400);
  let pos = 0, pad = false, done = false;
  const n = k * k;
  let e = 0, i = 0, j = 0, cnt = 0;
  seedXofLane(st, 8, j, i); // Âᵀ entry (i, j) = SampleNTT(ρ ‖ i ‖ j): row j, column i (as in sampleMatrix)
  while (true) {
    if (!pad) { pad = absorbLane(st, ek + pos, ekLen - pos, RATE_256, DS_SHA3); pos += RATE_256; }
    keccakF1600x2(st);
    if (pad && !done) { squeezeLane(st, hOut, 32); done = true; }
    if (e < n) {
      for (let l = 0; l < 21; l++) store<u64>(buf + (l << 3), load<u64>(st + (l << 4) + 8));
      cnt = rejectSampleV(mat + (e << 9), cnt, buf);
      if (cnt == 256) {
        cnt = 0; e++;
        j++; if (j == k) { j = 0; i++; }
        if (!done && e < n) seedXofLane(st, 8, j, i);
      }
    }
    if (done && cnt == 0) break;   // lane B idle or between entries: the rest goes to sampleMatrix
  }
  return e;
}

/** r = Σ_j a[j] ∘ b[j] with vector code (carries 2^-16 like the scalar innerProduct). */
export function innerProductV(r: usize, a: usize, b: usize, k: i32): void {
  const acc = BASE + S_ACC, bg = BASE + S_A;
  for (let j = 0; j < k; j++) {
    gammaVector(bg, vecPoly(b, j));
    baseMulAccV(acc, vecPoly(a, j), bg, vecPoly(b, j));
  }
  accReduceV(r, acc);
}

/** Absorb the next block of one lane of the interleaved 2-way state (lane word i at s + 16i): a full
 *  rate block if rem ≥ rate, else the rem-byte tail plus the domain byte and the final pad bit
 *  (FIPS 202 pad10*1). Returns true when the padded last block was absorbed. Branches and addresses
 *  depend only on the public lengths. */
function absorbLane(s: usize, p: usize, rem: i32, rate: i32, ds: i32): bool {
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
function squeezeLane(s: usize, o: usize, n: i32): void {
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

/** Two PRF_η(σ, N) + SamplePolyCBD_η at once (FIPS 203 §4.1 eq. 4.3, Algorithm 8): outA ← CBD_ηA(
 *  SHAKE256(σ‖nA)), outB ← CBD_ηB(SHAKE256(σ‖nB)). Same secret handling as prfCbd: scratch only. */
export function prfCbdX2(outA: usize, nA: i32, etaA: i32, outB: usize, nB: i32, etaB: i32, sigma: usize): void {
  if (etaA == 2 && etaB == 2) { prfCbd2X2(outA, nA, outB, nB, sigma); return; }
  const inA = BASE + S_PRFIN, inB = BASE + S_PRFIN2, bufA = BASE + S_PRFOUT, bufB = BASE + S_PRFOUT2;
  memory.copy(inA, sigma, 32); store<u8>(inA + 32, <u8>nA);
  memory.copy(inB, sigma, 32); store<u8>(inB + 32, <u8>nB);
  hashX2(RATE_256, DS_SHAKE, inA, 33, bufA, etaA << 6, RATE_256, DS_SHAKE, inB, 33, bufB, etaB << 6);
  cbd(outA, bufA, etaA);
  cbd(outB, bufB, etaB);
}

/** Compress_d (FIPS 203 eq. 4.7) of 8 canonical lanes x ∈ [0, q): ((x·C + B) >> S) mod 2^d with
 *  constants checked exhaustively against round(2^d·x/q) for every x < q (test/mlkem/constants.test.ts):
 *  d = 1, 4, 5: C = 315 (fits u16: extmul), S = 19/16/15; d = 10, 11: C = 161271, S = 19/18.
 *  Multiply-shift only: no branch on data (the branches select on the public d). */
// @ts-ignore: decorator
@inline function compressV(x: v128, d: i32): v128 {
  let lo: v128, hi: v128;
  if (d <= 5) {
    const c = i16x8.splat(315);
    const b = i32x4.splat(d == 1 ? 262021 : d == 4 ? 32701 : 16321);
    const s = d == 1 ? 19 : d == 4 ? 16 : 15;
    lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(x, c), b), s);
    hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(x, c), b), s);
  } else {
    const c = i32x4.splat(161271);
    const b = i32x4.splat(d == 10 ? 261911 : 130860);
    const s = d == 10 ? 19 : 18;
    lo = i32x4.shr_u(i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_u(x), c), b), s);
    hi = i32x4.shr_u(i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_u(x), c), b), s);
  }
  const mk: i32 = (1 << d) - 1;
  return v128.and(i16x8.narrow_i32x4_u(lo, hi), i16x8.splat(<i16>mk));
}

/** ByteEncode_d(Compress_d(f)) (Algorithm 5, eq. 4.7) with vector code, d ∈ {1, 4, 5, 10, 11, 12}
 *  (d = 12: plain ByteEncode12 of the canonical f). Per 8 coefficients: reduce to [0, q) (Barrett +
 *  masked add of q), compress, then pack pairs into i32 lanes and quadruples into i64 lanes (shift,
 *  mask, or) and store the d bytes. Straight-line on data; only the public d selects code paths. */
export function encodeV(out: usize, f: usize, d: i32): void {
  const q = i16x8.splat(<i16>Q);
  const m1 = i32x4.splat((1 << d) - 1), m2 = i64x2.splat((<i64>1 << (2 * d)) - 1);
  const sh = 4 * d;
  for (let i = 0; i < 32; i++) {
    let x = reduceV(v128.load(f + (i << 4)));
    x = i16x8.add(x, v128.and(i16x8.shr_s(x, 15), q));
    if (d < 12) x = compressV(x, d);
    // [c0 | c1<<16, ...] → [c0 | c1<<d, ...] → [c0 | c1<<d | c2<<2d | c3<<3d, ...]
    x = v128.or(v128.and(x, m1), v128.andnot(i32x4.shr_u(x, 16 - d), m1));
    x = v128.or(v128.and(x, m2), v128.andnot(i64x2.shr_u(x, 32 - 2 * d), m2));
    const l0 = i64x2.extract_lane(x, 0), l1 = i64x2.extract_lane(x, 1);
    const o = out + i * d, lo = l0 | (l1 << sh);
    if (d <= 8) {
      if (d == 1) store<u8>(o, <u8>lo);
      else { store<u32>(o, <u32>lo); if (d == 5) store<u8>(o, <u8>(lo >> 32), 4); }
    } else {
      store<u64>(o, lo);
      const hi = l1 >> (64 - sh);
      if (d == 12) store<u32>(o, <u32>hi, 8);
      else { store<u16>(o, <u16>hi, 8); if (d == 11) store<u8>(o, <u8>(hi >> 16), 10); }
    }
  }
}

/** Decompress_d(ByteDecode_d(B)) (Algorithm 6, eq. 4.8) with vector code, d ∈ {1, 4, 5, 10, 11, 12}:
 *  per 8 coefficients two 4d-bit windows are loaded (unaligned; up to 7 bytes past the input may be
 *  read and are masked off), spread to i32 pairs and i16 lanes, then y ↦ (y·q + 2^(d−1)) >> d, or for
 *  d = 12 the conditional subtraction of q by mask. No data-dependent branch or address. */
export function decodeV(f: usize, inp: usize, d: i32): void {
  if (d == 12 || d == 10) { decodeV12or10(f, inp, d); return; }
  const q = i16x8.splat(<i16>Q);
  const m1 = i32x4.splat((1 << d) - 1), m2 = i64x2.splat((<i64>1 << (2 * d)) - 1);
  const m1h = i32x4.shl(m1, 16), m2h = i64x2.shl(m2, 32);
  const m4: u64 = (<u64>1 << (4 * d)) - 1;
  const half = (4 * d) >> 3, sh = (4 * d) & 7;
  const qw = i16x8.splat(<i16>Q), rnd = i32x4.splat(1 << (d - 1));
  for (let i = 0; i < 32; i++) {
    const p = inp + i * d;
    let x = i64x2.splat(<i64>(load<u64>(p) & m4));
    x = i64x2.replace_lane(x, 1, <i64>((load<u64>(p + half) >> sh) & m4));
    x = v128.or(v128.and(x, m2), v128.and(i64x2.shl(x, 32 - 2 * d), m2h));
    x = v128.or(v128.and(x, m1), v128.and(i32x4.shl(x, 16 - d), m1h));
    if (d < 12) {
      const lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(x, qw), rnd), d);
      const hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(x, qw), rnd), d);
      x = i16x8.narrow_i32x4_u(lo, hi);
    } else {
      x = i16x8.sub(x, q);
      x = i16x8.add(x, v128.and(i16x8.shr_s(x, 15), q));
    }
    v128.store(f + (i << 4), x);
  }
}

/** r = r + b, lane-wise Barrett-reduced (|inputs| < 2^14, so the i16 sum does not wrap). */
export function polyAddV(r: usize, b: usize): void {
  for (let j = 0; j < 512; j += 16) v128.store(r + j, reduceV(i16x8.add(v128.load(r + j), v128.load(b + j))));
}

/** r = a − r, lane-wise Barrett-reduced. */
export function polySubFromV(r: usize, a: usize): void {
  for (let j = 0; j < 512; j += 16) v128.store(r + j, reduceV(i16x8.sub(v128.load(a + j), v128.load(r + j))));
}

/** r = r · 2^16 mod q (Barrett multiplication by the constant 2^16 mod q = 2285), then + b reduced:
 *  the fused polyToMont + polyAdd of K-PKE.KeyGen step 18. */
export function polyToMontAddV(r: usize, b: usize): void {
  const z = i16x8.splat(2285), zp = i16x8.splat(<i16>(((<u64>2285 << 15) + 1664) * M40 >> 40));
  for (let j = 0; j < 512; j += 16) {
    v128.store(r + j, reduceV(i16x8.add(mulZetaV(v128.load(r + j), z, zp), v128.load(b + j))));
  }
}

/** prfCbdX2 for η = 2 on both lanes, straight from the 2-way state: the one-block SHAKE256 input
 *  σ ‖ N ‖ pad is written into the interleaved state directly, permuted once, and the first 128 bytes of
 *  each lane are turned into coefficients by vector SamplePolyCBD_2 (Algorithm 8): per byte, 2-bit sums
 *  x, y of each nibble (mask/shift/add) and coefficient x − y. One v128 load holds 8 bytes of lane A
 *  and 8 of lane B. Bit arithmetic only: no secret-dependent branch or index. */
function prfCbd2X2(outA: usize, nA: i32, outB: usize, nB: i32, sigma: usize): void {
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

/** decodeV for d = 12 and d = 10 with one byte shuffle per 8 coefficients: lane i receives the two
 *  bytes holding bits [d·i, d·i + d) (unaligned 16-byte load; ≤ 6 bytes past the input are read and
 *  ignored). d = 12: even lanes & 0xfff, odd lanes >> 4, then the conditional subtraction of q by mask
 *  (ByteDecode12 mod q). d = 10: lane i is shifted left by 6 − (2i mod 8) with a multiply and right by
 *  6, then Decompress_10 = (y·q + 512) >> 10 in i32 lanes. No data-dependent branch or address. */
function decodeV12or10(f: usize, inp: usize, d: i32): void {
  const q = i16x8.splat(<i16>Q);
  if (d == 12) {
    const m12 = i16x8.splat(0xfff), even = i32x4.splat(0xffff);
    for (let i = 0; i < 32; i++) {
      let v = v128.load(inp + i * 12);
      v = v128.shuffle<u8>(v, v, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
      v = v128.bitselect(v128.and(v, m12), i16x8.shr_u(v, 4), even);
      v = i16x8.sub(v, q);
      v128.store(f + (i << 4), i16x8.add(v, v128.and(i16x8.shr_s(v, 15), q)));
    }
  } else {
    const mul = i16x8(64, 16, 4, 1, 64, 16, 4, 1);
    const rnd = i32x4.splat(512);
    for (let i = 0; i < 32; i++) {
      let v = v128.load(inp + i * 10);
      v = v128.shuffle<u8>(v, v, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9);
      v = i16x8.shr_u(i16x8.mul(v, mul), 6);
      const lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(v, q), rnd), 10);
      const hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(v, q), rnd), 10);
      v128.store(f + (i << 4), i16x8.narrow_i32x4_u(lo, hi));
    }
  }
}

/** Row c of t̂ = Â ∘ ŝ + ê (K-PKE.KeyGen step 18) from the sampled row c of Â in S_MAT, bg = γ-premultiplied
 *  ŝ, then ByteEncode12 into ek (step 19). */
function keygenRow(c: usize, t: usize, s: usize, e: usize, k: i32, ek: usize): void {
  const mat = BASE + S_MAT, acc = BASE + S_ACC, bg = BASE + S_BG;
  for (let r = 0; r < k; r++) baseMulAccV(acc, mat + ((<i32>c * k + r) << 9), vecPoly(bg, r), vecPoly(s, r));
  accReduceV(vecPoly(t, <i32>c), acc);
  polyToMontAddV(vecPoly(t, <i32>c), vecPoly(e, <i32>c));
  encodeV(ek + c * 384, vecPoly(t, <i32>c), 12);
}

/** K-PKE.KeyGen steps 18-19 plus ML-KEM.KeyGen's H(ek) (Algorithm 16 step 3), SIMD build: samples Â
 *  (pairs on the 2-way Keccak), forms and encodes t̂ ‖ ρ into ek and writes H(ek) to hOut. When k² is
 *  odd (k = 3) the last entry is sampled on one lane while the other lane already absorbs the first
 *  blocks of ek (rows 0..k−2 of t̂ are encoded by then); H then continues on the scalar sponge. When
 *  lane B has no complete block to absorb, its state is saved around the permutation. ek, ρ and Â
 *  are public; all branches depend only on them. ρ must be at S_XOFIN. */
export function keygenMatrixHash(t: usize, s: usize, e: usize, k: i32, ek: usize, hOut: usize): void {
  const n = k * k, ekLen = 384 * k + 32;
  for (let r = 0; r < k; r++) gammaVector(vecPoly(BASE + S_BG, r), vecPoly(s, r));
  if ((n & 1) == 0) {
    sampleMatrix(k, false, 0, n);
    for (let c = 0; c < k; c++) keygenRow(c, t, s, e, k, ek);
    memory.copy(ek + 384 * k, BASE + S_XOFIN, 32);
    hashOnce(RATE_256, DS_SHA3, ek, ekLen, hOut, 32);
    return;
  }
  sampleMatrix(k, false, 0, n - 1);
  for (let c = 0; c < k - 1; c++) keygenRow(c, t, s, e, k, ek);
  const st = BASE + S_KECCAK, buf = BASE + S_XBUF, stash = BASE + S_ACC2, last = BASE + S_MAT + ((n - 1) << 9);
  const avail = 384 * (k - 1);
  memory.fill(st, 0, 400);
  seedXofLane(st, 0, k - 1, k - 1);   // lane A: Â[k−1][k−1] = SampleNTT(ρ ‖ k−1 ‖ k−1)
  let pos = 0, cnt = 0;
  while (cnt < 256) {
    if (pos + RATE_256 <= avail) {
      absorbLane(st + 8, ek + pos, RATE_256, RATE_256, DS_SHA3); // a full block: no padding
      pos += RATE_256;
      keccakF1600x2(st);
    } else {
      for (let l = 0; l < 25; l++) store<u64>(stash + (l << 3), load<u64>(st + (l << 4) + 8));
      keccakF1600x2(st);
      for (let l = 0; l < 25; l++) store<u64>(st + (l << 4) + 8, load<u64>(stash + (l << 3)));
    }
    for (let l = 0; l < 21; l++) store<u64>(buf + (l << 3), load<u64>(st + (l << 4)));
    cnt = rejectSampleV(last, cnt, buf);
  }
  // lane B → scalar sponge state (compacting in place: word l moves from st + 16l + 8 to st + 8l)
  for (let l = 0; l < 25; l++) store<u64>(st + (l << 3), load<u64>(st + (l << 4) + 8));
  memory.fill(st + 200, 0, 200);
  spongeResume(RATE_256);
  keygenRow(k - 1, t, s, e, k, ek);
  memory.copy(ek + 384 * k, BASE + S_XOFIN, 32);
  spongeAbsorb(ek + pos, ekLen - pos);
  spongeFinish(DS_SHA3);
  spongeSqueeze(hOut, 32);
}
