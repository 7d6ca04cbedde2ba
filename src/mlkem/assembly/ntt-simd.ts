// simd128 forms of ntt.ts (compiled only when ASC_FEATURE_SIMD is true, i.e. built with --enable simd):
// i16x8 NTT / NTT⁻¹ (FIPS 203 Alg. 9, 10), i32x4 dot-product MultiplyNTTs (FIPS 203 Alg. 11, 12) and
// coefficient-wise add / subtract. Same arithmetic conventions as the scalar code (plain-domain NTT with
// Barrett multiplication by ζ; MultiplyNTTs sums Montgomery-reduced once). Straight-line vector code: no
// data-dependent branch or address.
import { Q, ZETA, ZETA_P, GAMMA_R, INVNTT_SCALE, zetaP } from "./ntt";

/** Barrett-multiplication companion of 1: round(2^15/q) = 10 (used to reduce a vector mod q). */
const ONE_P: i16 = 10;

/** Barrett multiplication of 8 lanes by z (zp = round(z·2^15/q)): a·z − round(a·zp/2^15)·q (mod 2^16),
 *  exact because the true value lies in [−q, q]. q15mulr_sat never saturates as zp ≠ −2^15. */
// @ts-ignore: decorator
@inline export function mulZetaSimd(a: v128, z: v128, zp: v128): v128 {
  return i16x8.sub(i16x8.mul(a, z), i16x8.mul(i16x8.q15mulr_sat_s(a, zp), i16x8.splat(<i16>Q)));
}

/** Reduce 8 lanes mod q: a − round(a·10/2^15)·q, |result| ≤ 0.66q for |a| < 2^15. */
// @ts-ignore: decorator
@inline export function reduceSimd(a: v128): v128 {
  return i16x8.sub(a, i16x8.mul(i16x8.q15mulr_sat_s(a, i16x8.splat(ONE_P)), i16x8.splat(<i16>Q)));
}

/** NTT (FIPS 203 Alg. 9), 8 coefficients per vector. Layers len ≥ 8 use splatted ζ; the last two
 *  layers (len 4, 2) regroup two vectors with shuffles so each butterfly stays lane-parallel. */
