// X25519 (RFC 7748) in plain TypeScript for engines with no WebCrypto X25519, tuned for an interpreter
// without a JIT (Fastly's StarlingMonkey). Field elements mod p = 2^255 − 19 are BigInts, so the limb
// arithmetic runs in native code; what costs is the number of BigInt operations (each allocates, ~0.1 µs
// in that engine; a 255-bit product ~0.35 µs, a `%` ~1 µs). So:
//  - products are reduced by folding with 2^255 ≡ 19 (x & M) + 19·(x >> 255): four cheap operations
//    instead of a division. A product of reduced inputs folded once ("f1") is below 2^262 and may feed
//    one more product; every value that carries over to the next step is folded twice ("f2", < 2^255 + 2^26).
//  - sums and differences are left unreduced; a difference gets a multiple of p added so that every
//    value stays non-negative (`&` and `>>` on negative BigInts are several times slower).
//  - X25519(k, u) is RFC 7748 §5's Montgomery ladder written out inline, with no calls in the loop;
//    X25519(k, 9) (public keys) is the same scalar multiple computed on the birationally equivalent
//    Edwards curve (edwards25519, RFC 7748 §4.1) from a precomputed table of multiples of its base point,
//    then mapped to u = (1 + y)/(1 − y): about 3× fewer field operations than the ladder.
//
// Constant time: NOT achievable here, and this code does not claim it. BigInt operations take time that
// depends on their operands' values and lengths, and the engine gives no control over that (the same
// caveat @noble/curves makes). Best effort only: the ladder never branches on a secret bit and selects
// with arithmetic (v + bit·(w − v)), the signed-digit recoding is branch-free; but the fixed-base table is
// indexed by secret digits (as noble's precomputed-point tables are). Where the runtime offers WebCrypto
// X25519, select.ts uses that instead.
import type { X25519, X25519SecretKey } from './types.ts'

const P = (1n << 255n) - 19n
const M = (1n << 255n) - 1n
const P2 = 2n * P
/** A multiple of p above every once-folded value (< 2^262): added before subtracting one. */
const K7 = P << 7n
/** A multiple of p above every sum of two once-folded values (< 2^263). */
const K8 = P << 8n
const A24 = 121665n // (486662 − 2) / 4, RFC 7748 §5

// ---- bytes ----

function checkBytes(what: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`X25519: ${what} must be a Uint8Array`)
  if (value.length !== 32) throw new RangeError(`X25519: ${what} must be 32 bytes, got ${value.length}`)
  return value
}

const HEX = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** decodeUCoordinate (RFC 7748 §5): little-endian, the top bit masked. The value may be ≥ p (non-canonical);
 * it is then used as is, and every product reduces it mod p, as §5 requires. */
function decodeU(u: Uint8Array): bigint {
  let hex = HEX[u[31]! & 127]!
  for (let i = 30; i >= 0; i--) hex += HEX[u[i]!]!
  return BigInt('0x' + hex)
}

/** encodeUCoordinate of a value in [0, p). */
function encodeU(x: bigint): Uint8Array {
  const out = new Uint8Array(32)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt.asUintN(64, x), true)
  view.setBigUint64(8, BigInt.asUintN(64, x >> 64n), true)
  view.setBigUint64(16, BigInt.asUintN(64, x >> 128n), true)
  view.setBigUint64(24, x >> 192n, true)
  return out
}

/** decodeScalar25519 (RFC 7748 §5) on a copy: bits 0-2 and 255 cleared, bit 254 set. The caller wipes it. */
function clamp(secretKey: Uint8Array): Uint8Array {
  const k = new Uint8Array(secretKey) // a copy even of a Buffer (whose slice() is a view)
  k[0]! &= 248
  k[31] = (k[31]! & 127) | 64
  return k
}

// ---- field ----

/** a·b folded twice: < 2^255 + 2^26, for non-negative a, b below 2^265. */
function mul(a: bigint, b: bigint): bigint {
  let x = a * b
  x = (x & M) + (x >> 255n) * 19n
  return (x & M) + (x >> 255n) * 19n
}

