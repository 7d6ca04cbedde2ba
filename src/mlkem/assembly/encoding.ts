// Encoding and compression of FIPS 203 §4.2.1: ByteEncode_d / ByteDecode_d (FIPS 203 Alg. 5, 6) fused with
// Compress_d / Decompress_d (FIPS 203 eq. 4.7, 4.8), and the FIPS 203 §7.2 modulus check. Scalar code; the
// simd128 forms are in encoding-simd.ts.
import { Q, freeze } from "./ntt";

/** ceil(2^36 / q): floor(y / q) = (y · M36) >> 36 exactly for 0 ≤ y < 2^23 (checked exhaustively in test/mlkem/constants.test.ts). */
const M36: u64 = 20642679;

/** Compress_d(x) = round(2^d/q · x) mod 2^d (FIPS 203 eq. 4.7) for x ∈ [0,q), by exact
 *  multiply-shift division (no branch, no division instruction). */
// @ts-ignore: decorator
@inline function compress(x: i32, d: i32): i32 {
  return <i32>((((<u64>x << d) + 1664) * M36) >> 36) & ((1 << d) - 1);
}

/** ByteEncode_d(Compress_d(f)) (FIPS 203 Alg. 5 and eq. 4.7); d = 12 encodes the canonical f without
 *  compression. Bit-packing loops depend only on the public d. */
export function byteEncodeCompress(out: usize, f: usize, d: i32): void {
  if (d == 12 || d == 10) {
    // 4 coefficients per step → 6 bytes (d = 12) or 5 bytes (d = 10, Compress_10 = (x·161271 +
    // 261911) >> 19, exhaustively checked against round(2^10·x/q) for all x < q); i32 arithmetic only.
    for (let i = 0, o = out; i < 512; i += 8, o += d >> 1) {
      let x0 = freeze(load<i16>(f + i)), x1 = freeze(load<i16>(f + i, 2));
      let x2 = freeze(load<i16>(f + i, 4)), x3 = freeze(load<i16>(f + i, 6));
      if (d == 12) {
        const w = <u64>(x0 | (x1 << 12)) | (<u64>(x2 | (x3 << 12)) << 24);
        store<u32>(o, <u32>w); store<u16>(o, <u16>(w >> 32), 4);
      } else {
        x0 = <i32>(<u32>(x0 * 161271 + 261911) >> 19) & 0x3ff; x1 = <i32>(<u32>(x1 * 161271 + 261911) >> 19) & 0x3ff;
        x2 = <i32>(<u32>(x2 * 161271 + 261911) >> 19) & 0x3ff; x3 = <i32>(<u32>(x3 * 161271 + 261911) >> 19) & 0x3ff;
        const w = <u64>(x0 | (x1 << 10) | (x2 << 20)) | (<u64>x3 << 30);
        store<u32>(o, <u32>w); store<u8>(o, <u8>(w >> 32), 4);
      }
    }
    return;
  }
  let acc: u64 = 0, bits = 0, o = out;
  for (let i = 0; i < 256; i++) {
    let x = freeze(load<i16>(f + (i << 1)));
    if (d < 12) x = compress(x, d);
    acc |= <u64>x << bits;
    bits += d;
    if (bits >= 32) { store<u32>(o, <u32>acc); o += 4; acc >>= 32; bits -= 32; } // 32·d bits in total
  }
}

/** Decompress_d(ByteDecode_d(B)) (FIPS 203 Alg. 6, eq. 4.8): y ↦ round(q/2^d · y) = (y·q + 2^(d−1)) >> d.
 *  For d = 12, ByteDecode_12 reduces modulo q (conditional subtract via mask). */
export function byteDecodeDecompress(f: usize, inp: usize, d: i32): void {
  if (d == 12 || d == 10) {
    // 4 coefficients per unaligned 8-byte window (6 or 5 bytes used; ≤ 3 bytes past the input read)
    const m: u64 = (1 << d) - 1;
    for (let i = 0, p = inp; i < 512; i += 8, p += d >> 1) {
      const w = load<u64>(p);
      let y0 = <i32>(w & m), y1 = <i32>((w >> d) & m), y2 = <i32>((w >> (2 * d)) & m), y3 = <i32>((w >> (3 * d)) & m);
      if (d == 12) {
        y0 -= Q; y0 += (y0 >> 31) & Q; y1 -= Q; y1 += (y1 >> 31) & Q;
        y2 -= Q; y2 += (y2 >> 31) & Q; y3 -= Q; y3 += (y3 >> 31) & Q;
      } else {
        y0 = (y0 * Q + 512) >> 10; y1 = (y1 * Q + 512) >> 10; y2 = (y2 * Q + 512) >> 10; y3 = (y3 * Q + 512) >> 10;
      }
      store<i16>(f + i, y0); store<i16>(f + i, y1, 2); store<i16>(f + i, y2, 4); store<i16>(f + i, y3, 6);
    }
    return;
  }
  const mask: u64 = (1 << d) - 1;
  for (let i = 0, bit = 0; i < 256; i++, bit += d) {
    // unaligned 8-byte window containing bits [bit, bit+d) (may read ≤ 7 bytes past the input; masked)
    let y = <i32>((load<u64>(inp + (bit >> 3)) >> (bit & 7)) & mask);
    if (d < 12) y = (y * Q + (1 << (d - 1))) >> d;
    else { y -= Q; y += (y >> 31) & Q; }
    store<i16>(f + (i << 1), y);
  }
}

/** FIPS 203 §7.2 modulus check for one 384-byte ByteEncode_12 block: returns 1 if all 256 values are < q. */
export function encodedBelowQ(inp: usize): i32 {
  let bad = 0;
  for (let i = 0; i < 384; i += 6) { // 4 values per unaligned 8-byte window (reads 2 bytes past the block)
    const w = load<u64>(inp + i);
    const a = <i32>w & 0xfff, b = <i32>(w >> 12) & 0xfff, c = <i32>(w >> 24) & 0xfff, d = <i32>(w >> 36) & 0xfff;
    bad |= (Q - 1 - a) | (Q - 1 - b) | (Q - 1 - c) | (Q - 1 - d);
  }
  return (~bad >>> 31) & 1;
}