export function nttSimd(f: usize): void {
  let k = 1;
  for (let len = 128; len >= 8; len >>= 1) {
    for (let start = 0; start < 256; start += len << 1) {
      const z = v128.load16_splat(ZETA + (k << 1)), zp = v128.load16_splat(ZETA_P + (k << 1));
      k++;
      for (let j = start; j < start + len; j += 8) {
        const pa = f + (j << 1), pb = pa + (len << 1);
        const a = v128.load(pa), t = mulZetaSimd(v128.load(pb), z, zp);
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
    let t = mulZetaSimd(b, z, zp);
    b = i16x8.sub(a, t); a = i16x8.add(a, t);
    v0 = v128.shuffle<i16>(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
    v1 = v128.shuffle<i16>(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    const k2 = 64 + (i >> 3); // len = 2 layer: ζ index 64 + 4·(i/32)
    z = v128.load64_splat(ZETA + (k2 << 1)); zp = v128.load64_splat(ZETA_P + (k2 << 1));
    z = v128.shuffle<i16>(z, z, 0, 0, 1, 1, 2, 2, 3, 3); zp = v128.shuffle<i16>(zp, zp, 0, 0, 1, 1, 2, 2, 3, 3);
    a = v128.shuffle<i16>(v0, v1, 0, 1, 4, 5, 8, 9, 12, 13);
    b = v128.shuffle<i16>(v0, v1, 2, 3, 6, 7, 10, 11, 14, 15);
    t = mulZetaSimd(b, z, zp);
    b = i16x8.sub(a, t); a = i16x8.add(a, t);
    v128.store(p, reduceSimd(v128.shuffle<i16>(a, b, 0, 1, 8, 9, 2, 3, 10, 11)));
    v128.store(p, reduceSimd(v128.shuffle<i16>(a, b, 4, 5, 12, 13, 6, 7, 14, 15)), 16);
    k += 2;
  }
}

/** NTT^-1 (FIPS 203 Alg. 10), 8 coefficients per vector; mirror image of nttSimd. Sums are reduced
 *  in the len 2, 4 pass and at len 32 only (lazy, bounds below), and the final scale folds 128^-1 with
 *  2^16 (see ntt.ts invNtt). */
export function invNttSimd(f: usize): void {
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
    a = reduceSimd(i16x8.add(t, b)); b = mulZetaSimd(i16x8.sub(b, t), z, zp);
    v0 = v128.shuffle<i16>(a, b, 0, 1, 8, 9, 2, 3, 10, 11);
    v1 = v128.shuffle<i16>(a, b, 4, 5, 12, 13, 6, 7, 14, 15);
    // len = 4: ζ index 63 − 2·(i/32) − {0,1}
    const k4 = 62 - (i >> 4);
    z = v128.load32_splat(ZETA + (k4 << 1)); zp = v128.load32_splat(ZETA_P + (k4 << 1));
    z = v128.shuffle<i16>(z, z, 1, 1, 1, 1, 0, 0, 0, 0); zp = v128.shuffle<i16>(zp, zp, 1, 1, 1, 1, 0, 0, 0, 0);
    a = v128.shuffle<i16>(v0, v1, 0, 1, 2, 3, 8, 9, 10, 11);
    b = v128.shuffle<i16>(v0, v1, 4, 5, 6, 7, 12, 13, 14, 15);
    t = a;
    a = reduceSimd(i16x8.add(t, b)); b = mulZetaSimd(i16x8.sub(b, t), z, zp);
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
        v128.store(pa, len == 32 ? reduceSimd(sum) : sum);
        v128.store(pb, mulZetaSimd(i16x8.sub(b, a), z, zp));
      }
    }
  }
  const zs = i16x8.splat(<i16>INVNTT_SCALE);
  const zsp = i16x8.splat(<i16>zetaP(INVNTT_SCALE));
  for (let j = 0; j < 512; j += 16) v128.store(f + j, mulZetaSimd(v128.load(f + j), zs, zsp));
}

/** acc += a ∘ b (MultiplyNTTs / BaseCaseMultiply, FIPS 203 Alg. 11-12) for 4 pairs per vector:
 *  c0 = a0·b0 + a1·(γ·b1)  and  c1 = a0·b1 + a1·b0 as i32x4 dot products. γ·b1 is a Barrett
 *  multiplication by the plain γ (GAMMA_R holds γ·2^16; the ·2^16 is undone by a Montgomery
 *  multiplication in gammaPremultiplySimd). Accumulator layout per 4 pairs: [c0 ×4][c1 ×4] (i32). */
export function multiplyNttsAccSimd(acc: usize, a: usize, bg: usize, b: usize): void {
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
export function gammaPremultiplySimd(bg: usize, b: usize): void {
  for (let i = 0; i < 128; i += 4) {
    // lanes [1, γ_i, 1, γ_{i+1}, ...] from GAMMA_V / GAMMA_VP (filled by initGammaTables)
    const g = v128.load(GAMMA_V + (i << 2)), gp = v128.load(GAMMA_VP + (i << 2));
    v128.store(bg + (i << 2), mulZetaSimd(v128.load(b + (i << 2)), g, gp));
  }
}

/** r = MontgomeryReduce(acc) (i32x4, then narrow and re-interleave pairs), and clear acc. */
export function montgomeryReduceAccSimd(r: usize, acc: usize): void {
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

/** Lane vectors for gammaPremultiplySimd: [1, γ_i, 1, γ_{i+1}, ...] and their Barrett companions. */
export const GAMMA_V: usize = memory.data(512, 16);
export const GAMMA_VP: usize = memory.data(512, 16);

/** Fill GAMMA_V / GAMMA_VP from GAMMA_R (called once at instantiation, after initTables). */
export function initGammaTables(): void {
  for (let i = 0; i < 128; i++) {
    // plain γ = γ·2^16 · 2^-16: Montgomery-reduce the stored value, then canonicalise
    let g = <i32>load<u16>(GAMMA_R + (i << 1));
    let t = <i32><i16>(g * 62209);
    g = (g - t * Q) >> 16;
    g += (g >> 31) & Q;
    store<u16>(GAMMA_V + (i << 2), 1);
    store<u16>(GAMMA_VP + (i << 2), ONE_P);
    store<u16>(GAMMA_V + (i << 2) + 2, g);
    store<u16>(GAMMA_VP + (i << 2) + 2, <u16>zetaP(g));
  }
}

/** r = r + b, lane-wise Barrett-reduced (|inputs| < 2^14, so the i16 sum does not wrap). */
export function polyAddSimd(r: usize, b: usize): void {
  for (let j = 0; j < 512; j += 16) v128.store(r + j, reduceSimd(i16x8.add(v128.load(r + j), v128.load(b + j))));
}

/** r = a − r, lane-wise Barrett-reduced. */
export function polySubFromSimd(r: usize, a: usize): void {
  for (let j = 0; j < 512; j += 16) v128.store(r + j, reduceSimd(i16x8.sub(v128.load(a + j), v128.load(r + j))));
}

/** r = r · 2^16 mod q (Barrett multiplication by the constant 2^16 mod q = 2285), then + b reduced:
 *  the fused polyToMont + polyAdd of K-PKE.KeyGen step 18. */
export function polyToMontAddSimd(r: usize, b: usize): void {
  const z = i16x8.splat(2285), zp = i16x8.splat(<i16>zetaP(2285));
  for (let j = 0; j < 512; j += 16) {
    v128.store(r + j, reduceSimd(i16x8.add(mulZetaSimd(v128.load(r + j), z, zp), v128.load(b + j))));
  }
}
