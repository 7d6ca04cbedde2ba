// Polynomial arithmetic of FIPS 203 §4.3 (NTT), §4.2.2 (sampling) and §4.2.1 (encoding/compression),
// in TypeScript for interpreters. Mirrors ../assembly/poly.ts function by function (same names, same
// reductions and constants), so the two can be checked against each other.
//
// Written for an engine without a JIT (Fastly's StarlingMonkey): local variables are cheap, array
// accesses and calls are not. So the reductions of the wasm core's @inline helpers (barrettReduce,
// montgomeryReduce, mulZeta, freeze) are written out at each use, and each coefficient is loaded
// once and stored once per pass.
//
// Coefficients are Int16Array(256) (stores truncate to 16 bits, as the wasm core's i16 stores do).
// No division or remainder on any data: reductions are Barrett / Montgomery multiply-and-shift. Every
// product below is an exact integer in a double (< 2^53, bound in the comment), so `x * y` then a
// 32-bit operator (`>>`, `<<`, `|`) equals the wasm core's i32 arithmetic.
import { keccakF1600 } from './keccak-f1600.ts'
import { ST, ZERO_STATE } from './keccak.ts'
import { scratchI32 } from './scratch.ts'

/** The ML-KEM modulus q = 3329 = 2^8·13 + 1 (FIPS 203 §2.4). */
export const Q = 3329
/** q^-1 mod 2^16, for Montgomery reduction with R = 2^16 (3329 · 62209 ≡ 1 mod 2^16). */
const QINV = 62209
/** round(2^26 / q), for Barrett reduction. */
const BARRETT_V = 20159
/** R^2 mod q = 2^32 mod q; montgomeryReduce(x · R2) = x · R mod q. */
export const R2_MOD_Q = 1353
/** 2^16 · 128^-1 mod q: the final NTT^-1 scale (Alg 10 step 14), times R (see ../assembly/poly.ts). */
const INVNTT_SCALE = 512

// ---- Tables, computed once at module load from the FIPS 203 definitions (§4.3, Appendix A); public:
//  ZETA[i]   = 17^BitRev7(i) mod q                         (NTT twiddles, Alg 9/10)
//  ZETA_P[i] = round(ZETA[i] · 2^15 / q)                    (Barrett-multiplication companion, see mulZeta)
//  GAMMA_R[i]= 17^(2·BitRev7(i)+1) · 2^16 mod q             (BaseCaseMultiply γ, Alg 11, in Montgomery form)
export const ZETA = new Int32Array(128)
export const ZETA_P = new Int32Array(128)
export const GAMMA_R = new Int32Array(128)
/** The fused last NTT^-1 layer's constants: zetaP(INVNTT_SCALE), ζ[1]·INVNTT_SCALE mod q and its companion. */
let INV_ZSP = 0, INV_ZZ = 0, INV_ZZP = 0

/** Barrett reduction: r ≡ a (mod q) with |r| ≤ q/2 for |a| < 2^15 + small (|a · BARRETT_V| < 2^31). */
export function barrettReduce(a: number): number {
  return a - ((a * BARRETT_V + (1 << 25)) >> 26) * Q
}

/** Montgomery reduction: r ≡ a · 2^-16 (mod q), |r| < q for |a| < q · 2^15 (a · QINV < 2^43: exact). */
export function montgomeryReduce(a: number): number {
  const t = ((a * QINV) << 16) >> 16
  return (a - t * Q) >> 16
}

/** Canonical representative in [0, q): Barrett, then add q if negative (mask, no branch). */
export function freeze(a: number): number {
  const r = barrettReduce(a)
  return r + ((r >> 31) & Q)
}

/** Barrett multiplication by a known constant z ∈ [0,q) with zp = round(z·2^15/q); |a| < 2^15. */
export function mulZeta(a: number, z: number, zp: number): number {
  return a * z - ((a * zp + (1 << 14)) >> 15) * Q
}

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

