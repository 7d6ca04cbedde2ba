// The matrix parts of K-PKE (FIPS 203 Alg. 13 steps 18-19, FIPS 203 Alg. 14 steps 19, 21) in the SIMD build: the
// whole matrix Â sampled in pairs on the 2-way Keccak into S_MAT, then multiplied with vector code, and the
// hashes of ML-KEM (H(ek)) interleaved with the sampling on the other Keccak lane. ek, ρ and Â are public:
// every branch here depends only on them.
import { BASE, S_A, S_ACC, S_ACC2, S_KECCAK, S_XOFIN, S_MAT, S_XBUF, S_BG, vecPoly } from "./layout";
import { keccakF1600x2 } from "./keccak-x2";
import { RATE_256, DS_SHA3, spongeAbsorb, spongeFinish, spongeSqueeze, spongeResume, hashOnce } from "./keccak";
import { absorbLane, squeezeLane } from "./keccak-x2-sponge";
import { multiplyNttsAccSimd, gammaPremultiplySimd, montgomeryReduceAccSimd, polyToMontAddSimd } from "./ntt-simd";
import { rejectSampleSimd } from "./sampling";
import { sampleMatrix, seedXofLane } from "./sampling-simd";
import { byteEncodeCompressSimd } from "./encoding-simd";

/** out[i] = Σ_j Â[i][j] ∘ v[j] (or Âᵀ), as in kpke.ts, with the whole matrix sampled first in pairs
 *  (2-way Keccak) into S_MAT, then multiplied with vector code. */
export function matrixTimesVectorSimd(out: usize, v: usize, k: i32, transposed: bool, sampled: i32): void {
  const mat = BASE + S_MAT, acc = BASE + S_ACC, bg = BASE + S_BG;
  for (let r = 0; r < k; r++) gammaPremultiplySimd(vecPoly(bg, r), vecPoly(v, r));
  sampleMatrix(k, transposed, sampled, k * k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < k; r++) {
      multiplyNttsAccSimd(acc, mat + ((c * k + r) << 9), vecPoly(bg, r), vecPoly(v, r));
    }
    montgomeryReduceAccSimd(vecPoly(out, c), acc);
  }
}

/** Encapsulation: H(ek) (SHA3-256 of the public ek, lane A) computed on the 2-way Keccak while lane B
 *  samples the (transposed) matrix entries 0, 1, ... one after another into S_MAT; lane B finishes the
 *  entry it has started. Returns the number of entries completed (the rest: sampleMatrix). All
 *  branches depend on public data (ek, ρ). ρ must be at S_XOFIN. */
export function hashEkWithMatrix(ek: usize, ekLen: i32, hOut: usize, k: i32): i32 {
  const st = BASE + S_KECCAK, mat = BASE + S_MAT, buf = BASE + S_XBUF;
  memory.fill(st, 0, 400);
  let pos = 0, pad = false, done = false;
  const n = k * k;
  let e = 0, i = 0, j = 0, cnt = 0;
  seedXofLane(st, 8, j, i); // Âᵀ entry (i, j) = SampleNTT(ρ ‖ i ‖ j): row j, column i (as in sampleMatrix)
  while (true) {
    if (!pad) { pad = absorbLane(st, ek + pos, ekLen - pos, RATE_256, DS_SHA3); pos += RATE_256; }
    keccakF1600x2(st);
    if (pad && !done) { squeezeLane(st, hOut, 32); done = true; }
    if (e < n) {
      for (let l = 0; l < 21; l++) store<u64>(buf + (l << 3), load<u64>(st + (l << 4) + 8));
      cnt = rejectSampleSimd(mat + (e << 9), cnt, buf);
      if (cnt == 256) {
        cnt = 0; e++;
        j++; if (j == k) { j = 0; i++; }
        if (!done && e < n) seedXofLane(st, 8, j, i);
      }
    }
    if (done && cnt == 0) break;   // lane B idle or between entries: the rest goes to sampleMatrix
  }
  return e;
}

/** r = Σ_j a[j] ∘ b[j] with vector code (carries 2^-16 like the scalar innerProduct). */
export function innerProductSimd(r: usize, a: usize, b: usize, k: i32): void {
  const acc = BASE + S_ACC, bg = BASE + S_A;
  for (let j = 0; j < k; j++) {
    gammaPremultiplySimd(bg, vecPoly(b, j));
    multiplyNttsAccSimd(acc, vecPoly(a, j), bg, vecPoly(b, j));
  }
  montgomeryReduceAccSimd(r, acc);
}

