// K-PKE, the CPA-secure component scheme of FIPS 203 §5 (FIPS 203 Alg. 13, 14, 15), in TypeScript for
// interpreters. Mirrors ../assembly/kpke.ts (scalar build): same algorithms, same step comments.
// Rank k ∈ {2,3,4} and η1, η2, du, dv are runtime parameters (public, from the table in ../api.ts). All scratch is module-level and
// wiped by wipeScratch() (internal.ts) before every exported op returns.

import type { MlKemParams } from '../api.ts'
import { expandMatrix } from './cache.ts'
import {
  addByteDecodeDecompress1,
  byteDecodeDecompress,
  byteEncode12,
  byteEncode12THat,
  byteEncodeCompress1Diff,
  byteEncodeCompressSum,
} from './encoding.ts'
import { DS_SHA3, hashOnce, RATE_SHA3_512 } from './keccak.ts'
import { invNtt, multiplyNttsSum, ntt } from './ntt.ts'
import { samplePolyCbdPrf } from './sampling.ts'
import { scratchI16, scratchI32, scratchU8 } from './scratch.ts'

const poly = () => scratchI16(256)
const vec = () => [poly(), poly(), poly(), poly()] as const

// ---- Scratch (the wasm core's S_* regions; all may hold secrets), in the arena of scratch.ts.
export const S_GIN = scratchU8(64) // G / H input: d‖k or m‖h
export const S_GOUT = scratchU8(64) // G output: ρ‖σ or K‖r
export const S_RHO = scratchI32(8) // ρ as words (SampleNTT input)
export const S_SIGMA = scratchI32(8) // σ or r as words (PRF input)
export const S_VS = vec() // ŝ or ŷ
export const S_VE = vec() // ê or e1
export const S_VT = vec() // t̂ (key generation)
export const S_VU = vec() // u / û
export const S_PV = poly() // v / e2 / w
export const S_PM = poly() // μ or the inner product

/** 8 little-endian 32-bit words of b[p .. p+32). */
export function loadWords(w: Int32Array, b: Uint8Array, p: number): void {
  for (let i = 0; i < 8; i++, p += 4) w[i] = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)
}

/** The rows of Â or of Âᵀ (k polynomials each), e.g. MatrixEntry.rows / .cols (cache.ts). */
export type MatrixRows = readonly (readonly Int16Array[])[]

/** out[i] = Σ_j Â[i][j] ∘ v[j]  (or with Âᵀ: Σ_j Â[j][i] ∘ v[j]), each output carrying 2^-16, one row per
 *  multiplyNttsSum pass. Â (for ρ in S_RHO) comes from the public cache (cache.ts), sampled on a miss
 *  (the wasm core samples entry by entry into an accumulator instead), unless the caller passes the rows
 *  (an imported key's). Public-only control flow. */
function matrixTimesVector(out: readonly Int16Array[], v: readonly Int16Array[], k: number, transposed: boolean, given?: MatrixRows): void {
  let rows = given
  if (rows === undefined) {
    const m = expandMatrix(S_RHO, k)
    rows = transposed ? m.cols : m.rows
  }
  for (let i = 0; i < k; i++) multiplyNttsSum(out[i]!, rows[i]!, v, k)
}

/** r = Σ_j a[j] ∘ b[j] (the NTT-domain inner product âᵀ ∘ b̂), carrying 2^-16. */
function innerProduct(r: Int16Array, a: readonly Int16Array[], b: readonly Int16Array[], k: number): void {
  multiplyNttsSum(r, a, b, k)
}

/** K-PKE.KeyGen(d) (FIPS 203 Alg. 13): d = seed[0..32). Writes ek_PKE (384k+32 bytes) to ek at 0 and
 *  dk_PKE (384k bytes) to dk at 0. Secrets (σ, s, e) live only in scratch. */
export function kpkeKeyGen(seed: Uint8Array, k: number, eta1: number, ek: Uint8Array, dk: Uint8Array): void {
  const gin = S_GIN,
    gout = S_GOUT,
    s = S_VS,
    e = S_VE,
    t = S_VT
  // step 1: (ρ, σ) ← G(d‖k)
  for (let i = 0; i < 32; i++) gin[i] = seed[i]!
  gin[32] = k
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 0, 33, gout, 0, 64)
  loadWords(S_RHO, gout, 0) // ρ
  loadWords(S_SIGMA, gout, 32) // σ
  // steps 8-15: s[i], e[i] ← SamplePolyCBD_η1(PRF_η1(σ, N)), N = 0 .. 2k−1; steps 16-17: NTT
  for (let i = 0; i < k; i++) samplePolyCbdPrf(s[i]!, S_SIGMA, i, eta1)
  for (let i = 0; i < k; i++) samplePolyCbdPrf(e[i]!, S_SIGMA, k + i, eta1)
  for (let i = 0; i < k; i++) {
    ntt(s[i]!)
    ntt(e[i]!)
  }
  // step 18: t̂ ← Â ∘ ŝ + ê; step 19: ek ← ByteEncode12(t̂)‖ρ
  matrixTimesVector(t, s, k, false)
  for (let i = 0; i < k; i++) byteEncode12THat(ek, i * 384, t[i]!, e[i]!)
  ek.set(gout.subarray(0, 32), k * 384)
  // step 20: dk ← ByteEncode12(ŝ)
  for (let i = 0; i < k; i++) byteEncode12(dk, i * 384, s[i]!)
}

