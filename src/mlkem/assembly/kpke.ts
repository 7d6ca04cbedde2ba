// K-PKE, the CPA-secure component scheme of FIPS 203 §5 (FIPS 203 Alg. 13, 14, 15).
// Rank k ∈ {2,3,4} and η1, η2, du, dv are runtime parameters (public, from the table in ../api.ts).
import { BASE, S_A, S_ACC, S_MAT, S_GIN, S_GOUT, S_XOFIN, S_VS, S_VE, S_VT, S_VU, S_PV, S_PM, vecPoly } from "./layout";
import { RATE_SHA3_512, DS_SHA3, hashOnce } from "./keccak";
import {
  ntt as nttScalar, invNtt as invNttScalar, multiplyNttsAcc, montgomeryReduceAcc, polyAdd as polyAddScalar, polySubFrom as polySubFromScalar, polyToMont,
} from "./ntt";
import { nttSimd, invNttSimd, polyAddSimd, polySubFromSimd } from "./ntt-simd";
import { sampleMatrixEntry, samplePolyCbdPrf } from "./sampling";
import { samplePolyCbdPrfX2 } from "./sampling-simd";
import { byteEncodeCompress as byteEncodeCompressScalar, byteDecodeDecompress as byteDecodeDecompressScalar } from "./encoding";
import { byteEncodeCompressSimd, byteDecodeDecompressSimd } from "./encoding-simd";
import { matrixTimesVectorSimd, innerProductSimd, keygenMatrixHash } from "./kpke-simd";

/** NTT / NTT^-1 dispatch: i16x8 versions in the SIMD build (compile-time constant, dead code removed). */
// @ts-ignore: decorator
@inline function ntt(f: usize): void { if (ASC_FEATURE_SIMD) nttSimd(f); else nttScalar(f); }
// @ts-ignore: decorator
@inline function invNtt(f: usize): void { if (ASC_FEATURE_SIMD) invNttSimd(f); else invNttScalar(f); }

/** ByteEncode/ByteDecode (+ Compress/Decompress) dispatch: vector versions in the SIMD build. */
// @ts-ignore: decorator
@inline function byteEncodeCompress(out: usize, f: usize, d: i32): void { if (ASC_FEATURE_SIMD) byteEncodeCompressSimd(out, f, d); else byteEncodeCompressScalar(out, f, d); }
// @ts-ignore: decorator
@inline function byteDecodeDecompress(f: usize, inp: usize, d: i32): void { if (ASC_FEATURE_SIMD) byteDecodeDecompressSimd(f, inp, d); else byteDecodeDecompressScalar(f, inp, d); }

/** Coefficient-wise add / subtract dispatch (vector versions in the SIMD build). */
// @ts-ignore: decorator
@inline function polyAdd(r: usize, b: usize): void { if (ASC_FEATURE_SIMD) polyAddSimd(r, b); else polyAddScalar(r, b); }
// @ts-ignore: decorator
@inline function polySubFrom(r: usize, a: usize): void { if (ASC_FEATURE_SIMD) polySubFromSimd(r, a); else polySubFromScalar(r, a); }

/** out[i] = Σ_j Â[i][j] ∘ v[j]  (or with Âᵀ: Σ_j Â[j][i] ∘ v[j]), each output carrying 2^-16.
 *  Each matrix entry is used exactly once, so it is generated on the fly into one scratch polynomial
 *  (the matrix is never stored), unless `sampled` says the whole matrix is already in S_MAT (an imported
 *  key). Public-only control flow. */
function matrixTimesVector(out: usize, v: usize, k: i32, transposed: bool, sampled: i32): void {
  if (ASC_FEATURE_SIMD) { matrixTimesVectorSimd(out, v, k, transposed, sampled); return; }
  const a = BASE + S_A, acc = BASE + S_ACC, mat = BASE + S_MAT;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      // sampled = k²: an imported key's whole matrix is in S_MAT, entry i·k + j (the scalar build's only other value is 0)
      if (sampled != 0) { multiplyNttsAcc(acc, mat + ((i * k + j) << 9), vecPoly(v, j)); continue; }
      if (transposed) sampleMatrixEntry(a, j, i); else sampleMatrixEntry(a, i, j);
      multiplyNttsAcc(acc, a, vecPoly(v, j));
    }
    montgomeryReduceAcc(vecPoly(out, i), acc);
  }
}

