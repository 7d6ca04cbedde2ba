// simd128 forms of encoding.ts (SIMD build only): ByteEncode_d∘Compress_d and Decompress_d∘ByteDecode_d
// (FIPS 203 Alg. 5, 6, eq. 4.7, 4.8), 8 coefficients per vector. Straight-line on data; only the public d
// selects code paths.
import { Q } from "./ntt";
import { reduceSimd } from "./ntt-simd";

/** Compress_d (FIPS 203 eq. 4.7) of 8 canonical lanes x ∈ [0, q): ((x·C + B) >> S) mod 2^d with
 *  constants checked exhaustively against round(2^d·x/q) for every x < q (test/mlkem/constants.test.ts):
 *  d = 1, 4, 5: C = 315 (fits u16: extmul), S = 19/16/15; d = 10, 11: C = 161271, S = 19/18.
 *  Multiply-shift only: no branch on data (the branches select on the public d). */
// @ts-ignore: decorator
@inline function compressSimd(x: v128, d: i32): v128 {
  let lo: v128, hi: v128;
  if (d <= 5) {
    const c = i16x8.splat(315);
    const b = i32x4.splat(d == 1 ? 262021 : d == 4 ? 32701 : 16321);
    const s = d == 1 ? 19 : d == 4 ? 16 : 15;
    lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(x, c), b), s);
    hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(x, c), b), s);
  } else {
    const c = i32x4.splat(161271);
    const b = i32x4.splat(d == 10 ? 261911 : 130860);
    const s = d == 10 ? 19 : 18;
    lo = i32x4.shr_u(i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_u(x), c), b), s);
    hi = i32x4.shr_u(i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_u(x), c), b), s);
  }
  const mk: i32 = (1 << d) - 1;
  return v128.and(i16x8.narrow_i32x4_u(lo, hi), i16x8.splat(<i16>mk));
}

/** ByteEncode_d(Compress_d(f)) (FIPS 203 Alg. 5, eq. 4.7) with vector code, d ∈ {1, 4, 5, 10, 11, 12}
 *  (d = 12: plain ByteEncode12 of the canonical f). Per 8 coefficients: reduce to [0, q) (Barrett +
 *  masked add of q), compress, then pack pairs into i32 lanes and quadruples into i64 lanes (shift,
 *  mask, or) and store the d bytes. Straight-line on data; only the public d selects code paths. */
export function byteEncodeCompressSimd(out: usize, f: usize, d: i32): void {
  const q = i16x8.splat(<i16>Q);
  const m1 = i32x4.splat((1 << d) - 1), m2 = i64x2.splat((<i64>1 << (2 * d)) - 1);
  const sh = 4 * d;
  for (let i = 0; i < 32; i++) {
    let x = reduceSimd(v128.load(f + (i << 4)));
    x = i16x8.add(x, v128.and(i16x8.shr_s(x, 15), q));
    if (d < 12) x = compressSimd(x, d);
    // [c0 | c1<<16, ...] → [c0 | c1<<d, ...] → [c0 | c1<<d | c2<<2d | c3<<3d, ...]
    x = v128.or(v128.and(x, m1), v128.andnot(i32x4.shr_u(x, 16 - d), m1));
    x = v128.or(v128.and(x, m2), v128.andnot(i64x2.shr_u(x, 32 - 2 * d), m2));
    const l0 = i64x2.extract_lane(x, 0), l1 = i64x2.extract_lane(x, 1);
    const o = out + i * d, lo = l0 | (l1 << sh);
    if (d <= 8) {
      if (d == 1) store<u8>(o, <u8>lo);
      else { store<u32>(o, <u32>lo); if (d == 5) store<u8>(o, <u8>(lo >> 32), 4); }
    } else {
      store<u64>(o, lo);
      const hi = l1 >> (64 - sh);
      if (d == 12) store<u32>(o, <u32>hi, 8);
      else { store<u16>(o, <u16>hi, 8); if (d == 11) store<u8>(o, <u8>(hi >> 16), 10); }
    }
  }
}

