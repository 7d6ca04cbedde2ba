// AES-GCM (AES-128 and AES-256, FIPS 197; GCM, NIST SP 800-38D) in plain TypeScript for engines with no
// WebCrypto AES-GCM, tuned for an interpreter without a JIT (Fastly's StarlingMonkey), where local
// variables are cheap and typed-array accesses and function calls are not:
//  - the forward cipher only (GCM never runs the inverse cipher), with four "T-tables" of 256 words each
//    (SubBytes, ShiftRows and MixColumns of one round folded into 16 lookups), plus the S-box for the key
//    schedule and the last round: 4.25 KiB, built on first use (or at build time by primeAesGcmTables());
//    @noble/ciphers builds ~1.28 MB of tables when its module loads.
//  - tables and round keys are Int32Arrays, so every value read is an int32 (a Uint32Array hands values
//    ≥ 2^31 back as doubles, which the interpreter then converts on every XOR).
//  - the cipher state lives in locals, the rounds are written out (two per loop pass); seal and open are
//    one fused loop (counter-mode block, XOR, GHASH of the ciphertext) with no calls in it. In counter
//    mode only the last word of the input block changes, so 12 of the first round's 16 lookups are done
//    once per message.
//  - GHASH multiplies by H with Shoup's 4-bit method: a per-key table of the 16 multiples H·n (four
//    Int32Arrays of 16), 32 nibble steps per block, the reduction computed with shifts (no table).
//    `node scripts/fastly/bench.ts aead` measures it against bitwise shift-and-add in the engine: 2.7–3.3× faster
//    on 1 KiB. (An 8-bit table, 4 KiB per key, halved GHASH time on 1 KiB in the engine but costs ~0.18 ms
//    per key to build: it pays only past ~27 blocks per key, and HPKE contexts here seal one small message.)
//
// Only 96-bit IVs (SP 800-38D §8.2.1's recommended form, and all HPKE, our tickets and the vault use);
// other lengths are rejected. Tags are 128 bits and compared in constant time; open() computes the
// plaintext into a buffer that is wiped, never returned, when the tag does not match.
//
// Constant time: the tag comparison is; the cipher and GHASH are NOT in the cache-timing sense: table
// lookups are indexed by secret-dependent bytes (as in every table-based AES, @noble/ciphers' included).
// Where the runtime offers WebCrypto AES-GCM, the backend selection (select-core.ts) uses that instead.
//
// Key material lives only in the closure of the AeadKey importKey() returns (round keys and the GHASH
// table; nothing is reachable from the object), never at module level. The per-message temporaries are
// locals and one 16-byte module scratch, wiped after every message.
import { constantTimeEqualMask, wipe } from './bytes.ts'
import type { Aead, AeadKey } from './types.ts'

// ---- tables (FIPS 197 §5.1.1 S-box, derived rather than listed; public data) ----

let SB: Uint8Array | undefined
let T0: Int32Array | undefined
let T1: Int32Array | undefined
let T2: Int32Array | undefined
let T3: Int32Array | undefined

/** Builds the S-box (FIPS 197 §5.1.1: the inverse in GF(2^8) mod x^8+x^4+x^3+x+1, then the affine map
 *  with 0x63) and the four round tables. Idempotent; cheap (a few thousand operations). */