/** r = Σ_j a[j] ∘ b[j] (the NTT-domain inner product âᵀ ∘ b̂), carrying 2^-16. */
function innerProduct(r: usize, a: usize, b: usize, k: i32): void {
  if (ASC_FEATURE_SIMD) { innerProductSimd(r, a, b, k); return; }
  const acc = BASE + S_ACC;
  for (let j = 0; j < k; j++) multiplyNttsAcc(acc, vecPoly(a, j), vecPoly(b, j));
  montgomeryReduceAcc(r, acc);
}

/** Target polynomial of PRF number n in prfSeries: a[n] for n < k, b[n − k] for k ≤ n < 2k, and
 *  e2 = S_PV for n = 2k. Public branch on the index. */
function prfTarget(a: usize, b: usize, k: i32, n: i32): usize {
  return n < k ? vecPoly(a, n) : n < 2 * k ? vecPoly(b, n - k) : BASE + S_PV;
}

/** PRF + CBD for N = 0 .. count−1 (η = etaA for N < k, else etaB) into prfTarget(N), in pairs with the
 *  2-way Keccak in the SIMD build. Counts and η are public. */
function prfSeries(a: usize, b: usize, k: i32, sigma: usize, etaA: i32, etaB: i32, count: i32): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 1 < count; n += 2) {
      samplePolyCbdPrfX2(prfTarget(a, b, k, n), n, n < k ? etaA : etaB, prfTarget(a, b, k, n + 1), n + 1, n + 1 < k ? etaA : etaB, sigma);
    }
  }
  if (ASC_FEATURE_SIMD) {
    // an odd last PRF also runs on the 2-way Keccak (lane B duplicates lane A: same output twice)
    if (n < count) { const o = prfTarget(a, b, k, n), e = n < k ? etaA : etaB; samplePolyCbdPrfX2(o, n, e, o, n, e, sigma); }
    return;
  }
  for (; n < count; n++) samplePolyCbdPrf(prfTarget(a, b, k, n), sigma, n, n < k ? etaA : etaB);
}

/** K-PKE.KeyGen(d) (FIPS 203 Alg. 13). Writes ek_PKE (384k+32 bytes) and dk_PKE (384k bytes).
 *  Secrets (σ, s, e) live only in scratch, which the caller wipes. */
export function kpkeKeyGen(d: usize, k: i32, eta1: i32, ekOut: usize, dkOut: usize, hOut: usize): void {
  // (hOut: the SIMD build also writes H(ek) there, see keygenMatrixHash; the scalar build does not)
  const gin = BASE + S_GIN, gout = BASE + S_GOUT;
  const s = BASE + S_VS, e = BASE + S_VE, t = BASE + S_VT;
  // step 1: (ρ, σ) ← G(d‖k)
  memory.copy(gin, d, 32);
  store<u8>(gin + 32, <u8>k);
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 33, gout, 64);
  memory.copy(BASE + S_XOFIN, gout, 32); // ρ
  const sigma = gout + 32;
  // steps 8-15: s[i], e[i] ← SamplePolyCBD_η1(PRF_η1(σ, N)); steps 16-17: NTT
  //   (the SIMD build computes the PRFs two at a time with the 2-way Keccak; N order is unchanged)
  prfSeries(s, e, k, sigma, eta1, eta1, 2 * k);
  for (let i = 0; i < k; i++) { ntt(vecPoly(s, i)); ntt(vecPoly(e, i)); }
  // step 18: t̂ ← Â ∘ ŝ + ê; step 19: ek ← ByteEncode12(t̂)‖ρ (SIMD build: also H(ek) into hOut)
  if (ASC_FEATURE_SIMD) {
    keygenMatrixHash(t, s, e, k, ekOut, hOut);
  } else {
    matrixTimesVector(t, s, k, false, 0);
    for (let i = 0; i < k; i++) {
      polyToMont(vecPoly(t, i)); polyAdd(vecPoly(t, i), vecPoly(e, i));
      byteEncodeCompress(ekOut + i * 384, vecPoly(t, i), 12);
    }
    memory.copy(ekOut + k * 384, gout, 32);
  }
  // step 20: dk ← ByteEncode12(ŝ)
  for (let i = 0; i < k; i++) byteEncodeCompress(dkOut + i * 384, vecPoly(s, i), 12);
}

