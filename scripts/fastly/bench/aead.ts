// Times AES-GCM inside Fastly's real JS engine (js-compute-runtime: StarlingMonkey = SpiderMonkey compiled to
// wasm, no JIT), the way scripts/fastly-engine-bench.ts times ML-KEM: the bundle's top level runs at build
// time, so the entry times everything there (Date.now() batches; the engine drains its event loop before
// snapshotting, so awaited work finishes) and prints one JSON line. Compared, all through the Aead interface
// of src/crypto/types.ts (async, as HPKE calls them), seal/open of 64 B and 1 KiB with 16 bytes of AAD:
//   src/crypto/aes-gcm-js.ts (pq-edge-js) AES-128-GCM and AES-256-GCM
//   @noble/ciphers gcm (src/crypto/noble.ts) AES-128-GCM and AES-256-GCM, ChaCha20-Poly1305
// plus importKey + seal 64 B (a context that seals one message), the first-use table build of
// aes-gcm-js.ts (timed over 16 bundled copies of the module), and GHASH alone with the two candidate
// multiplications (Shoup 4-bit table, as aes-gcm-js.ts uses, vs bitwise shift-and-add) on 1 KiB.
// Then the package bytes: js-compute apps importing only aes-gcm-js.ts (lazy tables; tables primed at top
// level) or only @noble/ciphers' gcm, against an empty app and against a control app with the same handler
// and a stand-in AEAD: main.wasm raw and the package (gzip -9 tarball, packFastly).
// Not part of CI: `node scripts/fastly-aead-bench.ts [batches] [--no-size] [--no-time]` (default 9 batches;
// each op's batch is calibrated to >= 16 ms, the clock has 1 ms resolution).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { compileEntry, packFastly } from './build-fastly.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MARK = 'PQ_EDGE_AEAD_BENCH '
const COPIES = 16

/** The entry: runs at the top level during js-compute-runtime's build. Fixed public inputs only.
 *  `copies` are paths of copies of aes-gcm-js.ts, each with its own (unbuilt) tables. */
