// Node side of the engine suite: reads the conformance vectors from test/vectors (test/support/vectors.ts),
// as the Node suites do, and turns the ones the engine checks into a SuiteInput, which
// test/fastly/engine/run.ts bundles into a temporary build outside the repository.
//
// The engine is an interpreter (~10 ms per ML-KEM-768 operation), so ML-KEM-768 is checked in full and
// ML-KEM-512/1024 by a fixed sample (every Nth case of each group; the full sets run in Node and workerd):
//   ACVP v1.1.0.40 keyGen           768: all 25;  512/1024: every 5th (5 each)
//   ACVP v1.1.0.40 encapDecap       768: all 55 (encapsulation, decapsulation, both key checks);
//                                   512/1024: every 5th encapsulation, every 3rd decapsulation and key check
//   Wycheproof mlkem_768_*          all four files, every test (valid and invalid)
//   CCTV unluckysample, strcmp      every record, all three sets
//   CCTV modulus                    768: the first MODULUS_768 keys; 512/1024: the first MODULUS_OTHER
import { gunzipSync } from 'node:zlib'
import { AEAD, KDF, KEM } from '../../../src/hpke/hpke.ts'
import { parseCctvRecords } from '../../support/cctv.ts'
import { listVectors, readVector, readVectorJson } from '../../support/vectors.ts'
import { WIPE_CASES } from '../../support/wipe-cases.ts'
import {
  type Corruption,
  HMAC_GC_CHECK,
  type HpkeVector,
  type KemSet,
  type MlKemCase,
  type MlKemSuite,
  type SuiteInput,
  type SuitePart,
  type TimingPlan,
  WIPE_CHECK_NAME,
  type XWingVector,
} from './input.ts'

const MODULUS_768 = 100
const MODULUS_OTHER = 20

const SETS = { 'ML-KEM-512': 'ml_kem512', 'ML-KEM-768': 'ml_kem768', 'ML-KEM-1024': 'ml_kem1024' } as const
type SetName = keyof typeof SETS

const read = readVector
const readJson = (rel: string): unknown => readVectorJson(rel)
const lower = (v: unknown) => String(v).toLowerCase()
const passed = (v: unknown) => v === true || v === 'True'

type AcvpTest = Record<string, string> & { tcId: number }
type AcvpGroup = { parameterSet: SetName; function?: string; dk?: string; tests: AcvpTest[] }

/** ML-KEM-768 in full; the other sets every `step`-th case (the 1st, the (step+1)th, …). */
function sample<T>(set: SetName, items: T[], step: number): T[] {
  return set === 'ML-KEM-768' ? items : items.filter((_, i) => i % step === 0)
}

function acvp(release: string): MlKemSuite[] {
  const expected = (dir: string) => {
    const groups = (readJson(`acvp/${release}/${dir}/expectedResults.json`) as { testGroups: { tests: AcvpTest[] }[] }).testGroups
    return new Map(groups.flatMap((g) => g.tests).map((t) => [t.tcId, t as Record<string, unknown>] as const))
  }
  const suites = new Map<string, MlKemSuite>()
  const totals = new Map<string, number>()
  const add = (name: string, total: number, cases: MlKemCase[]) => {
    const suite = suites.get(name) ?? { name, selection: '', cases: [] }
    suite.cases.push(...cases)
    totals.set(name, (totals.get(name) ?? 0) + total)
    const all = totals.get(name)!
    suite.selection = suite.cases.length === all ? `all ${all}` : `sample: ${suite.cases.length} of ${all}`
    suites.set(name, suite)
  }

  const keyGen = expected('ML-KEM-keyGen-FIPS203')
  for (const group of (readJson(`acvp/${release}/ML-KEM-keyGen-FIPS203/prompt.json`) as { testGroups: AcvpGroup[] }).testGroups) {
    const set = SETS[group.parameterSet]
    const cases = sample(group.parameterSet, group.tests, 5).map((t): MlKemCase => {
      const want = keyGen.get(t.tcId)!
      return { id: `tc ${t.tcId}`, set, op: 'keygen', in: { seed: lower(t.d! + t.z!) }, want: { ek: lower(want.ek), dk: lower(want.dk) } }
    })
    add(`ACVP ${release} keyGen ${group.parameterSet}`, group.tests.length, cases)
  }

  const encapDecap = expected('ML-KEM-encapDecap-FIPS203')
  for (const group of (readJson(`acvp/${release}/ML-KEM-encapDecap-FIPS203/prompt.json`) as { testGroups: AcvpGroup[] }).testGroups) {
    const set = SETS[group.parameterSet]
    const step = group.function === 'encapsulation' ? 5 : 3
    const cases = sample(group.parameterSet, group.tests, step).map((t): MlKemCase => {
      const want = encapDecap.get(t.tcId)!
      const id = `tc ${t.tcId}`
      switch (group.function) {
        case 'encapsulation':
          return { id, set, op: 'encaps', in: { ek: lower(t.ek), m: lower(t.m) }, want: { c: lower(want.c), K: lower(want.k) } }
        case 'decapsulation':
          return { id, set, op: 'decaps', in: { c: lower(t.c), dk: lower(t.dk ?? group.dk) }, want: { K: lower(want.k) } }
        case 'encapsulationKeyCheck':
          return { id, set, op: 'ekCheck', in: { ek: lower(t.ek) }, want: { pass: passed(want.testPassed) } }
        case 'decapsulationKeyCheck':
          return { id, set, op: 'dkCheck', in: { dk: lower(t.dk) }, want: { pass: passed(want.testPassed) } }
        default:
          throw new Error(`unknown ACVP function ${group.function}`)
      }
    })
    add(`ACVP ${release} ${group.function} ${group.parameterSet}`, group.tests.length, cases)
  }
  return [...suites.values()]
}