/** K-PKE.Encrypt(ek, m, r) (FIPS 203 Alg. 14). ek must already have passed the FIPS 203 §7.2 check.
 *  Writes c (32(du·k + dv) bytes). Compress uses multiply-shift (no secret branch). */
export function kpkeEncrypt(ek: usize, m: usize, r: usize, k: i32, eta1: i32, eta2: i32, du: i32, dv: i32, ctOut: usize, sampled: i32): void {
  // (the first `sampled` entries of Âᵀ may already be in S_MAT: SIMD build, see hashEkWithMatrix; both
  //  builds: all k² for an imported key, see encapsInternalImported)
  const y = BASE + S_VS, e1 = BASE + S_VE, t = BASE + S_VT, u = BASE + S_VU;
  const e2 = BASE + S_PV, v = BASE + S_PM;
  // steps 2-3: t̂ ← ByteDecode12(ek[0:384k]), ρ ← ek[384k:]
  for (let i = 0; i < k; i++) byteDecodeDecompress(vecPoly(t, i), ek + i * 384, 12);
  memory.copy(BASE + S_XOFIN, ek + k * 384, 32);
  // steps 9-17: y, e1, e2 from PRF(r, N)
  //   (e2 = S_PV directly follows e1 = S_VE only for k = 4, so it is addressed explicitly in prfSeries)
  prfSeries(y, e1, k, r, eta1, eta2, 2 * k + 1);
  for (let i = 0; i < k; i++) ntt(vecPoly(y, i));
  // step 19: u ← NTT^-1(Âᵀ ∘ ŷ) + e1
  matrixTimesVector(u, y, k, true, sampled);
  for (let i = 0; i < k; i++) { invNtt(vecPoly(u, i)); polyAdd(vecPoly(u, i), vecPoly(e1, i)); }
  // steps 20-21: μ ← Decompress1(ByteDecode1(m)); v ← NTT^-1(t̂ᵀ ∘ ŷ) + e2 + μ
  innerProduct(v, t, y, k);
  invNtt(v);
  polyAdd(v, e2);
  byteDecodeDecompress(e2, m, 1); // e2 is no longer needed: reuse it for μ
  polyAdd(v, e2);
  // steps 22-23: c1 ← ByteEncode_du(Compress_du(u)), c2 ← ByteEncode_dv(Compress_dv(v))
  for (let i = 0; i < k; i++) byteEncodeCompress(ctOut + i * (du << 5), vecPoly(u, i), du);
  byteEncodeCompress(ctOut + k * (du << 5), v, dv);
}

/** K-PKE.Decrypt(dk, c) (FIPS 203 Alg. 15). Writes m (32 bytes) to mOut.
 *  Compress_1 is multiply-shift, so the message bits never select a branch or address. */
export function kpkeDecrypt(dk: usize, c: usize, k: i32, du: i32, dv: i32, mOut: usize): void {
  const u = BASE + S_VU, s = BASE + S_VS, v = BASE + S_PV, w = BASE + S_PM;
  // steps 3-4: u' ← Decompress_du(ByteDecode_du(c1)), v' ← Decompress_dv(ByteDecode_dv(c2))
  for (let i = 0; i < k; i++) { byteDecodeDecompress(vecPoly(u, i), c + i * (du << 5), du); ntt(vecPoly(u, i)); }
  byteDecodeDecompress(v, c + k * (du << 5), dv);
  // step 5: ŝ ← ByteDecode12(dk)
  for (let i = 0; i < k; i++) byteDecodeDecompress(vecPoly(s, i), dk + i * 384, 12);
  // step 6: w ← v' − NTT^-1(ŝᵀ ∘ NTT(u'))
  innerProduct(w, s, u, k);
  invNtt(w);
  polySubFrom(w, v);
  // step 7: m ← ByteEncode1(Compress1(w))
  byteEncodeCompress(mOut, w, 1);
}
