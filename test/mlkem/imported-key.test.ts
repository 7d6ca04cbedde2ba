// The imported keys, on both wasm builds and the TypeScript core: MlKem.importPublicKey (the FIPS 203 §7.2
// check once at import, then encapsulation with the key's own H(ek) and Â) and MlKem.importSecretKey (the
// FIPS 203 §7.3 check once, then decapsulation with the key's own Â). Checked against the NIST ACVP vectors and
// the one-shot operations, with several keys in use at once, and wipe().
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createMlKem, type MlKemCore, PARAMETER_SET_IDS, PARAMETER_SETS } from '../../src/mlkem/api.ts'
import { jsCore } from '../../src/mlkem/js/core.ts'
import { wasmCore } from '../../src/mlkem/wasm-core.ts'
import { hex, KEM_KINDS, type KemKind, loadBuild, loadKem, readVectorJson, SETS, type SetName, toHex } from './helpers.ts'

type AcvpTest = Record<string, string> & { tcId: number }
type AcvpGroup = { parameterSet: SetName; function?: string; dk?: string; tests: AcvpTest[] }

/** An encapsulation key whose first 12-bit value is q = 3329: it fails the FIPS 203 §7.2 modulus check. */
function withCoefficientQ(ek: Uint8Array): Uint8Array {
  const bad = Uint8Array.from(ek)
  bad[0] = 3329 & 0xff
  bad[1] = (bad[1]! & 0xf0) | (3329 >> 8)
  return bad
}

const coreOf = (kind: KemKind): MlKemCore => (kind === 'js' ? jsCore : wasmCore(loadBuild(kind).exports))

