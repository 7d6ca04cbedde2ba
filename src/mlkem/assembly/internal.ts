// The module's entry: ML-KEM.KeyGen_internal, Encaps_internal, Decaps_internal (FIPS 203 Alg. 16-18) and
// the FIPS 203 §7.2 / FIPS 203 §7.3 input checks, for all three parameter sets in one module. The parameters (k, η1,
// η2, du, dv) are arguments: the JS side's table (src/mlkem/api.ts) is the only place they are written down.
//
// Calling convention (the adapter src/mlkem/wasm-core.ts follows it):
//   write inputs to the I/O region (offsets below, relative to ioBase()), call an op with the parameter
//   set's values, copy outputs out, then call wipe(). Every op also wipes all scratch memory before returning.
import { BASE, IO_SEED, IO_MSG, IO_SS, IO_EK, IO_DK, IO_CT, IO_HEK, IO_MAT, IO_END, S_KECCAK, S_END, S_GIN, S_GOUT, S_KBAR, S_CT2, S_MAT, S_XOFIN } from "./layout";
import { RATE_256, RATE_SHA3_512, DS_SHA3, DS_SHAKE, hashOnce, spongeInit, spongeAbsorb, spongeFinish, spongeSqueeze } from "./keccak";
import { hashX2 } from "./keccak-x2-sponge";
import { initTables } from "./ntt";
import { initGammaTables } from "./ntt-simd";
import { initRejectionTable, sampleMatrixEntry } from "./sampling";
import { sampleMatrix } from "./sampling-simd";
import { encodedBelowQ } from "./encoding";
import { kpkeKeyGen, kpkeEncrypt, kpkeDecrypt } from "./kpke";
import { hashEkWithMatrix } from "./kpke-simd";

initTables();
if (ASC_FEATURE_SIMD) { initRejectionTable(); initGammaTables(); }

// ---- I/O region offsets (exported so the wrapper needs no hard-coded addresses).
export function ioBase(): usize { return BASE; }
export const OFF_SEED = IO_SEED;
export const OFF_MSG = IO_MSG;
export const OFF_SS = IO_SS;
export const OFF_EK = IO_EK;
export const OFF_DK = IO_DK;
export const OFF_CT = IO_CT;
export const OFF_HEK = IO_HEK;
export const OFF_MAT = IO_MAT;

/** Zero the scratch region (Keccak state, secret polynomials, PRF output, c', K̄, ...). */
function wipeScratch(): void { memory.fill(BASE + S_KECCAK, 0, S_END - S_KECCAK); }
/** Zero everything: I/O buffers and scratch. Call after copying outputs out. */
export function wipe(): void { memory.fill(BASE, 0, S_END); }

/** FIPS 203 §7.2 encapsulation-key modulus check: ByteEncode12(ByteDecode12(ek)) = ek, i.e. every 12-bit value
 *  of the first 384k bytes of ek (at IO_EK) is < q. Returns 1 if the key passes. ek is public. */
export function checkEncapsulationKey(k: i32): i32 {
  let ok = 1;
  for (let i = 0; i < k; i++) ok &= encodedBelowQ(BASE + IO_EK + i * 384);
  return ok;
}

/** Constant-time equality of n bytes: returns 0xffffffff if equal, 0 otherwise (OR of XORs, then
 *  a mask from the sign bit — no early exit, no data-dependent branch). */
function ctEqualMask(a: usize, b: usize, n: i32): i32 {
  // n is a multiple of 32 (hashes, ciphertexts): 8 bytes per step, OR of XORs, then fold to 32 bits
  let diff: u64 = 0;
  for (let i = 0; i < n; i += 8) diff |= load<u64>(a + i) ^ load<u64>(b + i);
  const d = <i32>(diff | (diff >> 32)) ;
  // d ≠ 0 ⇔ some bit set; (d | −d) has the sign bit set iff d ≠ 0 (no branch)
  return ((d | -d) >> 31) ^ -1;
}

/** FIPS 203 §7.3 hash check on dk (at IO_DK): H(ek_PKE inside dk) equals the stored h. Returns 1 if it passes.
 *  (Lengths are checked by the JS wrapper.) The comparison is constant time; scratch is wiped. */