/** Three Cooley–Tukey layers at once for NTT (lengths 4u, 2u, u with u = len/4), as the wasm core's two-layer
 *  groups taken one step further: each group of 8 coefficients (j + m·u, m = 0..7) is loaded once into
 *  locals, gets all three layers' butterflies and is stored once (typed-array accesses cost far more
 *  than local arithmetic in the interpreter). Block G of 8u coefficients uses ζ index k1 = 128/len + G
 *  (k1Start = 128/len for G = 0) for the first layer, 2k1 and 2k1+1 for the second, 4k1 .. 4k1+3 for the third (Alg 9 step 4, i
 *  counting up). Same butterflies in the same order as Alg 9: the same integers as the two-layer form.
 *  mulZeta written out: |a| ≤ 8q < 2^15, so a·zp < 2^30. Public loop bounds and table indices only. */
function nttLayers3(f: Int16Array, len: number, k1Start: number): void {
  const u = len >> 2
  for (let s = 0, k1 = k1Start; s < 256; s += len << 1, k1++) {
    const z1 = ZETA[k1]!, p1 = ZETA_P[k1]!
    const z2 = ZETA[2 * k1]!, p2 = ZETA_P[2 * k1]!, z3 = ZETA[2 * k1 + 1]!, p3 = ZETA_P[2 * k1 + 1]!
    const z4 = ZETA[4 * k1]!, p4 = ZETA_P[4 * k1]!, z5 = ZETA[4 * k1 + 1]!, p5 = ZETA_P[4 * k1 + 1]!
    const z6 = ZETA[4 * k1 + 2]!, p6 = ZETA_P[4 * k1 + 2]!, z7 = ZETA[4 * k1 + 3]!, p7 = ZETA_P[4 * k1 + 3]!
    for (let j = s, e = s + u; j < e; j++) {
      const i1 = j + u, i2 = i1 + u, i3 = i2 + u, i4 = i3 + u, i5 = i4 + u, i6 = i5 + u, i7 = i6 + u
      let a0 = f[j]!, a1 = f[i1]!, a2 = f[i2]!, a3 = f[i3]!, a4 = f[i4]!, a5 = f[i5]!, a6 = f[i6]!, a7 = f[i7]!
      // layer len: (m, m+4) with ζ[k1]
      let t = a4 * z1 - ((a4 * p1 + 16384) >> 15) * Q; a4 = a0 - t; a0 += t
      t = a5 * z1 - ((a5 * p1 + 16384) >> 15) * Q; a5 = a1 - t; a1 += t
      t = a6 * z1 - ((a6 * p1 + 16384) >> 15) * Q; a6 = a2 - t; a2 += t
      t = a7 * z1 - ((a7 * p1 + 16384) >> 15) * Q; a7 = a3 - t; a3 += t
      // layer len/2: (0,2), (1,3) with ζ[2k1]; (4,6), (5,7) with ζ[2k1+1]
      t = a2 * z2 - ((a2 * p2 + 16384) >> 15) * Q; a2 = a0 - t; a0 += t
      t = a3 * z2 - ((a3 * p2 + 16384) >> 15) * Q; a3 = a1 - t; a1 += t
      t = a6 * z3 - ((a6 * p3 + 16384) >> 15) * Q; a6 = a4 - t; a4 += t
      t = a7 * z3 - ((a7 * p3 + 16384) >> 15) * Q; a7 = a5 - t; a5 += t
      // layer len/4: (0,1), (2,3), (4,5), (6,7) with ζ[4k1 .. 4k1+3]
      t = a1 * z4 - ((a1 * p4 + 16384) >> 15) * Q; a1 = a0 - t; a0 += t
      t = a3 * z5 - ((a3 * p5 + 16384) >> 15) * Q; a3 = a2 - t; a2 += t
      t = a5 * z6 - ((a5 * p6 + 16384) >> 15) * Q; a5 = a4 - t; a4 += t
      t = a7 * z7 - ((a7 * p7 + 16384) >> 15) * Q; a7 = a6 - t; a6 += t
      f[j] = a0; f[i1] = a1; f[i2] = a2; f[i3] = a3; f[i4] = a4; f[i5] = a5; f[i6] = a6; f[i7] = a7
    }
  }
}