export function primeAesGcmTables(): void {
  if (T3 !== undefined) return
  // Powers of the generator 3 give exp/log tables; inv(a) = 3^(255 − log a).
  const exp = new Uint8Array(256)
  const log = new Uint8Array(256)
  for (let i = 0, p = 1; i < 255; i++) {
    exp[i] = p
    log[p] = i
    p ^= (p << 1) ^ (p & 0x80 ? 0x11b : 0) // p·3 = p·2 ⊕ p (xtime reduces by the AES polynomial)
  }
  const sb = new Uint8Array(256)
  const t0 = new Int32Array(256)
  const t1 = new Int32Array(256)
  const t2 = new Int32Array(256)
  const t3 = new Int32Array(256)
  for (let a = 0; a < 256; a++) {
    const b = a === 0 ? 0 : exp[(255 - log[a]!) % 255]!
    // s = b ⊕ (b <<< 1) ⊕ (b <<< 2) ⊕ (b <<< 3) ⊕ (b <<< 4) ⊕ 0x63 (FIPS 197 eq. 5.1 as byte rotations)
    const r = b | (b << 8)
    const s = (b ^ (r >> 7) ^ (r >> 6) ^ (r >> 5) ^ (r >> 4) ^ 0x63) & 255
    sb[a] = s
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x11b : 0)) & 255
    const s3 = s2 ^ s
    // A column's byte 0 (the word's most significant byte) contributes [2, 1, 1, 3]·S to MixColumns;
    // bytes 1..3 the same coefficients rotated (FIPS 197 §5.1.3): T1..T3 are T0 rotated right by 8, 16, 24.
    const w = (s2 << 24) | (s << 16) | (s << 8) | s3
    t0[a] = w
    t1[a] = (w >>> 8) | (w << 24)
    t2[a] = (w >>> 16) | (w << 16)
    t3[a] = (w >>> 24) | (w << 8)
  }
  SB = sb
  T0 = t0
  T1 = t1
  T2 = t2
  T3 = t3
}

// ---- key schedule (FIPS 197 §5.2) ----

/** KeyExpansion into 4·(Nr + 1) words, big-endian (byte 0 of a word is its most significant). */
function expandKey(key: Uint8Array): Int32Array {
  const sb = SB!
  const nk = key.length >> 2
  const nr = nk + 6
  const w = new Int32Array(4 * (nr + 1))
  for (let i = 0; i < nk; i++) w[i] = (key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!
  for (let i = nk, rcon = 1; i < w.length; i++) {
    let t = w[i - 1]!
    if (i % nk === 0) {
      // SubWord(RotWord(t)) ⊕ Rcon[i/Nk], Rcon = x^(i/Nk − 1) in GF(2^8) in the top byte
      t = ((sb[(t >>> 16) & 255]! << 24) | (sb[(t >>> 8) & 255]! << 16) | (sb[t & 255]! << 8) | sb[t >>> 24]!) ^ (rcon << 24)
      rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0)
    } else if (nk > 6 && i % nk === 4) {
      t = (sb[t >>> 24]! << 24) | (sb[(t >>> 16) & 255]! << 16) | (sb[(t >>> 8) & 255]! << 8) | sb[t & 255]!
    }
    w[i] = w[i - nk]! ^ t
  }
  return w
}

/** One scratch block for the two single-block encryptions (H, E(J0)) and GHASH's state between the phases
 *  of a message; always wiped before a call returns. Calls never interleave (all of this is synchronous). */
const SCRATCH = new Int32Array(4)
/** The GHASH length block [len(A)]64 ‖ [len(C)]64 (public). */
const LEN = new Uint8Array(16)

/** CIPH_K of one block given as four words; the result goes to SCRATCH. Used twice per message, so a call. */
function encryptBlock(rk: Int32Array, nr: number, x0: number, x1: number, x2: number, x3: number): void {
  const t0 = T0!,
    t1 = T1!,
    t2 = T2!,
    t3 = T3!,
    sb = SB!
  let s0 = x0 ^ rk[0]!,
    s1 = x1 ^ rk[1]!,
    s2 = x2 ^ rk[2]!,
    s3 = x3 ^ rk[3]!
  let u0: number, u1: number, u2: number, u3: number
  const end = 4 * nr
  for (let k = 4; k < end; k += 4) {
    u0 = t0[s0 >>> 24]! ^ t1[(s1 >>> 16) & 255]! ^ t2[(s2 >>> 8) & 255]! ^ t3[s3 & 255]! ^ rk[k]!
    u1 = t0[s1 >>> 24]! ^ t1[(s2 >>> 16) & 255]! ^ t2[(s3 >>> 8) & 255]! ^ t3[s0 & 255]! ^ rk[k + 1]!
    u2 = t0[s2 >>> 24]! ^ t1[(s3 >>> 16) & 255]! ^ t2[(s0 >>> 8) & 255]! ^ t3[s1 & 255]! ^ rk[k + 2]!
    u3 = t0[s3 >>> 24]! ^ t1[(s0 >>> 16) & 255]! ^ t2[(s1 >>> 8) & 255]! ^ t3[s2 & 255]! ^ rk[k + 3]!
    s0 = u0
    s1 = u1
    s2 = u2
    s3 = u3
  }
  SCRATCH[0] = ((sb[s0 >>> 24]! << 24) | (sb[(s1 >>> 16) & 255]! << 16) | (sb[(s2 >>> 8) & 255]! << 8) | sb[s3 & 255]!) ^ rk[end]!
  SCRATCH[1] = ((sb[s1 >>> 24]! << 24) | (sb[(s2 >>> 16) & 255]! << 16) | (sb[(s3 >>> 8) & 255]! << 8) | sb[s0 & 255]!) ^ rk[end + 1]!
  SCRATCH[2] = ((sb[s2 >>> 24]! << 24) | (sb[(s3 >>> 16) & 255]! << 16) | (sb[(s0 >>> 8) & 255]! << 8) | sb[s1 & 255]!) ^ rk[end + 2]!
  SCRATCH[3] = ((sb[s3 >>> 24]! << 24) | (sb[(s0 >>> 16) & 255]! << 16) | (sb[(s1 >>> 8) & 255]! << 8) | sb[s2 & 255]!) ^ rk[end + 3]!
}

