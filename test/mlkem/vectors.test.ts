// Every ML-KEM suite in test/vectors, for both wasm builds and the TypeScript core: NIST ACVP (v1.1.0.40 and .35), all
// Wycheproof mlkem_* files, and C2SP CCTV modulus / strcmp / unluckysample.
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { MlKem } from '../../src/mlkem/api.ts'
import { parseCctvRecords } from '../support/cctv.ts'
import { listVectors } from '../support/vectors.ts'
import { hex, KEM_KINDS, loadKem, readVector, readVectorJson, SETS, type SetName, toHex } from './helpers.ts'

const throws = (fn: () => unknown) => {
  try {
    fn()
    return false
  } catch {
    return true
  }
}
const encapsulationKeyPasses = (kem: MlKem, ek: Uint8Array) => !throws(() => kem.encapsulate(ek, new Uint8Array(32)))
const decapsulationKeyPasses = (kem: MlKem, dk: Uint8Array) => !throws(() => kem.decapsulate(new Uint8Array(kem.lengths.cipherText), dk))
const passed = (v: unknown) => v === true || v === 'True'

type AcvpTest = Record<string, string> & { tcId: number }
type AcvpGroup = { tgId: number; parameterSet: SetName; function?: string; dk?: string; tests: AcvpTest[] }

describe.each(KEM_KINDS)('%s build', (kind) => {
  const kem = loadKem(kind)
  const bySet = (name: SetName) => kem[SETS[name]]

  describe.each(['v1.1.0.40', 'v1.1.0.35'])('ACVP %s', (release) => {
    const results = (dir: string) => {
      const expected = readVectorJson(`acvp/${release}/${dir}/expectedResults.json`).testGroups as { tests: AcvpTest[] }[]
      return new Map(expected.flatMap((g) => g.tests).map((t) => [t.tcId, t] as const))
    }

    it('keyGen', () => {
      const expected = results('ML-KEM-keyGen-FIPS203')
      let count = 0
      for (const group of readVectorJson(`acvp/${release}/ML-KEM-keyGen-FIPS203/prompt.json`).testGroups as AcvpGroup[]) {
        for (const t of group.tests) {
          const { publicKey, secretKey } = bySet(group.parameterSet).keygen(hex(t.d! + t.z!))
          expect(toHex(publicKey), `tc ${t.tcId}`).toBe(expected.get(t.tcId)!.ek!.toLowerCase())
          expect(toHex(secretKey), `tc ${t.tcId}`).toBe(expected.get(t.tcId)!.dk!.toLowerCase())
          count++
        }
      }
      expect(count).toBeGreaterThanOrEqual(75)
    })

    it('encapDecap: encapsulation, decapsulation and both key checks', () => {
      const expected = results('ML-KEM-encapDecap-FIPS203')
      const seen: Record<string, number> = {}
      for (const group of readVectorJson(`acvp/${release}/ML-KEM-encapDecap-FIPS203/prompt.json`).testGroups as AcvpGroup[]) {
        const k = bySet(group.parameterSet)
        for (const t of group.tests) {
          const want = expected.get(t.tcId)! as Record<string, unknown>
          const id = `tc ${t.tcId}`
          seen[group.function!] = (seen[group.function!] ?? 0) + 1
          switch (group.function) {
            case 'encapsulation': {
              const r = k.encapsulate(hex(t.ek!), hex(t.m!))
              expect(toHex(r.cipherText), id).toBe(String(want.c).toLowerCase())
              expect(toHex(r.sharedSecret), id).toBe(String(want.k).toLowerCase())
              break
            }
            case 'decapsulation':
              expect(toHex(k.decapsulate(hex(t.c!), hex(t.dk ?? group.dk!))), id).toBe(String(want.k).toLowerCase())
              break
            case 'encapsulationKeyCheck':
              expect(encapsulationKeyPasses(k, hex(t.ek!)), id).toBe(passed(want.testPassed))
              break
            case 'decapsulationKeyCheck':
              expect(decapsulationKeyPasses(k, hex(t.dk!)), id).toBe(passed(want.testPassed))
              break
            default:
              throw new Error(`unknown ACVP function ${group.function}`)
          }
        }
      }
      expect(seen.encapsulation).toBeGreaterThanOrEqual(75)
      expect(seen.decapsulation).toBeGreaterThanOrEqual(30)
      if (release === 'v1.1.0.40') {
        expect(seen.encapsulationKeyCheck).toBeGreaterThanOrEqual(30)
        expect(seen.decapsulationKeyCheck).toBeGreaterThanOrEqual(30)
      }
    })
  })

  const wycheproof = listVectors('wycheproof/testvectors_v1').filter((f) => /^mlkem_.*\.json$/.test(f))
  it('finds all 12 Wycheproof ML-KEM files', () => expect(wycheproof).toHaveLength(12))
  it.each(wycheproof)('Wycheproof %s', (file) => {
    const suite = readVectorJson(`wycheproof/testvectors_v1/${file}`)
    let count = 0
    for (const group of suite.testGroups as { parameterSet: SetName; tests: Record<string, string | number>[] }[]) {
      const k = bySet(group.parameterSet)
      for (const t of group.tests as Record<string, string>[]) {
        count++
        const id = `tc ${t.tcId} ${t.comment ?? ''} ${t.flags ?? ''}`
        const valid = t.result === 'valid'
        let run: () => string
        switch (suite.schema) {
          case 'mlkem_keygen_seed_test_schema.json':
            run = () => {
              const r = k.keygen(hex(t.seed!))
              return toHex(r.publicKey) + toHex(r.secretKey)
            }
            if (valid) expect(run(), id).toBe(t.ek! + t.dk!)
            else expect(run, id).toThrow()
            continue
          case 'mlkem_test_schema.json':
            run = () => {
              const r = k.keygen(hex(t.seed!))
              expect(toHex(r.publicKey), id).toBe(t.ek)
              return toHex(k.decapsulate(hex(t.c!), r.secretKey))
            }
            break
          case 'mlkem_encaps_test_schema.json':
            run = () => {
              const r = k.encapsulate(hex(t.ek!), hex(t.m!))
              expect(toHex(r.cipherText), id).toBe(t.c)
              return toHex(r.sharedSecret)
            }
            break
          case 'mlkem_semi_expanded_decaps_test_schema.json':
            run = () => toHex(k.decapsulate(hex(t.c!), hex(t.dk!)))
            break
          default:
            throw new Error(`unknown Wycheproof schema ${suite.schema}`)
        }
        if (valid) expect(run(), id).toBe(t.K)
        else expect(run, id).toThrow()
      }
    }
    expect(count).toBe(suite.numberOfTests)
  })

  describe.each(Object.keys(SETS) as SetName[])('CCTV %s', (set) => {
    it('modulus: every key is rejected by the FIPS 203 §7.2 check', () => {
      const keys = gunzipSync(readVector(`cctv/ML-KEM/modulus/${set}.txt.gz`))
        .toString()
        .split('\n')
        .filter(Boolean)
      expect(keys.length).toBeGreaterThan(100)
      for (const ek of keys) expect(() => bySet(set).encapsulate(hex(ek), new Uint8Array(32))).toThrow(/§7\.2 modulus check/)
    })
    it('strcmp', () => {
      const records = parseCctvRecords(readVector(`cctv/ML-KEM/strcmp/${set}.txt`).toString())
      expect(records.length).toBeGreaterThan(0)
      for (const r of records) expect(toHex(bySet(set).decapsulate(hex(r.c!), hex(r.dk!)))).toBe(r.K)
    })
    it('unluckysample', () => {
      const records = parseCctvRecords(readVector(`cctv/ML-KEM/unluckysample/${set}.txt`).toString())
      expect(records.length).toBeGreaterThan(0)
      for (const r of records) {
        const keys = bySet(set).keygen(hex(r.d! + r.z!))
        expect([toHex(keys.publicKey), toHex(keys.secretKey)]).toEqual([r.ek, r.dk])
        const e = bySet(set).encapsulate(hex(r.ek!), hex(r.m!))
        expect([toHex(e.cipherText), toHex(e.sharedSecret)]).toEqual([r.c, r.K])
        expect(toHex(bySet(set).decapsulate(hex(r.c!), hex(r.dk!)))).toBe(r.K)
      }
    })
  })
})