const entry = (batches: number, copies: string[]) => `
import { jsAes128Gcm, jsAes256Gcm } from './src/crypto/aes-gcm-js.ts'
import { nobleAes128Gcm, nobleAes256Gcm, nobleChacha20Poly1305 } from './src/crypto/noble.ts'
${copies.map((p, i) => `import { primeAesGcmTables as prime${i} } from ${JSON.stringify(p)}`).join('\n')}
const primes = [${copies.map((_, i) => `prime${i}`).join(', ')}]

// Date.now() advances at build time with 1 ms resolution (performance.now() traps there: not called).
const now = () => Date.now()
const BATCHES = ${batches}
const MIN_BATCH_MS = 16
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const fill = (n, mul, add) => new Uint8Array(n).map((_, i) => (i * mul + add) & 255)
const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')

// The first-use table build, before anything else touches a copy's tables.
const tb = now()
for (const p of primes) p()
const tableBuildMs = (now() - tb) / primes.length

const key16 = fill(16, 13, 1)
const key32 = fill(32, 13, 1)
const nonce = fill(12, 3, 9)
const aad = fill(16, 5, 2)
const pt = { 64: fill(64, 11, 4), 1024: fill(1024, 11, 4) }

// ---- GHASH candidates on 1 KiB (64 blocks), state in locals; H fixed ----
const blocks = new Int32Array(256).map((_, i) => Math.imul(i + 1, 0x9e3779b1))
const H = [0x66e94bd4, 0xef8a2c3b | 0, 0x884cfa59, 0xca342b2e]
const shoup = (() => {
  const m0 = new Int32Array(16), m1 = new Int32Array(16), m2 = new Int32Array(16), m3 = new Int32Array(16)
  let [h0, h1, h2, h3] = H
  for (let n = 8; n > 0; n >>= 1) {
    m0[n] = h0; m1[n] = h1; m2[n] = h2; m3[n] = h3
    const lsb = h3 & 1
    h3 = (h3 >>> 1) | (h2 << 31); h2 = (h2 >>> 1) | (h1 << 31); h1 = (h1 >>> 1) | (h0 << 31); h0 = (h0 >>> 1) ^ (-lsb & 0xe1000000)
  }
  for (let n = 3; n < 16; n++) { const lo = n & -n; if (lo === n) continue; m0[n] = m0[lo] ^ m0[n ^ lo]; m1[n] = m1[lo] ^ m1[n ^ lo]; m2[n] = m2[lo] ^ m2[n ^ lo]; m3[n] = m3[lo] ^ m3[n ^ lo] }
  return () => {
    let y0 = 0, y1 = 0, y2 = 0, y3 = 0, z0, z1, z2, z3, w, n, r
    for (let i = 0; i < 256; i += 4) {
      y0 ^= blocks[i]; y1 ^= blocks[i + 1]; y2 ^= blocks[i + 2]; y3 ^= blocks[i + 3]
      z0 = z1 = z2 = z3 = 0
      for (let q = 3; q >= 0; q--) {
        w = q === 3 ? y3 : q === 2 ? y2 : q === 1 ? y1 : y0
        for (let k = 0; k < 8; k++) {
          r = z3 & 15
          z3 = (z3 >>> 4) | (z2 << 28); z2 = (z2 >>> 4) | (z1 << 28); z1 = (z1 >>> 4) | (z0 << 28)
          z0 = (z0 >>> 4) ^ (r << 28) ^ (r << 27) ^ (r << 26) ^ (r << 21)
          n = w & 15; w >>>= 4
          z0 ^= m0[n]; z1 ^= m1[n]; z2 ^= m2[n]; z3 ^= m3[n]
        }
      }
      y0 = z0; y1 = z1; y2 = z2; y3 = z3
    }
    return [y0, y1, y2, y3]
  }
})()
const shiftAdd = () => {
  let y0 = 0, y1 = 0, y2 = 0, y3 = 0
  for (let i = 0; i < 256; i += 4) {
    y0 ^= blocks[i]; y1 ^= blocks[i + 1]; y2 ^= blocks[i + 2]; y3 ^= blocks[i + 3]
    let [v0, v1, v2, v3] = H, z0 = 0, z1 = 0, z2 = 0, z3 = 0
    for (let q = 0; q < 4; q++) {
      let w = q === 0 ? y0 : q === 1 ? y1 : q === 2 ? y2 : y3
      for (let k = 0; k < 32; k++) {
        const mask = w >> 31 // bit x^(32q+k), branch-free
        w <<= 1
        z0 ^= v0 & mask; z1 ^= v1 & mask; z2 ^= v2 & mask; z3 ^= v3 & mask
        const lsb = v3 & 1
        v3 = (v3 >>> 1) | (v2 << 31); v2 = (v2 >>> 1) | (v1 << 31); v1 = (v1 >>> 1) | (v0 << 31); v0 = (v0 >>> 1) ^ (-lsb & 0xe1000000)
      }
    }
    y0 = z0; y1 = z1; y2 = z2; y3 = z3
  }
  return [y0, y1, y2, y3]
}

async function batch(fn, n) {
  const t = now()
  for (let i = 0; i < n; i++) await fn()
  return now() - t
}

async function run() {
  const impls = [
    ['aes128gcm', 'pq-edge-js', jsAes128Gcm, key16],
    ['aes128gcm', 'noble', nobleAes128Gcm, key16],
    ['aes256gcm', 'pq-edge-js', jsAes256Gcm, key32],
    ['aes256gcm', 'noble', nobleAes256Gcm, key32],
    ['chacha20poly1305', 'noble', nobleChacha20Poly1305, key32],
  ]
  const ops = []
  const agree = {}
  for (const [alg, impl, aead, key] of impls) {
    const k = await aead.importKey(key)
    for (const n of [64, 1024]) {
      const ct = await k.seal(nonce, aad, pt[n])
      ops.push([alg + '.seal.' + n + 'B', impl, () => k.seal(nonce, aad, pt[n])])
      ops.push([alg + '.open.' + n + 'B', impl, () => k.open(nonce, aad, ct)])
      if (impl === 'pq-edge-js') agree[alg + '.' + n] = hex(ct) === hex(await (alg === 'aes128gcm' ? nobleAes128Gcm : nobleAes256Gcm).importKey(key).then((nk) => nk.seal(nonce, aad, pt[n])))
    }
    ops.push([alg + '.importKey+seal.64B', impl, async () => (await aead.importKey(key)).seal(nonce, aad, pt[64])])
  }
  agree.ghash = hex(Int32Array.from(shoup()).map((x) => x)) === hex(Int32Array.from(shiftAdd()))
  ops.push(['ghash.1KiB', 'shoup4bit', shoup])
  ops.push(['ghash.1KiB', 'shiftAdd', shiftAdd])
  // Calibrate each op's batch length (doubling until a batch takes >= MIN_BATCH_MS), then run the batches
  // round-robin over all ops, so that load from elsewhere on the machine spreads evenly.
  const perBatch = []
  for (const [, , fn] of ops) {
    let n = 1
    while ((await batch(fn, n)) < MIN_BATCH_MS) n *= 2
    perBatch.push(n)
  }
  const samples = ops.map(() => [])
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < ops.length; i++) samples[i].push((await batch(ops[i][2], perBatch[i])) / perBatch[i])
  }
  const results = {}
  ops.forEach(([group, impl], i) => {
    results[group] ??= {}
    results[group][impl] = { ms: Number(median(samples[i]).toFixed(4)), minMs: Number(Math.min(...samples[i]).toFixed(4)), perBatch: perBatch[i] }
  })
  const report = { engine: 'js-compute-runtime (StarlingMonkey)', clock: 'Date.now() (1 ms), batch means', batches: BATCHES, unit: 'ms per op (median of batch means)', agree, tableBuildMs, results }
  console.log(${JSON.stringify(MARK)} + JSON.stringify(report))
}
run().catch((e) => console.log(${JSON.stringify(MARK)} + JSON.stringify({ error: String(e && e.stack || e) })))
addEventListener('fetch', (event) => event.respondWith(new Response('bench')))
`

