// NTT-domain arithmetic of FIPS 203 §4.3: the reductions, the ζ and γ tables (FIPS 203 Appendix A), NTT
// (FIPS 203 Alg. 9), NTT⁻¹ (FIPS 203 Alg. 10), MultiplyNTTs (FIPS 203 Alg. 11, from BaseCaseMultiply,
// FIPS 203 Alg. 12) and coefficient-wise add / subtract. Scalar code; the simd128 forms are in ntt-simd.ts.
// Coefficients are i16 in linear memory (256 per polynomial, 512 bytes). No division or remainder
// instruction is used anywhere: reductions are Barrett / Montgomery multiply-and-shift.

/** The ML-KEM modulus q = 3329 = 2^8·13 + 1 (FIPS 203 §2.4). */
export const Q: i32 = 3329;

/** q^-1 mod 2^16, for Montgomery reduction with R = 2^16 (3329 · 62209 ≡ 1 mod 2^16). */
const QINV: i32 = 62209;

/** round(2^26 / q), for Barrett reduction. */
const BARRETT_V: i32 = 20159;

/** R^2 mod q = 2^32 mod q; montgomeryReduce(x · R2) = x · R mod q. */
export const R2_MOD_Q: i32 = 1353;

/** 2^16 · 128^-1 mod q: the final NTT^-1 scale (FIPS 203 Alg. 10 step 14 multiplies by 128^-1 = 3303),
 *  times R to cancel the R^-1 that Montgomery-reduced MultiplyNTTs sums carry. */
export const INVNTT_SCALE: i32 = 512;

/** ceil(2^40 / q): floor(y / q) = (y · M40) >> 40 exactly for the twiddle precomputation's y = z·2^15 + 1664, z < q (checked in test/mlkem/constants.test.ts). */
export const M40: u64 = 330282857;

// ---- Tables, computed once at instantiation from the FIPS 203 definitions (FIPS 203 §4.3, Appendix A):
//  ZETA[i]   = 17^BitRev7(i) mod q                         (NTT twiddles, FIPS 203 Alg. 9/10)
//  ZETA_P[i] = round(ZETA[i] · 2^15 / q)                    (Barrett-multiplication companion, see mulZeta)
//  GAMMA_R[i]= 17^(2·BitRev7(i)+1) · 2^16 mod q             (BaseCaseMultiply γ, FIPS 203 Alg. 11, in Montgomery form)
export const ZETA: usize = memory.data(256, 16);
export const ZETA_P: usize = memory.data(256, 16);
export const GAMMA_R: usize = memory.data(256, 16);

/** Barrett reduction: r ≡ a (mod q) with |r| ≤ q/2 for |a| < 2^15 + small. Multiply-shift, constant time. */
// @ts-ignore: decorator
@inline export function barrettReduce(a: i32): i32 {
  return a - ((a * BARRETT_V + (1 << 25)) >> 26) * Q;
}

/** Montgomery reduction: r ≡ a · 2^-16 (mod q), |r| < q for |a| < q · 2^15. */
// @ts-ignore: decorator
@inline export function montgomeryReduce(a: i32): i32 {
  const t = <i32><i16>(a * QINV);
  return (a - t * Q) >> 16;
}

/** Canonical representative in [0, q): Barrett, then add q if negative (mask, no branch). */
// @ts-ignore: decorator
@inline export function freeze(a: i32): i32 {
  const r = barrettReduce(a);
  return r + ((r >> 31) & Q);
}

/** Barrett multiplication by a known constant z ∈ [0,q) with zp = round(z·2^15/q):
 *  t = round(a·zp / 2^15) ≈ a·z/q, so a·z − t·q ≡ a·z (mod q) and |result| ≤ q for |a| < 2^15. */
// @ts-ignore: decorator
@inline export function mulZeta(a: i32, z: i32, zp: i32): i32 {
  return a * z - ((a * zp + (1 << 14)) >> 15) * Q;
}

/** BitRev7 (FIPS 203 §4.3): reverse the 7 low bits. */
function bitRev7(n: i32): i32 {
  let r = 0;
  for (let b = 0; b < 7; b++) r |= ((n >> b) & 1) << (6 - b);
  return r;
}

/** Fill ZETA, ZETA_P, GAMMA_R from p = 17^n mod q, n = 0..255 (public constants). */
export function initTables(): void {
  let p = 1;
  for (let n = 0; n < 256; n++) {
    if (n < 128) {
      const i = bitRev7(n); // ζ^BitRev7(i) = 17^n  ⇔  i = BitRev7(n) (BitRev7 is an involution)
      store<u16>(ZETA + (i << 1), p);
      store<u16>(ZETA_P + (i << 1), <u16>(((<u64>p << 15) + 1664) * M40 >> 40));
    }
    if (n & 1) {
      const i = bitRev7(n >> 1); // γ_i = 17^(2·BitRev7(i)+1)
      store<u16>(GAMMA_R + (i << 1), freeze(montgomeryReduce(p * R2_MOD_Q)));
    }
    p = freeze(p * 17);
  }
}