/** NTT (FIPS 203 Algorithm 9), in place: layers 128/64/32, 16/8/4, then the len-2 layer fused with the
 *  final Barrett reduction. Constant time: loop bounds and table indices depend only on the layer. */
export function ntt(f: Int16Array): void {
  nttLayers3(f, 128, 1)
  nttLayers3(f, 16, 8)
  for (let s = 0, b = 64; s < 256; s += 4, b++) {
    const z = ZETA[b]!, zp = ZETA_P[b]!
    const a0 = f[s]!, a1 = f[s + 1]!, a2 = f[s + 2]!, a3 = f[s + 3]!
    const t2 = a2 * z - ((a2 * zp + 16384) >> 15) * Q, t3 = a3 * z - ((a3 * zp + 16384) >> 15) * Q
    let x = a0 + t2; f[s] = x - ((x * BARRETT_V + 33554432) >> 26) * Q
    x = a1 + t3; f[s + 1] = x - ((x * BARRETT_V + 33554432) >> 26) * Q
    x = a0 - t2; f[s + 2] = x - ((x * BARRETT_V + 33554432) >> 26) * Q
    x = a1 - t3; f[s + 3] = x - ((x * BARRETT_V + 33554432) >> 26) * Q
  }
}

/** Three Gentleman–Sande layers at once for NTT^-1 (lengths len, 2len, 4len) on groups of 8 coefficients
 *  (j + m·len, m = 0..7) in blocks G of 8·len: ζ indices (Alg 10, i counting down) kA − (4G + i)
 *  for the four pairs of the first layer, kB − (2G + i) for the second, kC − G for the third, with
 *  kA = 256/len − 1, kB = 128/len − 1, kC = 64/len − 1; a pair (lo, hi) becomes (lo + hi, ζ·(hi − lo)). Only the four third-layer sums are
 *  Barrett-reduced: from inputs |x| ≤ q they reach at most 8q (< 2^15; mulZeta inputs ≤ 8q keep
 *  a·zp < 2^31), and every output leaves with |x| ≤ q. */
function invNttLayers3(f: Int16Array, len: number, kA: number, kB: number, kC: number): void {
  for (let s = 0, G = 0; s < 256; s += len << 3, G++) {
    const ia = kA - 4 * G, ib = kB - 2 * G, ic = kC - G
    const z0 = ZETA[ia]!, p0 = ZETA_P[ia]!, z1 = ZETA[ia - 1]!, p1 = ZETA_P[ia - 1]!
    const z2 = ZETA[ia - 2]!, p2 = ZETA_P[ia - 2]!, z3 = ZETA[ia - 3]!, p3 = ZETA_P[ia - 3]!
    const z4 = ZETA[ib]!, p4 = ZETA_P[ib]!, z5 = ZETA[ib - 1]!, p5 = ZETA_P[ib - 1]!
    const z6 = ZETA[ic]!, p6 = ZETA_P[ic]!
    for (let j = s, e = s + len; j < e; j++) {
      const i1 = j + len, i2 = i1 + len, i3 = i2 + len, i4 = i3 + len, i5 = i4 + len, i6 = i5 + len, i7 = i6 + len
      let a0 = f[j]!, a1 = f[i1]!, a2 = f[i2]!, a3 = f[i3]!, a4 = f[i4]!, a5 = f[i5]!, a6 = f[i6]!, a7 = f[i7]!
      // layer len: (0,1), (2,3), (4,5), (6,7)
      let t = a1 - a0; a0 += a1; a1 = t * z0 - ((t * p0 + 16384) >> 15) * Q
      t = a3 - a2; a2 += a3; a3 = t * z1 - ((t * p1 + 16384) >> 15) * Q
      t = a5 - a4; a4 += a5; a5 = t * z2 - ((t * p2 + 16384) >> 15) * Q
      t = a7 - a6; a6 += a7; a7 = t * z3 - ((t * p3 + 16384) >> 15) * Q
      // layer 2len: (0,2), (1,3) with ζ[ib]; (4,6), (5,7) with ζ[ib − 1]
      t = a2 - a0; a0 += a2; a2 = t * z4 - ((t * p4 + 16384) >> 15) * Q
      t = a3 - a1; a1 += a3; a3 = t * z4 - ((t * p4 + 16384) >> 15) * Q
      t = a6 - a4; a4 += a6; a6 = t * z5 - ((t * p5 + 16384) >> 15) * Q
      t = a7 - a5; a5 += a7; a7 = t * z5 - ((t * p5 + 16384) >> 15) * Q
      // layer 4len: (m, m+4) with ζ[ic]; the sums Barrett-reduced
      t = a4 - a0; a0 += a4; a4 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a5 - a1; a1 += a5; a5 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a6 - a2; a2 += a6; a6 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      t = a7 - a3; a3 += a7; a7 = t * z6 - ((t * p6 + 16384) >> 15) * Q
      f[j] = a0 - ((a0 * BARRETT_V + 33554432) >> 26) * Q; f[i1] = a1 - ((a1 * BARRETT_V + 33554432) >> 26) * Q
      f[i2] = a2 - ((a2 * BARRETT_V + 33554432) >> 26) * Q; f[i3] = a3 - ((a3 * BARRETT_V + 33554432) >> 26) * Q
      f[i4] = a4; f[i5] = a5; f[i6] = a6; f[i7] = a7
    }
  }
}