export function checkDecapsulationKey(k: i32): i32 {
  const dk = BASE + IO_DK, h = BASE + S_GOUT;
  hashOnce(RATE_256, DS_SHA3, dk + 384 * k, 384 * k + 32, h, 32);
  const ok = ctEqualMask(h, dk + 768 * k + 32, 32) & 1;
  wipeScratch();
  return ok;
}

/** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16). Input d‖z at IO_SEED; writes ek to IO_EK and
 *  dk = dk_PKE ‖ ek ‖ H(ek) ‖ z to IO_DK. */
export function keyGenInternal(k: i32, eta1: i32): void {
  const ek = BASE + IO_EK, dk = BASE + IO_DK;
  kpkeKeyGen(BASE + IO_SEED, k, eta1, ek, dk, dk + 768 * k + 32); // step 1 (SIMD: + H(ek))
  const ekLen = 384 * k + 32;
  memory.copy(dk + 384 * k, ek, ekLen);                       // step 3: dk ← dk_PKE ‖ ek ‖ H(ek) ‖ z
  if (!ASC_FEATURE_SIMD) hashOnce(RATE_256, DS_SHA3, ek, ekLen, dk + 768 * k + 32, 32);
  memory.copy(dk + 768 * k + 64, BASE + IO_SEED + 32, 32);
  wipeScratch();
}

/** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) with the FIPS 203 §7.2 check. Inputs ek at IO_EK and
 *  m at IO_MSG; writes c to IO_CT and K to IO_SS. Returns 0, or 1 if ek fails the modulus check
 *  (nothing is written then). */
export function encapsInternal(k: i32, eta1: i32, eta2: i32, du: i32, dv: i32): i32 {
  if (!checkEncapsulationKey(k)) return 1;                    // ek is public: branching is fine
  const ek = BASE + IO_EK, gin = BASE + S_GIN, gout = BASE + S_GOUT;
  // step 1: (K, r) ← G(m ‖ H(ek))
  memory.copy(gin, BASE + IO_MSG, 32);
  let sampled = 0;
  if (ASC_FEATURE_SIMD) {
    // H(ek) on one lane of the 2-way Keccak while the other samples the first entries of Âᵀ (public)
    memory.copy(BASE + S_XOFIN, ek + 384 * k, 32);
    sampled = hashEkWithMatrix(ek, 384 * k + 32, gin + 32, k);
  } else {
    hashOnce(RATE_256, DS_SHA3, ek, 384 * k + 32, gin + 32, 32);
  }
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 64, gout, 64);
  // step 2: c ← K-PKE.Encrypt(ek, m, r)
  kpkeEncrypt(ek, BASE + IO_MSG, gout + 32, k, eta1, eta2, du, dv, BASE + IO_CT, sampled);
  memory.copy(BASE + IO_SS, gout, 32);
  wipeScratch();
  return 0;
}

/** Import of an encapsulation key: the values ML-KEM.Encaps_internal (FIPS 203 Alg. 17) derives from ek alone,
 *  computed once so that encapsInternalImported skips them. ek at IO_EK; after the FIPS 203 §7.2 modulus check,
 *  writes H(ek) (FIPS 203 Alg. 17 step 1) to IO_HEK and Âᵀ (FIPS 203 Alg. 14 steps 4-8, transposed as step 19
 *  uses it: entry i·k + j is Â[j][i] = SampleNTT(ρ‖i‖j)) to IO_MAT. Returns 0, or 1 if ek fails the check
 *  (nothing is written then). Everything written is public (a function of ek). */
export function importEncapsulationKey(k: i32): i32 {
  if (!checkEncapsulationKey(k)) return 1;                    // ek is public: branching is fine
  const ek = BASE + IO_EK;
  memory.copy(BASE + S_XOFIN, ek + 384 * k, 32);              // ρ ← ek[384k:]
  let sampled = 0;
  // SIMD: H(ek) on one lane of the 2-way Keccak while the other samples the first entries of Âᵀ, as encapsInternal
  if (ASC_FEATURE_SIMD) sampled = hashEkWithMatrix(ek, 384 * k + 32, BASE + IO_HEK, k);
  else hashOnce(RATE_256, DS_SHA3, ek, 384 * k + 32, BASE + IO_HEK, 32);
  sampleTransposedMatrix(k, sampled);
  wipeScratch();
  return 0;
}

