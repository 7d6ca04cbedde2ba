// `npm run bench:cold`: what a fresh workerd isolate costs, per scenario, against an empty worker.
// Each sample is a real new isolate: a host worker (bench/cold/host.js, wrangler dev) loads the scenario's modules through a
// Worker Loader binding under a never-used id (workerd then creates the isolate, compiles and evaluates
// the modules) and forwards one request to it. Scenarios:
//   empty    an empty worker's first request;
//   mlkem    the ML-KEM module (src/mlkem/workerd.ts) and its first keygen;
//   xwing    pq-edge/xwing for workerd and its first keygen + encapsulate;
//   floor    a hono/tiny route making a first session's native calls (and the ML-KEM module's SHAKE256)
//            with no other JavaScript: what the design costs before any of the protocol's code;
//   404      the Cloudflare upload (wrangler deploy --dry-run) answering an unknown path: its modules
//            evaluated, no crypto selected;
//   health   the same upload answering GET /health (probes, backend selection);
//   keys     the same upload answering GET /v2/keys (probes, selection and the service context: keys
//            derived from SERVER_SECRET, the published list);
//   session  the same upload answering a first POST /v2/sessions (hybrid, the client's default AEAD);
//   sessions two POST /v2/sessions on one fresh isolate (a small wrapper module calls the upload's
//            fetch twice): less the session row, what the same work costs once its code has run once.
// Timed by the workerd process's CPU time (scripts/workerd-cpu.ts; the machine may be busy, and
// workerd's own clock moves in 1 ms steps), and by wall time for reference; scenarios interleaved
// round by round; medians, and each scenario minus the empty worker of the same round.
// Options: --rounds=N (default 15), --json, --baseline=DIR: also run the 404, /health and session
// scenarios on another Cloudflare upload (a `wrangler deploy --dry-run --outdir DIR` of an earlier
// commit), interleaved with this one's, for a before/after in one run. --trace: run the host under
// `workerd serve` directly (no wrangler; one workerd per round) with a Perfetto trace of workerd's and
// V8's events (scripts/perfetto.ts reads it), and also print where each scenario's time went: compiling
// JavaScript, running it, tiering up, garbage collection, and the rest (workerd, native calls, the
// isolate itself; module top-level code runs inside isolate creation and counts there), each as a
// median and over the empty worker. Tracing adds its own cost: compare the parts, not the totals.
import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { fromB64u } from '../src/crypto/bytes.ts'
import { AEAD, hpke, KDF } from '../src/hpke/node.ts'
import { beginSession, MODE_KEM } from '../src/protocol/v2.ts'
import { xwing } from '../src/xwing/node.ts'
import { TEST_BINDINGS, TEST_CLIENT } from '../test/service/secrets.ts'
import { buildCloudflare, CLOUDFLARE_OUTDIR } from './build-cloudflare.ts'
import { freePort, startProcess, waitForHttp } from './local-server.ts'
import { readSlices, type Slice, selfTimes } from './perfetto.ts'
import { median } from './stats.ts'
import { cpuNs, workerdPids } from './workerd-cpu.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const json = process.argv.includes('--json')
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 15)
const baseline = process.argv.find((a) => a.startsWith('--baseline='))?.slice(11)
const trace = process.argv.includes('--trace')
const log = (line: string) => console.error(line)

const PARTS = ['compile', 'run JavaScript', 'tier-up', 'GC', 'isolate, workerd, native'] as const
type Part = (typeof PARTS)[number]
type Modules = Record<string, { js: string } | { wasm: string }>

/** Reads a directory of modules as the Worker Loader wants them (wasm as base64 over JSON). */
function readModules(dir: string): Modules {
  const modules: Modules = {}
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.js')) modules[name] = { js: readFileSync(join(dir, name), 'utf8') }
    else if (name.endsWith('.wasm')) modules[name] = { wasm: readFileSync(join(dir, name)).toString('base64') }
  }
  return modules
}

