// The protocol part of `npm run bench` (alone: `node scripts/bench.ts --protocol-only`): server-side
// CPU per `POST /v{N}/sessions` (hybrid, pq, classical; ChaCha20-Poly1305) and per authenticated
// `GET /v{N}/config/{name}` in a hybrid session, on the real app with an in-memory store
// (bench/protocol/service.ts), in Node (in-process) and inside workerd (wrangler dev).
//
// `--baseline-tree <path>` (repeatable) adds another source tree, e.g. a checkout of the last commit
// that served protocol v1 (docs/BENCHMARKS.md names it); its own modules, client half and test
// configuration are imported from that path, and its batches alternate with this tree's, round by
// round (order flipped every round), each round giving one ratio baseline ÷ this tree.
//   Node:    each batch is ~targetMs of requests through the app's fetch, timed by process.cpuUsage()
//            (every thread of the process: WebCrypto's pool too) and wall time.
//   workerd: one request per batch, timed by the workerd process's CPU time (scripts/workerd-cpu.ts),
//            less an empty request's, as benchXWingWorkerd in scripts/bench.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createTreeBench, type ProtocolCase, type TreeBench, type TreeModules } from '../bench/protocol/service.ts'
import { quantile, type Spread, spread } from './stats.ts'
import { startWorkerdBench } from './workerd-cpu.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const log = (line: string) => console.error(line)

export interface Tree {
  /** `this tree`, or the baseline's path. */
  label: string
  root: string
}

/** This tree and each `--baseline-tree <path>` of argv. */
export function treesFromArgv(argv: readonly string[]): Tree[] {
  const trees: Tree[] = [{ label: 'this tree', root: ROOT }]
  argv.forEach((arg, i) => {
    const path = arg === '--baseline-tree' ? argv[i + 1] : arg.startsWith('--baseline-tree=') ? arg.slice('--baseline-tree='.length) : null
    if (path === undefined) throw new Error('--baseline-tree needs a path')
    if (path !== null) trees.push({ label: path, root: `${resolve(path)}/` })
  })
  return trees
}

/** The tree's protocol module: src/protocol/v{N}.ts with the highest N. */
function protocolFile(root: string): string {
  const versions = readdirSync(join(root, 'src/protocol'))
    .map((f) => /^v(\d+)\.ts$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
  if (versions.length === 0) throw new Error(`${root}: no src/protocol/v{N}.ts`)
  return `src/protocol/v${Math.max(...versions)}.ts`
}

/** Module paths of a tree, relative to its root; the ML-KEM entry and node:crypto X25519 per runtime. */
function modulePaths(root: string, runtime: 'node' | 'workerd'): Record<keyof TreeModules, string | undefined> {
  const nodeX25519 = readdirSync(join(root, 'src/crypto')).includes('node-x25519.ts')
  return {
    app: 'src/app.ts',
    capabilities: 'src/capabilities.ts',
    select: 'src/crypto/select.ts',
    mlkem: `src/mlkem/${runtime}.ts`,
    context: 'src/service/context.ts',
    metrics: 'src/service/metrics.ts',
    store: 'src/service/store-memory.ts',
    hpke: 'src/hpke/hpke.ts',
    protocol: protocolFile(root),
    client: 'test/support/service-client.ts',
    secrets: 'test/service/secrets.ts',
    nodeX25519: runtime === 'node' && nodeX25519 ? 'src/crypto/node-x25519.ts' : undefined,
  }
}

let jsonHook = false
async function importTree(root: string): Promise<TreeModules> {
  // src/app.ts imports named fields of ../package.json (bundlers allow it; Node's JSON modules have a default export only).
  if (!jsonHook) {
    jsonHook = true
    registerHooks({
      load(url, context, nextLoad) {
        if (!url.startsWith('file:') || !url.endsWith('.json')) return nextLoad(url, context)
        const value = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as Record<string, unknown>
        const fields = Object.keys(value).map(
          (k, i) => `const f${i} = value[${JSON.stringify(k)}]; export { f${i} as ${JSON.stringify(k)} }`,
        )
        const source = [`const value = ${JSON.stringify(value)}`, 'export default value', ...fields]
        return { format: 'module', source: source.join('\n'), shortCircuit: true }
      },
    })
  }
  const entries = await Promise.all(
    Object.entries(modulePaths(root, 'node')).map(async ([k, path]) => [k, path && (await import(pathToFileURL(join(root, path)).href))]),
  )
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as TreeModules
}

export interface ProtocolRow {
  id: string
  /** Per tree (same order as the trees): the case's name there, requests per batch, CPU µs per request (median and middle half over rounds), wall µs. */
  trees: { name: string; perBatch: number; cpuUs: Spread; wallUs?: number }[]
  /** Per baseline tree (trees[1..]): tree ÷ this tree per round (> 1: this tree costs less). */
  ratios: Spread[]
}

export interface ProtocolResult {
  runtime: string
  trees: { label: string; version: number; backends: unknown }[]
  rounds: number
  rows: ProtocolRow[]
  /** `uptime` load averages at the start and the end. */
  load: { start: string; end: string }
}

const loadAverage = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'unknown'
  }
}

