// Times ML-KEM-768 keygen / encaps / decaps inside Fastly's real JS engine (js-compute-runtime:
// StarlingMonkey = SpiderMonkey compiled to wasm, no JIT, no WebAssembly global), for the TypeScript core
// (src/mlkem/js) and for @noble/post-quantum. js-compute-runtime runs the bundle's top level at build time
// (then snapshots the heap), so the entry times the operations at its top level and reports the medians.
// Not part of CI: `node scripts/fastly-engine-bench.ts [batches] [perBatch]` (defaults 7 × 8).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { compileJsCompute, FASTLY_ESBUILD_OPTIONS } from './build-fastly.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MARK = 'PQ_EDGE_ENGINE_BENCH '

/** The entry: runs at the top level during js-compute-runtime's build. Fixed seeds (no randomness). */
const entry = (batches: number, perBatch: number) => `
import { createJsMlKem } from './src/mlkem/js/api.ts'
import { ml_kem768 as noble } from '@noble/post-quantum/ml-kem.js'

// The clock: Date.now() advances at build time (1 ms resolution); performance.now() exists but calling it
// during js-compute-runtime's initialisation aborts the build (wizer.initialize traps: mozalloc_abort), so
// only Date.now() is used, with batches long enough for 1 ms resolution.
const spin = () => { let x = 0; for (let i = 0; i < 2e5; i++) x = (x + Math.imul(i, 2654435761)) | 0; return x }
const d0 = Date.now()
spin()
const clocks = { dateNowAdvancedMs: Date.now() - d0, performanceNow: 'traps at build time (not called)' }
const now = () => Date.now()
const clock = 'Date.now()'

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const seed = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 255)
const msg = new Uint8Array(32).map((_, i) => (i * 91 + 5) & 255)

// keygen: a different seed per call (fresh ρ). encaps/decaps: alternating between two keys, so nothing
// derived from the key can be reused between calls (the JS core keeps the last Â: see src/mlkem/js/kpke.ts);
// encapsSameKey/decapsSameKey repeat one key (a long-lived server key), where it can.
function bench(kem) {
  const keys = [0, 1].map((n) => { const s = seed.slice(); s[0] ^= n + 1; const k = kem.keygen(s); return { ...k, ...kem.encapsulate(k.publicKey, msg) } })
  let counter = 0
  const fresh = () => keys[counter++ & 1]
  const ops = {
    keygen: () => { const s = seed.slice(); s[1] = counter & 255; s[2] = (counter++ >> 8) & 255; return kem.keygen(s) },
    encaps: () => kem.encapsulate(fresh().publicKey, msg),
    decaps: () => { const k = fresh(); return kem.decapsulate(k.cipherText, k.secretKey) },
    encapsSameKey: () => kem.encapsulate(keys[0].publicKey, msg),
    decapsSameKey: () => kem.decapsulate(keys[0].cipherText, keys[0].secretKey),
  }
  const out = {}
  for (const [name, fn] of Object.entries(ops)) {
    const samples = []
    for (let b = 0; b < ${batches}; b++) {
      const t = now()
      for (let i = 0; i < ${perBatch}; i++) fn()
      samples.push((now() - t) / ${perBatch})
    }
    out[name] = median(samples)
  }
  out.establishment = out.keygen + out.encaps + out.decaps
  return out
}
const js = bench(createJsMlKem().ml_kem768)
const nobleResult = bench(noble)
const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')
const same = toHex(createJsMlKem().ml_kem768.keygen(seed).publicKey) === toHex(noble.keygen(seed).publicKey)
const report = { engine: 'js-compute-runtime (StarlingMonkey)', clock, clocks, batches: ${batches}, perBatch: ${perBatch}, unit: 'ms per op (median of batch means)', sameKeys: same, js, noble: nobleResult }
console.log(${JSON.stringify(MARK)} + JSON.stringify(report))
addEventListener('fetch', (event) => event.respondWith(new Response('bench')))
`

export async function runEngineBench(batches = 7, perBatch = 8): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-engine-bench-'))
  try {
    const bundle = join(dir, 'bench.js')
    await build({
      ...FASTLY_ESBUILD_OPTIONS,
      stdin: { contents: entry(batches, perBatch), resolveDir: ROOT, sourcefile: 'engine-bench-entry.js', loader: 'js' },
      outfile: bundle,
    })
    let output: string
    try {
      output = compileJsCompute(bundle, join(dir, 'bench.wasm'), { capture: true })
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string }
      output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`
    }
    const line = output.split('\n').find((l) => l.includes(MARK))
    if (!line) throw new Error(`no report from the engine; its output:\n${output}`)
    return JSON.parse(line.slice(line.indexOf(MARK) + MARK.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [batches, perBatch] = process.argv.slice(2).map(Number)
  const report = await runEngineBench(batches || undefined, perBatch || undefined) as { js: Record<string, number>; noble: Record<string, number> }
  const ratios = Object.fromEntries(Object.keys(report.js).map((op) => [op, Number((report.noble[op]! / report.js[op]!).toFixed(2))]))
  console.log(JSON.stringify({ ...report, nobleOverJs: ratios }, null, 2))
}