/** z^(p−2) = z^−1 mod p (Fermat), by the usual addition chain for 2^255 − 21: 254 squarings, 11 products. */
function invert(z: bigint): bigint {
  const sq = (x: bigint, n: number) => {
    for (let i = 0; i < n; i++) {
      x = x * x
      x = (x & M) + (x >> 255n) * 19n
      x = (x & M) + (x >> 255n) * 19n
    }
    return x
  }
  const z2 = mul(z, z)
  const z9 = mul(sq(z2, 2), z)
  const z11 = mul(z9, z2)
  const z2_5_0 = mul(mul(z11, z11), z9)
  const z2_10_0 = mul(sq(z2_5_0, 5), z2_5_0)
  const z2_20_0 = mul(sq(z2_10_0, 10), z2_10_0)
  const z2_40_0 = mul(sq(z2_20_0, 20), z2_20_0)
  const z2_50_0 = mul(sq(z2_40_0, 10), z2_10_0)
  const z2_100_0 = mul(sq(z2_50_0, 50), z2_50_0)
  const z2_200_0 = mul(sq(z2_100_0, 100), z2_100_0)
  const z2_250_0 = mul(sq(z2_200_0, 50), z2_50_0)
  return mul(sq(z2_250_0, 5), z11)
}

/** The canonical residue in [0, p) of a non-negative value. */
const canonical = (x: bigint) => x % P

// ---- X25519(k, u): the Montgomery ladder (RFC 7748 §5) ----

function ladder(secretKey: Uint8Array, u: bigint): bigint {
  const k = clamp(secretKey)
  const x1 = u
  let x2 = 1n
  let z2 = 0n
  let x3 = u
  let z3 = 1n
  let swap = 0
  for (let t = 254; t >= 0; t--) {
    const kt = (k[t >> 3]! >> (t & 7)) & 1
    // RFC 7748 swaps (x2, z2) and (x3, z3) when swap ^ k_t is 1, then computes the differential addition
    // (symmetric in the two points: swapping only changes the sign of DA − CB, which is squared) and
    // doubles the first point. So only the doubling's input is selected here, arithmetically.
    const s = BigInt(swap ^ kt)
    swap = kt
    const A = x2 + z2
    const B = x2 + P2 - z2
    const C = x3 + z3
    const D = x3 + P2 - z3
    let DA = D * A
    DA = (DA & M) + (DA >> 255n) * 19n
    let CB = C * B
    CB = (CB & M) + (CB >> 255n) * 19n
    const Ad = A + s * (C - A)
    const Bd = B + s * (D - B)
    let AA = Ad * Ad
    AA = (AA & M) + (AA >> 255n) * 19n
    let BB = Bd * Bd
    BB = (BB & M) + (BB >> 255n) * 19n
    const E = AA + K7 - BB
    let w = DA + CB
    w = w * w
    w = (w & M) + (w >> 255n) * 19n
    x3 = (w & M) + (w >> 255n) * 19n
    w = DA - CB
    w = w * w
    w = (w & M) + (w >> 255n) * 19n
    w = x1 * w
    w = (w & M) + (w >> 255n) * 19n
    z3 = (w & M) + (w >> 255n) * 19n
    w = AA * BB
    w = (w & M) + (w >> 255n) * 19n
    x2 = (w & M) + (w >> 255n) * 19n
    w = E * (AA + A24 * E)
    w = (w & M) + (w >> 255n) * 19n
    z2 = (w & M) + (w >> 255n) * 19n
  }
  k.fill(0)
  const s = BigInt(swap)
  x2 += s * (x3 - x2)
  z2 += s * (z3 - z2)
  return canonical(mul(x2, invert(z2)))
}

// ---- X25519(k, 9): fixed base, on edwards25519 ----
// Extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z, on −x² + y² = 1 + d·x²·y² (RFC 8032
// §5.1). Formulas: Hisil–Wong–Carter–Dawson 2008 (the unified addition is complete on this curve).

/** d = −121665/121666 mod p and the base point (RFC 8032 §5.1): u = (1 + y)/(1 − y) = 9. */
const D2 = 16295367250680780974490674513165176452449235426866156013048779062215315747161n // 2d mod p
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n

type Ext = { X: bigint; Y: bigint; Z: bigint; T: bigint }

