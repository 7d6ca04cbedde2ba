// Encoding and compression of FIPS 203 §4.2.1 in TypeScript for interpreters: ByteEncode_d / ByteDecode_d
// (FIPS 203 Alg. 5, 6) fused with Compress_d / Decompress_d (FIPS 203 eq. 4.7, 4.8), and the FIPS 203 §7.2 modulus check.
// Mirrors ../assembly/encoding.ts. As in ntt.ts, the reductions are written out at each use (no calls per
// coefficient in an interpreter).
import { BARRETT_V, freeze, Q, QINV, R2_MOD_Q } from './reduce.ts'

/** Compress_d(x) = round(2^d/q · x) mod 2^d (eq. 4.7) for x ∈ [0,q), as (x·C + B) >>> S with the wasm
 *  SIMD core's constants (exhaustively checked in test/mlkem/js): products < 2^32, no division. */
function compress(x: number, d: number): number {
  switch (d) {
    case 1:
      return ((x * 315 + 262021) >>> 19) & 1
    case 4:
      return ((x * 315 + 32701) >>> 16) & 15
    case 5:
      return ((x * 315 + 16321) >>> 15) & 31
    case 10:
      return ((x * 161271 + 261911) >>> 19) & 0x3ff
    default:
      return ((x * 161271 + 130860) >>> 18) & 0x7ff // d = 11
  }
}

/** ByteEncode12(f) (FIPS 203 Alg. 5) of a polynomial with |f| < 2^15 to out at o: each value made canonical
 *  (Barrett, then + q if negative) and packed, two values in three bytes (dk_PKE ← ByteEncode12(ŝ)). */
export function byteEncode12(out: Uint8Array, o: number, f: Int16Array): void {
  // Deliberately unrolled: two coefficients per step, the reduction written out per coefficient.
  for (let i = 0; i < 256; i += 2, o += 3) {
    let r = f[i]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q
    const x0 = r + ((r >> 31) & Q)
    r = f[i + 1]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q
    const x1 = r + ((r >> 31) & Q)
    out[o] = x0
    out[o + 1] = (x0 >>> 8) | (x1 << 4)
    out[o + 2] = x1 >>> 4
  }
}

/** K-PKE.KeyGen steps 18-19 for one row: ByteEncode12(t̂) with t̂ = (Â∘ŝ) + ê, where t holds Â∘ŝ carrying
 *  2^-16 (from multiplyNttsSum): MontgomeryReduce(t · R² mod q) removes it (|t·R2| < q·1353 < q·2^15),
 *  + ê (|ê| ≤ q/2 + 1), then canonical and packed, in one pass. */
export function byteEncode12THat(out: Uint8Array, o: number, t: Int16Array, e: Int16Array): void {
  // Deliberately unrolled: two coefficients per step, the reductions written out per coefficient.
  for (let i = 0; i < 256; i += 2, o += 3) {
    let r = t[i]! * R2_MOD_Q
    r = ((r - (((r * QINV) << 16) >> 16) * Q) >> 16) + e[i]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q
    const x0 = r + ((r >> 31) & Q)
    r = t[i + 1]! * R2_MOD_Q
    r = ((r - (((r * QINV) << 16) >> 16) * Q) >> 16) + e[i + 1]!
    r -= ((r * BARRETT_V + 33554432) >> 26) * Q
    const x1 = r + ((r >> 31) & Q)
    out[o] = x0
    out[o + 1] = (x0 >>> 8) | (x1 << 4)
    out[o + 2] = x1 >>> 4
  }
}

/** ByteEncode_d(Compress_d(f + g)) (FIPS 203 Alg. 5, eq. 4.7) to out at o, d ∈ {4, 5, 10, 11}: K-PKE.Encrypt
 *  steps 19 + 22 (u = NTT^-1(…) + e1) and 21 + 23 (v = NTT^-1(…) + (e2 + μ)) fused, so the sum is never
 *  stored. |f| ≤ q (NTT^-1 output), |g| ≤ 1665 + 2: the sum is Barrett-reduced, made canonical (+ q if
 *  negative), then compressed with the constants of compress(). Bit-packing loops depend only on d. */