/** Row c of t̂ = Â ∘ ŝ + ê (K-PKE.KeyGen step 18) from the sampled row c of Â in S_MAT, bg = γ-premultiplied
 *  ŝ, then ByteEncode12 into ek (step 19). */
function keygenRow(c: usize, t: usize, s: usize, e: usize, k: i32, ek: usize): void {
  const mat = BASE + S_MAT, acc = BASE + S_ACC, bg = BASE + S_BG;
  for (let r = 0; r < k; r++) multiplyNttsAccSimd(acc, mat + ((<i32>c * k + r) << 9), vecPoly(bg, r), vecPoly(s, r));
  montgomeryReduceAccSimd(vecPoly(t, <i32>c), acc);
  polyToMontAddSimd(vecPoly(t, <i32>c), vecPoly(e, <i32>c));
  byteEncodeCompressSimd(ek + c * 384, vecPoly(t, <i32>c), 12);
}

/** K-PKE.KeyGen steps 18-19 plus ML-KEM.KeyGen's H(ek) (FIPS 203 Alg. 16 step 3), SIMD build: samples Â
 *  (pairs on the 2-way Keccak), forms and encodes t̂ ‖ ρ into ek and writes H(ek) to hOut. When k² is
 *  odd (k = 3) the last entry is sampled on one lane while the other lane already absorbs the first
 *  blocks of ek (rows 0..k−2 of t̂ are encoded by then); H then continues on the scalar sponge. When
 *  lane B has no complete block to absorb, its state is saved around the permutation. ek, ρ and Â
 *  are public; all branches depend only on them. ρ must be at S_XOFIN. */
export function keygenMatrixHash(t: usize, s: usize, e: usize, k: i32, ek: usize, hOut: usize): void {
  const n = k * k, ekLen = 384 * k + 32;
  for (let r = 0; r < k; r++) gammaPremultiplySimd(vecPoly(BASE + S_BG, r), vecPoly(s, r));
  if ((n & 1) == 0) {
    sampleMatrix(k, false, 0, n);
    for (let c = 0; c < k; c++) keygenRow(c, t, s, e, k, ek);
    memory.copy(ek + 384 * k, BASE + S_XOFIN, 32);
    hashOnce(RATE_256, DS_SHA3, ek, ekLen, hOut, 32);
    return;
  }
  sampleMatrix(k, false, 0, n - 1);
  for (let c = 0; c < k - 1; c++) keygenRow(c, t, s, e, k, ek);
  const st = BASE + S_KECCAK, buf = BASE + S_XBUF, stash = BASE + S_ACC2, last = BASE + S_MAT + ((n - 1) << 9);
  const avail = 384 * (k - 1);
  memory.fill(st, 0, 400);
  seedXofLane(st, 0, k - 1, k - 1);   // lane A: Â[k−1][k−1] = SampleNTT(ρ ‖ k−1 ‖ k−1)
  let pos = 0, cnt = 0;
  while (cnt < 256) {
    if (pos + RATE_256 <= avail) {
      absorbLane(st + 8, ek + pos, RATE_256, RATE_256, DS_SHA3); // a full block: no padding
      pos += RATE_256;
      keccakF1600x2(st);
    } else {
      for (let l = 0; l < 25; l++) store<u64>(stash + (l << 3), load<u64>(st + (l << 4) + 8));
      keccakF1600x2(st);
      for (let l = 0; l < 25; l++) store<u64>(st + (l << 4) + 8, load<u64>(stash + (l << 3)));
    }
    for (let l = 0; l < 21; l++) store<u64>(buf + (l << 3), load<u64>(st + (l << 4)));
    cnt = rejectSampleSimd(last, cnt, buf);
  }
  // lane B → scalar sponge state (compacting in place: word l moves from st + 16l + 8 to st + 8l)
  for (let l = 0; l < 25; l++) store<u64>(st + (l << 3), load<u64>(st + (l << 4) + 8));
  memory.fill(st + 200, 0, 200);
  spongeResume(RATE_256);
  keygenRow(k - 1, t, s, e, k, ek);
  memory.copy(ek + 384 * k, BASE + S_XOFIN, 32);
  spongeAbsorb(ek + pos, ekLen - pos);
  spongeFinish(DS_SHA3);
  spongeSqueeze(hOut, 32);
}