/** Cases present in every tree, by id, with their index in each. */
function sharedCases(caseLists: ProtocolCase[][]): { id: string; index: number[]; names: string[] }[] {
  return caseLists[0]!.flatMap((c) => {
    const index = caseLists.map((list) => list.findIndex((d) => d.id === c.id))
    return index.every((i) => i >= 0) ? [{ id: c.id, index, names: index.map((i, t) => caseLists[t]![i]!.name) }] : []
  })
}

/**
 * The interleaved rounds, for either runtime: `time(tree, case, n)` returns [CPU ns, wall ns] of one
 * prepared batch of n. n per case gives ~targetMs of CPU to the costliest tree.
 */
async function interleave(
  trees: number,
  cases: ReturnType<typeof sharedCases>,
  time: (tree: number, index: number, n: number) => Promise<[number, number | undefined]>,
  rounds: number,
  targetMs: number,
): Promise<ProtocolRow[]> {
  const rows: ProtocolRow[] = []
  for (const c of cases) {
    log(`bench: protocol ${c.id}...`)
    let n = 2
    for (let k = 0; k < 4; k++) {
      let slowest = 0
      for (let t = 0; t < trees; t++) slowest = Math.max(slowest, (await time(t, c.index[t]!, n))[0])
      n = Math.max(n, Math.ceil((n * targetMs * 1e6) / Math.max(slowest, 1e5)))
    }
    const cpu = Array.from({ length: trees }, () => [] as number[])
    const wall = Array.from({ length: trees }, () => [] as number[])
    const ratios = Array.from({ length: trees - 1 }, () => [] as number[])
    for (let r = 0; r < rounds; r++) {
      const order = [...Array(trees).keys()]
      if (r % 2) order.reverse()
      const perRequest: number[] = []
      for (const t of order) {
        const [ns, wallNs] = await time(t, c.index[t]!, n)
        perRequest[t] = ns / n
        cpu[t]!.push(ns / n / 1000)
        if (wallNs !== undefined) wall[t]!.push(wallNs / n / 1000)
      }
      for (let t = 1; t < trees; t++) ratios[t - 1]!.push(perRequest[t]! / perRequest[0]!)
    }
    rows.push({
      id: c.id,
      trees: c.names.map((name, t) => ({
        name,
        perBatch: n,
        cpuUs: spread(cpu[t]!),
        ...(wall[t]!.length ? { wallUs: quantile(wall[t]!, 0.5) } : {}),
      })),
      ratios: ratios.map(spread),
    })
  }
  return rows
}

/** Node, in-process: each tree's app called directly. */
export async function benchProtocolNode(trees: Tree[], rounds = 15, targetMs = 40): Promise<ProtocolResult> {
  const load = { start: loadAverage(), end: '' }
  const benches: TreeBench[] = []
  for (const tree of trees) {
    log(`bench: protocol (Node): loading ${tree.label}...`)
    benches.push(await createTreeBench(await importTree(tree.root), { prebuild: true }))
  }
  const cases = sharedCases(benches.map((b) => b.cases))
  const time = async (t: number, index: number, n: number): Promise<[number, number]> => {
    const bench = benches[t]!
    await bench.prepare(index, n)
    const [cpu0, wall0] = [process.cpuUsage(), performance.now()]
    await bench.run()
    const wall = performance.now() - wall0
    const cpu = process.cpuUsage(cpu0)
    return [(cpu.user + cpu.system) * 1000, wall * 1e6]
  }
  const rows = await interleave(benches.length, cases, time, rounds, targetMs)
  load.end = loadAverage()
  return {
    runtime: `Node ${process.version}`,
    trees: benches.map((b, i) => ({ label: trees[i]!.label, version: b.version, backends: b.backends })),
    rounds,
    rows,
    load,
  }
}