/** Âᵀ for ρ at S_XOFIN into IO_MAT, entry i·k + j = Â[j][i] = SampleNTT(ρ‖i‖j) (FIPS 203 Alg. 14 steps 4-8, as
 *  step 19 uses it). SIMD: the first `sampled` entries are in S_MAT already (hashEkWithMatrix). */
function sampleTransposedMatrix(k: i32, sampled: i32): void {
  const n = k * k;
  if (ASC_FEATURE_SIMD) {
    sampleMatrix(k, true, sampled, n);
    memory.copy(BASE + IO_MAT, BASE + S_MAT, n << 9);
  } else {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sampleMatrixEntry(BASE + IO_MAT + ((i * k + j) << 9), j, i);
  }
}

/** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) for an imported key: ek at IO_EK with the H(ek) and Âᵀ that
 *  importEncapsulationKey wrote for it at IO_HEK and IO_MAT (the caller keeps them between calls), m at
 *  IO_MSG; writes c to IO_CT and K to IO_SS. No SampleNTT and no hashing of ek: the FIPS 203 §7.2 check was
 *  done at import. */
export function encapsInternalImported(k: i32, eta1: i32, eta2: i32, du: i32, dv: i32): void {
  const gin = BASE + S_GIN, gout = BASE + S_GOUT, n = k * k;
  // step 1: (K, r) ← G(m ‖ H(ek))
  memory.copy(gin, BASE + IO_MSG, 32);
  memory.copy(gin + 32, BASE + IO_HEK, 32);
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 64, gout, 64);
  // step 2: c ← K-PKE.Encrypt(ek, m, r) with all k² entries of Âᵀ already in S_MAT
  memory.copy(BASE + S_MAT, BASE + IO_MAT, n << 9);
  kpkeEncrypt(BASE + IO_EK, BASE + IO_MSG, gout + 32, k, eta1, eta2, du, dv, BASE + IO_CT, n);
  memory.copy(BASE + IO_SS, gout, 32);
  wipeScratch();
}

/** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) with the FIPS 203 §7.3 hash check. Inputs dk at IO_DK,
 *  c at IO_CT; writes K to IO_SS. Returns 0, or 1 if dk fails the hash check (nothing written).
 *  Implicit rejection: K̄ = J(z‖c) is always computed and the output chosen by a mask derived from a
 *  constant-time comparison of c and c' — no branch on the (secret) comparison result. */
export function decapsInternal(k: i32, eta1: i32, eta2: i32, du: i32, dv: i32): i32 {
  const dk = BASE + IO_DK, c = BASE + IO_CT, gout = BASE + S_GOUT, kbar = BASE + S_KBAR;
  const ctLen = (du * k + dv) << 5;
  const ekPke = dk + 384 * k, h = dk + 768 * k + 32, z = dk + 768 * k + 64;
  if (ASC_FEATURE_SIMD) {
    // FIPS 203 §7.3 check H(ek) = h and step 9 K̄ ← J(z‖c) are independent: both on the 2-way Keccak.
    // z‖c is assembled in S_MAT (free until K-PKE.Encrypt samples the matrix; wiped at the end).
    const zc = BASE + S_MAT;
    memory.copy(zc, z, 32);
    memory.copy(zc + 32, c, ctLen);
    hashX2(RATE_256, DS_SHA3, ekPke, 384 * k + 32, gout, 32, RATE_256, DS_SHAKE, zc, ctLen + 32, kbar, 32);
    const ok = ctEqualMask(gout, h, 32) & 1;
    if (!ok) { wipeScratch(); return 1; }                     // the wrapper throws: a malformed key
  } else {
    if (!checkDecapsulationKey(k)) return 1;                  // the wrapper throws: a malformed key
  }
  decapsChecked(k, eta1, eta2, du, dv, ASC_FEATURE_SIMD, 0);
  return 0;
}

/** FIPS 203 Alg. 18 steps 7-13 on dk at IO_DK (already checked) and c at IO_CT: K to IO_SS. K̄ is at S_KBAR
 *  already when kbarDone; `sampled` entries of Âᵀ are in S_MAT (kpkeEncrypt). Wipes scratch. */