describe.each(KEM_KINDS)('%s core', (kind) => {
  const kem = loadKem(kind)

  it.each(['v1.1.0.40', 'v1.1.0.35'])('ACVP %s encapsulation: the imported key gives the expected c and K', (release) => {
    const dir = `acvp/${release}/ML-KEM-encapDecap-FIPS203`
    const expected = new Map(
      (readVectorJson(`${dir}/expectedResults.json`).testGroups as { tests: AcvpTest[] }[]).flatMap((g) => g.tests).map((t) => [t.tcId, t]),
    )
    let count = 0
    for (const group of readVectorJson(`${dir}/prompt.json`).testGroups as AcvpGroup[]) {
      if (group.function !== 'encapsulation') continue
      const k = kem[SETS[group.parameterSet]]
      for (const t of group.tests) {
        const key = k.importPublicKey(hex(t.ek!))
        const want = expected.get(t.tcId)!
        // twice: the second encapsulation reuses what the first left (nothing may carry over)
        for (let i = 0; i < 2; i++) {
          const r = key.encapsulate(hex(t.m!))
          expect(toHex(r.cipherText), `tc ${t.tcId}`).toBe(want.c!.toLowerCase())
          expect(toHex(r.sharedSecret), `tc ${t.tcId}`).toBe(want.k!.toLowerCase())
        }
        key.wipe()
        count++
      }
    }
    expect(count).toBeGreaterThanOrEqual(75)
  })

  it.each(['v1.1.0.40', 'v1.1.0.35'])('ACVP %s decapsulation and dk checks through importSecretKey', (release) => {
    const dir = `acvp/${release}/ML-KEM-encapDecap-FIPS203`
    const expected = new Map(
      (readVectorJson(`${dir}/expectedResults.json`).testGroups as { tests: (AcvpTest & { testPassed?: boolean })[] }[])
        .flatMap((g) => g.tests)
        .map((t) => [t.tcId, t]),
    )
    const seen = { decapsulation: 0, decapsulationKeyCheck: 0 }
    for (const group of readVectorJson(`${dir}/prompt.json`).testGroups as AcvpGroup[]) {
      const k = kem[SETS[group.parameterSet]]
      for (const t of group.tests) {
        const want = expected.get(t.tcId)!
        if (group.function === 'decapsulation') {
          const key = k.importSecretKey(hex(t.dk ?? group.dk!))
          for (let i = 0; i < 2; i++) expect(toHex(key.decapsulate(hex(t.c!))), `tc ${t.tcId}`).toBe(want.k!.toLowerCase())
          key.wipe()
          seen.decapsulation++
        } else if (group.function === 'decapsulationKeyCheck') {
          const passes = want.testPassed === true || (want.testPassed as unknown) === 'True'
          if (passes) expect(() => k.importSecretKey(hex(t.dk!)).wipe(), `tc ${t.tcId}`).not.toThrow()
          else expect(() => k.importSecretKey(hex(t.dk!)), `tc ${t.tcId}`).toThrow('FIPS 203 §7.3 hash check')
          seen.decapsulationKeyCheck++
        }
      }
    }
    expect(seen.decapsulation).toBeGreaterThanOrEqual(30)
    if (release === 'v1.1.0.40') expect(seen.decapsulationKeyCheck).toBeGreaterThanOrEqual(30)
  })

  it.each(PARAMETER_SET_IDS)('%s: the imported secret key decapsulates as the one-shot decapsulate, implicit rejection included', (set) => {
    const k = kem[set]
    const { publicKey, secretKey } = k.keygen(randomBytes(64))
    const key = k.importSecretKey(secretKey)
    for (let i = 0; i < 5; i++) {
      const { cipherText, sharedSecret } = k.encapsulate(publicKey)
      expect(toHex(key.decapsulate(cipherText))).toBe(toHex(sharedSecret))
      const altered = Uint8Array.from(cipherText)
      altered[i * 7]! ^= 1 << i
      const rejection = key.decapsulate(altered) // K̄ = J(z ‖ c)
      expect(toHex(rejection)).toBe(toHex(k.decapsulate(altered, secretKey)))
      expect(toHex(rejection)).not.toBe(toHex(sharedSecret))
    }
    const bad = Uint8Array.from(secretKey)
    bad[384 * PARAMETER_SETS[set].k]! ^= 1 // a bit of the embedded ek: H(ek) no longer matches
    expect(() => k.importSecretKey(bad)).toThrow(`${PARAMETER_SETS[set].name}: secretKey fails the FIPS 203 §7.3 hash check`)
    expect(() => k.importSecretKey(secretKey.subarray(1))).toThrow(RangeError)
    expect(() => key.decapsulate(new Uint8Array(k.lengths.cipherText + 1))).toThrow(RangeError)
    secretKey.fill(0) // the key has its own copy
    const { cipherText, sharedSecret } = k.encapsulate(publicKey)
    expect(toHex(key.decapsulate(cipherText))).toBe(toHex(sharedSecret))
  })

  it('imported secret keys: several at once do not interfere; wipe() makes later use throw and forgets the key', () => {
    const pairs = PARAMETER_SET_IDS.flatMap((set) => [0, 1].map(() => ({ set, ...kem[set].keygen(randomBytes(64)) })))
    const keys = pairs.map((p) => kem[p.set].importSecretKey(p.secretKey))
    const publicKeys = pairs.map((p) => kem[p.set].importPublicKey(p.publicKey))
    for (let round = 0; round < 2; round++) {
      for (const [i, p] of pairs.entries()) {
        const { cipherText, sharedSecret } = publicKeys[i]!.encapsulate()
        const other = pairs[(i + 1) % pairs.length]!
        kem[other.set].decapsulate(kem[other.set].encapsulate(other.publicKey).cipherText, other.secretKey)
        expect(toHex(keys[i]!.decapsulate(cipherText))).toBe(toHex(sharedSecret))
        expect(toHex(kem[p.set].decapsulate(cipherText, p.secretKey))).toBe(toHex(sharedSecret))
      }
    }
    keys[0]!.wipe()
    expect(() => keys[0]!.decapsulate(new Uint8Array(kem[pairs[0]!.set].lengths.cipherText))).toThrow('this imported secretKey was wiped')

    // At the core: after wipe() two different keys decapsulate alike (everything key-dependent is zero).
    const core = coreOf(kind)
    const p = PARAMETER_SETS.ml_kem768
    const [a, b] = [0, 1].map(() => core.importDecapsulationKey(p, kem.ml_kem768.keygen(randomBytes(64)).secretKey)!)
    const ct = randomBytes(p.lengths.cipherText)
    const decaps = (key: typeof a) => {
      const ss = new Uint8Array(32)
      key!.decapsInternal(ct, ss)
      return toHex(ss)
    }
    const before = [decaps(a), decaps(b)]
    expect(before[0]).not.toBe(before[1])
    a!.wipe()
    b!.wipe()
    expect(decaps(a)).toBe(decaps(b))
    expect(decaps(a)).not.toBe(before[0])
  })

  it('one-shot operations on a key seen before (the wasm adapter keeps its expansion) still check it', () => {
    const k = kem.ml_kem768
    const { publicKey, secretKey } = k.keygen(randomBytes(64))
    k.encapsulate(publicKey) // the first time: one pass; the second: expanded and kept
    const { cipherText, sharedSecret } = k.encapsulate(publicKey)
    for (let i = 0; i < 3; i++) expect(toHex(k.decapsulate(cipherText, secretKey))).toBe(toHex(sharedSecret))
    // same embedded ek (known now), wrong h: the FIPS 203 §7.3 check fails
    const badH = Uint8Array.from(secretKey)
    badH[768 * 3 + 32]! ^= 1
    expect(() => k.decapsulate(cipherText, badH)).toThrow('FIPS 203 §7.3 hash check')
    expect(toHex(k.decapsulate(cipherText, secretKey))).toBe(toHex(sharedSecret))
    // a failing ek is not remembered: refused every time, while its valid neighbour works
    const bad = withCoefficientQ(publicKey)
    for (let i = 0; i < 2; i++) expect(() => k.encapsulate(bad)).toThrow('FIPS 203 §7.2 modulus check')
    // more keys than the adapter keeps, round robin: every result still matches its own key
    const pairs = Array.from({ length: 7 }, () => k.keygen(randomBytes(64)))
    for (let round = 0; round < 2; round++)
      for (const p of pairs) {
        const r = k.encapsulate(p.publicKey)
        expect(toHex(k.decapsulate(r.cipherText, p.secretKey))).toBe(toHex(r.sharedSecret))
      }
  })

  it.each(PARAMETER_SET_IDS)('%s: same result as the one-shot encapsulate for the same m; decapsulates', (set) => {
    const k = kem[set]
    const { publicKey, secretKey } = k.keygen(randomBytes(64))
    const key = k.importPublicKey(publicKey)
    expect(toHex(key.publicKey)).toBe(toHex(publicKey))
    for (let i = 0; i < 5; i++) {
      const m = randomBytes(32)
      const imported = key.encapsulate(m)
      const oneShot = k.encapsulate(publicKey, m)
      expect(toHex(imported.cipherText)).toBe(toHex(oneShot.cipherText))
      expect(toHex(imported.sharedSecret)).toBe(toHex(oneShot.sharedSecret))
    }
    const random = key.encapsulate() // m from crypto.getRandomValues
    expect(toHex(k.decapsulate(random.cipherText, secretKey))).toBe(toHex(random.sharedSecret))
    expect(toHex(key.encapsulate().cipherText)).not.toBe(toHex(random.cipherText))
  })

  it('refuses a key that fails the FIPS 203 §7.2 modulus check at import, and wrong types and lengths', () => {
    for (const set of PARAMETER_SET_IDS) {
      const k = kem[set]
      const bad = withCoefficientQ(k.keygen(randomBytes(64)).publicKey)
      expect(() => k.importPublicKey(bad)).toThrow(`${PARAMETER_SETS[set].name}: publicKey fails the FIPS 203 §7.2 modulus check`)
      bad[0] = 3328 & 0xff // q − 1 passes: the check is exactly "below q"
      expect(() => k.importPublicKey(bad)).not.toThrow()
      expect(() => k.importPublicKey(new Uint8Array(k.lengths.publicKey - 1))).toThrow(RangeError)
      expect(() => k.importPublicKey([...bad] as unknown as Uint8Array)).toThrow(TypeError)
    }
    const key = kem.ml_kem768.importPublicKey(kem.ml_kem768.keygen(randomBytes(64)).publicKey)
    expect(() => key.encapsulate(new Uint8Array(31))).toThrow(RangeError)
  })

  it('keeps its own copy of the key: changing the caller’s bytes after import changes nothing', () => {
    const k = kem.ml_kem768
    const { publicKey, secretKey } = k.keygen(randomBytes(64))
    const bytes = Uint8Array.from(publicKey)
    const key = k.importPublicKey(bytes)
    bytes.fill(0)
    const { cipherText, sharedSecret } = key.encapsulate()
    expect(toHex(k.decapsulate(cipherText, secretKey))).toBe(toHex(sharedSecret))
    key.publicKey.fill(0) // a copy, too
    expect(toHex(key.publicKey)).toBe(toHex(publicKey))
  })

  it('several imported keys (all parameter sets, interleaved with one-shot operations) do not interfere', () => {
    const pairs = PARAMETER_SET_IDS.flatMap((set) => [0, 1].map(() => ({ set, ...kem[set].keygen(randomBytes(64)) })))
    const keys = pairs.map((p) => kem[p.set].importPublicKey(p.publicKey))
    for (let round = 0; round < 3; round++) {
      for (const [i, p] of pairs.entries()) {
        const m = randomBytes(32)
        const other = pairs[(i + 1) % pairs.length]!
        kem[other.set].encapsulate(other.publicKey) // the shared state of the core in between
        const r = keys[i]!.encapsulate(m)
        expect(toHex(r.cipherText)).toBe(toHex(kem[p.set].encapsulate(p.publicKey, m).cipherText))
        expect(toHex(kem[p.set].decapsulate(r.cipherText, p.secretKey))).toBe(toHex(r.sharedSecret))
      }
      if (round === 1) keys[0]!.wipe() // wiping one key leaves the others working
      if (round === 1) keys[0] = kem[pairs[0]!.set].importPublicKey(pairs[0]!.publicKey)
    }
  })

  it('wipe(): later use throws, and the core forgets everything key-dependent', () => {
    const k = kem.ml_kem768
    const key = k.importPublicKey(k.keygen(randomBytes(64)).publicKey)
    key.wipe()
    expect(() => key.encapsulate()).toThrow('ML-KEM-768: this imported publicKey was wiped')
    expect(() => key.publicKey).toThrow('wiped')
    key.wipe() // idempotent

    // At the core: a wiped key encapsulates as if its ek, H(ek) and Â were all zero, whichever key it was.
    const core = coreOf(kind)
    const p = PARAMETER_SETS.ml_kem768
    const m = randomBytes(32)
    const encaps = (coreKey: NonNullable<ReturnType<MlKemCore['importEncapsulationKey']>>) => {
      const ct = new Uint8Array(p.lengths.cipherText)
      const ss = new Uint8Array(32)
      coreKey.encapsInternal(m, ct, ss)
      return toHex(ct) + toHex(ss)
    }
    const [a, b] = [k.keygen(randomBytes(64)).publicKey, k.keygen(randomBytes(64)).publicKey].map(
      (ek) => core.importEncapsulationKey(p, ek)!,
    )
    const [beforeA, beforeB] = [encaps(a!), encaps(b!)]
    expect(beforeA).not.toBe(beforeB)
    a!.wipe()
    b!.wipe()
    const [afterA, afterB] = [encaps(a!), encaps(b!)]
    expect(afterA).not.toBe(beforeA)
    expect(afterA).toBe(afterB)
    expect(core.importEncapsulationKey(p, withCoefficientQ(k.keygen(randomBytes(64)).publicKey))).toBeUndefined()
  })
})

it('the API wipes the core’s key and the random m it drew', () => {
  const calls: string[] = []
  const drawn: Uint8Array[] = []
  const core: MlKemCore = {
    ...jsCore,
    importEncapsulationKey(p, ek) {
      const key = jsCore.importEncapsulationKey(p, ek)!
      return {
        encapsInternal(m, ct, ss) {
          drawn.push(m)
          key.encapsInternal(m, ct, ss)
        },
        wipe() {
          calls.push('wipe')
          key.wipe()
        },
      }
    },
  }
  const k = createMlKem(core).ml_kem768
  const key = k.importPublicKey(k.keygen(randomBytes(64)).publicKey)
  key.encapsulate()
  expect(drawn[0]!.some((b) => b !== 0)).toBe(false) // zeroed after use
  const given = randomBytes(32)
  key.encapsulate(given)
  expect(given.some((b) => b !== 0)).toBe(true) // the caller's m is left alone
  key.wipe()
  expect(calls).toEqual(['wipe'])
})