/** NTT^-1 (FIPS 203 Algorithm 10), in place: layers 2/4/8, 16/32/64, then the len-128 layer fused with
 *  the final scale ·128^-1·2^16 (inputs carry 2^-16 from Montgomery-reduced MultiplyNTTs sums).
 *  Constant time: data-independent control flow and indices. */
export function invNtt(f: Int16Array): void {
  invNttLayers3(f, 2, 127, 63, 31)
  invNttLayers3(f, 16, 15, 7, 3)
  const zsp = INV_ZSP, zz = INV_ZZ, zzp = INV_ZZP
  for (let j = 0; j < 128; j++) {
    const a = f[j]!, b = f[j + 128]!
    let x = a + b; f[j] = x * INVNTT_SCALE - ((x * zsp + 16384) >> 15) * Q
    x = b - a; f[j + 128] = x * zz - ((x * zzp + 16384) >> 15) * Q
  }
}

/** r = MontgomeryReduce(Σ_j a[j] ∘ b[j]), j < k: MultiplyNTTs (FIPS 203 Algorithm 11) from BaseCaseMultiply
 *  (Algorithm 12) on each pair, (a0 + a1X)(b0 + b1X) mod (X² − γ_i), summed over the k products. For
 *  each pair the k products are summed in locals and reduced once, so no accumulator array is loaded,
 *  stored or cleared (array accesses cost ~10 interpreter instructions each); the γ-terms are summed
 *  before their Montgomery reduction too: Σ_j a0·b0 + MontgomeryReduce(Σ_j a1·b1)·γR, one reduction
 *  per pair instead of k. Bounds: every a[j] is canonical (Â, t̂ or ŝ from ByteDecode12: 0 ≤ a < q)
 *  and every b[j] an NTT output (Barrett-reduced: |b| ≤ q/2 + 1), so |Σ a1·b1| ≤ 4·q·(q/2+1) < 2^25
 *  (times QINV < 2^41: exact) and both lazy sums stay below q·2^15, the Montgomery input bound. Result
 *  carries 2^-16. */
