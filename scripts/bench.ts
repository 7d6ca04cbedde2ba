// `npm run bench`: ML-KEM-768 keygen / encaps / decaps medians and ratios, from one run:
//   1. in Node (mitata): pq-edge SIMD and scalar builds, @noble/post-quantum, @oqs/liboqs-js;
//   2. in Node (mitata): X-Wing keygen / encaps / decaps, pq-edge vs noble's ml_kem768_x25519, and
//      HPKE X-Wing seal / open of 1 KiB, pq-edge vs hpke-js (bench/hpke.node.ts);
//   3. inside workerd (wrangler dev, local): pq-edge against workerd's native WebCrypto ML-KEM-768.
// Progress goes to stderr; `--json` prints the results as JSON on stdout. The machine may be noisy:
// compare ratios from the same run, not absolute numbers across runs.
import { fileURLToPath } from 'node:url'
import { benchHpke, HPKE_OPERATIONS, type Table, XWING_OPERATIONS } from '../bench/hpke.node.ts'
import { benchNode, type Medians, OPERATIONS } from '../bench/mlkem.node.ts'
import { freePort, startProcess, waitForHttp } from './local-server.ts'

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

log('bench: Node (mitata), ML-KEM-768...')
const node = await benchNode()
if (!json) console.log(`${table(`ML-KEM-768 in Node ${process.version}`, node, ['@noble/post-quantum', '@oqs/liboqs-js'])}\n`)
log('bench: Node (mitata), X-Wing and HPKE...')
const hpke = await benchHpke()
if (!json) {
  const noble = 'noble ml_kem768_x25519'
  console.log(
    `${ratioTable(`X-Wing in Node ${process.version} (goal: >= 8x noble for encaps and decaps)`, hpke.xwing, XWING_OPERATIONS, [
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
if (json) console.log(JSON.stringify({ node, workerd, xwing: hpke.xwing, hpke: hpke.hpke }, null, 2))
else
  console.log(
    table(`ML-KEM-768 in workerd (${workerd.batches} batches of ${workerd.perBatch})`, workerd.medians, [
      'workerd native',
      'workerd native (key imported once)',
    ]),
  )