describe.each(KEM_KINDS)('%s build: API errors', (kind) => {
  const k = loadKem(kind).ml_kem768
  it('wrong lengths and types throw clear errors', () => {
    expect(() => k.encapsulate(new Uint8Array(12))).toThrow('ML-KEM-768: publicKey must be 1184 bytes, got 12')
    expect(() => k.keygen(new Uint8Array(63))).toThrow('ML-KEM-768: seed must be 64 bytes, got 63')
    expect(() => k.encapsulate(new Uint8Array(1184), new Uint8Array(31))).toThrow('ML-KEM-768: msg must be 32 bytes, got 31')
    const { secretKey } = k.keygen()
    expect(() => k.decapsulate(new Uint8Array(1087), secretKey)).toThrow('ML-KEM-768: cipherText must be 1088 bytes, got 1087')
    expect(() => k.decapsulate(new Uint8Array(1088), secretKey.subarray(1))).toThrow('ML-KEM-768: secretKey must be 2400 bytes, got 2399')
    expect(() => k.keygen([1, 2] as unknown as Uint8Array)).toThrow('ML-KEM-768: seed must be a Uint8Array')
  })
  it('failed key checks throw; a well-formed wrong ciphertext never does (implicit rejection)', () => {
    const { publicKey, secretKey } = k.keygen()
    const bad = Uint8Array.from(publicKey)
    bad[0] = 0xff
    bad[1]! |= 0x0f // first coefficient 4095 >= q
    expect(() => k.encapsulate(bad)).toThrow('ML-KEM-768: publicKey fails the FIPS 203 §7.2 modulus check')
    const badDk = Uint8Array.from(secretKey)
    badDk[1200]! ^= 1 // inside the embedded ek, so H(ek) no longer matches
    expect(() => k.decapsulate(new Uint8Array(1088), badDk)).toThrow('ML-KEM-768: secretKey fails the FIPS 203 §7.3 hash check')
    expect(k.decapsulate(new Uint8Array(1088).fill(0xa5), secretKey)).toHaveLength(32)
  })
})