function decapsChecked(k: i32, eta1: i32, eta2: i32, du: i32, dv: i32, kbarDone: bool, sampled: i32): void {
  const dk = BASE + IO_DK, c = BASE + IO_CT, gin = BASE + S_GIN, gout = BASE + S_GOUT;
  const kbar = BASE + S_KBAR, c2 = BASE + S_CT2;
  const ctLen = (du * k + dv) << 5;
  const ekPke = dk + 384 * k, h = dk + 768 * k + 32, z = dk + 768 * k + 64;
  // step 7: m' ← K-PKE.Decrypt(dk_PKE, c)
  kpkeDecrypt(dk, c, k, du, dv, gin);
  // step 8: (K', r') ← G(m' ‖ h)
  memory.copy(gin + 32, h, 32);
  hashOnce(RATE_SHA3_512, DS_SHA3, gin, 64, gout, 64);
  if (!kbarDone) {
    // step 9: K̄ ← J(z ‖ c) = SHAKE256(z ‖ c, 32)
    spongeInit(RATE_256);
    spongeAbsorb(z, 32);
    spongeAbsorb(c, ctLen);
    spongeFinish(DS_SHAKE);
    spongeSqueeze(kbar, 32);
  }
  // step 10: c' ← K-PKE.Encrypt(ek_PKE, m', r')
  kpkeEncrypt(ekPke, gin, gout + 32, k, eta1, eta2, du, dv, c2, sampled);
  // steps 11-13: K ← (c = c') ? K' : K̄, selected with a mask
  const eq = ctEqualMask(c, c2, ctLen);
  const ss = BASE + IO_SS;
  for (let i = 0; i < 32; i++) {
    store<u8>(ss + i, <u8>((<i32>load<u8>(gout + i) & eq) | (<i32>load<u8>(kbar + i) & ~eq)));
  }
  wipeScratch();
}

/** Import of a decapsulation key: the FIPS 203 §7.3 hash check of dk (at IO_DK) once, then H(ek) of its ek to
 *  IO_HEK and Âᵀ (for the re-encryption, FIPS 203 Alg. 18 step 10) to IO_MAT, as importEncapsulationKey does.
 *  Returns 0, or 1 if dk fails the check (nothing written). Both outputs are public (functions of ek). */
export function importDecapsulationKey(k: i32): i32 {
  const dk = BASE + IO_DK, hek = BASE + IO_HEK;
  hashOnce(RATE_256, DS_SHA3, dk + 384 * k, 384 * k + 32, hek, 32);
  if (!(ctEqualMask(hek, dk + 768 * k + 32, 32) & 1)) { memory.fill(hek, 0, 32); wipeScratch(); return 1; }
  memory.copy(BASE + S_XOFIN, BASE + IO_DK + 768 * k, 32);   // ρ ← ek[384k:], ek = dk[384k : 768k+32]
  sampleTransposedMatrix(k, 0);
  wipeScratch();
  return 0;
}

/** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) for an imported key: dk at IO_DK (checked at import), Âᵀ
 *  from importDecapsulationKey at IO_MAT, c at IO_CT; writes K to IO_SS. No hashing of ek, no SampleNTT;
 *  implicit rejection as in decapsInternal. */
export function decapsInternalImported(k: i32, eta1: i32, eta2: i32, du: i32, dv: i32): void {
  memory.copy(BASE + S_MAT, BASE + IO_MAT, (k * k) << 9);
  decapsChecked(k, eta1, eta2, du, dv, false, k * k);
}

// ---- SHA3-256 and SHAKE256 (FIPS 202 §6) on the module's Keccak, for the JS side (X-Wing's combiner and key
// expansion, HPKE's SHAKE256 derivations): sha3Begin(rate), sha3Absorb(n) per input chunk written at the I/O
// region's start, sha3Finish(ds), sha3Squeeze(n) per output chunk (written there), then sha3End(n), which zeroes
// the state and the first n bytes of the region (the input may be a secret). Chunks are at most IO_END bytes.
export const SHA3_CHUNK = IO_END;
export function sha3Begin(rate: i32): void { spongeInit(rate); }
export function sha3Absorb(len: i32): void { spongeAbsorb(BASE, len); }
export function sha3Finish(ds: i32): void { spongeFinish(ds); }
export function sha3Squeeze(len: i32): void { spongeSqueeze(BASE, len); }
export function sha3End(len: i32): void { memory.fill(BASE + S_KECCAK, 0, 200); memory.fill(BASE, 0, len); }
