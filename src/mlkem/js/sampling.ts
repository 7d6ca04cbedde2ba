// Sampling of FIPS 203 §4.2.2 in TypeScript for interpreters: SampleNTT (FIPS 203 Alg. 7) from SHAKE128 and
// SamplePolyCBD_η (FIPS 203 Alg. 8) of PRF_η output. Mirrors ../assembly/sampling.ts. The SHAKE inputs fit one
// block each, so they and their padding are written straight into the Keccak state.
import { ST, ZERO_STATE } from './keccak.ts'
import { keccakF1600 } from './keccak-f1600.ts'
import { Q } from './reduce.ts'
import { scratchI32 } from './scratch.ts'

/** SampleNTT (FIPS 203 Alg. 7): rejection-sample from SHAKE128(ρ‖col‖row), squeezing further
 *  168-byte blocks until 256 coefficients < q are found ("unluckysample"). The 34-byte input and its
 *  padding are written straight into the state (one block). Branches depend only on the public ρ. */
export function sampleNtt(out: Int16Array, rho: Int32Array, col: number, row: number): void {
  const st = ST
  st.set(ZERO_STATE)
  for (let i = 0; i < 8; i++) st[i] = rho[i]!
  st[8] = col | (row << 8) | (0x1f << 16) // bytes 32, 33, then the SHAKE domain/pad byte 0x1f
  st[41] = 0x80 << 24 // last pad bit at byte 167 = RATE_SHAKE128 − 1
  keccakF1600(st)
  let j = rejectSample(out, 0)
  while (j < 256) {
    keccakF1600(st)
    j = rejectSample(out, j)
  }
}

/** FIPS 203 Alg. 7 steps 4-16 on the 168-byte SHAKE128 block in the state: 12 bytes (3 words, 8 candidates)
 *  at a time, appending values < q to out from index j; returns the new count (stops at 256). */
export function rejectSample(out: Int16Array, j: number): number {
  // Deliberately unrolled: the 8 candidates of 3 words, each tested and appended in turn.
  const st = ST
  for (let w = 0; w < 42 && j < 256; w += 3) {
    const w0 = st[w]!,
      w1 = st[w + 1]!,
      w2 = st[w + 2]!
    let d = w0 & 0xfff
    if (d < Q) out[j++] = d
    d = (w0 >>> 12) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = ((w0 >>> 24) | (w1 << 8)) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w1 >>> 4) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w1 >>> 16) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = ((w1 >>> 28) | (w2 << 4)) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = (w2 >>> 8) & 0xfff
    if (d < Q && j < 256) out[j++] = d
    d = w2 >>> 20
    if (d < Q && j < 256) out[j++] = d
  }
  return j
}

/** η = 3 PRF output: 192 bytes as 48 words (S_PRFOUT). Wiped by the ops in internal.ts. */
export const PRF_BUF = scratchI32(48)

/** PRF_η(σ, N) = SHAKE256(σ‖N, 64η) (FIPS 203 §4.1, eq. 4.3) followed by SamplePolyCBD_η (FIPS 203 Alg. 8). σ is 8
 *  words; σ‖N and the padding fit one block and are written straight into the state. */
export function samplePolyCbdPrf(out: Int16Array, sigma: Int32Array, n: number, eta: number): void {
  const st = ST
  st.set(ZERO_STATE)
  for (let i = 0; i < 8; i++) st[i] = sigma[i]!
  st[8] = n | (0x1f << 8)
  st[33] = 0x80 << 24 // byte 135 = RATE_256 − 1
  keccakF1600(st)
  if (eta === 2) {
    samplePolyCbd(out, st, 2)
    return
  }
  const buf = PRF_BUF
  for (let i = 0; i < 34; i++) buf[i] = st[i]!
  keccakF1600(st)
  for (let i = 0; i < 14; i++) buf[34 + i] = st[i]!
  samplePolyCbd(out, buf, 3)
}

/** SamplePolyCBD_η (FIPS 203 Alg. 8) of the 64η bytes in the words w: bit arithmetic only (masks, adds,
 *  shifts), no secret-dependent branch or index. */
export function samplePolyCbd(out: Int16Array, w: Int32Array, eta: number): void {
  // Deliberately unrolled: the 8 (η = 2) or 4 (η = 3) coefficients of a word group written out.
  if (eta === 2) {
    for (let i = 0, o = 0; i < 32; i++, o += 8) {
      const x = w[i]!
      const t = (x & 0x55555555) + ((x >>> 1) & 0x55555555) // 2-bit sums per coefficient (< 2^32)
      out[o] = (t & 3) - ((t >>> 2) & 3)
      out[o + 1] = ((t >>> 4) & 3) - ((t >>> 6) & 3)
      out[o + 2] = ((t >>> 8) & 3) - ((t >>> 10) & 3)
      out[o + 3] = ((t >>> 12) & 3) - ((t >>> 14) & 3)
      out[o + 4] = ((t >>> 16) & 3) - ((t >>> 18) & 3)
      out[o + 5] = ((t >>> 20) & 3) - ((t >>> 22) & 3)
      out[o + 6] = ((t >>> 24) & 3) - ((t >>> 26) & 3)
      out[o + 7] = ((t >>> 28) & 3) - ((t >>> 30) & 3)
    }
    return
  }
  // η = 3: 3 bytes per 4 coefficients; 3 words = 4 such groups
  for (let i = 0, o = 0; i < 48; i += 3) {
    const w0 = w[i]!,
      w1 = w[i + 1]!,
      w2 = w[i + 2]!
    for (let g = 0; g < 4; g++, o += 4) {
      const c =
        g === 0
          ? w0 & 0xffffff
          : g === 1
            ? ((w0 >>> 24) | (w1 << 8)) & 0xffffff
            : g === 2
              ? ((w1 >>> 16) | (w2 << 16)) & 0xffffff
              : w2 >>> 8
      const t = (c & 0x249249) + ((c >>> 1) & 0x249249) + ((c >>> 2) & 0x249249) // 3-bit sums
      out[o] = (t & 7) - ((t >>> 3) & 7)
      out[o + 1] = ((t >>> 6) & 7) - ((t >>> 9) & 7)
      out[o + 2] = ((t >>> 12) & 7) - ((t >>> 15) & 7)
      out[o + 3] = ((t >>> 18) & 7) - ((t >>> 21) & 7)
    }
  }
}
