// `npm run bench`: ML-KEM-768 keygen / encaps / decaps medians and ratios, from one run:
//   1. in Node (mitata): pq-edge SIMD and scalar builds, @noble/post-quantum, @oqs/liboqs-js; then the SIMD
//      build's speed-ups over both, contenders interleaved batch by batch (bench/mlkem.node.ts);
//   2. in Node (mitata): X-Wing keygen / encaps / decaps, pq-edge vs noble's ml_kem768_x25519, and
//      HPKE X-Wing seal / open of 1 KiB, pq-edge vs hpke-js (bench/hpke.node.ts); then the X-Wing speed-ups
//      over noble with the contenders interleaved, by wall time (`--busy=N`: with N CPU-bound processes
//      running meanwhile);
//   3. inside workerd (wrangler dev, local): ML-KEM-768 per operation, workerd's native WebCrypto against
//      pq-edge/mlkem (SIMD and scalar builds; also encapsulation to a key imported once on both sides);
//   4. inside workerd: X-Wing per operation, pq-edge's against workerd's native X-Wing;
//   5. the protocol on the real app, server side (scripts/bench-protocol.ts): POST /v{N}/sessions per
//      mode and an authenticated config read, in Node and in workerd; `--baseline-tree <path>` adds an
//      older checkout (e.g. protocol v1's last commit) measured beside this tree, batches interleaved.
//      `--protocol-only` runs just this part.
// Parts 3 and 4 run one driver (benchWorkerdPairs), and part 5 the same idea: each contender (tree) in its own workerd process, each
// request a batch of one contender timed by that process's CPU time (scripts/workerd-cpu.ts), contenders
// alternating, one ratio per round.
// `--mlkem-node-only` runs part 1's ML-KEM half alone (mitata's medians, then the speed-ups measured with
// the contenders interleaved, which are the ones to quote); `--xwing-node-only` part 2's interleaved X-Wing
// run alone (`--busy=N` as above); `--mlkem-workerd-only` / `--xwing-workerd-only` run part 3 / part 4
// alone; `--target-ms=N` sets the CPU per batch there (default 40).
// Progress goes to stderr; `--json` prints the results as JSON on stdout. The machine may be noisy:
// compare ratios from the same run, not absolute numbers across runs.
import {
  benchHpke,
  benchXWingNodeInterleaved,
  HPKE_OPERATIONS,
  type Table,
  XWING_OPERATIONS,
  type XWingInterleavedRow,
} from '../bench/hpke.node.ts'
import { benchNode, benchNodeInterleaved, type InterleavedRow, type Medians, OPERATIONS } from '../bench/mlkem.node.ts'
import { benchProtocolNode, benchProtocolWorkerd, protocolTable, treesFromArgv } from './bench-protocol.ts'
import { quantile, spread } from './stats.ts'
import { startWorkerdBench, type WorkerdBench } from './workerd-cpu.ts'

const json = process.argv.includes('--json')
const log = (line: string) => console.error(line)

function table(title: string, medians: Medians, baselines: string[]): string {
  const names = Object.keys(medians)
  const lines = [title, `${'implementation'.padEnd(52)}${OPERATIONS.map((op) => op.padStart(10)).join('')}   (median µs per operation)`]
  for (const name of names) {
    lines.push(
      `${name.padEnd(52)}${OPERATIONS.map((op) => (medians[name]![op] === undefined ? '-' : medians[name]![op]!.toFixed(1)).padStart(10)).join('')}`,
    )
  }
  for (const ours of names.filter((n) => n.startsWith('pq-edge'))) {
    for (const base of baselines.filter((b) => medians[b])) {
      const ratios = OPERATIONS.map((op) => {
        const [a, b] = [medians[ours]![op], medians[base]![op]]
        return (a === undefined || b === undefined ? '-' : `${(b / a).toFixed(2)}x`).padStart(10)
      })
      lines.push(`${`${ours} vs ${base}`.padEnd(52)}${ratios.join('')}   (speed-up; >1 is faster)`)
    }
  }
  return lines.join('\n')
}