// ---- GHASH (SP 800-38D §6.4) ----
//
// Blocks are four big-endian words; bit 0 of the block (the coefficient of x^0) is the most significant
// bit of word 0, so multiplying by x is a right shift of the 128-bit value, and a bit shifted out at the
// bottom (x^128) comes back as R = 11100001 ‖ 0^120 (x^128 = 1 + x + x^2 + x^7), §6.3.
// Shoup's 4-bit method: M[n] = H·n for each 4-bit n, where n's most significant bit is the coefficient of
// x^0. X·H is then evaluated by Horner's rule from the highest-degree nibble (word 3's low nibble) down:
// Z ← Z·x^4 ⊕ M[nibble]. Z·x^4 shifts 4 bits out; bit j of those (the coefficient of x^(127−j)) becomes
// x^(3−j)·x^128, i.e. R >> (3 − j): over the four bits, rem·(2^28 ⊕ 2^27 ⊕ 2^26 ⊕ 2^21) in word 0.

/** The per-key table: four Int32Arrays of 16 (word i of H·n at Mi[n]). */
function ghashTable(h0: number, h1: number, h2: number, h3: number): Int32Array[] {
  const m = [new Int32Array(16), new Int32Array(16), new Int32Array(16), new Int32Array(16)]
  const [m0, m1, m2, m3] = m as [Int32Array, Int32Array, Int32Array, Int32Array]
  // M[8] = H, M[4] = H·x, M[2] = H·x^2, M[1] = H·x^3
  for (let n = 8; n > 0; n >>= 1) {
    m0[n] = h0
    m1[n] = h1
    m2[n] = h2
    m3[n] = h3
    const lsb = h3 & 1
    h3 = (h3 >>> 1) | (h2 << 31)
    h2 = (h2 >>> 1) | (h1 << 31)
    h1 = (h1 >>> 1) | (h0 << 31)
    h0 = (h0 >>> 1) ^ (-lsb & 0xe1000000)
  }
  for (let n = 3; n < 16; n++) {
    const low = n & -n // M is linear: M[n] = M[low bit] ⊕ M[n ⊕ low bit]
    if (low === n) continue
    m0[n] = m0[low]! ^ m0[n ^ low]!
    m1[n] = m1[low]! ^ m1[n ^ low]!
    m2[n] = m2[low]! ^ m2[n ^ low]!
    m3[n] = m3[low]! ^ m3[n ^ low]!
  }
  return m
}

