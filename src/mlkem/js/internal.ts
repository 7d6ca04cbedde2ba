// ML-KEM (FIPS 203 §6, FIPS 203 §7): ML-KEM.KeyGen_internal, Encaps_internal, Decaps_internal (FIPS 203 Alg. 16-18)
// and the FIPS 203 §7.2 / §7.3 input checks, for all three parameter sets (the MlKemParams of ../api.ts, the
// one parameter table, select the set at run time). TypeScript for interpreters; mirrors
// ../assembly/internal.ts: same algorithms, same step comments. Instead of a linear-memory I/O region the ops
// take and fill caller-owned byte arrays (the MlKemCore of ../api.ts); every op wipes all scratch before
// returning.

import { constantTimeEqualMask, wipe } from '../../crypto/bytes.ts'
import type { MlKemCoreDecapsulationKey, MlKemCoreEncapsulationKey, MlKemParams } from '../api.ts'
import { type EkEntry, ekEntry, ekTHat, ekValid, findEk } from './cache.ts'
import { byteDecodeDecompress, checkEncapsulationKey } from './encoding.ts'
import { DS_SHA3, DS_SHAKE, hashOnce, RATE_256, RATE_SHA3_512, spongeAbsorb, spongeFinish, spongeInit, spongeSqueeze } from './keccak.ts'
import { kpkeDecrypt, kpkeEncrypt, kpkeKeyGen, kpkeKeyGenDk, loadWords, type MatrixRows, S_GIN, S_GOUT } from './kpke.ts'
import { sampleNtt } from './sampling.ts'
import { scratchU8, wipeArena } from './scratch.ts'

// ---- Scratch of this file, in the arena (scratch.ts).
const S_KBAR = scratchU8(32) // K̄ = J(z‖c)
const S_CT2 = scratchU8(1568) // re-encryption c' in decapsulation

/** Zero all scratch (Keccak state, secret polynomials, PRF output, c', K̄, ...): the whole arena. */
export function wipeScratch(): void {
  wipeArena()
}

/** FIPS 203 §7.3 hash check on dk: H(ek_PKE inside dk) equals the stored h (H(ek) from the public cache when this ek
 *  was seen before). Returns the embedded ek's cache entry if it passes, else undefined. (Lengths are
 *  checked by the wrapper.) The comparison is constant time. */
function checkedEkEntry({ k, lengths }: MlKemParams, dk: Uint8Array): EkEntry | undefined {
  const e = ekEntry(dk, 384 * k, lengths.publicKey)
  return constantTimeEqualMask(e.hash, 0, dk, 768 * k + 32, 32) & 1 ? e : undefined
}

/** FIPS 203 §7.3 hash check on dk (see checkedEkEntry): returns 1 if it passes. Scratch is wiped. */
export function checkDecapsulationKey(p: MlKemParams, dk: Uint8Array): number {
  const ok = checkedEkEntry(p, dk) ? 1 : 0
  wipeScratch()
  return ok
}

/** ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16). seed = d‖z; writes ek and dk = dk_PKE ‖ ek ‖ H(ek) ‖ z.
 *  Â (from ρ) and H(ek) come from the public caches when this key's public part was seen (or primed). */
export function keyGenInternal({ k, eta1, lengths }: MlKemParams, seed: Uint8Array, ek: Uint8Array, dk: Uint8Array): void {
  try {
    kpkeKeyGen(seed, k, eta1, ek, dk) // step 1
    dk.set(ek, 384 * k) // step 3: dk ← dk_PKE ‖ ek ‖ H(ek) ‖ z
    dk.set(ekEntry(ek, 0, lengths.publicKey).hash, 768 * k + 32)
    for (let i = 0, o = 768 * k + 64; i < 32; i++) dk[o + i] = seed[32 + i]!
  } finally {
    wipeScratch()
  }
}

