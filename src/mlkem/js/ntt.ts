// NTT-domain arithmetic of FIPS 203 §4.3 in TypeScript for interpreters: the ζ and γ tables, NTT
// (FIPS 203 Alg. 9), NTT⁻¹ (FIPS 203 Alg. 10) and MultiplyNTTs (FIPS 203 Alg. 11, from BaseCaseMultiply,
// FIPS 203 Alg. 12); the reductions are in reduce.ts. Same reductions and constants as
// ../assembly/ntt.ts, so the two cores compute byte-identical results (checked by the differential
// tests); the loop structure differs.
//
// Written for an engine without a JIT (Fastly's StarlingMonkey): local variables are cheap, array
// accesses and calls are not. So the reductions of the wasm core's @inline helpers (barrettReduce,
// montgomeryReduce, mulZeta, freeze) are written out at each use, and each coefficient is loaded
// once and stored once per pass. Deliberately unrolled: the NTT passes and MultiplyNTTs repeat one
// butterfly or product per coefficient group instead of looping over a helper.
//
// Coefficients are Int16Array(256) (stores truncate to 16 bits, as the wasm core's i16 stores do).
// No division or remainder on any data: reductions are Barrett / Montgomery multiply-and-shift. Every
// product below is an exact integer in a double (< 2^53, bound in the comment), so `x * y` then a
// 32-bit operator (`>>`, `<<`, `|`) equals the wasm core's i32 arithmetic.

import { BARRETT_V, freeze, montgomeryReduce, Q, QINV, R2_MOD_Q } from './reduce.ts'

/** 2^16 · 128^-1 mod q: the final NTT^-1 scale (FIPS 203 Alg. 10 step 14), times R (see ../assembly/ntt.ts). */
const INVNTT_SCALE = 512

// ---- Tables, computed once at module load from the FIPS 203 definitions (FIPS 203 §4.3, Appendix A); public:
//  ZETA[i]   = 17^BitRev7(i) mod q                         (NTT twiddles, FIPS 203 Alg. 9/10)
//  ZETA_P[i] = round(ZETA[i] · 2^15 / q)                    (Barrett-multiplication companion, see mulZeta)
//  GAMMA_R[i]= 17^(2·BitRev7(i)+1) · 2^16 mod q             (BaseCaseMultiply γ, FIPS 203 Alg. 11, in Montgomery form)
export const ZETA = new Int32Array(128)
export const ZETA_P = new Int32Array(128)
export const GAMMA_R = new Int32Array(128)
/** The fused last NTT^-1 layer's constants: zetaP(INVNTT_SCALE), ζ[1]·INVNTT_SCALE mod q and its companion. */
let INV_ZSP = 0,
  INV_ZZ = 0,
  INV_ZZP = 0

/** BitRev7 (FIPS 203 §4.3): reverse the 7 low bits. */
function bitRev7(n: number): number {
  let r = 0
  for (let b = 0; b < 7; b++) r |= ((n >> b) & 1) << (6 - b)
  return r
}

/** round(z·2^15/q) for a public constant z < q (table construction only; never on secret data). */
function zetaP(z: number): number {
  return Math.floor((z * 32768 + 1664) / Q)
}

/** Fill ZETA, ZETA_P, GAMMA_R from p = 17^n mod q, n = 0..255 (public constants). */
export function initTables(): void {
  let p = 1
  for (let n = 0; n < 256; n++) {
    if (n < 128) {
      const i = bitRev7(n) // ζ^BitRev7(i) = 17^n  ⇔  i = BitRev7(n) (BitRev7 is an involution)
      ZETA[i] = p
      ZETA_P[i] = zetaP(p)
    }
    if (n & 1) {
      const i = bitRev7(n >> 1) // γ_i = 17^(2·BitRev7(i)+1)
      GAMMA_R[i] = freeze(montgomeryReduce(p * R2_MOD_Q))
    }
    p = freeze(p * 17)
  }
  INV_ZSP = zetaP(INVNTT_SCALE)
  const y = ZETA[1]! * INVNTT_SCALE // < 2^27
  INV_ZZ = y - Math.floor(y / Q) * Q
  INV_ZZP = zetaP(INV_ZZ)
}