/** GHASH state (SCRATCH) ← GHASH over `data[0, len)` zero-padded to whole blocks (the AAD, the length block). */
function ghashBytes(m: Int32Array[], data: Uint8Array, len: number): void {
  const m0 = m[0]!,
    m1 = m[1]!,
    m2 = m[2]!,
    m3 = m[3]!
  let y0 = SCRATCH[0]!,
    y1 = SCRATCH[1]!,
    y2 = SCRATCH[2]!,
    y3 = SCRATCH[3]!
  let z0: number, z1: number, z2: number, z3: number, w: number, n: number, r: number
  for (let i = 0; i < len; i += 16) {
    if (len - i >= 16) {
      y0 ^= (data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!
      y1 ^= (data[i + 4]! << 24) | (data[i + 5]! << 16) | (data[i + 6]! << 8) | data[i + 7]!
      y2 ^= (data[i + 8]! << 24) | (data[i + 9]! << 16) | (data[i + 10]! << 8) | data[i + 11]!
      y3 ^= (data[i + 12]! << 24) | (data[i + 13]! << 16) | (data[i + 14]! << 8) | data[i + 15]!
    } else {
      for (let j = 0; i + j < len; j++) {
        const b = data[i + j]! << (24 - 8 * (j & 3))
        if (j < 4) y0 ^= b
        else if (j < 8) y1 ^= b
        else if (j < 12) y2 ^= b
        else y3 ^= b
      }
    }
    // Z = Y·H (Shoup, 4 bits at a time, nibbles from x^124..x^127 down to x^0..x^3)
    z0 = z1 = z2 = z3 = 0
    w = y3
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y2
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y1
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y0
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    y0 = z0
    y1 = z1
    y2 = z2
    y3 = z3
  }
  SCRATCH[0] = y0
  SCRATCH[1] = y1
  SCRATCH[2] = y2
  SCRATCH[3] = y3
}

// ---- GCTR + GHASH, fused (SP 800-38D §6.5, §7.1 steps 3–5, §7.2 steps 3–6) ----

/**
 * output[0, len) = input[0, len) ⊕ the keystream CIPH_K(J0 + 1), CIPH_K(J0 + 2), …; J0 = IV ‖ 0^31 ‖ 1
 * with the IV as words c0, c1, c2. GHASH (state in SCRATCH) absorbs the ciphertext: the output when
 * sealing, the input when opening.
 */
function gctrGhash(
  rk: Int32Array,
  nr: number,
  m: Int32Array[],
  c0: number,
  c1: number,
  c2: number,
  input: Uint8Array,
  output: Uint8Array,
  len: number,
  opening: boolean,
): void {
  const t0 = T0!,
    t1 = T1!,
    t2 = T2!,
    t3 = T3!,
    sb = SB!
  const m0 = m[0]!,
    m1 = m[1]!,
    m2 = m[2]!,
    m3 = m[3]!
  let y0 = SCRATCH[0]!,
    y1 = SCRATCH[1]!,
    y2 = SCRATCH[2]!,
    y3 = SCRATCH[3]!
  // Round 1 of a counter block: the lookups of input words 0..2 are the same for every block.
  const s0 = c0 ^ rk[0]!,
    s1 = c1 ^ rk[1]!,
    s2 = c2 ^ rk[2]!,
    r3 = rk[3]!
  const f0 = t0[s0 >>> 24]! ^ t1[(s1 >>> 16) & 255]! ^ t2[(s2 >>> 8) & 255]! ^ rk[4]!
  const f1 = t0[s1 >>> 24]! ^ t1[(s2 >>> 16) & 255]! ^ t3[s0 & 255]! ^ rk[5]!
  const f2 = t0[s2 >>> 24]! ^ t2[(s0 >>> 8) & 255]! ^ t3[s1 & 255]! ^ rk[6]!
  const f3 = t1[(s0 >>> 16) & 255]! ^ t2[(s1 >>> 8) & 255]! ^ t3[s2 & 255]! ^ rk[7]!
  const end = 4 * nr
  let a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number
  let k0: number, k1: number, k2: number, k3: number, x0: number, x1: number, x2: number, x3: number
  let z0: number, z1: number, z2: number, z3: number, w: number, n: number, r: number
  let ctr = 2 // inc32(J0)
  for (let i = 0; i < len; i += 16) {
    // ---- the keystream block CIPH_K(IV ‖ ctr) ----
    a3 = ctr ^ r3
    a0 = f0 ^ t3[a3 & 255]!
    a1 = f1 ^ t2[(a3 >>> 8) & 255]!
    a2 = f2 ^ t1[(a3 >>> 16) & 255]!
    a3 = f3 ^ t0[a3 >>> 24]!
    for (let k = 8; k < end; k += 8) {
      b0 = t0[a0 >>> 24]! ^ t1[(a1 >>> 16) & 255]! ^ t2[(a2 >>> 8) & 255]! ^ t3[a3 & 255]! ^ rk[k]!
      b1 = t0[a1 >>> 24]! ^ t1[(a2 >>> 16) & 255]! ^ t2[(a3 >>> 8) & 255]! ^ t3[a0 & 255]! ^ rk[k + 1]!
      b2 = t0[a2 >>> 24]! ^ t1[(a3 >>> 16) & 255]! ^ t2[(a0 >>> 8) & 255]! ^ t3[a1 & 255]! ^ rk[k + 2]!
      b3 = t0[a3 >>> 24]! ^ t1[(a0 >>> 16) & 255]! ^ t2[(a1 >>> 8) & 255]! ^ t3[a2 & 255]! ^ rk[k + 3]!
      a0 = t0[b0 >>> 24]! ^ t1[(b1 >>> 16) & 255]! ^ t2[(b2 >>> 8) & 255]! ^ t3[b3 & 255]! ^ rk[k + 4]!
      a1 = t0[b1 >>> 24]! ^ t1[(b2 >>> 16) & 255]! ^ t2[(b3 >>> 8) & 255]! ^ t3[b0 & 255]! ^ rk[k + 5]!
      a2 = t0[b2 >>> 24]! ^ t1[(b3 >>> 16) & 255]! ^ t2[(b0 >>> 8) & 255]! ^ t3[b1 & 255]! ^ rk[k + 6]!
      a3 = t0[b3 >>> 24]! ^ t1[(b0 >>> 16) & 255]! ^ t2[(b1 >>> 8) & 255]! ^ t3[b2 & 255]! ^ rk[k + 7]!
    }
    k0 = ((sb[a0 >>> 24]! << 24) | (sb[(a1 >>> 16) & 255]! << 16) | (sb[(a2 >>> 8) & 255]! << 8) | sb[a3 & 255]!) ^ rk[end]!
    k1 = ((sb[a1 >>> 24]! << 24) | (sb[(a2 >>> 16) & 255]! << 16) | (sb[(a3 >>> 8) & 255]! << 8) | sb[a0 & 255]!) ^ rk[end + 1]!
    k2 = ((sb[a2 >>> 24]! << 24) | (sb[(a3 >>> 16) & 255]! << 16) | (sb[(a0 >>> 8) & 255]! << 8) | sb[a1 & 255]!) ^ rk[end + 2]!
    k3 = ((sb[a3 >>> 24]! << 24) | (sb[(a0 >>> 16) & 255]! << 16) | (sb[(a1 >>> 8) & 255]! << 8) | sb[a2 & 255]!) ^ rk[end + 3]!
    ctr = (ctr + 1) | 0

    // ---- XOR, and the ciphertext block into GHASH's input ----
    if (len - i >= 16) {
      x0 = (input[i]! << 24) | (input[i + 1]! << 16) | (input[i + 2]! << 8) | input[i + 3]!
      x1 = (input[i + 4]! << 24) | (input[i + 5]! << 16) | (input[i + 6]! << 8) | input[i + 7]!
      x2 = (input[i + 8]! << 24) | (input[i + 9]! << 16) | (input[i + 10]! << 8) | input[i + 11]!
      x3 = (input[i + 12]! << 24) | (input[i + 13]! << 16) | (input[i + 14]! << 8) | input[i + 15]!
      k0 ^= x0
      k1 ^= x1
      k2 ^= x2
      k3 ^= x3
      // a Uint8Array store keeps the low 8 bits: no masks needed
      output[i] = k0 >>> 24
      output[i + 1] = k0 >> 16
      output[i + 2] = k0 >> 8
      output[i + 3] = k0
      output[i + 4] = k1 >>> 24
      output[i + 5] = k1 >> 16
      output[i + 6] = k1 >> 8
      output[i + 7] = k1
      output[i + 8] = k2 >>> 24
      output[i + 9] = k2 >> 16
      output[i + 10] = k2 >> 8
      output[i + 11] = k2
      output[i + 12] = k3 >>> 24
      output[i + 13] = k3 >> 16
      output[i + 14] = k3 >> 8
      output[i + 15] = k3
      if (opening) {
        y0 ^= x0
        y1 ^= x1
        y2 ^= x2
        y3 ^= x3
      } else {
        y0 ^= k0
        y1 ^= k1
        y2 ^= k2
        y3 ^= k3
      }
    } else {
      // the final partial block: the ciphertext bytes, zero-padded, go to GHASH
      for (let j = 0; i + j < len; j++) {
        const shift = 24 - 8 * (j & 3)
        const kb = (j < 4 ? k0 : j < 8 ? k1 : j < 12 ? k2 : k3) >>> shift
        const inb = input[i + j]!
        const outb = (inb ^ kb) & 255
        output[i + j] = outb
        const cb = (opening ? inb : outb) << shift
        if (j < 4) y0 ^= cb
        else if (j < 8) y1 ^= cb
        else if (j < 12) y2 ^= cb
        else y3 ^= cb
      }
    }

    // ---- Y = (Y ⊕ C)·H, Shoup 4-bit (see ghashBytes) ----
    // Deliberately unrolled: ghashBytes' multiplication written out again inside the CTR loop, on locals,
    // because a call per block costs more than the arithmetic in an interpreter.
    z0 = z1 = z2 = z3 = 0
    w = y3
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y2
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y1
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    w = y0
    for (let k = 0; k < 8; k++) {
      r = z3 & 15
      z3 = (z3 >>> 4) | (z2 << 28)
      z2 = (z2 >>> 4) | (z1 << 28)
      z1 = (z1 >>> 4) | (z0 << 28)
      z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
      n = w & 15
      w >>>= 4
      z0 ^= m0[n]!
      z1 ^= m1[n]!
      z2 ^= m2[n]!
      z3 ^= m3[n]!
    }
    y0 = z0
    y1 = z1
    y2 = z2
    y3 = z3
  }
  SCRATCH[0] = y0
  SCRATCH[1] = y1
  SCRATCH[2] = y2
  SCRATCH[3] = y3
}

// ---- the AEAD ----

/** SP 800-38D §5.2.1.1: len(P) ≤ 2^39 − 256 bits. */
const MAX_PLAINTEXT_BYTES = 2 ** 36 - 32

function checkBytes(what: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`AES-GCM: ${what} must be a Uint8Array`)
  return value
}