/** Decompress_d(ByteDecode_d(B)) (FIPS 203 Alg. 6, eq. 4.8) with vector code, d ∈ {1, 4, 5, 10, 11, 12}:
 *  per 8 coefficients two 4d-bit windows are loaded (unaligned; up to 7 bytes past the input may be
 *  read and are masked off), spread to i32 pairs and i16 lanes, then y ↦ (y·q + 2^(d−1)) >> d, or for
 *  d = 12 the conditional subtraction of q by mask. No data-dependent branch or address. */
export function byteDecodeDecompressSimd(f: usize, inp: usize, d: i32): void {
  if (d == 12 || d == 10) { byteDecodeDecompress12or10Simd(f, inp, d); return; }
  const q = i16x8.splat(<i16>Q);
  const m1 = i32x4.splat((1 << d) - 1), m2 = i64x2.splat((<i64>1 << (2 * d)) - 1);
  const m1h = i32x4.shl(m1, 16), m2h = i64x2.shl(m2, 32);
  const m4: u64 = (<u64>1 << (4 * d)) - 1;
  const half = (4 * d) >> 3, sh = (4 * d) & 7;
  const qw = i16x8.splat(<i16>Q), rnd = i32x4.splat(1 << (d - 1));
  for (let i = 0; i < 32; i++) {
    const p = inp + i * d;
    let x = i64x2.splat(<i64>(load<u64>(p) & m4));
    x = i64x2.replace_lane(x, 1, <i64>((load<u64>(p + half) >> sh) & m4));
    x = v128.or(v128.and(x, m2), v128.and(i64x2.shl(x, 32 - 2 * d), m2h));
    x = v128.or(v128.and(x, m1), v128.and(i32x4.shl(x, 16 - d), m1h));
    if (d < 12) {
      const lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(x, qw), rnd), d);
      const hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(x, qw), rnd), d);
      x = i16x8.narrow_i32x4_u(lo, hi);
    } else {
      x = i16x8.sub(x, q);
      x = i16x8.add(x, v128.and(i16x8.shr_s(x, 15), q));
    }
    v128.store(f + (i << 4), x);
  }
}

/** byteDecodeDecompressSimd for d = 12 and d = 10 with one byte shuffle per 8 coefficients: lane i receives the two
 *  bytes holding bits [d·i, d·i + d) (unaligned 16-byte load; ≤ 6 bytes past the input are read and
 *  ignored). d = 12: even lanes & 0xfff, odd lanes >> 4, then the conditional subtraction of q by mask
 *  (ByteDecode12 mod q). d = 10: lane i is shifted left by 6 − (2i mod 8) with a multiply and right by
 *  6, then Decompress_10 = (y·q + 512) >> 10 in i32 lanes. No data-dependent branch or address. */
function byteDecodeDecompress12or10Simd(f: usize, inp: usize, d: i32): void {
  const q = i16x8.splat(<i16>Q);
  if (d == 12) {
    const m12 = i16x8.splat(0xfff), even = i32x4.splat(0xffff);
    for (let i = 0; i < 32; i++) {
      let v = v128.load(inp + i * 12);
      v = v128.shuffle<u8>(v, v, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11);
      v = v128.bitselect(v128.and(v, m12), i16x8.shr_u(v, 4), even);
      v = i16x8.sub(v, q);
      v128.store(f + (i << 4), i16x8.add(v, v128.and(i16x8.shr_s(v, 15), q)));
    }
  } else {
    const mul = i16x8(64, 16, 4, 1, 64, 16, 4, 1);
    const rnd = i32x4.splat(512);
    for (let i = 0; i < 32; i++) {
      let v = v128.load(inp + i * 10);
      v = v128.shuffle<u8>(v, v, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9);
      v = i16x8.shr_u(i16x8.mul(v, mul), 6);
      const lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(v, q), rnd), 10);
      const hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(v, q), rnd), 10);
      v128.store(f + (i << 4), i16x8.narrow_i32x4_u(lo, hi));
    }
  }
}
