// The manual Fastly engine benches (not in CI): typed engine programs (scripts/fastly/bench/*.ts) run
// inside Fastly's real JS engine (js-compute-runtime: StarlingMonkey = SpiderMonkey compiled to wasm, no
// JIT, no WebAssembly global) at build time by engine.ts, each timing its contenders with the one
// in-engine timing harness (timing.ts: interleaved batches, medians and spreads), plus package-size
// measurements of small apps (scripts/fastly/bench/apps/). One entry, four modes:
//
//   node scripts/fastly/bench.ts mlkem [batches] [perBatch] [--baseline path/to/js/api.ts]
//       ML-KEM-768 keygen/encaps/decaps: the TypeScript core vs @noble/post-quantum (default 7 × 8);
//       --baseline times another copy of the core beside this one (e.g. an older commit's, from
//       `git archive HEAD~1 src/mlkem | tar -x -C /tmp/old`) and reports ratios
//   node scripts/fastly/bench.ts profile [rounds]
//       the core's building blocks (Keccak, NTT, sampling, encode/decode, wipes), µs per call (default 7)
//   node scripts/fastly/bench.ts crypto [batches] [--no-size]
//       X25519, HMAC, HKDF, AES-GCM/ChaCha20-Poly1305 (noble), SHA-3 (default 9 batches), and what the
//       X25519 fixed-base table adds to main.wasm (raw and gzip -9)
//   node scripts/fastly/bench.ts aead [batches] [--no-size] [--no-time]
//       AES-GCM through the Aead interface (aes-gcm-js.ts vs noble), the table build, GHASH candidates
//       (default 9 batches), and the package bytes of apps using each
//   node scripts/fastly/bench.ts artifact [rounds] [--tree <path>]...
//       what each request costs in a FRESH instance of the real artifact, as Fastly runs it by default
//       (artifact-timing.ts): 404, GET /v2/keys, POST /v2/sessions per mode, a config read; and a hybrid
//       establishment and a read as later requests of a reused sandbox; guest CPU ms, mean ± standard
//       error (default 15 rounds; several --tree checkouts interleaved, e.g. main beside a branch)
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { packFastly } from '../build-fastly.ts'
import { ARTIFACT_SCENARIOS, type ScenarioTiming, timeArtifacts } from './artifact-timing.ts'
import type { AeadBenchInput, CryptoBenchInput, MlKemBenchInput, ProfileInput } from './bench/plans.ts'
import { type EngineProgram, engineReport, runInEngine } from './engine.ts'
import type { TimingResults } from './timing.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const program = (name: string) => join(ROOT, 'scripts/fastly/bench', name)
const app = (name: string) => join(ROOT, 'scripts/fastly/bench/apps', `${name}.ts`)
const reexport = (module: string, names: string) => `export { ${names} } from ${JSON.stringify(module)}`

/**
 * A copy of a module of src/crypto/ outside the tree (its own module state), its relative imports pointed
 * back at the tree; `edit` changes its source first.
 */
function copyModule(file: string, to: string, edit: (source: string) => string = (s) => s): string {
  const source = readFileSync(join(ROOT, 'src/crypto', file), 'utf8')
  writeFileSync(
    to,
    edit(source).replace(/from '\.\/([^']+)'/g, (_, f: string) => `from ${JSON.stringify(join(ROOT, 'src/crypto', f))}`),
  )
  return to
}

type Report = { results?: TimingResults; error?: string } & Record<string, unknown>

function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }))
}

/** Builds an app (no report expected) into `dir` and returns its wasm, failing with the engine's output. */
async function buildApp(dir: string, name: string, entry: string, modules?: EngineProgram<null>['modules']): Promise<string> {
  const run = await runInEngine({ entry, input: null, dir, name, modules, topLevelAwait: false })
  try {
    statSync(run.wasm)
  } catch {
    throw new Error(`${name}: js-compute-runtime produced no wasm; its output:\n${run.output}`)
  }
  return run.wasm
}

const ms = (results: TimingResults, group: string, impl: string) => results[group]?.[impl]?.ms

// ---------- mlkem ----------
export async function runMlKemBench(plan: MlKemBenchInput = { batches: 7, perBatch: 8 }, baseline?: string): Promise<Report> {
  return engineReport<MlKemBenchInput, Report>({
    entry: program('mlkem.ts'),
    input: plan,
    modules: {
      'pq-edge-engine:baseline': baseline
        ? `import * as b from ${JSON.stringify(baseline)}; export const baseline = b`
        : 'export const baseline = undefined',
    },
  })
}

