// `npm run bench`: ML-KEM-768 keygen / encaps / decaps medians and ratios, from one run:
//   1. in Node (mitata): pq-edge SIMD and scalar builds, @noble/post-quantum, @oqs/liboqs-js;
//   2. in Node (mitata): X-Wing keygen / encaps / decaps, pq-edge vs noble's ml_kem768_x25519, and
//      HPKE X-Wing seal / open of 1 KiB, pq-edge vs hpke-js (bench/hpke.node.ts);
//   3. inside workerd (wrangler dev, local): pq-edge against workerd's native WebCrypto ML-KEM-768;
//   4. inside workerd: X-Wing per operation, pq-edge's against workerd's native X-Wing, timed by the
//      workerd process's CPU time (scripts/workerd-cpu.ts), contenders alternating, ratio per round;
//   5. the protocol on the real app, server side (scripts/bench-protocol.ts): POST /v{N}/sessions per
//      mode and an authenticated config read, in Node and in workerd; `--baseline-tree <path>` adds an
//      older checkout (e.g. protocol v1's last commit) measured beside this tree, batches interleaved.
//      `--protocol-only` runs just this part.
// Progress goes to stderr; `--json` prints the results as JSON on stdout. The machine may be noisy:
// compare ratios from the same run, not absolute numbers across runs.
import { fileURLToPath } from 'node:url'
import { benchHpke, HPKE_OPERATIONS, type Table, XWING_OPERATIONS } from '../bench/hpke.node.ts'
import { benchNode, type Medians, OPERATIONS } from '../bench/mlkem.node.ts'
import { benchProtocolNode, benchProtocolWorkerd, protocolTable, treesFromArgv } from './bench-protocol.ts'
import { freePort, startProcess, waitForHttp } from './local-server.ts'
import { cpuOf, workerdPids } from './workerd-cpu.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
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

async function benchWorkerd(): Promise<{ medians: Medians; batches: number; perBatch: number }> {
  const [port, inspector] = [await freePort(), await freePort()]
  const server = startProcess(
    `${ROOT}node_modules/.bin/wrangler`,
    ['dev', '-c', 'bench/wrangler.jsonc', '--port', String(port), '--inspector-port', String(inspector)],
    ROOT,
  )
  try {
    if (!(await waitForHttp(`http://127.0.0.1:${port}/ping`, 60_000)))
      throw new Error(`the workerd bench worker did not start:\n${server.output()}`)
    log('bench: workerd running, timing batches (about a minute)...')
    const res = await fetch(`http://127.0.0.1:${port}/`)
    if (!res.ok) throw new Error(`workerd bench failed: ${res.status} ${await res.text()}`)
    return (await res.json()) as { medians: Medians; batches: number; perBatch: number }
  } finally {
    await server.stop()
  }
}

export interface XWingWorkerdRow {
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

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * q
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i))
}

/** X-Wing per operation inside workerd (bench/xwing.workerd.ts), by workerd's CPU time per batch. */
export async function benchXWingWorkerd(rounds = 15, targetMs = 40): Promise<XWingWorkerdRow[]> {
  const [port, inspector] = [await freePort(), await freePort()]
  const server = startProcess(
    `${ROOT}node_modules/.bin/wrangler`,
    ['dev', '-c', 'bench/xwing.wrangler.jsonc', '--port', String(port), '--inspector-port', String(inspector)],
    ROOT,
  )
  try {
    const base = `http://127.0.0.1:${port}`
    if (!(await waitForHttp(`${base}/ping`, 60_000))) throw new Error(`the workerd X-Wing bench worker did not start:\n${server.output()}`)
    const pids = workerdPids(server.child.pid!)
    if (pids.length === 0) throw new Error('no workerd process found in the wrangler dev process group')
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`)
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res
    }
    const cases = (await (await get('/cases')).json()) as { op: string; a: string; b: string }[]
    const cpu = (path: string) => cpuOf(pids, () => get(path).then((r) => r.arrayBuffer()))
    for (let i = 0; i < 20; i++) await cpu('/noop') // warm the request path
    const noop = []
    for (let i = 0; i < 15; i++) noop.push(await cpu('/noop'))
    const overhead = quantile(noop, 0.5)
    const rows: XWingWorkerdRow[] = []
    for (const [i, c] of cases.entries()) {
      log(`bench: workerd X-Wing ${c.op}...`)
      // Operations per batch for ~targetMs of CPU per contender (the slower one decides), after warm-up.
      let n = 4
      for (let k = 0; k < 4; k++) {
        const t = Math.min(await cpu(`/op?case=${i}&side=a&n=${n}`), await cpu(`/op?case=${i}&side=b&n=${n}`)) - overhead
        n = Math.max(n, Math.ceil((n * targetMs * 1e6) / Math.max(t, 1e5)))
      }
      const [ta, tb, ratios] = [[] as number[], [] as number[], [] as number[]]
      for (let r = 0; r < rounds; r++) {
        const sides = r % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)
        const t: Record<string, number> = {}
        for (const side of sides) t[side] = ((await cpu(`/op?case=${i}&side=${side}&n=${n}`)) - overhead) / n
        ta.push(t.a!)
        tb.push(t.b!)
        ratios.push(t.a! / t.b!)
      }
      rows.push({
        ...c,
        perBatch: n,
        aUs: quantile(ta, 0.5) / 1000,
        bUs: quantile(tb, 0.5) / 1000,
        ratio: { median: quantile(ratios, 0.5), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) },
      })
    }
    return rows
  } finally {
    await server.stop()
  }
}

function xwingWorkerdTable(rows: XWingWorkerdRow[]): string {
  const lines = [
    'X-Wing in workerd, per operation: CPU µs of the workerd process per operation (medians), and a ÷ b per round (> 1: b is faster)',
    `${'operation'.padEnd(48)}${'a'.padStart(12)}${'b'.padStart(12)}${'a µs'.padStart(9)}${'b µs'.padStart(9)}${'a ÷ b'.padStart(8)}   middle half`,
  ]
  for (const r of rows)
    lines.push(
      `${r.op.padEnd(48)}${r.a.padStart(12)}${r.b.padStart(12)}${r.aUs.toFixed(1).padStart(9)}${r.bUs.toFixed(1).padStart(9)}${r.ratio.median.toFixed(2).padStart(8)}   ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)}`,
    )
  return lines.join('\n')
}

if (process.argv.includes('--xwing-workerd-only')) {
  const rows = await benchXWingWorkerd()
  console.log(json ? JSON.stringify(rows, null, 2) : xwingWorkerdTable(rows))
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
log('bench: starting the workerd bench worker (wrangler dev)...')
const workerd = await benchWorkerd()
log('bench: starting the workerd X-Wing bench worker (wrangler dev)...')
const xwingWorkerd = await benchXWingWorkerd()
const protocol = await benchProtocol()
if (json) console.log(JSON.stringify({ node, workerd, xwing: hpke.xwing, hpke: hpke.hpke, xwingWorkerd, protocol }, null, 2))
else {
  console.log(
    `${table(`ML-KEM-768 in workerd (${workerd.batches} batches of ${workerd.perBatch})`, workerd.medians, [
      'workerd native',
      'workerd native (key imported once)',
    ])}\n`,
  )
  console.log(xwingWorkerdTable(xwingWorkerd))
}