export function multiplyNttsReduce(r: Int16Array, a: readonly Int16Array[], b: readonly Int16Array[], k: number): void {
  const gamma = GAMMA_R
  const a0 = a[0]!, b0 = b[0]!, a1 = a[1]!, b1 = b[1]!
  const a2 = k > 2 ? a[2]! : a1, b2 = k > 2 ? b[2]! : b1, a3 = k > 3 ? a[3]! : a1, b3 = k > 3 ? b[3]! : b1
  for (let i = 0, c = 0; i < 128; i++, c += 2) {
    let x0 = a0[c]!, x1 = a0[c + 1]!, y0 = b0[c]!, y1 = b0[c + 1]!
    let p = x1 * y1, s0 = x0 * y0, s1 = x0 * y1 + x1 * y0
    x0 = a1[c]!; x1 = a1[c + 1]!; y0 = b1[c]!; y1 = b1[c + 1]!
    p += x1 * y1; s0 += x0 * y0; s1 += x0 * y1 + x1 * y0
    if (k > 2) {
      x0 = a2[c]!; x1 = a2[c + 1]!; y0 = b2[c]!; y1 = b2[c + 1]!
      p += x1 * y1; s0 += x0 * y0; s1 += x0 * y1 + x1 * y0
      if (k > 3) {
        x0 = a3[c]!; x1 = a3[c + 1]!; y0 = b3[c]!; y1 = b3[c + 1]!
        p += x1 * y1; s0 += x0 * y0; s1 += x0 * y1 + x1 * y0
      }
    }
    s0 += ((p - (((p * QINV) << 16) >> 16) * Q) >> 16) * gamma[i]!
    r[c] = (s0 - (((s0 * QINV) << 16) >> 16) * Q) >> 16
    r[c + 1] = (s1 - (((s1 * QINV) << 16) >> 16) * Q) >> 16
  }
}

/** SampleNTT (FIPS 203 Algorithm 7): rejection-sample from SHAKE128(ρ‖col‖row), squeezing further
 *  168-byte blocks until 256 coefficients < q are found ("unluckysample"). The 34-byte input and its
 *  padding are written straight into the state (one block). Branches depend only on the public ρ. */
export function sampleNtt(out: Int16Array, rho: Int32Array, col: number, row: number): void {
  const st = ST
  st.set(ZERO_STATE)
  for (let i = 0; i < 8; i++) st[i] = rho[i]!
  st[8] = col | (row << 8) | (0x1f << 16) // bytes 32, 33, then the SHAKE domain/pad byte 0x1f
  st[41] = 0x80 << 24 // last pad bit at byte 167 = RATE_SHAKE128 − 1
  keccakF1600(st)
  let j = rejectSample(out, 0)
  while (j < 256) {
    keccakF1600(st)
    j = rejectSample(out, j)
  }
}

/** Algorithm 7 steps 4-16 on the 168-byte SHAKE128 block in the state: 12 bytes (3 words, 8 candidates)
 *  at a time, appending values < q to out from index j; returns the new count (stops at 256). */
export function rejectSample(out: Int16Array, j: number): number {
  const st = ST
  for (let w = 0; w < 42 && j < 256; w += 3) {
    const w0 = st[w]!, w1 = st[w + 1]!, w2 = st[w + 2]!
    let d = w0 & 0xfff
    if (d < Q) out[j++] = d
    d = (w0 >>> 12) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = ((w0 >>> 24) | (w1 << 8)) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w1 >>> 4) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w1 >>> 16) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = ((w1 >>> 28) | (w2 << 4)) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w2 >>> 8) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = w2 >>> 20
    if (d < Q && j < 256) out[j++] = d
  }
  return j
}

/** η = 3 PRF output: 192 bytes as 48 words (S_PRFOUT). Wiped by the ops in index.ts. */
export const PRF_BUF = scratchI32(48)

/** PRF_η(σ, N) = SHAKE256(σ‖N, 64η) (§4.1, eq. 4.3) followed by SamplePolyCBD_η (Algorithm 8). σ is 8
 *  words; σ‖N and the padding fit one block and are written straight into the state. */