/** One message: GHASH(A ‖ 0^v ‖ C ‖ 0^u ‖ [len(A)]64 ‖ [len(C)]64) and the tag E(J0) ⊕ S into `tag[at, at+16)`;
 *  the data into `output`. */
function gcm(
  rk: Int32Array,
  nr: number,
  m: Int32Array[],
  nonce: Uint8Array,
  aad: Uint8Array,
  input: Uint8Array,
  output: Uint8Array,
  len: number,
  opening: boolean,
  tag: Uint8Array,
  at: number,
): void {
  if (nonce.length !== 12) throw new RangeError(`AES-GCM: nonce must be 12 bytes (only 96-bit IVs are supported), got ${nonce.length}`)
  if (len > MAX_PLAINTEXT_BYTES) throw new RangeError('AES-GCM: message too long')
  const c0 = (nonce[0]! << 24) | (nonce[1]! << 16) | (nonce[2]! << 8) | nonce[3]!
  const c1 = (nonce[4]! << 24) | (nonce[5]! << 16) | (nonce[6]! << 8) | nonce[7]!
  const c2 = (nonce[8]! << 24) | (nonce[9]! << 16) | (nonce[10]! << 8) | nonce[11]!
  const alen = aad.length
  try {
    wipe(SCRATCH)
    if (alen > 0) ghashBytes(m, aad, alen)
    if (len > 0) gctrGhash(rk, nr, m, c0, c1, c2, input, output, len, opening)
    // bit lengths as two 64-bit big-endian integers (byte lengths < 2^53 / 8)
    const ah = Math.floor(alen / 0x20000000),
      ch = Math.floor(len / 0x20000000)
    LEN[0] = ah >>> 24
    LEN[1] = ah >> 16
    LEN[2] = ah >> 8
    LEN[3] = ah
    LEN[4] = alen >>> 21
    LEN[5] = alen >> 13
    LEN[6] = alen >> 5
    LEN[7] = alen << 3
    LEN[8] = ch >>> 24
    LEN[9] = ch >> 16
    LEN[10] = ch >> 8
    LEN[11] = ch
    LEN[12] = len >>> 21
    LEN[13] = len >> 13
    LEN[14] = len >> 5
    LEN[15] = len << 3
    ghashBytes(m, LEN, 16)
    const s0 = SCRATCH[0]!,
      s1 = SCRATCH[1]!,
      s2 = SCRATCH[2]!,
      s3 = SCRATCH[3]!
    encryptBlock(rk, nr, c0, c1, c2, 1) // E(J0)
    for (let j = 0; j < 4; j++) {
      const v = SCRATCH[j]! ^ (j === 0 ? s0 : j === 1 ? s1 : j === 2 ? s2 : s3)
      tag[at + 4 * j] = v >>> 24
      tag[at + 4 * j + 1] = v >> 16
      tag[at + 4 * j + 2] = v >> 8
      tag[at + 4 * j + 3] = v
    }
  } finally {
    wipe(SCRATCH)
    wipe(LEN)
  }
}