export async function runAeadBench(batches = 9): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-aead-bench-'))
  try {
    // Copies of the module (it imports only types, erased by esbuild, so they can live outside the tree).
    const copies = Array.from({ length: COPIES }, (_, i) => {
      const p = join(dir, `aes-gcm-js.${i}.ts`)
      copyFileSync(join(ROOT, 'src/crypto/aes-gcm-js.ts'), p)
      return p
    })
    const { output } = await compileEntry(dir, 'bench', entry(batches, copies))
    const line = output.split('\n').find((l) => l.includes(MARK))
    if (!line) throw new Error(`no report from the engine; its output:\n${output}`)
    return JSON.parse(line.slice(line.indexOf(MARK) + MARK.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Apps for the size comparison: each keeps its AEAD alive from a fetch handler (fixed public inputs). */
const APPS: Record<string, string> = {
  empty: `addEventListener('fetch', (event) => event.respondWith(new Response('ok')))`,
  // The pq-edge-js apps' handler with a stand-in AEAD (no cipher): what the handler itself adds.
  control: `
const stand = (n) => ({ importKey: async (key) => ({ seal: async (iv, aad, pt) => new Uint8Array([...pt, ...key.subarray(0, 16)]), open: async (iv, aad, ct) => ct.subarray(0, ct.length - 16) }), n })
const jsAes128Gcm = stand(16), jsAes256Gcm = stand(32)
addEventListener('fetch', (event) => event.respondWith((async () => {
  const a = event.request.headers.has('x-256') ? jsAes256Gcm : jsAes128Gcm
  const k = await a.importKey(new Uint8Array(a === jsAes256Gcm ? 32 : 16))
  return new Response(await k.open(new Uint8Array(12), new Uint8Array(0), await k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(8))))
})()))`,
  pqEdgeJsLazy: `
import { jsAes128Gcm, jsAes256Gcm } from './src/crypto/aes-gcm-js.ts'
addEventListener('fetch', (event) => event.respondWith((async () => {
  const a = event.request.headers.has('x-256') ? jsAes256Gcm : jsAes128Gcm
  const k = await a.importKey(new Uint8Array(a === jsAes256Gcm ? 32 : 16))
  return new Response(await k.open(new Uint8Array(12), new Uint8Array(0), await k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(8))))
})()))`,
  pqEdgeJsPrimed: `
import { jsAes128Gcm, jsAes256Gcm, primeAesGcmTables } from './src/crypto/aes-gcm-js.ts'
primeAesGcmTables()
addEventListener('fetch', (event) => event.respondWith((async () => {
  const a = event.request.headers.has('x-256') ? jsAes256Gcm : jsAes128Gcm
  const k = await a.importKey(new Uint8Array(a === jsAes256Gcm ? 32 : 16))
  return new Response(await k.open(new Uint8Array(12), new Uint8Array(0), await k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(8))))
})()))`,
  nobleGcm: `
import { gcm } from '@noble/ciphers/aes.js'
addEventListener('fetch', (event) => {
  const key = new Uint8Array(event.request.headers.has('x-256') ? 32 : 16)
  const ct = gcm(key, new Uint8Array(12), new Uint8Array(0)).encrypt(new Uint8Array(8))
  event.respondWith(new Response(gcm(key, new Uint8Array(12), new Uint8Array(0)).decrypt(ct)))
})`,
}

/** main.wasm raw bytes and package (tar.gz, gzip -9) bytes of each app, and each app's excess over the empty one. */
export async function measurePackageBytes(): Promise<Record<string, Record<string, number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-aead-size-'))
  try {
    const sizes: Record<string, Record<string, number>> = {}
    for (const [name, contents] of Object.entries(APPS)) {
      const { output, wasm } = await compileEntry(dir, name, contents)
      let raw: number
      try {
        raw = statSync(wasm).size
      } catch {
        throw new Error(`${name}: js-compute-runtime produced no wasm; its output:\n${output}`)
      }
      const archive = join(dir, `${name}.tar.gz`)
      packFastly(wasm, archive)
      sizes[name] = { wasmRaw: raw, wasmGzip9: gzipSync(readFileSync(wasm), { level: 9 }).length, packageGzip: statSync(archive).size }
    }
    const empty = sizes.empty!
    const control = sizes.control!
    for (const [name, s] of Object.entries(sizes)) {
      if (name === 'empty') continue
      s.addedWasmRaw = s.wasmRaw! - empty.wasmRaw!
      s.addedPackageGzip = s.packageGzip! - empty.packageGzip!
      if (name.startsWith('pqEdgeJs')) s.addedPackageGzipOverControl = s.packageGzip! - control.packageGzip!
    }
    return sizes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

type Results = Record<string, Record<string, { ms: number }>>

/** noble ms ÷ pq-edge-js ms per group (> 1: ours is faster), and ChaCha20-Poly1305 (noble) ÷ ours. */
function ratios(results: Results): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [group, impls] of Object.entries(results)) {
    const ours = impls['pq-edge-js']?.ms
    if (ours === undefined) continue
    if (impls.noble) out[`${group}: noble/pq-edge-js`] = Number((impls.noble.ms / ours).toFixed(2))
    const chacha = results[group.replace(/^aes(128|256)gcm/, 'chacha20poly1305')]?.noble?.ms
    if (chacha !== undefined) out[`${group}: chacha20poly1305(noble)/pq-edge-js`] = Number((chacha / ours).toFixed(2))
  }
  const g = results['ghash.1KiB']
  if (g?.shiftAdd && g.shoup4bit) out['ghash.1KiB: shiftAdd/shoup4bit'] = Number((g.shiftAdd.ms / g.shoup4bit.ms).toFixed(2))
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const batches = Number(args.find((a) => /^\d+$/.test(a))) || undefined
  const report = args.includes('--no-time') ? undefined : ((await runAeadBench(batches)) as { results?: Results })
  const packageBytes = args.includes('--no-size') ? undefined : await measurePackageBytes()
  console.log(JSON.stringify({ ...report, ratios: report?.results ? ratios(report.results) : undefined, packageBytes }, null, 2))
}