export function prfCbd(out: Int16Array, sigma: Int32Array, n: number, eta: number): void {
  const st = ST
  st.set(ZERO_STATE)
  for (let i = 0; i < 8; i++) st[i] = sigma[i]!
  st[8] = n | (0x1f << 8)
  st[33] = 0x80 << 24 // byte 135 = RATE_256 − 1
  keccakF1600(st)
  if (eta === 2) {
    cbd(out, st, 2)
    return
  }
  const buf = PRF_BUF
  for (let i = 0; i < 34; i++) buf[i] = st[i]!
  keccakF1600(st)
  for (let i = 0; i < 14; i++) buf[34 + i] = st[i]!
  cbd(out, buf, 3)
}

/** SamplePolyCBD_η (Algorithm 8) of the 64η bytes in the words w: bit arithmetic only (masks, adds,
 *  shifts), no secret-dependent branch or index. */
export function cbd(out: Int16Array, w: Int32Array, eta: number): void {
  if (eta === 2) {
    for (let i = 0, o = 0; i < 32; i++, o += 8) {
      const x = w[i]!
      const t = (x & 0x55555555) + ((x >>> 1) & 0x55555555) // 2-bit sums per coefficient (< 2^32)
      out[o] = (t & 3) - ((t >>> 2) & 3)
      out[o + 1] = ((t >>> 4) & 3) - ((t >>> 6) & 3)
      out[o + 2] = ((t >>> 8) & 3) - ((t >>> 10) & 3)
      out[o + 3] = ((t >>> 12) & 3) - ((t >>> 14) & 3)
      out[o + 4] = ((t >>> 16) & 3) - ((t >>> 18) & 3)
      out[o + 5] = ((t >>> 20) & 3) - ((t >>> 22) & 3)
      out[o + 6] = ((t >>> 24) & 3) - ((t >>> 26) & 3)
      out[o + 7] = ((t >>> 28) & 3) - ((t >>> 30) & 3)
    }
    return
  }
  // η = 3: 3 bytes per 4 coefficients; 3 words = 4 such groups
  for (let i = 0, o = 0; i < 48; i += 3) {
    const w0 = w[i]!, w1 = w[i + 1]!, w2 = w[i + 2]!
    for (let g = 0; g < 4; g++, o += 4) {
      const c = g === 0 ? w0 & 0xffffff : g === 1 ? ((w0 >>> 24) | (w1 << 8)) & 0xffffff : g === 2 ? ((w1 >>> 16) | (w2 << 16)) & 0xffffff : w2 >>> 8
      const t = (c & 0x249249) + ((c >>> 1) & 0x249249) + ((c >>> 2) & 0x249249) // 3-bit sums
      out[o] = (t & 7) - ((t >>> 3) & 7)
      out[o + 1] = ((t >>> 6) & 7) - ((t >>> 9) & 7)
      out[o + 2] = ((t >>> 12) & 7) - ((t >>> 15) & 7)
      out[o + 3] = ((t >>> 18) & 7) - ((t >>> 21) & 7)
    }
  }
}

/** Compress_d(x) = round(2^d/q · x) mod 2^d (eq. 4.7) for x ∈ [0,q), as (x·C + B) >>> S with the wasm
 *  SIMD core's constants (exhaustively checked in test/node/mlkem-js): products < 2^32, no division. */
function compress(x: number, d: number): number {
  switch (d) {
    case 1: return ((x * 315 + 262021) >>> 19) & 1
    case 4: return ((x * 315 + 32701) >>> 16) & 15
    case 5: return ((x * 315 + 16321) >>> 15) & 31
    case 10: return ((x * 161271 + 261911) >>> 19) & 0x3ff
    default: return ((x * 161271 + 130860) >>> 18) & 0x7ff // d = 11
  }
}

/** ByteEncode12(f) (Algorithm 5) of a polynomial with |f| < 2^15 to out at o: each value made canonical
 *  (Barrett, then + q if negative) and packed, two values in three bytes (dk_PKE ← ByteEncode12(ŝ)). */