/** Per implementation: ms per op, and serverRequest = keygenPrimed + decapsSameKey + encaps. */
function mlkemByImpl(results: TimingResults): Record<string, Record<string, number>> {
  const byImpl: Record<string, Record<string, number>> = {}
  for (const [op, impls] of Object.entries(results)) for (const [impl, t] of Object.entries(impls)) (byImpl[impl] ??= {})[op] = t.ms
  for (const r of Object.values(byImpl)) r.serverRequest = Number((r.keygenPrimed! + r.decapsSameKey! + r.encaps!).toFixed(4))
  return byImpl
}

// ---------- profile ----------
export async function runEngineProfile(rounds = 7): Promise<Report> {
  return engineReport<ProfileInput, Report>({ entry: program('profile.ts'), input: { rounds } })
}

// ---------- crypto ----------
export async function runCryptoBench(batches = 9): Promise<Report> {
  return engineReport<CryptoBenchInput, Report>({ entry: program('crypto.ts'), input: { batches } })
}

/** What the X25519 fixed-base table adds to main.wasm: the same app with the module as is and with BASE_TABLE emptied. */
export async function measureTableBytes(): Promise<Record<string, number>> {
  return withTempDir('pq-edge-x25519-table-', async (dir) => {
    const literal = /const BASE_TABLE: readonly bigint\[\] = \[\n[^\]]*\]/
    const copy = copyModule('x25519-js.ts', join(dir, 'x25519-js.no-table.ts'), (source) => {
      if (!literal.test(source)) throw new Error('src/crypto/x25519-js.ts: the BASE_TABLE literal was not found')
      return source.replace(literal, 'const BASE_TABLE: readonly bigint[] = []')
    })
    const sizes = async (name: string, module: string) => {
      const wasm = await buildApp(dir, name, app('x25519-table'), { 'pq-edge-engine:x25519': reexport(module, 'x25519Sync') })
      return { raw: statSync(wasm).size, gzip: gzipSync(readFileSync(wasm), { level: 9 }).length }
    }
    const withTable = await sizes('with', join(ROOT, 'src/crypto/x25519-js.ts'))
    const without = await sizes('without', copy)
    return { rawBytes: withTable.raw - without.raw, gzipBytes: withTable.gzip - without.gzip }
  })
}

/** Speed-up over noble per group (noble ms ÷ other ms; > 1: faster than noble). */
function cryptoRatios(results: TimingResults): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const [group, impls] of Object.entries(results)) {
    const noble = impls.noble?.ms
    if (noble === undefined) continue
    for (const [impl, { ms }] of Object.entries(impls)) {
      if (impl === 'noble') continue
      ;(out[group] ??= {})[`nobleOver_${impl}`] = Number((noble / ms).toFixed(2))
    }
  }
  return out
}

// ---------- aead ----------
const AES_COPIES = 16

export async function runAeadBench(batches = 9): Promise<Report> {
  return withTempDir('pq-edge-aead-bench-', async (dir) => {
    const copies = Array.from({ length: AES_COPIES }, (_, i) => copyModule('aes-gcm-js.ts', join(dir, `aes-gcm-js.${i}.ts`)))
    const copiesModule = [
      ...copies.map((p, i) => `import { primeAesGcmTables as prime${i} } from ${JSON.stringify(p)}`),
      `export const primes = [${copies.map((_, i) => `prime${i}`).join(', ')}]`,
    ].join('\n')
    return engineReport<AeadBenchInput, Report>({
      entry: program('aead.ts'),
      input: { batches },
      modules: { 'pq-edge-engine:aes-gcm-copies': copiesModule },
    })
  })
}

const AEAD_APPS = ['empty', 'aead-control', 'aead-lazy', 'aead-primed', 'noble-gcm'] as const

/** main.wasm raw bytes and package (tar.gz, gzip -9) bytes of each app, and each app's excess over the empty one. */
export async function measurePackageBytes(): Promise<Record<string, Record<string, number>>> {
  return withTempDir('pq-edge-aead-size-', async (dir) => {
    const sizes: Record<string, Record<string, number>> = {}
    for (const name of AEAD_APPS) {
      const wasm = await buildApp(dir, name, app(name))
      const archive = join(dir, `${name}.tar.gz`)
      packFastly(wasm, archive)
      sizes[name] = {
        wasmRaw: statSync(wasm).size,
        wasmGzip9: gzipSync(readFileSync(wasm), { level: 9 }).length,
        packageGzip: statSync(archive).size,
      }
    }
    const empty = sizes.empty!
    const control = sizes['aead-control']!
    for (const [name, s] of Object.entries(sizes)) {
      if (name === 'empty') continue
      s.addedWasmRaw = s.wasmRaw! - empty.wasmRaw!
      s.addedPackageGzip = s.packageGzip! - empty.packageGzip!
      if (name === 'aead-lazy' || name === 'aead-primed') s.addedPackageGzipOverControl = s.packageGzip! - control.packageGzip!
    }
    return sizes
  })
}