// NTT and NTT^-1 in two passes each: groups of coefficients are loaded once into local variables, get
// three or four layers of butterflies, and are stored once (typed-array loads and stores cost far more
// than local arithmetic in the interpreter). mulZeta (Barrett multiplication by ζ with its companion zp)
// is written out: t = a·ζ − ⌊(a·zp + 2^14) / 2^15⌋·q.

/** NTT layers 128, 64, 32, 16 (FIPS 203 Alg. 9, i = 1 .. 15): each group of 16 coefficients j + 16m (m = 0..15,
 *  j = 0..15) uses the same fifteen ζ, loaded once. From inputs |a| ≤ q every layer adds at most q:
 *  |a| ≤ 5q after this pass, so a·zp < 2^31. */
function nttTop4(f: Int16Array): void {
  // Deliberately unrolled: four butterfly layers on 16 locals, the same pattern per layer (loads and calls cost far more than arithmetic in an interpreter).
  const z1 = ZETA[1]!,
    p1 = ZETA_P[1]!,
    z2 = ZETA[2]!,
    p2 = ZETA_P[2]!,
    z3 = ZETA[3]!,
    p3 = ZETA_P[3]!,
    z4 = ZETA[4]!,
    p4 = ZETA_P[4]!
  const z5 = ZETA[5]!,
    p5 = ZETA_P[5]!,
    z6 = ZETA[6]!,
    p6 = ZETA_P[6]!,
    z7 = ZETA[7]!,
    p7 = ZETA_P[7]!,
    z8 = ZETA[8]!,
    p8 = ZETA_P[8]!
  const z9 = ZETA[9]!,
    p9 = ZETA_P[9]!,
    z10 = ZETA[10]!,
    p10 = ZETA_P[10]!,
    z11 = ZETA[11]!,
    p11 = ZETA_P[11]!,
    z12 = ZETA[12]!,
    p12 = ZETA_P[12]!
  const z13 = ZETA[13]!,
    p13 = ZETA_P[13]!,
    z14 = ZETA[14]!,
    p14 = ZETA_P[14]!,
    z15 = ZETA[15]!,
    p15 = ZETA_P[15]!
  for (let j = 0; j < 16; j++) {
    let a0 = f[j]!,
      a1 = f[j + 16]!,
      a2 = f[j + 32]!,
      a3 = f[j + 48]!,
      a4 = f[j + 64]!,
      a5 = f[j + 80]!,
      a6 = f[j + 96]!,
      a7 = f[j + 112]!
    let a8 = f[j + 128]!,
      a9 = f[j + 144]!,
      a10 = f[j + 160]!,
      a11 = f[j + 176]!,
      a12 = f[j + 192]!,
      a13 = f[j + 208]!,
      a14 = f[j + 224]!,
      a15 = f[j + 240]!
    let t = 0
    // layer 128: (m, m+8) with ζ[1]
    t = a8 * z1 - ((a8 * p1 + 16384) >> 15) * Q
    a8 = a0 - t
    a0 += t
    t = a9 * z1 - ((a9 * p1 + 16384) >> 15) * Q
    a9 = a1 - t
    a1 += t
    t = a10 * z1 - ((a10 * p1 + 16384) >> 15) * Q
    a10 = a2 - t
    a2 += t
    t = a11 * z1 - ((a11 * p1 + 16384) >> 15) * Q
    a11 = a3 - t
    a3 += t
    t = a12 * z1 - ((a12 * p1 + 16384) >> 15) * Q
    a12 = a4 - t
    a4 += t
    t = a13 * z1 - ((a13 * p1 + 16384) >> 15) * Q
    a13 = a5 - t
    a5 += t
    t = a14 * z1 - ((a14 * p1 + 16384) >> 15) * Q
    a14 = a6 - t
    a6 += t
    t = a15 * z1 - ((a15 * p1 + 16384) >> 15) * Q
    a15 = a7 - t
    a7 += t
    // layer 64: (m, m+4) with ζ[2] (m < 4), ζ[3] (8 ≤ m < 12)
    t = a4 * z2 - ((a4 * p2 + 16384) >> 15) * Q
    a4 = a0 - t
    a0 += t
    t = a5 * z2 - ((a5 * p2 + 16384) >> 15) * Q
    a5 = a1 - t
    a1 += t
    t = a6 * z2 - ((a6 * p2 + 16384) >> 15) * Q
    a6 = a2 - t
    a2 += t
    t = a7 * z2 - ((a7 * p2 + 16384) >> 15) * Q
    a7 = a3 - t
    a3 += t
    t = a12 * z3 - ((a12 * p3 + 16384) >> 15) * Q
    a12 = a8 - t
    a8 += t
    t = a13 * z3 - ((a13 * p3 + 16384) >> 15) * Q
    a13 = a9 - t
    a9 += t
    t = a14 * z3 - ((a14 * p3 + 16384) >> 15) * Q
    a14 = a10 - t
    a10 += t
    t = a15 * z3 - ((a15 * p3 + 16384) >> 15) * Q
    a15 = a11 - t
    a11 += t
    // layer 32: (m, m+2) with ζ[4 .. 7], one per block of 4
    t = a2 * z4 - ((a2 * p4 + 16384) >> 15) * Q
    a2 = a0 - t
    a0 += t
    t = a3 * z4 - ((a3 * p4 + 16384) >> 15) * Q
    a3 = a1 - t
    a1 += t
    t = a6 * z5 - ((a6 * p5 + 16384) >> 15) * Q
    a6 = a4 - t
    a4 += t
    t = a7 * z5 - ((a7 * p5 + 16384) >> 15) * Q
    a7 = a5 - t
    a5 += t
    t = a10 * z6 - ((a10 * p6 + 16384) >> 15) * Q
    a10 = a8 - t
    a8 += t
    t = a11 * z6 - ((a11 * p6 + 16384) >> 15) * Q
    a11 = a9 - t
    a9 += t
    t = a14 * z7 - ((a14 * p7 + 16384) >> 15) * Q
    a14 = a12 - t
    a12 += t
    t = a15 * z7 - ((a15 * p7 + 16384) >> 15) * Q
    a15 = a13 - t
    a13 += t
    // layer 16: (m, m+1) with ζ[8 .. 15], one per pair
    t = a1 * z8 - ((a1 * p8 + 16384) >> 15) * Q
    a1 = a0 - t
    a0 += t
    t = a3 * z9 - ((a3 * p9 + 16384) >> 15) * Q
    a3 = a2 - t
    a2 += t
    t = a5 * z10 - ((a5 * p10 + 16384) >> 15) * Q
    a5 = a4 - t
    a4 += t
    t = a7 * z11 - ((a7 * p11 + 16384) >> 15) * Q
    a7 = a6 - t
    a6 += t
    t = a9 * z12 - ((a9 * p12 + 16384) >> 15) * Q
    a9 = a8 - t
    a8 += t
    t = a11 * z13 - ((a11 * p13 + 16384) >> 15) * Q
    a11 = a10 - t
    a10 += t
    t = a13 * z14 - ((a13 * p14 + 16384) >> 15) * Q
    a13 = a12 - t
    a12 += t
    t = a15 * z15 - ((a15 * p15 + 16384) >> 15) * Q
    a15 = a14 - t
    a14 += t
    f[j] = a0
    f[j + 16] = a1
    f[j + 32] = a2
    f[j + 48] = a3
    f[j + 64] = a4
    f[j + 80] = a5
    f[j + 96] = a6
    f[j + 112] = a7
    f[j + 128] = a8
    f[j + 144] = a9
    f[j + 160] = a10
    f[j + 176] = a11
    f[j + 192] = a12
    f[j + 208] = a13
    f[j + 224] = a14
    f[j + 240] = a15
  }
}