export function encodePoly12(out: Uint8Array, o: number, f: Int16Array): void {
  for (let i = 0; i < 256; i += 2, o += 3) {
    let r = f[i]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; const x0 = r + ((r >> 31) & Q)
    r = f[i + 1]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; const x1 = r + ((r >> 31) & Q)
    out[o] = x0; out[o + 1] = (x0 >>> 8) | (x1 << 4); out[o + 2] = x1 >>> 4
  }
}

/** K-PKE.KeyGen steps 18-19 for one row: ByteEncode12(t̂) with t̂ = (Â∘ŝ) + ê, where t holds Â∘ŝ carrying
 *  2^-16 (from multiplyNttsReduce): MontgomeryReduce(t · R² mod q) removes it (|t·R2| < q·1353 < q·2^15),
 *  + ê (|ê| ≤ q/2 + 1), then canonical and packed, in one pass. */
export function encodeTHat(out: Uint8Array, o: number, t: Int16Array, e: Int16Array): void {
  for (let i = 0; i < 256; i += 2, o += 3) {
    let r = t[i]! * R2_MOD_Q; r = ((r - (((r * QINV) << 16) >> 16) * Q) >> 16) + e[i]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q; const x0 = r + ((r >> 31) & Q)
    r = t[i + 1]! * R2_MOD_Q; r = ((r - (((r * QINV) << 16) >> 16) * Q) >> 16) + e[i + 1]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q; const x1 = r + ((r >> 31) & Q)
    out[o] = x0; out[o + 1] = (x0 >>> 8) | (x1 << 4); out[o + 2] = x1 >>> 4
  }
}

/** ByteEncode_d(Compress_d(f + g)) (Algorithm 5, eq. 4.7) to out at o, d ∈ {4, 5, 10, 11}: K-PKE.Encrypt
 *  steps 19 + 22 (u = NTT^-1(…) + e1) and 21 + 23 (v = NTT^-1(…) + (e2 + μ)) fused, so the sum is never
 *  stored. |f| ≤ q (NTT^-1 output), |g| ≤ 1665 + 2: the sum is Barrett-reduced, made canonical (+ q if
 *  negative), then compressed with the constants of compress(). Bit-packing loops depend only on d. */
export function compressEncodeSum(out: Uint8Array, o: number, f: Int16Array, g: Int16Array, d: number): void {
  if (d === 10) {
    for (let i = 0; i < 256; i += 4, o += 5) {
      let r = f[i]! + g[i]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x0 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 1]! + g[i + 1]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x1 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 2]! + g[i + 2]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x2 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 3]! + g[i + 3]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x3 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      out[o] = x0; out[o + 1] = (x0 >>> 8) | (x1 << 2); out[o + 2] = (x1 >>> 6) | (x2 << 4)
      out[o + 3] = (x2 >>> 4) | (x3 << 6); out[o + 4] = x3 >>> 2
    }
    return
  }
  if (d === 4) {
    for (let i = 0; i < 256; i += 2, o++) {
      let r = f[i]! + g[i]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x0 = ((r * 315 + 32701) >>> 16) & 15
      r = f[i + 1]! + g[i + 1]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q; const x1 = ((r * 315 + 32701) >>> 16) & 15
      out[o] = x0 | (x1 << 4)
    }
    return
  }
  // d = 5, 11: generic little-endian bit packer (acc < 2^19)
  let acc = 0, bits = 0
  for (let i = 0; i < 256; i++) {
    acc |= compress(freeze(f[i]! + g[i]!), d) << bits
    bits += d
    while (bits >= 8) {
      out[o++] = acc
      acc >>>= 8
      bits -= 8
    }
  }
}

/** K-PKE.Decrypt steps 6-7 fused: m ← ByteEncode1(Compress1(v − w)) to out at o (32 bytes), |v| ≤ q,
 *  |w| ≤ q. Compress_1 is multiply-shift: the (secret) message bits never select a branch or index. */