/** Barrett companion round(z·2^15/q) of a canonical constant z (multiply-shift, exact: see M40). */
// @ts-ignore: decorator
@inline export function zetaP(z: i32): i32 { return <i32>((((<u64>z) << 15) + 1664) * M40 >> 40); }

/** Two Cooley–Tukey layers at once (lengths len and len/2) for NTT: each group of 4 coefficients
 *  (j, j+len/2, j+len, j+3len/2) is loaded once, gets the layer-len butterflies with ζ[k+b] and the
 *  layer-len/2 butterflies with ζ[2(k+b)], ζ[2(k+b)+1], and is stored once. No reductions (growth
 *  ≤ q per layer, see ntt). Public loop bounds and table indices only. */
// @ts-ignore: decorator
@inline function nttLayers2(f: usize, len: i32, k: i32): void {
  const h = len >> 1;
  for (let s = 0, b = k; s < 256; s += len << 1, b++) {
    const z1 = <i32>load<u16>(ZETA + (b << 1)), zp1 = <i32>load<u16>(ZETA_P + (b << 1));
    const z2 = <i32>load<u16>(ZETA + (b << 2)), zp2 = <i32>load<u16>(ZETA_P + (b << 2));
    const z3 = <i32>load<u16>(ZETA + (b << 2), 2), zp3 = <i32>load<u16>(ZETA_P + (b << 2), 2);
    for (let j = s; j < s + h; j++) {
      const p0 = f + (j << 1), p1 = p0 + (h << 1), p2 = p0 + (len << 1), p3 = p2 + (h << 1);
      let a0 = <i32>load<i16>(p0), a1 = <i32>load<i16>(p1), a2 = <i32>load<i16>(p2), a3 = <i32>load<i16>(p3);
      let t = mulZeta(a2, z1, zp1); a2 = a0 - t; a0 += t;
      t = mulZeta(a3, z1, zp1); a3 = a1 - t; a1 += t;
      t = mulZeta(a1, z2, zp2); a1 = a0 - t; a0 += t;
      t = mulZeta(a3, z3, zp3); a3 = a2 - t; a2 += t;
      store<i16>(p0, a0); store<i16>(p1, a1); store<i16>(p2, a2); store<i16>(p3, a3);
    }
  }
}

/** NTT (FIPS 203 Alg. 9), in place. Cooley–Tukey butterflies with Barrett multiplication by ζ,
 *  two layers per pass (128/64, 32/16, 8/4), then the len-2 layer fused with the final Barrett
 *  reduction. Inputs |f| ≤ q grow by ≤ q per layer (≤ 8q < 2^15 before the reduction).
 *  Constant time: loop bounds and table indices depend only on the layer, never on data. */
export function ntt(f: usize): void {
  nttLayers2(f, 128, 1);
  nttLayers2(f, 32, 4);
  nttLayers2(f, 8, 16);
  for (let s = 0; s < 256; s += 4) {
    const b = 64 + (s >> 2);
    const z = <i32>load<u16>(ZETA + (b << 1)), zp = <i32>load<u16>(ZETA_P + (b << 1));
    const p = f + (s << 1);
    const a0 = <i32>load<i16>(p), a1 = <i32>load<i16>(p, 2);
    const t2 = mulZeta(<i32>load<i16>(p, 4), z, zp), t3 = mulZeta(<i32>load<i16>(p, 6), z, zp);
    store<i16>(p, barrettReduce(a0 + t2)); store<i16>(p, barrettReduce(a1 + t3), 2);
    store<i16>(p, barrettReduce(a0 - t2), 4); store<i16>(p, barrettReduce(a1 - t3), 6);
  }
}

/** Two Gentleman–Sande layers at once (lengths len and 2len) for NTT^-1 on groups of 4 coefficients
 *  (j, j+len, j+2len, j+3len): layer len with ζ[256/len − 1 − 2B], ζ[256/len − 2 − 2B], then layer 2len
 *  with ζ[128/len − 1 − B] (block B). Lazy reduction: only the second layer's sums are Barrett-reduced
 *  (first-layer sums ≤ 2q, second ≤ 4q; Barrett-multiplied differences stay < q). */
