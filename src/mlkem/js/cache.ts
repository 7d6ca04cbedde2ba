// Caches of PUBLIC values derived from encapsulation keys, a few entries each (CACHE_SLOTS), so that a
// long-lived key skips work on every operation: the matrix Â = SampleNTT(ρ‖j‖i) (k² SampleNTT calls,
// keyed by ρ and k), and for an exact ek byte string its hash H(ek) (384k + 32 bytes of SHA3-256), its
// decoded t̂ = ByteDecode12(ek[0:384k]) and its FIPS 203 §7.2 modulus-check result. Everything here is computed
// from ek alone: no secret ever enters these arrays, and they are not wiped (the scratch arena is).
// A hit or a miss reveals only whether a public key repeated. Entries can be primed (pinned) at build
// time from a configured public key (core.ts primeMlKemPublicKey); eviction takes the least recently
// used unpinned entry first.

import { byteDecodeDecompress, encodedBelowQ } from './encoding.ts'
import { DS_SHA3, hashOnce, RATE_256 } from './keccak.ts'
import { sampleNtt } from './sampling.ts'

/** Entries per cache: up to MAX_PINNED primed keys (a server's keys: e.g. current and next, per mode) plus
 *  two for the peers' keys of the current operations. Memory: ≈ 11.6 KB per slot (Â: 16 polynomials;
 *  ek, H(ek), t̂), zero until used. */
export const CACHE_SLOTS = 6
/** At most this many entries are pinned by priming, so a peer's key always finds an unpinned slot and
 *  never evicts a primed one; priming one more unpins the least recently used primed entry. */
export const MAX_PINNED = CACHE_SLOTS - 2
/** The largest ek: ML-KEM-1024, 384·4 + 32 bytes (FIPS 203 §8 Table 3). */
const EK_MAX = 1568

const poly = () => new Int16Array(256)

/** Â for (ρ, k): a[4i + j] = Â[i][j] = SampleNTT(ρ‖j‖i) (FIPS 203 Alg. 13 steps 3-7, FIPS 203 Alg. 14 steps 4-8); rows[i] and
 *  cols[i] list row i of Â and of Âᵀ (k polynomials each, the same objects), built once per fill. */
export interface MatrixEntry {
  k: number
  rho: Int32Array
  a: Int16Array[]
  rows: Int16Array[][]
  cols: Int16Array[][]
  used: number
  pinned: boolean
}
/** An exact ek (len bytes; words: the same bytes as 32-bit words, for comparing) with H(ek), t̂ (decoded on first use) and the FIPS 203 §7.2 result (−1: not yet checked). */
export interface EkEntry {
  len: number
  ek: Uint8Array
  words: Int32Array
  hash: Uint8Array
  t: Int16Array[]
  tReady: boolean
  valid: number
  used: number
  pinned: boolean
}

const MATRICES: MatrixEntry[] = Array.from({ length: CACHE_SLOTS }, () => ({
  k: 0,
  rho: new Int32Array(8),
  a: Array.from({ length: 16 }, poly),
  rows: [],
  cols: [],
  used: 0,
  pinned: false,
}))
const EKS: EkEntry[] = Array.from({ length: CACHE_SLOTS }, () => {
  const ek = new Uint8Array(EK_MAX)
  return {
    len: 0,
    ek,
    words: new Int32Array(ek.buffer),
    hash: new Uint8Array(32),
    t: [poly(), poly(), poly(), poly()],
    tReady: false,
    valid: -1,
    used: 0,
    pinned: false,
  }
})
/** Use counter for least-recently-used eviction. */
let clock = 0

/** The entry to overwrite: the least recently used unpinned one (there always is one: MAX_PINNED). */
function victim<T extends { used: number; pinned: boolean }>(entries: T[]): T {
  let best: T | undefined
  for (const e of entries) if (!e.pinned && (best === undefined || e.used < best.used)) best = e
  return best!
}

/** Pin e; if that makes more than MAX_PINNED, unpin the least recently used other pinned entry. */
function pin<T extends { used: number; pinned: boolean }>(entries: T[], e: T): void {
  e.pinned = true
  let count = 0
  let oldest: T | undefined
  for (const x of entries) {
    if (!x.pinned) continue
    count++
    if (x !== e && (oldest === undefined || x.used < oldest.used)) oldest = x
  }
  if (count > MAX_PINNED) oldest!.pinned = false
}

/** Â for ρ (8 little-endian words) and rank k: the cached entry, or k² SampleNTT calls into the least
 *  recently used entry. Read-only for callers. */
export function expandMatrix(rho: Int32Array, k: number): Readonly<MatrixEntry> {
  for (const e of MATRICES) {
    if (e.k !== k) continue
    const r = e.rho
    if (
      r[0] === rho[0] &&
      r[1] === rho[1] &&
      r[2] === rho[2] &&
      r[3] === rho[3] &&
      r[4] === rho[4] &&
      r[5] === rho[5] &&
      r[6] === rho[6] &&
      r[7] === rho[7]
    ) {
      e.used = ++clock
      return e
    }
  }
  const e = victim(MATRICES)
  e.k = 0 // invalid until complete
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sampleNtt(e.a[4 * i + j]!, rho, j, i)
  e.rows = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => e.a[4 * i + j]!))
  e.cols = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => e.a[4 * j + i]!))
  e.rho.set(rho)
  e.k = k
  e.used = ++clock
  return e
}