/** 2·Q (dbl-2008-hwcd with a = −1; every output negated, which is the same projective point). */
function double(q: Ext): Ext {
  const { X, Y, Z } = q
  let A = X * X
  A = (A & M) + (A >> 255n) * 19n
  let B = Y * Y
  B = (B & M) + (B >> 255n) * 19n
  let C = Z * Z
  C = (C & M) + (C >> 255n) * 19n
  C += C
  const H = A + B
  let E = X + Y
  E = E * E
  E = (E & M) + (E >> 255n) * 19n
  E = E + K8 - H // 2XY
  const G = B + K7 - A // Y² − X²
  const F = C + K8 - G // 2Z² − (Y² − X²)
  return { X: mul(E, F), Y: mul(G, H), Z: mul(F, G), T: mul(E, H) }
}

/** P + Q for any two points (add-2008-hwcd-3); only used to build the table. */
function add(p: Ext, q: Ext): Ext {
  const A = mul(p.Y + P2 - p.X, q.Y + P2 - q.X)
  const B = mul(p.Y + p.X, q.Y + q.X)
  const C = mul(mul(p.T, D2), q.T)
  const D = mul(p.Z + p.Z, q.Z)
  const E = B + P2 - A
  const F = D + P2 - C
  const G = D + C
  const H = B + A
  return { X: mul(E, F), Y: mul(G, H), Z: mul(F, G), T: mul(E, H) }
}

// The table: for j = 0..15 and a = 0..8, a·2^(16j)·B in affine "Niels" form (y + x, y − x, 2d·x·y), all
// reduced, at index 9j + a (a = 0 is the identity (1, 1, 0), so that a zero digit is one more addition).
// 144 points, 432 BigInts: public data, built on first use, or at module top level where the engine
// snapshots the heap after running it (see the end of this file).
let YPX: bigint[] | undefined
let YMX: bigint[]
let XY2D: bigint[]

function baseTable(): void {
  const points: Ext[] = []
  let pj: Ext = { X: BX, Y: BY, Z: 1n, T: mul(BX, BY) }
  for (let j = 0; j < 16; j++) {
    let m = pj
    for (let a = 1; a <= 8; a++) {
      points.push(m)
      m = add(m, pj)
    }
    for (let i = 0; i < 16; i++) pj = double(pj)
  }
  // Batch inversion (Montgomery's trick): one inversion for all 128 Z.
  const prefix: bigint[] = []
  let acc = 1n
  for (const q of points) {
    prefix.push(acc)
    acc = mul(acc, q.Z)
  }
  let inv = invert(acc)
  const ypx: bigint[] = []
  const ymx: bigint[] = []
  const xy2d: bigint[] = []
  for (let i = points.length - 1; i >= 0; i--) {
    const q = points[i]!
    const zi = mul(inv, prefix[i]!)
    inv = mul(inv, q.Z)
    const x = canonical(mul(q.X, zi))
    const y = canonical(mul(q.Y, zi))
    const at = 9 * (i >> 3) + (i & 7) + 1
    ypx[at] = canonical(y + x)
    ymx[at] = canonical(y + P - x)
    xy2d[at] = canonical(mul(mul(x, y), D2))
  }
  for (let j = 0; j < 16; j++) {
    ypx[9 * j] = 1n
    ymx[9 * j] = 1n
    xy2d[9 * j] = 0n
  }
  YMX = ymx
  XY2D = xy2d
  YPX = ypx
}

/** The u-coordinate of [k]B: k recoded into 64 signed radix-16 digits d_i ∈ [−8, 8]; the digits i = 4j + r
 * are summed per r against the table's 2^(16j)·B, with 4 doublings between the four groups. */