function interleavedTable(rows: InterleavedRow[]): string {
  const lines = [
    `ML-KEM-768 in Node ${process.version}, interleaved (15 rounds; CPU µs per operation, medians; baseline ÷ pq-edge per round; goal: >= 20x noble, >= 2.5x liboqs)`,
    `${'operation'.padEnd(10)}${'pq-edge'.padStart(16)}${'baseline'.padStart(22)}${'pq-edge µs'.padStart(12)}${'base µs'.padStart(10)}${'speed-up'.padStart(10)}   middle half`,
  ]
  for (const r of rows)
    lines.push(
      `${r.op.padEnd(10)}${r.ours.padStart(16)}${r.base.padStart(22)}${r.oursUs.toFixed(1).padStart(12)}${r.baseUs.toFixed(1).padStart(10)}${`${r.ratio.median.toFixed(2)}x`.padStart(10)}   ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)}`,
    )
  return lines.join('\n')
}

/** Like table() for any operation list; `pairs` are [ours, baseline] rows of speed-ups. */
function ratioTable(title: string, medians: Table, operations: readonly string[], pairs: [string, string][]): string {
  const cell = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1)).padStart(10)
  const lines = [title, `${'implementation'.padEnd(52)}${operations.map((op) => op.padStart(10)).join('')}   (median µs per operation)`]
  for (const [name, row] of Object.entries(medians)) lines.push(`${name.padEnd(52)}${operations.map((op) => cell(row[op])).join('')}`)
  for (const [ours, base] of pairs) {
    if (!medians[ours] || !medians[base]) continue
    const ratios = operations.map((op) => {
      const [a, b] = [medians[ours]![op], medians[base]![op]]
      return (a === undefined || b === undefined ? '-' : `${(b / a).toFixed(2)}x`).padStart(10)
    })
    lines.push(`${`${ours} vs ${base}`.padEnd(52)}${ratios.join('')}   (speed-up; >1 is faster)`)
  }
  return lines.join('\n')
}

/** One operation of a workerd pair bench: contender a against contender b. */
export interface WorkerdPairRow {
  op: string
  a: string
  b: string
  perBatch: number
  /** median CPU µs per operation (request overhead subtracted) */
  aUs: number
  bUs: number
  /** a ÷ b per round (> 1: b is faster): median and the middle half */
  ratio: { median: number; q1: number; q3: number }
}

/**
 * A pair bench inside workerd: the worker of `config` (bench/xwing.workerd.ts, bench/mlkem.workerd.ts) lists
 * its cases at /cases ({op, a, b}) and runs n operations of one side per GET /op?case=i&side=a|b&n=N. Each
 * contender runs in its own workerd process (two `wrangler dev` of the same worker), so the garbage one
 * leaves (native CryptoKey objects hold external memory) is collected, and charged, in its own process,
 * not in the other's batches. Each batch is timed by its process's CPU time minus an empty request's;
 * the batch size gives about targetMs of CPU; a and b alternate with the order flipped every round, and
 * each round gives one a ÷ b.
 */
export async function benchWorkerdPairs(config: string, label: string, rounds = 15, targetMs = 40): Promise<WorkerdPairRow[]> {
  const workers: Partial<Record<'a' | 'b', WorkerdBench>> = {}
  try {
    workers.a = await startWorkerdBench(config, `${label} (a)`)
    workers.b = await startWorkerdBench(config, `${label} (b)`)
    const { a, b } = workers as Record<'a' | 'b', WorkerdBench>
    /** CPU ns of n operations of one side of case i, in that side's process, its empty request subtracted. */
    const batch = async (i: number, side: 'a' | 'b', n: number) => {
      const w = side === 'a' ? a : b
      return (await w.cpu(`/op?case=${i}&side=${side}&n=${n}`)) - w.overheadNs
    }
    const cases = (await (await a.get('/cases')).json()) as { op: string; a: string; b: string }[]
    // Batch sizes first, for every case: operations per batch for ~targetMs of CPU for the faster contender
    // (the slower one runs longer; both run the same n). This also warms up every case (JIT and wasm tier-up run on workerd threads
    // too, so they must be over before the first timed round of any case).
    log(`bench: workerd ${label}: sizing batches (warm-up)...`)
    const sizes: number[] = []
    for (const i of cases.keys()) {
      let n = 4
      for (let k = 0; k < 4; k++) {
        const t = Math.min(await batch(i, 'a', n), await batch(i, 'b', n))
        n = Math.max(n, Math.ceil((n * targetMs * 1e6) / Math.max(t, 1e5)))
      }
      sizes.push(n)
    }
    const rows: WorkerdPairRow[] = []
    for (const [i, c] of cases.entries()) {
      log(`bench: workerd ${label} ${c.op}...`)
      const n = sizes[i]!
      const [ta, tb, ratios] = [[] as number[], [] as number[], [] as number[]]
      for (let r = 0; r < rounds; r++) {
        const sides = r % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)
        const t: Record<string, number> = {}
        for (const side of sides) t[side] = (await batch(i, side, n)) / n
        ta.push(t.a!)
        tb.push(t.b!)
        ratios.push(t.a! / t.b!)
      }
      rows.push({
        ...c,
        perBatch: n,
        aUs: quantile(ta, 0.5) / 1000,
        bUs: quantile(tb, 0.5) / 1000,
        ratio: spread(ratios),
      })
    }
    return rows
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.stop()))
  }
}