export function byteEncodeCompressSum(out: Uint8Array, o: number, f: Int16Array, g: Int16Array, d: number): void {
  // Deliberately unrolled: one packing loop per width d, each coefficient's reduction and Compress_d written out.
  if (d === 10) {
    for (let i = 0; i < 256; i += 4, o += 5) {
      let r = f[i]! + g[i]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x0 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 1]! + g[i + 1]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x1 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 2]! + g[i + 2]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x2 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      r = f[i + 3]! + g[i + 3]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x3 = ((r * 161271 + 261911) >>> 19) & 0x3ff
      out[o] = x0
      out[o + 1] = (x0 >>> 8) | (x1 << 2)
      out[o + 2] = (x1 >>> 6) | (x2 << 4)
      out[o + 3] = (x2 >>> 4) | (x3 << 6)
      out[o + 4] = x3 >>> 2
    }
    return
  }
  if (d === 4) {
    for (let i = 0; i < 256; i += 2, o++) {
      let r = f[i]! + g[i]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x0 = ((r * 315 + 32701) >>> 16) & 15
      r = f[i + 1]! + g[i + 1]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      const x1 = ((r * 315 + 32701) >>> 16) & 15
      out[o] = x0 | (x1 << 4)
    }
    return
  }
  // d = 5, 11: generic little-endian bit packer (acc < 2^19)
  let acc = 0,
    bits = 0
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
export function byteEncodeCompress1Diff(out: Uint8Array, o: number, v: Int16Array, w: Int16Array): void {
  // Deliberately unrolled: the reduction and Compress_1 written out per coefficient.
  for (let i = 0; i < 256; i += 8, o++) {
    let byte = 0
    for (let b = 0; b < 8; b++) {
      let r = v[i + b]! - w[i + b]!
      r -= ((r * BARRETT_V + 33554432) >> 26) * Q
      r += (r >> 31) & Q
      byte |= (((r * 315 + 262021) >>> 19) & 1) << b
    }
    out[o] = byte
  }
}

/** g ← g + Decompress1(ByteDecode1(m)) (K-PKE.Encrypt step 20, μ added to e2 in place): each bit selects
 *  0 or ⌈q/2⌉ = 1665 by a mask, no branch. */
export function addByteDecodeDecompress1(g: Int16Array, m: Uint8Array, p: number): void {
  for (let i = 0; i < 256; i += 8, p++) {
    const b = m[p]!
    for (let j = 0; j < 8; j++) g[i + j]! += -((b >>> j) & 1) & 1665
  }
}

/** Decompress_d(ByteDecode_d(B)) (FIPS 203 Alg. 6, eq. 4.8) of inp at p: y ↦ (y·q + 2^(d−1)) >> d. For d = 12,
 *  ByteDecode_12 reduces modulo q (conditional subtract via mask). */
export function byteDecodeDecompress(f: Int16Array, inp: Uint8Array, p: number, d: number): void {
  // Deliberately unrolled: one unpacking loop per width d, each written out.
  if (d === 12) {
    for (let i = 0; i < 256; i += 2, p += 3) {
      const b1 = inp[p + 1]!
      let y0 = inp[p]! | ((b1 & 15) << 8),
        y1 = (b1 >>> 4) | (inp[p + 2]! << 4)
      y0 -= Q
      y0 += (y0 >> 31) & Q
      y1 -= Q
      y1 += (y1 >> 31) & Q
      f[i] = y0
      f[i + 1] = y1
    }
    return
  }
  if (d === 10) {
    for (let i = 0; i < 256; i += 4, p += 5) {
      const b1 = inp[p + 1]!,
        b2 = inp[p + 2]!,
        b3 = inp[p + 3]!
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
  let acc = 0,
    bits = 0
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

/** FIPS 203 §7.2 encapsulation-key modulus check: ByteEncode12(ByteDecode12(ek)) = ek, i.e. every 12-bit value of
 *  the first 384k bytes of ek is < q. Returns 1 if the key passes. ek is public (the core's callers reuse a
 *  cached result for keys seen before, cache.ts). Lengths are the caller's check. */
export function checkEncapsulationKey({ k }: { k: number }, ek: Uint8Array): number {
  let ok = 1
  for (let i = 0; i < k; i++) ok &= encodedBelowQ(ek, i * 384)
  return ok
}

/** FIPS 203 §7.2 modulus check for one 384-byte ByteEncode_12 block at p: returns 1 if all 256 values are < q. */
export function encodedBelowQ(inp: Uint8Array, p: number): number {
  let bad = 0
  for (const end = p + 384; p < end; p += 3) {
    const b1 = inp[p + 1]!
    bad |= (Q - 1 - (inp[p]! | ((b1 & 15) << 8))) | (Q - 1 - ((b1 >>> 4) | (inp[p + 2]! << 4)))
  }
  return (~bad >>> 31) & 1
}