/** Every mlkem_768_* Wycheproof file, every test: `valid` gives the exact result, `invalid` must throw. */
function wycheproof768(): MlKemSuite[] {
  const dir = 'wycheproof/testvectors_v1'
  const files = listVectors(dir).filter((f) => /^mlkem_768_.*\.json$/.test(f))
  if (files.length !== 4) throw new Error(`expected the 4 Wycheproof mlkem_768_* files in test/vectors/${dir}, found ${files.length}`)
  return files.map((file) => {
    const suite = readJson(`wycheproof/testvectors_v1/${file}`) as {
      schema: string
      numberOfTests: number
      testGroups: { parameterSet: SetName; tests: Record<string, string>[] }[]
    }
    const cases: MlKemCase[] = []
    for (const group of suite.testGroups) {
      const set = SETS[group.parameterSet]
      for (const t of group.tests) {
        const id = `tc ${t.tcId} ${t.comment ?? ''}`.trim()
        const valid = t.result === 'valid'
        let c: MlKemCase
        switch (suite.schema) {
          case 'mlkem_keygen_seed_test_schema.json':
            c = { id, set, op: 'keygen', in: { seed: t.seed! }, want: { ek: t.ek!, dk: t.dk! } }
            break
          case 'mlkem_test_schema.json':
            c = { id, set, op: 'keygenDecaps', in: { seed: t.seed!, c: t.c! }, want: { ek: t.ek!, K: t.K! } }
            break
          case 'mlkem_encaps_test_schema.json':
            c = { id, set, op: 'encaps', in: { ek: t.ek!, m: t.m! }, want: { c: t.c!, K: t.K! } }
            break
          case 'mlkem_semi_expanded_decaps_test_schema.json':
            c = { id, set, op: 'decaps', in: { c: t.c!, dk: t.dk! }, want: { K: t.K! } }
            break
          default:
            throw new Error(`unknown Wycheproof schema ${suite.schema}`)
        }
        if (!valid) {
          delete c.want
          c.reject = ''
        }
        cases.push(c)
      }
    }
    if (cases.length !== suite.numberOfTests) throw new Error(`${file}: read ${cases.length} tests, the file says ${suite.numberOfTests}`)
    const invalid = cases.filter((c) => c.reject !== undefined).length
    return { name: `Wycheproof ${file}`, selection: `all ${cases.length} (${cases.length - invalid} valid, ${invalid} invalid)`, cases }
  })
}

function cctv(): MlKemSuite[] {
  const suites: MlKemSuite[] = []
  for (const name of Object.keys(SETS) as SetName[]) {
    const set: KemSet = SETS[name]
    const unlucky = parseCctvRecords(read(`cctv/ML-KEM/unluckysample/${name}.txt`).toString())
    if (!unlucky.length) throw new Error(`no records in cctv/ML-KEM/unluckysample/${name}.txt`)
    suites.push({
      name: `CCTV unluckysample ${name}`,
      selection: `all ${unlucky.length} records (keygen, encaps, decaps each)`,
      cases: unlucky.flatMap((r, i): MlKemCase[] => [
        { id: `record ${i} keygen`, set, op: 'keygen', in: { seed: r.d! + r.z! }, want: { ek: r.ek!, dk: r.dk! } },
        { id: `record ${i} encaps`, set, op: 'encaps', in: { ek: r.ek!, m: r.m! }, want: { c: r.c!, K: r.K! } },
        { id: `record ${i} decaps`, set, op: 'decaps', in: { c: r.c!, dk: r.dk! }, want: { K: r.K! } },
      ]),
    })
    const strcmp = parseCctvRecords(read(`cctv/ML-KEM/strcmp/${name}.txt`).toString())
    if (!strcmp.length) throw new Error(`no records in cctv/ML-KEM/strcmp/${name}.txt`)
    suites.push({
      name: `CCTV strcmp ${name}`,
      selection: `all ${strcmp.length}`,
      cases: strcmp.map((r, i): MlKemCase => ({ id: `record ${i}`, set, op: 'decaps', in: { c: r.c!, dk: r.dk! }, want: { K: r.K! } })),
    })
    const keys = gunzipSync(read(`cctv/ML-KEM/modulus/${name}.txt.gz`))
      .toString()
      .split('\n')
      .filter(Boolean)
    const take = name === 'ML-KEM-768' ? MODULUS_768 : MODULUS_OTHER
    suites.push({
      name: `CCTV modulus ${name}`,
      selection: `first ${Math.min(take, keys.length)} of ${keys.length}`,
      cases: keys.slice(0, take).map(
        (ek, i): MlKemCase => ({
          id: `key ${i}`,
          set,
          op: 'encaps',
          in: { ek: ek.toLowerCase(), m: '00'.repeat(32) },
          reject: '§7.2 modulus check',
        }),
      ),
    })
  }
  return suites
}