/** The dk_PKE part of K-PKE.KeyGen(d) (FIPS 203 Alg. 13) for a key whose ek_PKE is already known:
 *  step 1, then only the steps that s takes (8-11: s[i] ← SamplePolyCBD_η1(PRF_η1(σ, N)), N = 0 .. k−1;
 *  16: ŝ ← NTT(s); 20: dk_PKE ← ByteEncode12(ŝ)). e, t̂ and ek_PKE (steps 3-7, 12-15, 17-19) are NOT
 *  computed. d = seed[0..32). Writes dk_PKE (384k bytes) to dk at 0 unless ρ from step 1 differs from
 *  ek[384k..+32), the ρ of the known ek: returns 1 if it matches, 0 otherwise (dk untouched then).
 *  The comparison has no early exit; σ and ŝ live only in scratch. */
export function kpkeKeyGenDk(seed: Uint8Array, k: number, eta1: number, ek: Uint8Array, dk: Uint8Array): number {
  const gin = S_GIN,
    gout = S_GOUT,
    s = S_VS
  // step 1: (ρ, σ) ← G(d‖k)
  for (let i = 0; i < 32; i++) gin[i] = seed[i]!
  gin[32] = k
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 0, 33, gout, 0, 64)
  // the binding check: ρ must be the known ek's ρ (ek = ByteEncode12(t̂) ‖ ρ, step 19)
  let d = 0
  for (let i = 0, o = 384 * k; i < 32; i++) d |= gout[i]! ^ ek[o + i]!
  if (d !== 0) return 0 // public outcome: the caller throws (ρ is part of the public key)
  loadWords(S_SIGMA, gout, 32) // σ
  // steps 8-11: s[i] ← SamplePolyCBD_η1(PRF_η1(σ, N)), N = 0 .. k−1; step 16: ŝ ← NTT(s)
  for (let i = 0; i < k; i++) {
    samplePolyCbdPrf(s[i]!, S_SIGMA, i, eta1)
    ntt(s[i]!)
  }
  // step 20: dk ← ByteEncode12(ŝ)
  for (let i = 0; i < k; i++) byteEncode12(dk, i * 384, s[i]!)
  return 1
}

/** K-PKE.Encrypt(ek, m, r) (FIPS 203 Alg. 14) with steps 2-3 done by the caller: t̂ = ByteDecode12(ek[0:384k])
 *  (public, from the ek cache) and ρ = ek[384k:] at rho[rhoOff..+32). m = m[mOff..+32), r = r[rOff..+32).
 *  ek must already have passed the FIPS 203 §7.2 check (encapsulation). `at`: the rows of Âᵀ (steps 4-8) when
 *  the caller holds them (an imported key), else Â comes from the cache. Writes c (32(du·k + dv) bytes) to ct at 0. */
export function kpkeEncrypt(
  t: readonly Int16Array[],
  rho: Uint8Array,
  rhoOff: number,
  m: Uint8Array,
  mOff: number,
  r: Uint8Array,
  rOff: number,
  { k, eta1, eta2, du, dv }: MlKemParams,
  ct: Uint8Array,
  at?: MatrixRows,
): void {
  const y = S_VS,
    e1 = S_VE,
    u = S_VU,
    e2 = S_PV,
    v = S_PM
  loadWords(S_RHO, rho, rhoOff)
  // steps 9-17: y, e1, e2 from PRF(r, N)
  loadWords(S_SIGMA, r, rOff)
  for (let i = 0; i < k; i++) samplePolyCbdPrf(y[i]!, S_SIGMA, i, eta1)
  for (let i = 0; i < k; i++) samplePolyCbdPrf(e1[i]!, S_SIGMA, k + i, eta2)
  samplePolyCbdPrf(e2, S_SIGMA, 2 * k, eta2)
  for (let i = 0; i < k; i++) ntt(y[i]!)
  // steps 19 + 22: u ← NTT^-1(Âᵀ ∘ ŷ) + e1, c1 ← ByteEncode_du(Compress_du(u)) (the sum fused into the encoder)
  matrixTimesVector(u, y, k, true, at)
  for (let i = 0; i < k; i++) {
    invNtt(u[i]!)
    byteEncodeCompressSum(ct, i * (du << 5), u[i]!, e1[i]!, du)
  }
  // steps 20-21 + 23: μ ← Decompress1(ByteDecode1(m)) added to e2; v ← NTT^-1(t̂ᵀ ∘ ŷ) + (e2 + μ),
  // c2 ← ByteEncode_dv(Compress_dv(v))
  innerProduct(v, t, y, k)
  invNtt(v)
  addByteDecodeDecompress1(e2, m, mOff)
  byteEncodeCompressSum(ct, k * (du << 5), v, e2, dv)
}

/** K-PKE.Decrypt(dk, c) (FIPS 203 Alg. 15). Writes m (32 bytes) to mOut at 0.
 *  Compress_1 is multiply-shift, so the message bits never select a branch or index. */
export function kpkeDecrypt(dk: Uint8Array, c: Uint8Array, k: number, du: number, dv: number, mOut: Uint8Array): void {
  const u = S_VU,
    s = S_VS,
    v = S_PV,
    w = S_PM
  // steps 3-4: u' ← Decompress_du(ByteDecode_du(c1)), v' ← Decompress_dv(ByteDecode_dv(c2))
  for (let i = 0; i < k; i++) {
    byteDecodeDecompress(u[i]!, c, i * (du << 5), du)
    ntt(u[i]!)
  }
  byteDecodeDecompress(v, c, k * (du << 5), dv)
  // step 5: ŝ ← ByteDecode12(dk)
  for (let i = 0; i < k; i++) byteDecodeDecompress(s[i]!, dk, i * 384, 12)
  // steps 6-7: w ← v' − NTT^-1(ŝᵀ ∘ NTT(u')), m ← ByteEncode1(Compress1(w)) (the difference fused into the encoder)
  innerProduct(w, s, u, k)
  invNtt(w)
  byteEncodeCompress1Diff(mOut, 0, v, w)
}