/** The cache entry of ek (with H(ek)) if ek passes the FIPS 203 §7.2 modulus check, else undefined. The check runs
 *  first for a key not in the cache, so that a failing key never enters it (ek is public: branching is
 *  fine); a cached key reuses its result. */
function checkedEkEntryOfEk(p: MlKemParams, ek: Uint8Array): EkEntry | undefined {
  const ekLen = p.lengths.publicKey
  const e = findEk(ek, 0, ekLen)
  if (e) return ekValid(e, p.k) ? e : undefined
  if (!checkEncapsulationKey(p, ek)) return undefined
  const fresh = ekEntry(ek, 0, ekLen)
  fresh.valid = 1
  return fresh
}

/**
 * KeyGen with a known encapsulation key: dk of ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16) for
 * seed = d‖z when its ek is already at hand (e.g. built into a package), without re-creating ek.
 * Computes only what dk needs: (ρ, σ) ← G(d‖k) (FIPS 203 Alg. 13 step 1), ŝ from σ (steps 8-11, 16), and
 * dk ← ByteEncode12(ŝ) ‖ ek ‖ H(ek) ‖ z (FIPS 203 Alg. 13 step 20, FIPS 203 Alg. 16 step 3), H(ek) from the public cache
 * when ek is there (primed).
 *
 * What is checked: ek passes the FIPS 203 §7.2 modulus check, and the ρ derived from d equals ek's ρ (a cheap
 * binding of ek to the seed). What is NOT: t̂ = Â∘ŝ + ê is never recomputed, so an ek whose t̂ part was
 * altered (or taken from another key pair and given this seed's ρ) yields a dk embedding that wrong ek:
 * no error here, but every decapsulation with it then fails implicitly (the re-encryption under the wrong
 * t̂ never matches, so K̄ comes back) while the wrong ek is reported as the key. The caller must have checked ek against the secret by other means (pq-edge's service: a check
 * value derived from the same secret tags the built-in public keys, src/service/keys.ts). When ek is not
 * trusted that way, use keygen and compare.
 *
 * Writes dk (768k + 96 bytes). Returns 0; 1 if ek fails the FIPS 203 §7.2 check; 2 if ρ differs (dk untouched
 * then). Scratch is wiped.
 */
export function expandDecapsulationKey(p: MlKemParams, seed: Uint8Array, ek: Uint8Array, dk: Uint8Array): number {
  const { k } = p
  try {
    const e = checkedEkEntryOfEk(p, ek)
    if (!e) return 1
    if (!kpkeKeyGenDk(seed, k, p.eta1, ek, dk)) return 2 // FIPS 203 Alg. 16 step 1, dk_PKE only
    // FIPS 203 Alg. 16 step 3: dk ← dk_PKE ‖ ek ‖ H(ek) ‖ z
    dk.set(ek, 384 * k)
    dk.set(e.hash, 768 * k + 32)
    for (let i = 0, o = 768 * k + 64; i < 32; i++) dk[o + i] = seed[32 + i]!
    return 0
  } finally {
    wipeScratch()
  }
}

/** ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) with the FIPS 203 §7.2 check. Writes c to ct and K to ss.
 *  Returns 0, or 1 if ek fails the modulus check (nothing is written then). */
export function encapsInternal(p: MlKemParams, ek: Uint8Array, m: Uint8Array, ct: Uint8Array, ss: Uint8Array): number {
  const { k } = p
  const e = checkedEkEntryOfEk(p, ek)
  if (!e) return 1
  const gin = S_GIN,
    gout = S_GOUT
  try {
    // step 1: (K, r) ← G(m ‖ H(ek))
    for (let i = 0; i < 32; i++) {
      gin[i] = m[i]!
      gin[32 + i] = e.hash[i]!
    }
    hashOnce(RATE_SHA3_512, DS_SHA3, gin, 0, 64, gout, 0, 64)
    // step 2: c ← K-PKE.Encrypt(ek, m, r), t̂ = ByteDecode12(ek) from the cache entry, ρ = ek[384k:]
    kpkeEncrypt(ekTHat(e, k), ek, 384 * k, m, 0, gout, 32, p, ct)
    for (let i = 0; i < 32; i++) ss[i] = gout[i]!
    return 0
  } finally {
    wipeScratch()
  }
}

