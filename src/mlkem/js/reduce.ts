// Arithmetic modulo q for the TypeScript ML-KEM core: the constants and the Barrett and Montgomery
// reductions (FIPS 203 §4.3) that ntt.ts, encoding.ts and sampling.ts share. A module of its own, with
// no top-level work, so that importing the encoding checks (as the protocol does) does not build
// ntt.ts's ζ tables: in a fresh workerd isolate that is interpreter time on every cold start.
// Same constants as ../assembly/ntt.ts; no division or remainder (see ntt.ts).

/** The ML-KEM modulus q = 3329 = 2^8·13 + 1 (FIPS 203 §2.4). */
export const Q = 3329
/** q^-1 mod 2^16, for Montgomery reduction with R = 2^16 (3329 · 62209 ≡ 1 mod 2^16). */
export const QINV = 62209
/** round(2^26 / q), for Barrett reduction. */
export const BARRETT_V = 20159
/** R^2 mod q = 2^32 mod q; montgomeryReduce(x · R2) = x · R mod q. */
export const R2_MOD_Q = 1353

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