/** The hpke-pq vectors whose KEM, KDF and AEAD are implemented (base mode), as test/hpke/vectors.test.ts selects them. */
function hpkeVectors(): HpkeVector[] {
  const all = readJson('hpke-pq/test-vectors.json') as HpkeVector[]
  const kems = new Set<number>(Object.values(KEM))
  const aeads = new Set<number>(Object.values(AEAD))
  return all.filter((v) => v.mode === 0 && kems.has(v.kem_id) && v.kdf_id === KDF.HkdfSha256 && aeads.has(v.aead_id))
}

export const DEFAULT_TIMING: TimingPlan = {
  fastly: { batches: 5, perBatch: 2, coldRuns: 3 },
  noble: { batches: 2, perBatch: 1, coldRuns: 1 },
}

const flipNibble = (hex: string, at = 0) => hex.slice(0, at) + (parseInt(hex[at]!, 16) ^ 1).toString(16) + hex.slice(at + 1)

/** Builds the suite's input; `corrupt` alters exactly one expectation (or the client secret) so the build must fail. */
export function loadSuiteInput(
  options: { parts?: readonly SuitePart[]; corrupt?: Corruption | null; timing?: TimingPlan; mlkemOnly?: string } = {},
): SuiteInput {
  const parts = [...(options.parts ?? ['hmac', 'xwing', 'hpke', 'mlkem', 'establishment'])] as SuitePart[]
  const needs = (p: SuitePart) => parts.includes(p)
  const input: SuiteInput = {
    parts,
    // mlkemOnly: only the ML-KEM suites whose name contains it (the corruption tests use it to stay short).
    mlkem: needs('mlkem')
      ? [...acvp('v1.1.0.40'), ...wycheproof768(), ...cctv()].filter((s) => !options.mlkemOnly || s.name.includes(options.mlkemOnly))
      : [],
    xwing: needs('xwing') ? (readJson('xwing/test-vectors.json') as XWingVector[]) : [],
    hpke: needs('hpke') ? hpkeVectors() : [],
    timing: options.timing ?? DEFAULT_TIMING,
    corrupt: options.corrupt ?? null,
  }
  const need = (ok: unknown, what: string) => {
    if (!ok) throw new Error(`--corrupt ${options.corrupt}: ${what} is not part of this run (parts: ${parts.join(', ')})`)
  }
  switch (options.corrupt) {
    case 'mlkem': {
      // The first expected ML-KEM-768 keyGen ek.
      const c = input.mlkem.find((s) => s.name.includes('keyGen ML-KEM-768'))?.cases[0]
      need(c, 'ML-KEM')
      c!.want!.ek = flipNibble(String(c!.want!.ek), 0)
      break
    }
    case 'mlkem-reject': {
      // A valid ML-KEM-768 encapsulation marked as one that must be rejected: proves rejections are checked.
      const c = input.mlkem.find((s) => s.name.includes('encapsulation ML-KEM-768'))?.cases[0]
      need(c, 'ML-KEM')
      delete c!.want
      c!.reject = ''
      break
    }
    case 'xwing':
      need(input.xwing[0], 'X-Wing')
      input.xwing[0]!.ss = flipNibble(input.xwing[0]!.ss, 5)
      break
    case 'hpke':
      need(input.hpke[0]?.encryptions[0], 'HPKE')
      input.hpke[0]!.encryptions[0]!.ct = flipNibble(input.hpke[0]!.encryptions[0]!.ct, 7)
      break
    case 'establishment':
      need(needs('establishment'), 'the establishment timing')
      break
  }
  return input
}

/** How many checks the engine must report per suite name (every vector handed to it). */
export function expectedCounts(input: SuiteInput): Record<string, number> {
  const counts: Record<string, number> = { [WIPE_CHECK_NAME]: WIPE_CASES }
  if (input.parts.includes('hmac')) counts[HMAC_GC_CHECK.name] = HMAC_GC_CHECK.cases * HMAC_GC_CHECK.implementations
  for (const s of input.mlkem) counts[s.name] = s.cases.length
  if (input.parts.includes('xwing')) counts['X-Wing draft-10'] = input.xwing.length
  if (input.parts.includes('hpke')) counts['HPKE draft-ietf-hpke-pq-04'] = input.hpke.length
  return counts
}