/** NTT layers 8, 4, 2 (FIPS 203 Alg. 9, i = 16 .. 127) and the final Barrett reduction: block G (16 coefficients
 *  from s = 16G) in two groups of 8 (s + j + 2m, j = 0, 1) uses ζ[16 + G], ζ[32 + 2G], ζ[33 + 2G] and
 *  ζ[64 + 4G .. 67 + 4G]. |a| ≤ 8q < 2^15 before the reduction (a·zp < 2^30), |a| ≤ q/2 + 1 after. */
function nttBottom3(f: Int16Array): void {
  // Deliberately unrolled: three butterfly layers on 8 locals per group, written out for the interpreter.
  for (let s = 0, G = 0; s < 256; s += 16, G++) {
    const z1 = ZETA[16 + G]!,
      p1 = ZETA_P[16 + G]!
    const z2 = ZETA[32 + 2 * G]!,
      p2 = ZETA_P[32 + 2 * G]!,
      z3 = ZETA[33 + 2 * G]!,
      p3 = ZETA_P[33 + 2 * G]!
    const z4 = ZETA[64 + 4 * G]!,
      p4 = ZETA_P[64 + 4 * G]!,
      z5 = ZETA[65 + 4 * G]!,
      p5 = ZETA_P[65 + 4 * G]!
    const z6 = ZETA[66 + 4 * G]!,
      p6 = ZETA_P[66 + 4 * G]!,
      z7 = ZETA[67 + 4 * G]!,
      p7 = ZETA_P[67 + 4 * G]!
    for (let j = s; j < s + 2; j++) {
      let a0 = f[j]!,
        a1 = f[j + 2]!,
        a2 = f[j + 4]!,
        a3 = f[j + 6]!,
        a4 = f[j + 8]!,
        a5 = f[j + 10]!,
        a6 = f[j + 12]!,
        a7 = f[j + 14]!
      // layer 8: (m, m+4) with ζ[16 + G]
      let t = a4 * z1 - ((a4 * p1 + 16384) >> 15) * Q
      a4 = a0 - t
      a0 += t
      t = a5 * z1 - ((a5 * p1 + 16384) >> 15) * Q
      a5 = a1 - t
      a1 += t
      t = a6 * z1 - ((a6 * p1 + 16384) >> 15) * Q
      a6 = a2 - t
      a2 += t
      t = a7 * z1 - ((a7 * p1 + 16384) >> 15) * Q
      a7 = a3 - t
      a3 += t
      // layer 4: (0,2), (1,3) with ζ[32 + 2G]; (4,6), (5,7) with ζ[33 + 2G]
      t = a2 * z2 - ((a2 * p2 + 16384) >> 15) * Q
      a2 = a0 - t
      a0 += t
      t = a3 * z2 - ((a3 * p2 + 16384) >> 15) * Q
      a3 = a1 - t
      a1 += t
      t = a6 * z3 - ((a6 * p3 + 16384) >> 15) * Q
      a6 = a4 - t
      a4 += t
      t = a7 * z3 - ((a7 * p3 + 16384) >> 15) * Q
      a7 = a5 - t
      a5 += t
      // layer 2: (0,1), (2,3), (4,5), (6,7) with ζ[64 + 4G .. 67 + 4G]
      t = a1 * z4 - ((a1 * p4 + 16384) >> 15) * Q
      a1 = a0 - t
      a0 += t
      t = a3 * z5 - ((a3 * p5 + 16384) >> 15) * Q
      a3 = a2 - t
      a2 += t
      t = a5 * z6 - ((a5 * p6 + 16384) >> 15) * Q
      a5 = a4 - t
      a4 += t
      t = a7 * z7 - ((a7 * p7 + 16384) >> 15) * Q
      a7 = a6 - t
      a6 += t
      f[j] = a0 - ((a0 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 2] = a1 - ((a1 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 4] = a2 - ((a2 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 6] = a3 - ((a3 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 8] = a4 - ((a4 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 10] = a5 - ((a5 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 12] = a6 - ((a6 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 14] = a7 - ((a7 * BARRETT_V + 33554432) >> 26) * Q
    }
  }
}

/** NTT (FIPS 203 Alg. 9), in place, in two passes (nttTop4, nttBottom3). Constant time: loop bounds
 *  and table indices depend only on the layer. */
export function ntt(f: Int16Array): void {
  nttTop4(f)
  nttBottom3(f)
}

/** NTT^-1 layers 2, 4, 8 (FIPS 203 Alg. 10, i = 127 .. 16): block G (16 coefficients from s = 16G) in two groups of 8
 *  (s + j + 2m, j = 0, 1) uses ζ[127 − 4G .. 124 − 4G], ζ[63 − 2G], ζ[62 − 2G] and ζ[31 − G]; a pair
 *  (lo, hi) becomes (lo + hi, ζ·(hi − lo)). The four last-layer sums are Barrett-reduced: from inputs
 *  |x| ≤ q they reach at most 8q (< 2^15; mulZeta inputs ≤ 8q keep a·zp < 2^31), and every output
 *  leaves with |x| ≤ q. */
function invNttBottom3(f: Int16Array): void {
  // Deliberately unrolled: the mirror image of nttBottom3, written out for the interpreter.
  for (let s = 0, G = 0; s < 256; s += 16, G++) {
    const ia = 127 - 4 * G,
      ib = 63 - 2 * G,
      ic = 31 - G
    const z0 = ZETA[ia]!,
      p0 = ZETA_P[ia]!,
      z1 = ZETA[ia - 1]!,
      p1 = ZETA_P[ia - 1]!
    const z2 = ZETA[ia - 2]!,
      p2 = ZETA_P[ia - 2]!,
      z3 = ZETA[ia - 3]!,
      p3 = ZETA_P[ia - 3]!
    const z4 = ZETA[ib]!,
      p4 = ZETA_P[ib]!,
      z5 = ZETA[ib - 1]!,
      p5 = ZETA_P[ib - 1]!
    const z6 = ZETA[ic]!,
      p6 = ZETA_P[ic]!
    for (let j = s; j < s + 2; j++) {
      let a0 = f[j]!,
        a1 = f[j + 2]!,
        a2 = f[j + 4]!,
        a3 = f[j + 6]!,
        a4 = f[j + 8]!,
        a5 = f[j + 10]!,
        a6 = f[j + 12]!,
        a7 = f[j + 14]!
      // layer 2: (0,1), (2,3), (4,5), (6,7)
      let t = a1 - a0
      a0 += a1
      a1 = t * z0 - ((t * p0 + 16384) >> 15) * Q
      t = a3 - a2
      a2 += a3
      a3 = t * z1 - ((t * p1 + 16384) >> 15) * Q
      t = a5 - a4
      a4 += a5
      a5 = t * z2 - ((t * p2 + 16384) >> 15) * Q
      t = a7 - a6
      a6 += a7
      a7 = t * z3 - ((t * p3 + 16384) >> 15) * Q
      // layer 4: (0,2), (1,3) with ζ[ib]; (4,6), (5,7) with ζ[ib − 1]
      t = a2 - a0
      a0 += a2
      a2 = t * z4 - ((t * p4 + 16384) >> 15) * Q
      t = a3 - a1
      a1 += a3
      a3 = t * z4 - ((t * p4 + 16384) >> 15) * Q
      t = a6 - a4
      a4 += a6
      a6 = t * z5 - ((t * p5 + 16384) >> 15) * Q
      t = a7 - a5
      a5 += a7
      a7 = t * z5 - ((t * p5 + 16384) >> 15) * Q
      // layer 8: (m, m+4) with ζ[ic]; the sums Barrett-reduced
      t = a4 - a0
      a0 += a4
      a4 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a5 - a1
      a1 += a5
      a5 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a6 - a2
      a2 += a6
      a6 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a7 - a3
      a3 += a7
      a7 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      f[j] = a0 - ((a0 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 2] = a1 - ((a1 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 4] = a2 - ((a2 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 6] = a3 - ((a3 * BARRETT_V + 33554432) >> 26) * Q
      f[j + 8] = a4
      f[j + 10] = a5
      f[j + 12] = a6
      f[j + 14] = a7
    }
  }
}

/** NTT^-1 layers 16, 32, 64 (FIPS 203 Alg. 10, i = 15 .. 2) and the len-128 layer (i = 1) fused with the final scale
 *  ·128^-1·2^16 (inputs carry 2^-16 from Montgomery-reduced MultiplyNTTs sums): each group of 16
 *  coefficients j + 16m uses the same ζ, loaded once. From |x| ≤ q the layer-64 sums reach 8q and are
 *  Barrett-reduced, so the last layer gets |x| ≤ q (sums and differences ≤ 2q). */
function invNttTop4(f: Int16Array): void {
  // Deliberately unrolled: the mirror image of nttTop4, written out for the interpreter.
  const z2 = ZETA[2]!,
    p2 = ZETA_P[2]!,
    z3 = ZETA[3]!,
    p3 = ZETA_P[3]!,
    z4 = ZETA[4]!,
    p4 = ZETA_P[4]!,
    z5 = ZETA[5]!,
    p5 = ZETA_P[5]!
  const z6 = ZETA[6]!,
    p6 = ZETA_P[6]!,
    z7 = ZETA[7]!,
    p7 = ZETA_P[7]!,
    z8 = ZETA[8]!,
    p8 = ZETA_P[8]!,
    z9 = ZETA[9]!,
    p9 = ZETA_P[9]!
  const z10 = ZETA[10]!,
    p10 = ZETA_P[10]!,
    z11 = ZETA[11]!,
    p11 = ZETA_P[11]!,
    z12 = ZETA[12]!,
    p12 = ZETA_P[12]!,
    z13 = ZETA[13]!,
    p13 = ZETA_P[13]!
  const z14 = ZETA[14]!,
    p14 = ZETA_P[14]!,
    z15 = ZETA[15]!,
    p15 = ZETA_P[15]!
  const zsp = INV_ZSP,
    zz = INV_ZZ,
    zzp = INV_ZZP
  for (let j = 0; j < 16; j++) {
    let a0 = f[j]!,
      a1 = f[j + 16]!,
      a2 = f[j + 32]!,
      a3 = f[j + 48]!,
      a4 = f[j + 64]!,
      a5 = f[j + 80]!,
      a6 = f[j + 96]!,
      a7 = f[j + 112]!
    let a8 = f[j + 128]!,
      a9 = f[j + 144]!,
      a10 = f[j + 160]!,
      a11 = f[j + 176]!,
      a12 = f[j + 192]!,
      a13 = f[j + 208]!,
      a14 = f[j + 224]!,
      a15 = f[j + 240]!
    let t = 0
    // layer 16: (2i, 2i+1) with ζ[15 − i]
    t = a1 - a0
    a0 += a1
    a1 = t * z15 - ((t * p15 + 16384) >> 15) * Q
    t = a3 - a2
    a2 += a3
    a3 = t * z14 - ((t * p14 + 16384) >> 15) * Q
    t = a5 - a4
    a4 += a5
    a5 = t * z13 - ((t * p13 + 16384) >> 15) * Q
    t = a7 - a6
    a6 += a7
    a7 = t * z12 - ((t * p12 + 16384) >> 15) * Q
    t = a9 - a8
    a8 += a9
    a9 = t * z11 - ((t * p11 + 16384) >> 15) * Q
    t = a11 - a10
    a10 += a11
    a11 = t * z10 - ((t * p10 + 16384) >> 15) * Q
    t = a13 - a12
    a12 += a13
    a13 = t * z9 - ((t * p9 + 16384) >> 15) * Q
    t = a15 - a14
    a14 += a15
    a15 = t * z8 - ((t * p8 + 16384) >> 15) * Q
    // layer 32: (m, m+2) with ζ[7 − block]
    t = a2 - a0
    a0 += a2
    a2 = t * z7 - ((t * p7 + 16384) >> 15) * Q
    t = a3 - a1
    a1 += a3
    a3 = t * z7 - ((t * p7 + 16384) >> 15) * Q
    t = a6 - a4
    a4 += a6
    a6 = t * z6 - ((t * p6 + 16384) >> 15) * Q
    t = a7 - a5
    a5 += a7
    a7 = t * z6 - ((t * p6 + 16384) >> 15) * Q
    t = a10 - a8
    a8 += a10
    a10 = t * z5 - ((t * p5 + 16384) >> 15) * Q
    t = a11 - a9
    a9 += a11
    a11 = t * z5 - ((t * p5 + 16384) >> 15) * Q
    t = a14 - a12
    a12 += a14
    a14 = t * z4 - ((t * p4 + 16384) >> 15) * Q
    t = a15 - a13
    a13 += a15
    a15 = t * z4 - ((t * p4 + 16384) >> 15) * Q
    // layer 64: (m, m+4) with ζ[3] (m < 4), ζ[2] (8 ≤ m < 12); the sums (≤ 8q) Barrett-reduced
    t = a4 - a0
    a0 += a4
    a4 = t * z3 - ((t * p3 + 16384) >> 15) * Q
    t = a5 - a1
    a1 += a5
    a5 = t * z3 - ((t * p3 + 16384) >> 15) * Q
    t = a6 - a2
    a2 += a6
    a6 = t * z3 - ((t * p3 + 16384) >> 15) * Q
    t = a7 - a3
    a3 += a7
    a7 = t * z3 - ((t * p3 + 16384) >> 15) * Q
    t = a12 - a8
    a8 += a12
    a12 = t * z2 - ((t * p2 + 16384) >> 15) * Q
    t = a13 - a9
    a9 += a13
    a13 = t * z2 - ((t * p2 + 16384) >> 15) * Q
    t = a14 - a10
    a10 += a14
    a14 = t * z2 - ((t * p2 + 16384) >> 15) * Q
    t = a15 - a11
    a11 += a15
    a15 = t * z2 - ((t * p2 + 16384) >> 15) * Q
    a0 -= ((a0 * BARRETT_V + 33554432) >> 26) * Q
    a1 -= ((a1 * BARRETT_V + 33554432) >> 26) * Q
    a2 -= ((a2 * BARRETT_V + 33554432) >> 26) * Q
    a3 -= ((a3 * BARRETT_V + 33554432) >> 26) * Q
    a8 -= ((a8 * BARRETT_V + 33554432) >> 26) * Q
    a9 -= ((a9 * BARRETT_V + 33554432) >> 26) * Q
    a10 -= ((a10 * BARRETT_V + 33554432) >> 26) * Q
    a11 -= ((a11 * BARRETT_V + 33554432) >> 26) * Q
    // layer 128: (m, m+8), fused with the scale
    t = a0 + a8
    a8 -= a0
    a0 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a8 = a8 * zz - ((a8 * zzp + 16384) >> 15) * Q
    t = a1 + a9
    a9 -= a1
    a1 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a9 = a9 * zz - ((a9 * zzp + 16384) >> 15) * Q
    t = a2 + a10
    a10 -= a2
    a2 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a10 = a10 * zz - ((a10 * zzp + 16384) >> 15) * Q
    t = a3 + a11
    a11 -= a3
    a3 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a11 = a11 * zz - ((a11 * zzp + 16384) >> 15) * Q
    t = a4 + a12
    a12 -= a4
    a4 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a12 = a12 * zz - ((a12 * zzp + 16384) >> 15) * Q
    t = a5 + a13
    a13 -= a5
    a5 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a13 = a13 * zz - ((a13 * zzp + 16384) >> 15) * Q
    t = a6 + a14
    a14 -= a6
    a6 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a14 = a14 * zz - ((a14 * zzp + 16384) >> 15) * Q
    t = a7 + a15
    a15 -= a7
    a7 = t * INVNTT_SCALE - ((t * zsp + 16384) >> 15) * Q
    a15 = a15 * zz - ((a15 * zzp + 16384) >> 15) * Q
    f[j] = a0
    f[j + 16] = a1
    f[j + 32] = a2
    f[j + 48] = a3
    f[j + 64] = a4
    f[j + 80] = a5
    f[j + 96] = a6
    f[j + 112] = a7
    f[j + 128] = a8
    f[j + 144] = a9
    f[j + 160] = a10
    f[j + 176] = a11
    f[j + 192] = a12
    f[j + 208] = a13
    f[j + 224] = a14
    f[j + 240] = a15
  }
}

/** NTT^-1 (FIPS 203 Alg. 10), in place, in two passes (invNttBottom3, invNttTop4). Constant time:
 *  data-independent control flow and indices. */
export function invNtt(f: Int16Array): void {
  invNttBottom3(f)
  invNttTop4(f)
}

/** r = MontgomeryReduce(Σ_j a[j] ∘ b[j]), j < k: MultiplyNTTs (FIPS 203 Alg. 11) from BaseCaseMultiply
 *  (FIPS 203 Alg. 12) on each pair, (a0 + a1X)(b0 + b1X) mod (X² − γ_i), summed over the k products. For
 *  each pair the k products are summed in locals and reduced once, so no accumulator array is loaded,
 *  stored or cleared (array accesses cost ~10 interpreter instructions each); the γ-terms are summed
 *  before their Montgomery reduction too: Σ_j a0·b0 + MontgomeryReduce(Σ_j a1·b1)·γR, one reduction
 *  per pair instead of k. Bounds: every a[j] is canonical (Â, t̂ or ŝ from ByteDecode12: 0 ≤ a < q)
 *  and every b[j] an NTT output (Barrett-reduced: |b| ≤ q/2 + 1), so |Σ a1·b1| ≤ 4·q·(q/2+1) < 2^25
 *  (times QINV < 2^41: exact) and both lazy sums stay below q·2^15, the Montgomery input bound. Result
 *  carries 2^-16. */
export function multiplyNttsSum(r: Int16Array, a: readonly Int16Array[], b: readonly Int16Array[], k: number): void {
  // Deliberately unrolled: the k ≤ 4 products of each coefficient pair are summed in locals, one block per j.
  const gamma = GAMMA_R
  // each coefficient pair (c, c+1) is one 32-bit load from an Int32Array view of the same memory
  // (little-endian: low half = coefficient c), split with shifts: half the typed-array loads
  const a0 = wordsOf(a[0]!),
    b0 = wordsOf(b[0]!),
    a1 = wordsOf(a[1]!),
    b1 = wordsOf(b[1]!)
  const a2 = k > 2 ? wordsOf(a[2]!) : a1,
    b2 = k > 2 ? wordsOf(b[2]!) : b1,
    a3 = k > 3 ? wordsOf(a[3]!) : a1,
    b3 = k > 3 ? wordsOf(b[3]!) : b1
  const out = wordsOf(r)
  for (let i = 0; i < 128; i++) {
    let x = a0[i]!,
      y = b0[i]!
    let x0 = (x << 16) >> 16,
      x1 = x >> 16,
      y0 = (y << 16) >> 16,
      y1 = y >> 16
    let p = x1 * y1,
      s0 = x0 * y0,
      s1 = x0 * y1 + x1 * y0
    x = a1[i]!
    y = b1[i]!
    x0 = (x << 16) >> 16
    x1 = x >> 16
    y0 = (y << 16) >> 16
    y1 = y >> 16
    p += x1 * y1
    s0 += x0 * y0
    s1 += x0 * y1 + x1 * y0
    if (k > 2) {
      x = a2[i]!
      y = b2[i]!
      x0 = (x << 16) >> 16
      x1 = x >> 16
      y0 = (y << 16) >> 16
      y1 = y >> 16
      p += x1 * y1
      s0 += x0 * y0
      s1 += x0 * y1 + x1 * y0
      if (k > 3) {
        x = a3[i]!
        y = b3[i]!
        x0 = (x << 16) >> 16
        x1 = x >> 16
        y0 = (y << 16) >> 16
        y1 = y >> 16
        p += x1 * y1
        s0 += x0 * y0
        s1 += x0 * y1 + x1 * y0
      }
    }
    s0 += ((p - (((p * QINV) << 16) >> 16) * Q) >> 16) * gamma[i]!
    // r[2i] = MontgomeryReduce(s0), r[2i+1] = MontgomeryReduce(s1), stored as one word
    out[i] = (((s0 - (((s0 * QINV) << 16) >> 16) * Q) >> 16) & 0xffff) | (((s1 - (((s1 * QINV) << 16) >> 16) * Q) >> 16) << 16)
  }
}

/** Int32Array views of polynomials (the same 512 bytes as 128 words), made on first use. Every polynomial
 *  of this core starts 4-byte aligned (scratch.ts aligns them; the caches' own their buffers). */
const WORDS = new WeakMap<Int16Array, Int32Array>()
function wordsOf(p: Int16Array): Int32Array {
  let w = WORDS.get(p)
  if (w === undefined) {
    w = new Int32Array(p.buffer, p.byteOffset, 128)
    WORDS.set(p, w)
  }
  return w
}

initTables()