export type XWingWorkerdRow = WorkerdPairRow

/** X-Wing per operation inside workerd (bench/xwing.workerd.ts): a = pq-edge, b = native. */
export function benchXWingWorkerd(rounds = 15, targetMs = 40): Promise<XWingWorkerdRow[]> {
  return benchWorkerdPairs('bench/xwing.wrangler.jsonc', 'X-Wing', rounds, targetMs)
}

/** ML-KEM-768 per operation inside workerd (bench/mlkem.workerd.ts): a = native, b = pq-edge (a ÷ b is
 *  pq-edge's speed-up). */
export function benchMlKemWorkerd(rounds = 15, targetMs = 40): Promise<WorkerdPairRow[]> {
  return benchWorkerdPairs('bench/wrangler.jsonc', 'ML-KEM-768', rounds, targetMs)
}

function workerdPairTable(title: string, rows: WorkerdPairRow[]): string {
  const lines = [
    `${title}: CPU µs of the workerd process per operation (medians), and a ÷ b per round (> 1: b is faster)`,
    `${'operation'.padEnd(48)}${'a'.padStart(12)}${'b'.padStart(16)}${'a µs'.padStart(9)}${'b µs'.padStart(9)}${'a ÷ b'.padStart(8)}   middle half`,
  ]
  for (const r of rows)
    lines.push(
      `${r.op.padEnd(48)}${r.a.padStart(12)}${r.b.padStart(16)}${r.aUs.toFixed(1).padStart(9)}${r.bUs.toFixed(1).padStart(9)}${r.ratio.median.toFixed(2).padStart(8)}   ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)}`,
    )
  return lines.join('\n')
}

const xwingWorkerdTable = (rows: WorkerdPairRow[]) => workerdPairTable('X-Wing in workerd, per operation', rows)
const mlkemWorkerdTable = (rows: WorkerdPairRow[]) =>
  workerdPairTable('ML-KEM-768 in workerd, per operation (a = native; goal: a ÷ b >= 1.2 for pq-edge simd)', rows)

function xwingInterleavedTable(rows: XWingInterleavedRow[], busy: number): string {
  const lines = [
    `X-Wing in Node ${process.version}, interleaved with noble's ml_kem768_x25519 (15 rounds; wall µs per operation, medians; noble ÷ pq-edge per round; ${busy} extra CPU-bound processes; goal: >= 10x for encaps and decaps)`,
    `${'operation'.padEnd(28)}${'pq-edge µs'.padStart(12)}${'noble µs'.padStart(10)}${'speed-up'.padStart(10)}   middle half`,
  ]
  for (const r of rows)
    lines.push(
      `${r.op.padEnd(28)}${r.oursUs.toFixed(1).padStart(12)}${r.nobleUs.toFixed(1).padStart(10)}${`${r.ratio.median.toFixed(2)}x`.padStart(10)}   ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)}`,
    )
  return lines.join('\n')
}

/** `--busy=N`: CPU-bound processes running beside the interleaved X-Wing run (default 0). */
const busy = Number(process.argv.find((a) => a.startsWith('--busy='))?.slice(7) ?? 0)
if (process.argv.includes('--xwing-node-only')) {
  const rows = await benchXWingNodeInterleaved(15, busy ? 100 : 20, busy)
  console.log(json ? JSON.stringify(rows, null, 2) : xwingInterleavedTable(rows, busy))
  process.exit(0)
}