/** A worker that imports the trees given (bench/protocol/workerd.ts), written to a temporary folder with its wrangler config. */
function writeWorker(trees: Tree[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-bench-protocol-'))
  const lines = [`import { createProtocolWorker } from ${JSON.stringify(join(ROOT, 'bench/protocol/workerd.ts'))}`]
  const list: string[] = []
  trees.forEach((tree, t) => {
    const fields: string[] = []
    for (const [key, path] of Object.entries(modulePaths(tree.root, 'workerd'))) {
      if (!path) continue
      lines.push(`import * as t${t}_${key} from ${JSON.stringify(join(tree.root, path))}`)
      fields.push(`${key}: t${t}_${key}`)
    }
    list.push(`{ label: ${JSON.stringify(tree.label)}, modules: { ${fields.join(', ')} } }`)
  })
  lines.push(`export default createProtocolWorker([${list.join(', ')}])`, '')
  writeFileSync(join(dir, 'worker.ts'), lines.join('\n'))
  writeFileSync(
    join(dir, 'wrangler.jsonc'),
    JSON.stringify(
      {
        name: 'pq-edge-bench-protocol',
        main: 'worker.ts',
        // As wrangler.jsonc.
        compatibility_date: '2026-11-17',
        compatibility_flags: ['webcrypto_modern_algorithms'],
        send_metrics: false,
        // The trees' test client imports `expect` from vitest.
        alias: { vitest: join(ROOT, 'bench/protocol/vitest-shim.ts') },
      },
      null,
      2,
    ),
  )
  return dir
}

/**
 * workerd (wrangler dev, local): each tree in a worker and workerd process of its own (its batches timed
 * by that process's CPU time), so that one tree's garbage, and the collections it triggers, land in its
 * own batches only: in one shared process they landed in whichever tree's batch ran next (as
 * benchWorkerdPairs in bench.ts found for ML-KEM and X-Wing).
 */
export async function benchProtocolWorkerd(trees: Tree[], rounds = 15, targetMs = 40): Promise<ProtocolResult> {
  const load = { start: loadAverage(), end: '' }
  const dirs = trees.map((tree) => writeWorker([tree]))
  const workers: Awaited<ReturnType<typeof startWorkerdBench>>[] = []
  try {
    for (const [t, dir] of dirs.entries())
      workers.push(await startWorkerdBench(join(dir, 'wrangler.jsonc'), `protocol (tree ${t})`, 90_000))
    log('bench: protocol (workerd): building the apps...')
    const info: { label: string; version: number; cases: ProtocolCase[]; backends: unknown }[] = []
    for (const w of workers) info.push(...((await (await w.get('/info')).json()) as typeof info))
    const time = async (t: number, index: number, n: number): Promise<[number, undefined]> => {
      const w = workers[t]!
      await w.get(`/prepare?tree=0&case=${index}&n=${n}`)
      return [(await w.cpu('/run?tree=0')) - w.overheadNs, undefined]
    }
    const rows = await interleave(info.length, sharedCases(info.map((i) => i.cases)), time, rounds, targetMs)
    load.end = loadAverage()
    return {
      runtime: 'workerd (wrangler dev, a process per tree)',
      trees: info.map(({ label, version, backends }) => ({ label, version, backends })),
      rounds,
      rows,
      load,
    }
  } finally {
    for (const w of workers) await w.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

const us = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(0)} µs`)

export function protocolTable(result: ProtocolResult): string {
  const { trees } = result
  const lines = [
    `Protocol, server side, in ${result.runtime}: CPU per request, median of ${result.rounds} rounds [middle half] (load ${result.load.start} → ${result.load.end})`,
    ...trees.map((t, i) => `  tree ${i}: ${t.label} (protocol v${t.version})`),
  ]
  const header = ['case'.padEnd(20), ...trees.map((t, i) => `tree ${i} (v${t.version})`.padStart(28))]
  for (let i = 1; i < trees.length; i++) header.push(`tree ${i} ÷ tree 0`.padStart(24))
  lines.push(header.join(''))
  for (const row of result.rows) {
    const cells = [row.id.padEnd(20)]
    for (const t of row.trees) cells.push(`${us(t.cpuUs.median)} [${us(t.cpuUs.q1)}–${us(t.cpuUs.q3)}]`.padStart(28))
    for (const r of row.ratios) cells.push(`${r.median.toFixed(2)} [${r.q1.toFixed(2)}–${r.q3.toFixed(2)}]`.padStart(24))
    lines.push(cells.join(''))
  }
  lines.push(
    `  requests: ${result.rows.map((r) => `${r.id}: ${r.trees.map((t) => t.name).join(' / ')}, ${r.trees[0]!.perBatch} per batch`).join('; ')}`,
  )
  lines.push('  > 1 in the last columns: this tree costs less. Server backends:')
  for (const [i, t] of trees.entries()) lines.push(`  tree ${i}: ${JSON.stringify(t.backends)}`)
  return lines.join('\n')
}