/** Bundles a small scenario worker as wrangler would (esbuild, ESM, .wasm kept as separate modules). */
async function bundle(source: string): Promise<Modules> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cold-'))
  try {
    await build({
      stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      loader: { '.wasm': 'copy' },
      outdir: dir,
      entryNames: 'index',
      minify: true,
      logLevel: 'error',
    })
    return readModules(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const SCENARIOS = {
  empty: { source: `export default { fetch: () => new Response('ok') }` },
  mlkem: {
    source: `import * as mlkem from './src/mlkem/workerd.ts'
export default { async fetch() { await mlkem.init(); const { publicKey } = mlkem.ml_kem768.keygen(); return new Response(String(publicKey.length)) } }`,
  },
  xwing: {
    source: `import { xwing } from './src/xwing/workerd.ts'
export default { async fetch() { const { publicKey } = await xwing.keygen(); const { cipherText } = await xwing.encapsulate(publicKey); return new Response(String(cipherText.length)) } }`,
  },
  // The floor of this design: a Hono route that makes a first session's native calls and nothing else
  // (SHAKE256 on the ML-KEM module for the key derivation; X-Wing import, public-key export and
  // decapsulation; the HMACs of the key schedules; ChaCha20-Poly1305 open and two seals; a digest).
  floor: {
    source: `import { Hono } from 'hono/tiny'
import { getSha3 } from './src/mlkem/workerd.ts'
const A = { name: 'MLKEM768-X25519' }
const app = new Hono()
app.post('/v2/sessions', async (c) => {
  const s = crypto.subtle
  const ct = Uint8Array.fromBase64((await c.req.json()).ct)
  const seed = getSha3().shake256(new Uint8Array(64).fill(7), 32)
  const sk = await s.importKey('raw-seed', seed, A, false, ['decapsulateBits'])
  const pk = new Uint8Array(await s.exportKey('raw-public', await s.getPublicKey(sk, ['encapsulateBits'])))
  const ss = await s.decapsulateBits(A, sk, ct)
  let k = new Uint8Array(ss)
  for (let i = 0; i < 14; i++) k = new Uint8Array(await s.sign('HMAC', await s.importKey('raw', k, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), k))
  const key = await s.importKey('raw-secret', k, { name: 'ChaCha20-Poly1305' }, false, ['encrypt', 'decrypt'])
  const iv = new Uint8Array(12)
  const sealed = await s.encrypt({ name: 'ChaCha20-Poly1305', iv }, key, new Uint8Array(200))
  await s.decrypt({ name: 'ChaCha20-Poly1305', iv }, key, sealed)
  const ticket = new Uint8Array(await s.encrypt({ name: 'ChaCha20-Poly1305', iv }, key, new Uint8Array(300)))
  await s.digest('SHA-256', sealed)
  return c.json({ ticket: ticket.toBase64(), pk: pk.length }, 201)
})
export default app`,
  },
} as const

interface Row {
  scenario: string
  cpuMs: number
  wallMs: number
  /** this scenario minus the empty worker, per round, median */
  overEmptyCpuMs: number
  overEmptyWallMs: number
}

log('bench:cold: building the Cloudflare upload (wrangler deploy --dry-run) and the scenario workers...')
buildCloudflare(log)
const app = readModules(CLOUDFLARE_OUTDIR)
const mainModule = readdirSync(CLOUDFLARE_OUTDIR).find((n) => n.endsWith('.js') && !n.endsWith('.map'))!
const registered: Record<string, { mainModule: string; modules: Modules; env?: unknown }> = {
  app: { mainModule, modules: app, env: { ...TEST_BINDINGS, PQ_POLICY: 'hybrid-required', CONFIG_VAULT: {} } },
}
// Two sessions in one fresh isolate: the upload's modules plus a wrapper that forwards the request's
// bodies (a JSON array) to the upload's fetch in turn and answers with their statuses.
const TWICE = `import app from './${mainModule}'
export default {
  async fetch(request, env, ctx) {
    const statuses = []
    for (const body of await request.json()) {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body }
      const res = await app.fetch(new Request('https://cold.test/v2/sessions', init), env, ctx)
      await res.arrayBuffer()
      statuses.push(res.status)
    }
    return new Response(statuses.join(' '), { status: statuses.every((s) => s === 201) ? 200 : 500 })
  },
}`
registered.twice = { ...registered.app!, mainModule: 'twice.js', modules: { ...app, 'twice.js': { js: TWICE } } }
if (baseline) {
  const baseMain = readdirSync(baseline).find((n) => n.endsWith('.js') && !n.endsWith('.map'))!
  registered.base = { ...registered.app!, mainModule: baseMain, modules: readModules(baseline) }
}
for (const [name, { source }] of Object.entries(SCENARIOS)) registered[name] = { mainModule: 'index.js', modules: await bundle(source) }

type Sample = { cpu: number; wall: number }
type Samples = Map<string, Sample[]>

/**
 * Starts a host, registers every scenario's modules, warms up (workerd's own first-use costs), runs the
 * given rounds (scenarios interleaved, order flipped on odd rounds) and stops the host. Returns the
 * scenario names in order and the samples; with a trace directory, the host runs under workerd itself
 * with a trace, and each sample's breakdown from it is returned too.
 */
async function measure(roundNumbers: number[], traceDir?: string): Promise<{ names: string[]; samples: Samples; parts: PartSamples }> {
  const [port, inspector] = [await freePort(), await freePort()]
  const server = traceDir
    ? startTracedHost(traceDir, port)
    : startProcess(
        `${ROOT}node_modules/.bin/wrangler`,
        ['dev', '-c', 'bench/cold/wrangler.jsonc', '--port', String(port), '--inspector-port', String(inspector)],
        ROOT,
      )
  /** Which scenario each fresh isolate's id served (to find its requests in the trace). */
  const scenarioOfId = new Map<string, string>()
  let currentScenario = ''
  try {
    const base = `http://127.0.0.1:${port}`
    if (!(await waitForHttp(`${base}/ping`, 60_000))) throw new Error(`the bench:cold host did not start:\n${server.output()}`)
    const workerd = workerdPids(server.child.pid!)
    if (workerd.length === 0) throw new Error('bench:cold: no workerd process found')
    for (const [name, body] of Object.entries(registered)) {
      const res = await fetch(new URL(`/register/${name}`, base), { method: 'POST', body: JSON.stringify(body) })
      if (!res.ok) throw new Error(`register ${name}: ${res.status} ${await res.text()}`)
    }

    let fresh = 0
    async function run(name: string, path: string, body?: string, expected?: number): Promise<Sample> {
      const id = `${process.pid}-${port}-${fresh++}`
      scenarioOfId.set(id, currentScenario)
      const url = new URL(`/run/${name}/${id}?path=${encodeURIComponent(path)}`, base)
      const [c0, t0] = [cpuNs(workerd), performance.now()]
      const res = await fetch(url, body ? { method: 'POST', body } : {})
      const text = await res.text()
      const [c1, t1] = [cpuNs(workerd), performance.now()]
      if (expected ? res.status !== expected : res.status >= 300) throw new Error(`${name} ${path}: ${res.status} ${text.slice(0, 300)}`)
      return { cpu: (c1 - c0) / 1e6, wall: t1 - t0 }
    }

    // Session requests are made in Node against the keys a (warm) app isolate publishes; one per sample.
    const keys = (await (await fetch(new URL(`/run/app/${process.pid}-${port}-keys?path=/v2/keys`, base))).json()) as {
      keys: { kid: string; mode: string; publicKey: string; status: string }[]
    }
    const hybrid = keys.keys.find((k) => k.mode === 'hybrid' && k.status === 'current')!
    const suite = hpke.suite({ kem: MODE_KEM.hybrid, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
    const sessionBody = async () =>
      JSON.stringify(
        (await beginSession({ suite, kid: hybrid.kid, serverPublicKey: fromB64u(hybrid.publicKey, 'publicKey'), credentials: TEST_CLIENT }))
          .request,
      )

    // The floor's ciphertext, to the key its route derives (SHAKE256 of 64 bytes of 7).
    const floorSeed = createHash('shake256', { outputLength: 32 }).update(new Uint8Array(64).fill(7)).digest()
    const floorCt = Buffer.from((await xwing.encapsulate((await xwing.keygen(floorSeed)).publicKey)).cipherText).toString('base64')
    const scenarios: [string, () => Promise<Sample>][] = [
      ['empty worker, first request', () => run('empty', '/')],
      ['ML-KEM module + first keygen', () => run('mlkem', '/')],
      ['X-Wing first keygen + encaps', () => run('xwing', '/')],
      ['floor (Hono + native calls)', () => run('floor', '/v2/sessions', JSON.stringify({ ct: floorCt }), 201)],
      ['app, modules only (GET /nope: 404)', () => run('app', '/nope', undefined, 404)],
      ['app GET /health', () => run('app', '/health')],
      ['app GET /v2/keys', () => run('app', '/v2/keys')],
      ['app first POST /v2/sessions', async () => run('app', '/v2/sessions', await sessionBody())],
      ['app two POST /v2/sessions', async () => run('twice', '/', JSON.stringify([await sessionBody(), await sessionBody()]))],
      ...(baseline
        ? ([
            ['baseline: modules only (404)', () => run('base', '/nope', undefined, 404)],
            ['baseline: GET /health', () => run('base', '/health')],
            ['baseline: first POST /v2/sessions', async () => run('base', '/v2/sessions', await sessionBody())],
          ] as [string, () => Promise<Sample>][])
        : []),
    ]
    for (const [, f] of scenarios) await f() // warm-up: workerd's own first-use costs
    const samples: Samples = new Map()
    for (const r of roundNumbers) {
      log(`bench:cold: round ${r + 1}/${rounds}`)
      const order = r % 2 ? [...scenarios].reverse() : scenarios
      for (const [name, f] of order) {
        currentScenario = name
        samples.set(name, [...(samples.get(name) ?? []), await f()])
      }
    }
    await server.stop() // under workerd itself, the trace is written out as it exits
    const parts = traceDir ? traceParts(readFileSync(join(traceDir, 'trace.pftrace')), scenarioOfId) : new Map()
    return { names: scenarios.map(([name]) => name), samples, parts }
  } finally {
    await server.stop()
  }
}

// Traced, each round gets its own workerd and trace: the trace is a ring buffer, and a long run
// overwrites its start (where the event names are defined).
let names: string[] = []
const samples: Samples = new Map()
const parts: PartSamples = new Map()
if (trace) {
  for (let r = 0; r < rounds; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cold-trace-'))
    try {
      const round = await measure([r], dir)
      names = round.names
      for (const [k, v] of round.samples) samples.set(k, [...(samples.get(k) ?? []), ...v])
      for (const [k, v] of round.parts) parts.set(k, [...(parts.get(k) ?? []), ...v])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
} else {
  const all = await measure([...Array(rounds).keys()])
  names = all.names
  for (const [k, v] of all.samples) samples.set(k, v)
}

const empty = samples.get(names[0]!)!
const rows: Row[] = names.map((name) => {
  const s = samples.get(name)!
  return {
    scenario: name,
    cpuMs: median(s.map((x) => x.cpu)),
    wallMs: median(s.map((x) => x.wall)),
    overEmptyCpuMs: median(s.map((x, i) => x.cpu - empty[i]!.cpu)),
    overEmptyWallMs: median(s.map((x, i) => x.wall - empty[i]!.wall)),
  }
})
const breakdown = trace ? partsTable(names, parts) : undefined
if (json) console.log(JSON.stringify({ rounds, rows, ...(breakdown ? { trace: breakdown } : {}) }, null, 2))
else {
  console.log(
    `Fresh workerd isolates (Worker Loader${trace ? ', workerd without wrangler, traced' : ''}), ${rounds} rounds: medians, ms (workerd CPU; wall for reference)`,
  )
  console.log(`${'scenario'.padEnd(34)}${'CPU'.padStart(8)}${'+ empty'.padStart(10)}${'wall'.padStart(8)}${'+ empty'.padStart(10)}`)
  for (const r of rows)
    console.log(
      `${r.scenario.padEnd(34)}${r.cpuMs.toFixed(1).padStart(8)}${r.overEmptyCpuMs.toFixed(1).padStart(10)}${r.wallMs.toFixed(1).padStart(8)}${r.overEmptyWallMs.toFixed(1).padStart(10)}`,
    )
  console.log('Goal: first POST /v2/sessions within +8 ms of the empty worker.')
  if (breakdown) printBreakdown(breakdown)
}

/** The bench host under `workerd serve` itself, with a Perfetto trace of workerd's and V8's events. */
function startTracedHost(dir: string, port: number) {
  copyFileSync(join(ROOT, 'bench/cold/host.js'), join(dir, 'host.js'))
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .host) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const host :Workerd.Worker = (
  modules = [ (name = "host.js", esModule = embed "host.js") ],
  compatibilityDate = "2026-11-17",
  compatibilityFlags = ["webcrypto_modern_algorithms"],
  bindings = [ (name = "LOADER", workerLoader = ()) ],
);
`,
  )
  const categories = 'workerd,v8,v8.execute,disabled-by-default-v8.compile'
  return startProcess(
    createRequire(import.meta.url)('workerd').default as string, // the workerd binary wrangler runs
    ['serve', '--experimental', '--perfetto-trace', `${join(dir, 'trace.pftrace')}=${categories}`, join(dir, 'config.capnp')],
    dir,
  )
}

/** Which part of a cold request a trace event's self time belongs to (V8's and workerd's event names). */
function partOf(name: string): Part {
  if (/^V8\.(Parse|PreParse|Compile(?!Deserialize))|^FlushInstructionCache/.test(name)) return 'compile'
  if (name === 'RunMicrotasks' || name === 'ServiceWorkerGlobalScope::request()') return 'run JavaScript'
  if (/^V8\.(BytecodeBudget|Optimize|Maglev|Turbofan)/.test(name)) return 'tier-up'
  if (/^V8\.GC|^(Minor|Major)GC/.test(name)) return 'GC'
  return 'isolate, workerd, native'
}

type PartRow = Record<Part | 'total', number>
/** Per scenario, one PartRow per traced sample. */
type PartSamples = Map<string, PartRow[]>
type Breakdown = { scenario: string; traced: PartRow; overEmpty: PartRow }[]

/** Each traced host request of a known sample: its duration and the self times of its events, by part. */
function traceParts(bytes: Uint8Array, scenarioOf: Map<string, string>): PartSamples {
  const perScenario: PartSamples = new Map()
  const visit = (slice: Slice) => {
    const id = slice.annotations.map((a) => /\/run\/[^/]+\/([^/?]+)/.exec(a)?.[1]).find(Boolean)
    const scenario = id && scenarioOf.get(id)
    if (!scenario) return slice.children.forEach(visit)
    const row = Object.fromEntries([...PARTS, 'total'].map((p) => [p, 0])) as PartRow
    for (const [name, ns] of selfTimes(slice)) row[partOf(name)] += ns / 1e6
    row.total = (slice.end - slice.start) / 1e6
    perScenario.set(scenario, [...(perScenario.get(scenario) ?? []), row])
  }
  readSlices(bytes).forEach(visit)
  return perScenario
}

/** Medians of each part per scenario, and the same over the empty worker's (the first scenario). */
function partsTable(names: string[], parts: PartSamples): Breakdown {
  const medians = (rows: PartRow[]) =>
    Object.fromEntries([...PARTS, 'total'].map((p) => [p, median(rows.map((r) => r[p as Part]))])) as PartRow
  const empty = medians(parts.get(names[0]!) ?? [])
  return names
    .filter((name) => parts.has(name))
    .map((scenario) => {
      const traced = medians(parts.get(scenario)!)
      const overEmpty = Object.fromEntries(Object.entries(traced).map(([p, v]) => [p, v - empty[p as Part]])) as PartRow
      return { scenario, traced, overEmpty }
    })
}

function printBreakdown(rows: Breakdown): void {
  const columns = ['total', ...PARTS] as const
  console.log('\nWhere the time went (Perfetto trace of workerd and V8; ms, medians, and over the empty worker):')
  console.log(`${'scenario'.padEnd(34)}${columns.map((p) => p.padStart(26)).join('')}`)
  for (const r of rows) {
    const cell = (p: (typeof columns)[number]) =>
      `${r.traced[p].toFixed(1)} (${r.overEmpty[p] >= 0 ? '+' : ''}${r.overEmpty[p].toFixed(1)})`
    console.log(`${r.scenario.padEnd(34)}${columns.map((p) => cell(p).padStart(26)).join('')}`)
  }
}