/** noble ms ÷ pq-edge-js ms per group (> 1: ours is faster), and ChaCha20-Poly1305 (noble) ÷ ours. */
function aeadRatios(results: TimingResults): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [group, impls] of Object.entries(results)) {
    const ours = impls['pq-edge-js']?.ms
    if (ours === undefined) continue
    if (impls.noble) out[`${group}: noble/pq-edge-js`] = Number((impls.noble.ms / ours).toFixed(2))
    const chacha = ms(results, group.replace(/^aes(128|256)gcm/, 'chacha20poly1305'), 'noble')
    if (chacha !== undefined) out[`${group}: chacha20poly1305(noble)/pq-edge-js`] = Number((chacha / ours).toFixed(2))
  }
  const g = results['ghash.1KiB']
  if (g?.shiftAdd && g.shoup4bit) out['ghash.1KiB: shiftAdd/shoup4bit'] = Number((g.shiftAdd.ms / g.shoup4bit.ms).toFixed(2))
  return out
}

// ---------- the command line ----------
const MODES = ['mlkem', 'profile', 'crypto', 'aead', 'artifact'] as const

async function main(argv: string[]): Promise<unknown> {
  const [mode, ...args] = argv
  const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number)
  switch (mode as (typeof MODES)[number]) {
    case 'mlkem': {
      const at = args.indexOf('--baseline')
      const baseline = at >= 0 ? args[at + 1] : undefined
      const report = await runMlKemBench({ batches: numbers[0] || 7, perBatch: numbers[1] || 8 }, baseline)
      if (!report.results) return report
      const byImpl = mlkemByImpl(report.results)
      const ratios = (over: string) =>
        Object.fromEntries(Object.keys(byImpl.js!).map((op) => [op, Number((byImpl[over]![op]! / byImpl.js![op]!).toFixed(2))]))
      return { ...report, ...byImpl, nobleOverJs: ratios('noble'), ...(baseline ? { baselineOverJs: ratios('baseline') } : {}) }
    }
    case 'profile':
      return runEngineProfile(numbers[0] || 7)
    case 'crypto': {
      const report = await runCryptoBench(numbers[0] || 9)
      const table = args.includes('--no-size') ? undefined : await measureTableBytes()
      const x = report.results ?? {}
      // A server establishment needs three X25519 scalar multiplications: one publicKey, two sharedSecret.
      const establish = (impl: string) => {
        const pub = ms(x, 'x25519.publicKey', impl)
        const shared = ms(x, 'x25519.sharedSecret', impl)
        return pub === undefined || shared === undefined ? undefined : Number((pub + 2 * shared).toFixed(2))
      }
      return {
        ...report,
        ratios: cryptoRatios(x),
        x25519Establishment3Ops: { 'pq-edge-js': establish('pq-edge-js'), noble: establish('noble') },
        x25519TableBytes: table,
      }
    }
    case 'aead': {
      const report = args.includes('--no-time') ? undefined : await runAeadBench(numbers[0] || 9)
      const packageBytes = args.includes('--no-size') ? undefined : await measurePackageBytes()
      return { ...report, ratios: report?.results ? aeadRatios(report.results) : undefined, packageBytes }
    }
    case 'artifact': {
      const trees = args.flatMap((a, i) => (args[i - 1] === '--tree' ? [a] : []))
      const timings = await timeArtifacts({ rounds: numbers[0] || 15, trees, log: (line) => console.error(line) })
      const cell = ({ cpuMs, cpuSemMs, requests }: ScenarioTiming) => (requests ? `${cpuMs.toFixed(1)} ±${cpuSemMs.toFixed(1)}` : '-')
      const table = ARTIFACT_SCENARIOS.map(
        (scenario) => `${scenario.padEnd(42)}${timings.map((t) => cell(t.scenarios[scenario]).padEnd(16)).join('')}`,
      )
      console.error(
        [
          'guest CPU ms per request, mean ± standard error: a fresh instance of the artifact per request, or (reused sandbox) a later request of one instance ("-": the tree does not reuse)',
          `${''.padEnd(42)}${timings.map((_, i) => `tree ${i + 1}`.padEnd(16)).join('')}`,
          ...table,
          ...timings.map((t, i) => `tree ${i + 1}: ${t.tree}`),
        ].join('\n'),
      )
      return timings
    }
    default:
      throw new Error(`usage: node scripts/fastly/bench.ts ${MODES.join('|')} [options] (see the top of this file)`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await main(process.argv.slice(2)), null, 2))