/** t̂ = ByteDecode12(ek[0:384k]) and Â (FIPS 203 Alg. 14 steps 2, 4-8) of the ek at src[off..], into fresh
 *  arrays (not the shared caches of cache.ts, whose entries other keys can evict), with the rows of Âᵀ.
 *  Public values. */
function expandEncapsulationKey(src: Uint8Array, off: number, k: number) {
  const rho = new Int32Array(8)
  const t = Array.from({ length: k }, () => new Int16Array(256))
  const a = Array.from({ length: k }, () => Array.from({ length: k }, () => new Int16Array(256))) // a[i][j] = Â[i][j]
  for (let i = 0; i < k; i++) byteDecodeDecompress(t[i]!, src, off + i * 384, 12)
  loadWords(rho, src, off + 384 * k)
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sampleNtt(a[i]![j]!, rho, j, i) // Â[i][j] = SampleNTT(ρ‖j‖i)
  const at = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => a[j]![i]!)) // row i of Âᵀ
  const wipe = () => {
    for (const f of t) f.fill(0)
    for (const row of a) for (const f of row) f.fill(0)
  }
  return { t, at, wipe }
}

/**
 * Import of an encapsulation key (MlKemCore.importEncapsulationKey): the FIPS 203 §7.2 check, then what
 * ML-KEM.Encaps_internal (FIPS 203 Alg. 17) derives from ek alone, into arrays the returned key owns:
 * H(ek) (step 1), t̂ and Âᵀ (expandEncapsulationKey). Its encapsInternal runs steps 1-2 with them: no hashing
 * of ek, no SampleNTT. undefined when ek fails the check. Public values only; scratch is wiped.
 */
export function importEncapsulationKey(p: MlKemParams, ek: Uint8Array): MlKemCoreEncapsulationKey | undefined {
  const { k } = p
  if (!checkEncapsulationKey(p, ek)) return undefined
  const key = Uint8Array.from(ek)
  const hash = new Uint8Array(32)
  let expanded: ReturnType<typeof expandEncapsulationKey>
  try {
    hashOnce(RATE_256, DS_SHA3, key, 0, key.length, hash, 0, 32)
    expanded = expandEncapsulationKey(key, 0, k)
  } finally {
    wipeScratch()
  }
  const { t, at } = expanded
  const gin = S_GIN,
    gout = S_GOUT
  return {
    encapsInternal(m, ct, ss) {
      try {
        // step 1: (K, r) ← G(m ‖ H(ek))
        for (let i = 0; i < 32; i++) {
          gin[i] = m[i]!
          gin[32 + i] = hash[i]!
        }
        hashOnce(RATE_SHA3_512, DS_SHA3, gin, 0, 64, gout, 0, 64)
        // step 2: c ← K-PKE.Encrypt(ek, m, r) with the key's t̂ and Âᵀ
        kpkeEncrypt(t, key, 384 * k, m, 0, gout, 32, p, ct, at)
        for (let i = 0; i < 32; i++) ss[i] = gout[i]!
      } finally {
        wipeScratch()
      }
    },
    wipe() {
      wipe(key)
      wipe(hash)
      expanded.wipe()
    },
  }
}

/**
 * Import of a decapsulation key (MlKemCore.importDecapsulationKey): the FIPS 203 §7.3 hash check (constant
 * time), then t̂ and Âᵀ of its ek (expandEncapsulationKey) for the re-encryption, owned by the returned key
 * with a copy of dk. Its decapsInternal is ML-KEM.Decaps_internal (FIPS 203 Alg. 18) without the check and
 * without SampleNTT. undefined when dk fails the check. Scratch is wiped.
 */