/** FIPS 197 Cipher(in, KeyExpansion(key)) of one 16-byte block with a 16- or 32-byte key (the Appendix C
 *  known answers test it). The round keys are wiped before it returns. */
export function aesEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  checkBytes('key', key)
  checkBytes('block', block)
  if (key.length !== 16 && key.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`)
  if (block.length !== 16) throw new RangeError(`AES block must be 16 bytes, got ${block.length}`)
  primeAesGcmTables()
  const rk = expandKey(key)
  const out = new Uint8Array(16)
  try {
    const w = (i: number) => (block[i]! << 24) | (block[i + 1]! << 16) | (block[i + 2]! << 8) | block[i + 3]!
    encryptBlock(rk, rk.length / 4 - 1, w(0), w(4), w(8), w(12))
    for (let i = 0; i < 16; i++) out[i] = SCRATCH[i >> 2]! >> (24 - 8 * (i & 3))
  } finally {
    wipe(rk)
    wipe(SCRATCH)
  }
  return out
}

function importAesGcmKey(key: Uint8Array): AeadKey {
  primeAesGcmTables()
  const rk = expandKey(key)
  const nr = rk.length / 4 - 1
  encryptBlock(rk, nr, 0, 0, 0, 0) // H = CIPH_K(0^128)
  const m = ghashTable(SCRATCH[0]!, SCRATCH[1]!, SCRATCH[2]!, SCRATCH[3]!)
  wipe(SCRATCH)
  return {
    async seal(nonce, aad, plaintext) {
      checkBytes('nonce', nonce)
      checkBytes('aad', aad)
      checkBytes('plaintext', plaintext)
      const len = plaintext.length
      const out = new Uint8Array(len + 16)
      gcm(rk, nr, m, nonce, aad, plaintext, out, len, false, out, len)
      return out
    },
    async open(nonce, aad, ciphertext) {
      checkBytes('nonce', nonce)
      checkBytes('aad', aad)
      checkBytes('ciphertext', ciphertext)
      if (ciphertext.length < 16) throw new RangeError(`AES-GCM: ciphertext must be at least 16 bytes (the tag), got ${ciphertext.length}`)
      const len = ciphertext.length - 16
      const out = new Uint8Array(len)
      const tag = new Uint8Array(16)
      gcm(rk, nr, m, nonce, aad, ciphertext, out, len, true, tag, 0)
      const tagMatches = constantTimeEqualMask(tag, 0, ciphertext, len, 16) === -1
      wipe(tag)
      if (!tagMatches) {
        wipe(out)
        throw new Error('AES-GCM: authentication failed (tag mismatch)')
      }
      return out
    },
  }
}

function jsAesGcm(keyLength: 16 | 32): Aead {
  return {
    name: 'pq-edge-js',
    async importKey(key) {
      checkBytes('key', key)
      if (key.length !== keyLength) throw new RangeError(`AES-GCM key must be ${keyLength} bytes, got ${key.length}`)
      return importAesGcmKey(key)
    },
  }
}

/** AES-128-GCM, 96-bit nonces, 128-bit tags. */
export const jsAes128Gcm: Aead = /* @__PURE__ */ jsAesGcm(16)
/** AES-256-GCM, 96-bit nonces, 128-bit tags. */
export const jsAes256Gcm: Aead = /* @__PURE__ */ jsAesGcm(32)