// @ts-ignore: decorator
@inline function invNttLayers2(f: usize, len: i32): void {
  const kA = (256 >> ctz(len)) - 1, kC = (128 >> ctz(len)) - 1;
  for (let s = 0, B = 0; s < 256; s += len << 2, B++) {
    const ia = kA - (B << 1), ic = kC - B;
    const zA = <i32>load<u16>(ZETA + (ia << 1)), zpA = <i32>load<u16>(ZETA_P + (ia << 1));
    const zB = <i32>load<u16>(ZETA + (ia << 1) - 2), zpB = <i32>load<u16>(ZETA_P + (ia << 1) - 2);
    const zC = <i32>load<u16>(ZETA + (ic << 1)), zpC = <i32>load<u16>(ZETA_P + (ic << 1));
    for (let j = s; j < s + len; j++) {
      const p0 = f + (j << 1), p1 = p0 + (len << 1), p2 = p1 + (len << 1), p3 = p2 + (len << 1);
      let a0 = <i32>load<i16>(p0), a1 = <i32>load<i16>(p1), a2 = <i32>load<i16>(p2), a3 = <i32>load<i16>(p3);
      let t = a0; a0 = t + a1; a1 = mulZeta(a1 - t, zA, zpA);
      t = a2; a2 = t + a3; a3 = mulZeta(a3 - t, zB, zpB);
      t = a0; a0 = barrettReduce(t + a2); a2 = mulZeta(a2 - t, zC, zpC);
      t = a1; a1 = barrettReduce(t + a3); a3 = mulZeta(a3 - t, zC, zpC);
      store<i16>(p0, a0); store<i16>(p1, a1); store<i16>(p2, a2); store<i16>(p3, a3);
    }
  }
}

/** NTT^-1 (FIPS 203 Alg. 10), in place. Gentleman–Sande butterflies, two layers per pass
 *  (2/4, 8/16, 32/64), then the len-128 layer fused with the final scale: ·128^-1 folded with ·2^16
 *  (INVNTT_SCALE) because inputs come from Montgomery-reduced MultiplyNTTs sums (which carry 2^-16);
 *  the difference branch uses the premultiplied constant ζ[1]·INVNTT_SCALE mod q.
 *  Constant time: data-independent control flow and addresses. */
export function invNtt(f: usize): void {
  invNttLayers2(f, 2);
  invNttLayers2(f, 8);
  invNttLayers2(f, 32);
  const zsp = zetaP(INVNTT_SCALE);
  const y = <u64>load<u16>(ZETA + 2) * INVNTT_SCALE;        // ζ[1]·scale < 2^27: exact quotient via M40
  const zz = <i32>(y - ((y * M40) >> 40) * Q), zzp = zetaP(zz);
  for (let j = 0; j < 128; j++) {
    const p0 = f + (j << 1), p1 = p0 + 256;
    const a = <i32>load<i16>(p0), b = <i32>load<i16>(p1);
    store<i16>(p0, mulZeta(a + b, INVNTT_SCALE, zsp));
    store<i16>(p1, mulZeta(b - a, zz, zzp));
  }
}

/** acc += a ∘ b, the NTT-domain product of MultiplyNTTs (FIPS 203 Alg. 11) built from
 *  BaseCaseMultiply (FIPS 203 Alg. 12) on each pair: (a0 + a1X)(b0 + b1X) mod (X² − γ_i).
 *  Lazy: sums stay in i32 (|acc| < k·2q² < q·2^15) and are Montgomery-reduced once by montgomeryReduceAcc.
 *  Constant time: straight-line multiply/add. */
export function multiplyNttsAcc(acc: usize, a: usize, b: usize): void {
  for (let i = 0; i < 128; i++) {
    const g = <i32>load<u16>(GAMMA_R + (i << 1));
    const pa = a + (i << 2), pb = b + (i << 2), pc = acc + (i << 3);
    const a0 = <i32>load<i16>(pa), a1 = <i32>load<i16>(pa, 2);
    const b0 = <i32>load<i16>(pb), b1 = <i32>load<i16>(pb, 2);
    store<i32>(pc, load<i32>(pc) + a0 * b0 + montgomeryReduce(a1 * b1) * g);
    store<i32>(pc, load<i32>(pc, 4) + a0 * b1 + a1 * b0, 4);
  }
}

/** r = MontgomeryReduce(acc) (coefficients carry 2^-16), and clear acc for the next sum. */
export function montgomeryReduceAcc(r: usize, acc: usize): void {
  for (let i = 0; i < 256; i++) {
    store<i16>(r + (i << 1), montgomeryReduce(load<i32>(acc + (i << 2))));
    store<i32>(acc + (i << 2), 0);
  }
}

/** r = r + b (coefficient-wise, Barrett-reduced). */
export function polyAdd(r: usize, b: usize): void {
  for (let j = 0; j < 512; j += 2) store<i16>(r + j, barrettReduce(<i32>load<i16>(r + j) + <i32>load<i16>(b + j)));
}

/** r = a − r (coefficient-wise, Barrett-reduced). */
export function polySubFrom(r: usize, a: usize): void {
  for (let j = 0; j < 512; j += 2) store<i16>(r + j, barrettReduce(<i32>load<i16>(a + j) - <i32>load<i16>(r + j)));
}

/** r = r · 2^16 mod q (converts a Montgomery-reduced product back to the plain domain). */
export function polyToMont(r: usize): void {
  for (let j = 0; j < 512; j += 2) store<i16>(r + j, montgomeryReduce(<i32>load<i16>(r + j) * R2_MOD_Q));
}