/** True if the len bytes of src from off equal e's ek. Compares ρ (the last 32 bytes) first, so another
 *  key is usually told apart after a few bytes; public data, so an early exit is fine. The rest is
 *  compared a 32-bit word at a time through Int32Array views when src is 4-byte aligned there (one
 *  typed-array load per 4 bytes instead of 4), else byte by byte. */
function sameEk(e: EkEntry, src: Uint8Array, off: number, len: number): boolean {
  // Deliberately unrolled: 8 words or bytes per step, in a word form (aligned) and a byte form (unaligned).
  if (e.len !== len) return false
  const ek = e.ek
  for (let i = len - 32; i < len; i++) if (ek[i] !== src[off + i]) return false
  let d = 0
  const at = src.byteOffset + off
  if ((at & 3) === 0) {
    const a = e.words,
      b = new Int32Array(src.buffer, at, (len - 32) >> 2)
    for (let i = 0, n = (len - 32) >> 2; i < n; i += 8) {
      d |=
        (a[i]! ^ b[i]!) |
        (a[i + 1]! ^ b[i + 1]!) |
        (a[i + 2]! ^ b[i + 2]!) |
        (a[i + 3]! ^ b[i + 3]!) |
        (a[i + 4]! ^ b[i + 4]!) |
        (a[i + 5]! ^ b[i + 5]!) |
        (a[i + 6]! ^ b[i + 6]!) |
        (a[i + 7]! ^ b[i + 7]!)
    }
    return d === 0
  }
  for (let i = 0, end = len - 32; i < end; i += 8) {
    const p = off + i
    d |=
      (ek[i]! ^ src[p]!) |
      (ek[i + 1]! ^ src[p + 1]!) |
      (ek[i + 2]! ^ src[p + 2]!) |
      (ek[i + 3]! ^ src[p + 3]!) |
      (ek[i + 4]! ^ src[p + 4]!) |
      (ek[i + 5]! ^ src[p + 5]!) |
      (ek[i + 6]! ^ src[p + 6]!) |
      (ek[i + 7]! ^ src[p + 7]!)
  }
  return d === 0
}

/** The cache entry of the ek in src[off .. off+len) (len = 384k + 32), or undefined (nothing computed). */
export function findEk(src: Uint8Array, off: number, len: number): EkEntry | undefined {
  for (const e of EKS)
    if (sameEk(e, src, off, len)) {
      e.used = ++clock
      return e
    }
  return undefined
}

/** The entry of the ek in src[off .. off+len): cached, or H(ek) = SHA3-256(ek) computed into the least
 *  recently used entry (t̂ and the FIPS 203 §7.2 check are left for ekTHat / ekValid). */
export function ekEntry(src: Uint8Array, off: number, len: number): EkEntry {
  const hit = findEk(src, off, len)
  if (hit) return hit
  const e = victim(EKS)
  e.len = 0 // invalid until complete
  e.tReady = false
  e.valid = -1
  hashOnce(RATE_256, DS_SHA3, src, off, len, e.hash, 0, 32)
  e.ek.set(src.subarray(off, off + len))
  e.len = len
  e.used = ++clock
  return e
}

/** FIPS 203 §7.2 encapsulation-key modulus check of the entry's ek (rank k): 1 if every ByteDecode12 value of
 *  ek[0:384k] is < q. Checked once per entry. */
export function ekValid(e: EkEntry, k: number): number {
  if (e.valid < 0) {
    let ok = 1
    for (let i = 0; i < k; i++) ok &= encodedBelowQ(e.ek, i * 384)
    e.valid = ok
  }
  return e.valid
}

/** t̂ = ByteDecode12(ek[0:384k]) of the entry (FIPS 203 Alg. 14 step 2), decoded once per entry. Read-only. */
export function ekTHat(e: EkEntry, k: number): readonly Int16Array[] {
  if (!e.tReady) {
    for (let i = 0; i < k; i++) byteDecodeDecompress(e.t[i]!, e.ek, i * 384, 12)
    e.tReady = true
  }
  return e.t
}

/** Keep the entries of this ek (its Â, H(ek), t̂) ahead of unpinned ones when evicting (priming). */
export function pinEntries(e: EkEntry, rho: Int32Array, k: number): void {
  pin(EKS, e)
  for (const m of MATRICES) if (m.k === k && m.rho.every((w, i) => w === rho[i])) pin(MATRICES, m)
}

/** Forget every entry (tests: measure and check the uncached paths). */
export function clearCaches(): void {
  for (const e of MATRICES) {
    e.k = 0
    e.pinned = false
    e.used = 0
  }
  for (const e of EKS) {
    e.len = 0
    e.tReady = false
    e.valid = -1
    e.pinned = false
    e.used = 0
  }
  clock = 0
}

/** The cache entries themselves (tests: they must hold public, ek-derived data only). */
export function cacheEntries(): { matrices: readonly Readonly<MatrixEntry>[]; eks: readonly Readonly<EkEntry>[] } {
  return { matrices: MATRICES, eks: EKS }
}
