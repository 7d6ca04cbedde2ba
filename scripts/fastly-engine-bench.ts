// Times ML-KEM-768 keygen / encaps / decaps inside Fastly's real JS engine (js-compute-runtime:
// StarlingMonkey = SpiderMonkey compiled to wasm, no JIT, no WebAssembly global), for the TypeScript core
// (src/mlkem/js) and for @noble/post-quantum. js-compute-runtime runs the bundle's top level at build time
// (then snapshots the heap), so the entry times the operations at its top level and reports the medians.
// Not part of CI: `node scripts/fastly-engine-bench.ts [batches] [perBatch] [--baseline path/to/js/api.ts]`
// (defaults 7 × 8; --baseline times another copy of the core beside this one, e.g. an older commit's from
// `git archive HEAD~1 src/mlkem | tar -x -C /tmp/old`, and reports ratios); `--profile [rounds]` times the
// building blocks (Keccak, NTT, sampling, encode/decode, wipes) instead.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compileEntry } from './build-fastly.ts'

const MARK = 'PQ_EDGE_ENGINE_BENCH '

/** The entry: runs at the top level during js-compute-runtime's build. Fixed seeds (no randomness).
 *  `baseline` optionally names another copy of src/mlkem/js/core.ts (e.g. an older commit's, extracted
 *  with `git archive`) to time beside the current one in the same run. */
const entry = (batches: number, perBatch: number, baseline?: string) => `
import { createJsMlKem, primeMlKemPublicKey } from './src/mlkem/js/core.ts'
import { ml_kem768 as noble } from '@noble/post-quantum/ml-kem.js'
${baseline ? `import * as baseline from ${JSON.stringify(baseline)}` : 'const baseline = undefined'}

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
const CLIENTS = 8 // more keys than the JS core's cache slots (6, least recently used first): rotating always misses

// The server's key pair (its seed re-derived per request), primed the way a deployment primes its
// configured public key at build time (primeMlKemPublicKey; a core without it gets one encapsulation to the
// key, which fills its last-key caches); clients' fresh keys, rotated so nothing key-derived is reused.
// keygen: a new seed per call; keygenPrimed: the server's seed. encaps/decaps: a client's key;
// *SameKey: the server's. serverRequest = keygenPrimed + decapsSameKey + encaps (one Fastly request: a fresh
// sandbox from the build-time snapshot re-derives its key, decapsulates, encapsulates to the client).
function setup(kem, prime) {
  const mk = (n) => { const s = seed.slice(); s[0] ^= n; const k = kem.keygen(s); return { seed: s, ...k, ...kem.encapsulate(k.publicKey, msg) } }
  const server = mk(0)
  const clients = Array.from({ length: CLIENTS }, (_, n) => mk(n + 1))
  if (prime) prime(server.publicKey)
  else kem.encapsulate(server.publicKey, msg)
  let counter = 0
  const client = () => clients[counter++ % CLIENTS]
  return {
    keygen: () => { const s = seed.slice(); s[1] = counter & 255; s[2] = (counter++ >> 8) & 255; return kem.keygen(s) },
    keygenPrimed: () => kem.keygen(server.seed),
    encaps: () => kem.encapsulate(client().publicKey, msg),
    encapsSameKey: () => kem.encapsulate(server.publicKey, msg),
    decaps: () => { const k = client(); return kem.decapsulate(k.cipherText, k.secretKey) },
    decapsSameKey: () => kem.decapsulate(server.cipherText, server.secretKey),
  }
}
const impls = { js: setup(createJsMlKem().ml_kem768, primeMlKemPublicKey) }
if (baseline) impls.baseline = setup(baseline.createJsMlKem().ml_kem768, baseline.primeMlKemPublicKey)
impls.noble = setup(noble)
// Interleaved: every batch round times each op of each implementation once, so load on the machine
// affects them alike; medians of the batch means.
const samples = {}
for (let b = 0; b < ${batches}; b++) {
  for (const [impl, ops] of Object.entries(impls)) {
    for (const [name, fn] of Object.entries(ops)) {
      const t = now()
      for (let i = 0; i < ${perBatch}; i++) fn()
      ;((samples[impl] ??= {})[name] ??= []).push((now() - t) / ${perBatch})
    }
  }
}
const result = {}
for (const [impl, ops] of Object.entries(samples)) {
  const r = result[impl] = Object.fromEntries(Object.entries(ops).map(([n, s]) => [n, median(s)]))
  r.serverRequest = r.keygenPrimed + r.decapsSameKey + r.encaps
}
const toHex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')
const same = toHex(createJsMlKem().ml_kem768.keygen(seed).publicKey) === toHex(noble.keygen(seed).publicKey)
const report = { engine: 'js-compute-runtime (StarlingMonkey)', clock, clocks, batches: ${batches}, perBatch: ${perBatch}, unit: 'ms per op (median of batch means)', sameKeys: same, ...result }
console.log(${JSON.stringify(MARK)} + JSON.stringify(report))
addEventListener('fetch', (event) => event.respondWith(new Response('bench')))
`

/** Bundles `source` (an entry module, resolved from the repository root) with the Fastly options, compiles
 *  it with js-compute-runtime (which runs its top level inside the engine) and returns the JSON object the
 *  entry printed after MARK. */