export function importDecapsulationKey(p: MlKemParams, dk: Uint8Array): MlKemCoreDecapsulationKey | undefined {
  const { k } = p
  const key = Uint8Array.from(dk)
  const hash = S_GOUT
  let expanded: ReturnType<typeof expandEncapsulationKey>
  try {
    hashOnce(RATE_256, DS_SHA3, key, 384 * k, p.lengths.publicKey, hash, 0, 32)
    if (!(constantTimeEqualMask(hash, 0, key, 768 * k + 32, 32) & 1)) {
      wipe(key)
      return undefined
    }
    expanded = expandEncapsulationKey(key, 384 * k, k)
  } finally {
    wipeScratch()
  }
  const { t, at } = expanded
  return {
    decapsInternal: (c, ss) => decapsWith(p, key, t, at, c, ss),
    wipe() {
      wipe(key)
      expanded.wipe()
    },
  }
}

/** ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) with the FIPS 203 §7.3 hash check. Writes K to ss.
 *  Returns 0, or 1 if dk fails the hash check (nothing written). Implicit rejection: see decapsWith. */
export function decapsInternal(p: MlKemParams, dk: Uint8Array, c: Uint8Array, ss: Uint8Array): number {
  // the FIPS 203 §7.3 check; the embedded ek's public cache entry also gives t̂ for the re-encryption
  const e = checkedEkEntry(p, dk)
  if (!e) {
    wipeScratch()
    return 1 // the wrapper throws: a malformed key
  }
  decapsWith(p, dk, ekTHat(e, p.k), undefined, c, ss)
  return 0
}

/** FIPS 203 Alg. 18 steps 7-13 for a checked dk: t̂ of its ek, and the rows of Âᵀ when the caller holds them
 *  (an imported key; else from the cache). K̄ = J(z‖c) is always computed and the output chosen by a mask
 *  from a constant-time comparison of c and c' — no branch on the (secret) comparison result. Wipes scratch. */
function decapsWith(
  p: MlKemParams,
  dk: Uint8Array,
  t: readonly Int16Array[],
  at: MatrixRows | undefined,
  c: Uint8Array,
  ss: Uint8Array,
): void {
  const gin = S_GIN,
    gout = S_GOUT,
    kbar = S_KBAR,
    c2 = S_CT2
  const { k, du, dv } = p
  const ctLen = p.lengths.cipherText
  const ekPke = 384 * k,
    h = 768 * k + 32,
    z = 768 * k + 64
  try {
    // step 7: m' ← K-PKE.Decrypt(dk_PKE, c)
    kpkeDecrypt(dk, c, k, du, dv, gin)
    // step 8: (K', r') ← G(m' ‖ h)
    for (let i = 0; i < 32; i++) gin[32 + i] = dk[h + i]!
    hashOnce(RATE_SHA3_512, DS_SHA3, gin, 0, 64, gout, 0, 64)
    // step 9: K̄ ← J(z ‖ c) = SHAKE256(z ‖ c, 32)
    spongeInit(RATE_256)
    spongeAbsorb(dk, z, 32)
    spongeAbsorb(c, 0, ctLen)
    spongeFinish(DS_SHAKE)
    spongeSqueeze(kbar, 0, 32)
    // step 10: c' ← K-PKE.Encrypt(ek_PKE, m', r')
    kpkeEncrypt(t, dk, ekPke + 384 * k, gin, 0, gout, 32, p, c2, at)
    // steps 11-13: K ← (c = c') ? K' : K̄, selected with a mask
    const eq = constantTimeEqualMask(c, 0, c2, 0, ctLen)
    for (let i = 0; i < 32; i++) ss[i] = (gout[i]! & eq) | (kbar[i]! & ~eq)
  } finally {
    wipeScratch()
  }
}
