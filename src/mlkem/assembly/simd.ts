// SIMD code paths (compiled only when ASC_FEATURE_SIMD is true, i.e. built with --enable simd):
// i16x8 NTT / NTT^-1, i32x4 dot-product MultiplyNTTs, and 2-way Keccak (i64x2) for matrix sampling.
// Same arithmetic conventions as the scalar code in poly.ts (plain-domain NTT with Barrett
// multiplication by ζ; MultiplyNTTs sums Montgomery-reduced once). All straight-line vector code:
// no data-dependent branch or address, except SampleNTT rejection on the public seed ρ.
import { BASE, S_A, S_ACC, S_KECCAK, S_XOFIN, S_MAT, S_XBUF, S_BG } from "./layout";
import { Q, ZETA, ZETA_P, GAMMA_R } from "./poly";
import { keccakF1600x2 } from "./keccak-x2";
import { RATE_SHAKE128 } from "./keccak";
import { sampleMatrixEntry, vecPoly } from "./kpke";
import { rejectSample } from "./poly";

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
 *  every layer, and the final scale folds 128^-1 with 2^16 (see poly.ts invNtt). */
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
        v128.store(pa, reduceV(i16x8.add(a, b)));
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

/** Fill GAMMA_V / GAMMA_VP from GAMMA_R (called once at instantiation). */
export function initSimdTables(): void {
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
    ja = rejectSample(outA, ja, buf);
    jb = rejectSample(outB, jb, buf + 168);
  }
}

/** out[i] = Σ_j Â[i][j] ∘ v[j] (or Âᵀ), as in kpke.ts, with the whole matrix sampled first in pairs
 *  (2-way Keccak) into S_MAT, then multiplied with vector code. */
export function matrixTimesVector(out: usize, v: usize, k: i32, transposed: bool): void {
  const mat = BASE + S_MAT, acc = BASE + S_ACC, bg = BASE + S_BG;
  for (let r = 0; r < k; r++) gammaVector(vecPoly(bg, r), vecPoly(v, r));
  const n = k * k;
  // Entry e ↔ (i, j) = (e / k, e mod k), computed by counting (no division instruction).
  let i = 0, j = 0, e = 0;
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
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < k; r++) {
      baseMulAccV(acc, mat + ((c * k + r) << 9), vecPoly(bg, r), vecPoly(v, r));
    }
    accReduceV(vecPoly(out, c), acc);
  }
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