export function encodeMessage(out: Uint8Array, o: number, v: Int16Array, w: Int16Array): void {
  for (let i = 0; i < 256; i += 8, o++) {
    let byte = 0
    for (let b = 0; b < 8; b++) {
      let r = v[i + b]! - w[i + b]!; r -= ((r * BARRETT_V + 33554432) >> 26) * Q; r += (r >> 31) & Q
      byte |= (((r * 315 + 262021) >>> 19) & 1) << b
    }
    out[o] = byte
  }
}

/** g ← g + Decompress1(ByteDecode1(m)) (K-PKE.Encrypt step 20, μ added to e2 in place): each bit selects
 *  0 or ⌈q/2⌉ = 1665 by a mask, no branch. */
export function addMessage(g: Int16Array, m: Uint8Array, p: number): void {
  for (let i = 0; i < 256; i += 8, p++) {
    const b = m[p]!
    for (let j = 0; j < 8; j++) g[i + j]! += -((b >>> j) & 1) & 1665
  }
}

/** Decompress_d(ByteDecode_d(B)) (Algorithm 6, eq. 4.8) of inp at p: y ↦ (y·q + 2^(d−1)) >> d. For d = 12,
 *  ByteDecode_12 reduces modulo q (conditional subtract via mask). */
export function decodePoly(f: Int16Array, inp: Uint8Array, p: number, d: number): void {
  if (d === 12) {
    for (let i = 0; i < 256; i += 2, p += 3) {
      const b1 = inp[p + 1]!
      let y0 = inp[p]! | ((b1 & 15) << 8), y1 = (b1 >>> 4) | (inp[p + 2]! << 4)
      y0 -= Q; y0 += (y0 >> 31) & Q; y1 -= Q; y1 += (y1 >> 31) & Q
      f[i] = y0; f[i + 1] = y1
    }
    return
  }
  if (d === 10) {
    for (let i = 0; i < 256; i += 4, p += 5) {
      const b1 = inp[p + 1]!, b2 = inp[p + 2]!, b3 = inp[p + 3]!
      f[i] = ((inp[p]! | ((b1 & 3) << 8)) * Q + 512) >> 10
      f[i + 1] = (((b1 >>> 2) | ((b2 & 15) << 6)) * Q + 512) >> 10
      f[i + 2] = (((b2 >>> 4) | ((b3 & 63) << 4)) * Q + 512) >> 10
      f[i + 3] = (((b3 >>> 6) | (inp[p + 4]! << 2)) * Q + 512) >> 10
    }
    return
  }
  if (d === 4) {
    for (let i = 0; i < 256; i += 2, p++) {
      const b = inp[p]!
      f[i] = ((b & 15) * Q + 8) >> 4
      f[i + 1] = ((b >>> 4) * Q + 8) >> 4
    }
    return
  }
  if (d === 1) {
    for (let i = 0; i < 256; i += 8, p++) {
      const b = inp[p]!
      for (let j = 0; j < 8; j++) f[i + j] = -((b >>> j) & 1) & 1665 // (y·q + 1) >> 1, no branch
    }
    return
  }
  // d = 5, 11: generic little-endian bit unpacker (acc < 2^19)
  const mask = (1 << d) - 1
  let acc = 0, bits = 0
  for (let i = 0; i < 256; i++) {
    while (bits < d) {
      acc |= inp[p++]! << bits
      bits += 8
    }
    f[i] = ((acc & mask) * Q + (1 << (d - 1))) >> d
    acc >>>= d
    bits -= d
  }
}

/** §7.2 modulus check for one 384-byte ByteEncode_12 block at p: returns 1 if all 256 values are < q. */
export function encodedBelowQ(inp: Uint8Array, p: number): number {
  let bad = 0
  for (const end = p + 384; p < end; p += 3) {
    const b1 = inp[p + 1]!
    bad |= (Q - 1 - (inp[p]! | ((b1 & 15) << 8))) | (Q - 1 - ((b1 >>> 4) | (inp[p + 2]! << 4)))
  }
  return (~bad >>> 31) & 1
}

initTables()