/** `--target-ms=N`: CPU per batch in the workerd pair benches (default 40). */
const targetMs = Number(process.argv.find((a) => a.startsWith('--target-ms='))?.slice(12) ?? 40)

if (process.argv.includes('--xwing-workerd-only')) {
  const rows = await benchXWingWorkerd(15, targetMs)
  console.log(json ? JSON.stringify(rows, null, 2) : xwingWorkerdTable(rows))
  process.exit(0)
}
if (process.argv.includes('--mlkem-workerd-only')) {
  const rows = await benchMlKemWorkerd(15, targetMs)
  console.log(json ? JSON.stringify(rows, null, 2) : mlkemWorkerdTable(rows))
  process.exit(0)
}

// ---------- 5. protocol (scripts/bench-protocol.ts) ----------
const protocolTrees = treesFromArgv(process.argv.slice(2))
async function benchProtocol() {
  log('bench: protocol on the real app, Node...')
  const node = await benchProtocolNode(protocolTrees)
  if (!json) console.log(`${protocolTable(node)}\n`)
  log('bench: protocol on the real app, workerd (wrangler dev)...')
  const workerd = await benchProtocolWorkerd(protocolTrees)
  if (!json) console.log(`${protocolTable(workerd)}\n`)
  return { node, workerd }
}
if (process.argv.includes('--protocol-only')) {
  const protocol = await benchProtocol()
  if (json) console.log(JSON.stringify(protocol, null, 2))
  process.exit(0)
}

log('bench: Node (mitata), ML-KEM-768...')
const node = await benchNode()
if (!json) console.log(`${table(`ML-KEM-768 in Node ${process.version}`, node, ['@noble/post-quantum', '@oqs/liboqs-js'])}\n`)
log('bench: Node, ML-KEM-768 speed-ups, contenders interleaved...')
const nodeInterleaved = await benchNodeInterleaved()
if (!json) console.log(`${interleavedTable(nodeInterleaved)}\n`)
if (process.argv.includes('--mlkem-node-only')) {
  if (json) console.log(JSON.stringify({ node, nodeInterleaved }, null, 2))
  process.exit(0)
}
log('bench: Node (mitata), X-Wing and HPKE...')
const hpke = await benchHpke()
if (!json) {
  const noble = 'noble ml_kem768_x25519'
  console.log(
    `${ratioTable(`X-Wing in Node ${process.version} (goal: >= 10x noble for encaps and decaps)`, hpke.xwing, XWING_OPERATIONS, [
      ['pq-edge X-Wing', noble],
      ['pq-edge X-Wing (key imported once)', noble],
      ['pq-edge X-Wing (all-noble backends)', noble],
    ])}\n`,
  )
  console.log(
    `${ratioTable(
      `HPKE X-Wing + HKDF-SHA256, 1 KiB, in Node ${process.version} (open with the recipient key imported once)`,
      hpke.hpke,
      HPKE_OPERATIONS,
      [
        ['pq-edge X-Wing/ChaCha20-Poly1305', 'hpke-js X-Wing/ChaCha20-Poly1305'],
        ['pq-edge X-Wing/AES-256-GCM', 'hpke-js X-Wing/AES-256-GCM'],
      ],
    )}\n`,
  )
}
log('bench: Node, X-Wing speed-ups over noble, contenders interleaved...')
const xwingInterleaved = await benchXWingNodeInterleaved(15, busy ? 100 : 20, busy)
if (!json) console.log(`${xwingInterleavedTable(xwingInterleaved, busy)}\n`)
log('bench: starting the workerd ML-KEM bench worker (wrangler dev)...')
const workerd = await benchMlKemWorkerd(15, targetMs)
log('bench: starting the workerd X-Wing bench worker (wrangler dev)...')
const xwingWorkerd = await benchXWingWorkerd(15, targetMs)
const protocol = await benchProtocol()
if (json)
  console.log(
    JSON.stringify(
      { node, nodeInterleaved, workerd, xwing: hpke.xwing, xwingInterleaved, hpke: hpke.hpke, xwingWorkerd, protocol },
      null,
      2,
    ),
  )
else {
  console.log(`${mlkemWorkerdTable(workerd)}\n`)
  console.log(xwingWorkerdTable(xwingWorkerd))
}