function fixedBase(secretKey: Uint8Array): bigint {
  if (YPX === undefined) baseTable()
  const ypxT = YPX!
  const ymxT = YMX
  const xy2dT = XY2D
  const k = clamp(secretKey)
  const digits = new Int8Array(64)
  let carry = 0
  for (let i = 0; i < 63; i++) {
    const e = ((k[i >> 1]! >> ((i & 1) << 2)) & 15) + carry
    carry = (e + 8) >> 4
    digits[i] = e - (carry << 4)
  }
  digits[63] = (k[31]! >> 4) + carry // ≤ 8: bit 255 is clear
  k.fill(0)

  let X = 0n
  let Y = 1n
  let Z = 1n
  let T = 0n
  for (let r = 3; r >= 0; r--) {
    if (r < 3) {
      let q: Ext = { X, Y, Z, T }
      for (let i = 0; i < 4; i++) q = double(q)
      ;({ X, Y, Z, T } = q)
    }
    for (let j = 0; j < 16; j++) {
      const d = digits[4 * j + r]!
      const neg = (d >> 31) & 1
      const at = 9 * j + ((d ^ -neg) + neg)
      // −(x, y) = (−x, y): y + x and y − x trade places and 2dxy changes sign (F and G below trade places).
      const n = BigInt(neg)
      let ypx = ypxT[at]!
      let ymx = ymxT[at]!
      const sw = n * (ymx - ypx)
      ypx += sw
      ymx -= sw
      let A = (Y + P2 - X) * ymx
      A = (A & M) + (A >> 255n) * 19n
      let B = (Y + X) * ypx
      B = (B & M) + (B >> 255n) * 19n
      let C = T * xy2dT[at]!
      C = (C & M) + (C >> 255n) * 19n
      const D = Z + Z
      const E = B + K7 - A
      let F = D + K7 - C
      let G = D + C
      const fg = n * (G - F)
      F += fg
      G -= fg
      const H = B + A
      let t = E * F
      t = (t & M) + (t >> 255n) * 19n
      X = (t & M) + (t >> 255n) * 19n
      t = G * H
      t = (t & M) + (t >> 255n) * 19n
      Y = (t & M) + (t >> 255n) * 19n
      t = F * G
      t = (t & M) + (t >> 255n) * 19n
      Z = (t & M) + (t >> 255n) * 19n
      t = E * H
      t = (t & M) + (t >> 255n) * 19n
      T = (t & M) + (t >> 255n) * 19n
    }
  }
  // u = (1 + y)/(1 − y) = (Z + Y)/(Z − Y) (RFC 7748 §4.1).
  return canonical(mul(Z + Y, invert(Z + P2 - Y)))
}

// ---- the interface ----

function shared(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const r = ladder(secretKey, decodeU(publicKey))
  // RFC 7748 §6.1: an all-zero result means a low-order public key; the protocol must abort.
  if (r === 0n) throw new Error('X25519: the shared secret is all zero (low-order public key)')
  return encodeU(r)
}

const publicKeyOf = (secretKey: Uint8Array) => encodeU(fixedBase(secretKey))

/** X25519 on the interface the rest of pq-edge uses (async, like the WebCrypto backend). */
export const jsX25519: X25519 = {
  name: 'pq-edge-js',
  publicKey: async (secretKey) => publicKeyOf(checkBytes('secretKey', secretKey)),
  sharedSecret: async (secretKey, publicKey) => shared(checkBytes('secretKey', secretKey), checkBytes('publicKey', publicKey)),
  async importSecretKey(secretKey): Promise<X25519SecretKey> {
    const sk = new Uint8Array(checkBytes('secretKey', secretKey)) // a copy: the caller may wipe theirs
    const publicKey = publicKeyOf(sk)
    return { publicKey, sharedSecret: async (pk) => shared(sk, checkBytes('publicKey', pk)) }
  },
}

/** The synchronous core (tests, benchmarks). */
export const x25519Sync = {
  /** X25519(k, 9) from the fixed-base table. */
  publicKey: (secretKey: Uint8Array): Uint8Array => publicKeyOf(checkBytes('secretKey', secretKey)),
  /** X25519(k, u) with the RFC 7748 §6.1 all-zero check. */
  sharedSecret: (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array => shared(checkBytes('secretKey', secretKey), checkBytes('publicKey', publicKey)),
  /** X25519(k, u) by the ladder, with no all-zero check (RFC 7748 §5.2's vectors and iteration test). */
  scalarMult: (secretKey: Uint8Array, u: Uint8Array): Uint8Array => encodeU(ladder(checkBytes('secretKey', secretKey), decodeU(checkBytes('u', u)))),
}

/** Builds the fixed-base table now (idempotent). Call it at module top level in an engine that snapshots. */
export function precomputeX25519Base(): void {
  if (YPX === undefined) baseTable()
}

// An engine without WebAssembly (Fastly's StarlingMonkey) is where this backend serves, and there the top
// level runs at build time and is snapshotted: build the table now, so that it ships in the binary instead
// of being rebuilt per request. Elsewhere (V8, with a JIT) it is built on first use. Public data only.
if (typeof WebAssembly === 'undefined') precomputeX25519Base()