export async function runInEngine(source: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-engine-bench-'))
  try {
    const { output } = await compileEntry(dir, 'bench', source)
    const line = output.split('\n').find((l) => l.includes(MARK))
    if (!line) throw new Error(`no report from the engine; its output:\n${output}`)
    return JSON.parse(line.slice(line.indexOf(MARK) + MARK.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The profile entry: times the core's building blocks one by one (µs per call, median over `rounds`
 *  interleaved rounds of ≥ 15 ms each), to see where an operation's time goes. */
const profileEntry = (rounds: number) => `
import { keccakF1600 } from './src/mlkem/js/keccak-f1600.ts'
import { ST, hashOnce, RATE_256, DS_SHA3 } from './src/mlkem/js/keccak.ts'
import { ntt, invNtt, multiplyNttsSum } from './src/mlkem/js/ntt.ts'
import { sampleNtt, samplePolyCbdPrf } from './src/mlkem/js/sampling.ts'
import { byteEncode12, byteEncode12THat, byteEncodeCompressSum, byteEncodeCompress1Diff, byteDecodeDecompress } from './src/mlkem/js/encoding.ts'
import { PARAMETER_SETS } from './src/mlkem/api.ts'
import { checkEncapsulationKey, checkDecapsulationKey, wipeScratch } from './src/mlkem/js/internal.ts'
import { createJsMlKem } from './src/mlkem/js/core.ts'

const now = () => Date.now()
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const kem = createJsMlKem().ml_kem768
const seed = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 255)
const msg = new Uint8Array(32).map((_, i) => (i * 91 + 5) & 255)
const key = kem.keygen(seed)
const ct = kem.encapsulate(key.publicKey, msg).cipherText
const polys = [0, 1, 2, 3].map((n) => Int16Array.from({ length: 256 }, (_, i) => ((i * 1103 + n * 77) % 3329) - 1664))
const canonical = polys.map((p) => p.map((x) => x + 1664))
const rho = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8)
const out = new Int16Array(256)
const bytes = new Uint8Array(1568)
const big = new Uint8Array(1184)
let counter = 0
const parts = {
  keccakF1600: () => keccakF1600(ST),
  sampleNtt: () => sampleNtt(out, rho, counter++ & 3, 0),
  prfCbd2: () => samplePolyCbdPrf(out, rho, counter++ & 7, 2),
  ntt: () => ntt(polys[0]),
  invNtt: () => invNtt(polys[1]),
  multiplyNtts3: () => multiplyNttsSum(out, canonical, polys, 3),
  encode12: () => byteEncode12(bytes, 0, polys[0]),
  encodeTHat: () => byteEncode12THat(bytes, 0, polys[0], polys[1]),
  compressEncodeSum10: () => byteEncodeCompressSum(bytes, 0, polys[0], polys[1], 10),
  compressEncodeSum4: () => byteEncodeCompressSum(bytes, 0, polys[0], polys[1], 4),
  encodeMessage: () => byteEncodeCompress1Diff(bytes, 0, polys[0], polys[1]),
  decode12: () => byteDecodeDecompress(out, key.publicKey, 0, 12),
  decode10: () => byteDecodeDecompress(out, ct, 0, 10),
  decode4: () => byteDecodeDecompress(out, ct, 960, 4),
  decode1: () => byteDecodeDecompress(out, msg, 0, 1),
  hash1184: () => hashOnce(RATE_256, DS_SHA3, big, 0, 1184, bytes, 0, 32),
  modulusCheck768: () => checkEncapsulationKey(PARAMETER_SETS.ml_kem768, key.publicKey),
  dkHashCheckCached768: () => checkDecapsulationKey(PARAMETER_SETS.ml_kem768, key.secretKey),
  wipeScratch: () => wipeScratch(),
  keygen768: () => kem.keygen(seed),
  encapsSameKey768: () => kem.encapsulate(key.publicKey, msg),
  decapsSameKey768: () => kem.decapsulate(ct, key.secretKey),
}
const samples = Object.fromEntries(Object.keys(parts).map((n) => [n, []]))
for (let r = 0; r < ${rounds}; r++) {
  for (const [name, fn] of Object.entries(parts)) {
    let n = 0
    const t = now()
    let e = 0
    do { fn(); fn(); n += 2; e = now() - t } while (e < 15)
    samples[name].push((e * 1000) / n)
  }
}
const report = { unit: 'µs per call (median)', rounds: ${rounds}, ...Object.fromEntries(Object.entries(samples).map(([n, s]) => [n, Math.round(median(s) * 10) / 10])) }
console.log(${JSON.stringify(MARK)} + JSON.stringify(report))
addEventListener('fetch', (event) => event.respondWith(new Response('profile')))
`

export async function runEngineProfile(rounds = 7): Promise<Record<string, unknown>> {
  return runInEngine(profileEntry(rounds))
}

export async function runEngineBench(batches = 7, perBatch = 8, baseline?: string): Promise<Record<string, unknown>> {
  return runInEngine(entry(batches, perBatch, baseline))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--profile') {
    console.log(JSON.stringify(await runEngineProfile(Number(process.argv[3]) || undefined), null, 2))
  } else {
    const args = process.argv.slice(2)
    const at = args.indexOf('--baseline')
    const baseline = at >= 0 ? args.splice(at, 2)[1] : undefined
    const [batches, perBatch] = args.map(Number)
    const report = (await runEngineBench(batches || undefined, perBatch || undefined, baseline)) as Record<string, Record<string, number>>
    const ratios = (over: string) =>
      Object.fromEntries(Object.keys(report.js!).map((op) => [op, Number((report[over]![op]! / report.js![op]!).toFixed(2))]))
    console.log(
      JSON.stringify({ ...report, nobleOverJs: ratios('noble'), ...(baseline ? { baselineOverJs: ratios('baseline') } : {}) }, null, 2),
    )
  }
}
