// Times the classical primitives inside Fastly's real JS engine (js-compute-runtime: StarlingMonkey =
// SpiderMonkey compiled to wasm, no JIT), the same way scripts/fastly-engine-bench.ts times ML-KEM: the
// bundle's top level runs at build time, so the entry times everything there (Date.now() batches; async
// work such as crypto.subtle finishes too, the engine drains its event loop before snapshotting) and prints
// one JSON line. Compared:
//   X25519 publicKey / sharedSecret: src/crypto/x25519-js.ts (pq-edge-js) vs @noble/curves
//   HMAC-SHA256, 32-200 byte messages, and HKDF extract + expand (4 HMAC calls): crypto.subtle (native,
//     importKey + sign per call, as src/crypto/webcrypto.ts does) vs @noble/hashes
//   AES-256-GCM and ChaCha20-Poly1305 seal/open of 64 B and 1 KiB (@noble/ciphers)
//   SHA3-256 and SHAKE256 (32-byte output) of 1,200 bytes: @noble/hashes vs src/mlkem/js/keccak.ts (hashOnce)
// It also reports what the X25519 fixed-base table adds to the engine binary (main.wasm with and without
// the BASE_TABLE literal), raw and gzip -9 (the package is a gzip-9 tarball).
// Not part of CI: `node scripts/fastly-crypto-bench.ts [batches] [--no-size]` (default 9 batches; each op's
// batch length is calibrated to >= 16 ms so the 1 ms clock resolution costs < 7%).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { compileEntry } from './build-fastly.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MARK = 'PQ_EDGE_CRYPTO_BENCH '

/** The entry: runs at the top level during js-compute-runtime's build. Fixed public inputs only. */
const entry = (batches: number) => `
import { x25519Sync as ours } from './src/crypto/x25519-js.ts'
import { x25519 as noble } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256, shake256 } from '@noble/hashes/sha3.js'
import { gcm } from '@noble/ciphers/aes.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { createHkdfSha256 } from './src/crypto/hkdf.ts'
import { nobleHmacSha256 } from './src/crypto/noble.ts'
import { webCryptoHmacSha256 } from './src/crypto/webcrypto.ts'
import { DS_SHA3, DS_SHAKE, RATE_256, hashOnce } from './src/mlkem/js/keccak.ts'

// Date.now() advances at build time with 1 ms resolution (performance.now() traps there: not called).
const now = () => Date.now()
const BATCHES = ${batches}
const MIN_BATCH_MS = 16
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const fill = (n, mul, add) => new Uint8Array(n).map((_, i) => (i * mul + add) & 255)
const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')

// ---- inputs (public, fixed) ----
const sks = [0, 1, 2, 3].map((n) => fill(32, 29 + 2 * n, 7 + n))
const peers = sks.map((sk) => noble.getPublicKey(sk.map((b) => b ^ 0x5a)))
let c = 0
const key32 = fill(32, 13, 1)
const msgs = Object.fromEntries([32, 64, 128, 200].map((n) => [n, fill(n, 7, 3)]))
const nonce12 = fill(12, 3, 9)
const aad = fill(16, 5, 2)
const pt = { 64: fill(64, 11, 4), 1024: fill(1024, 11, 4) }
const gcmCt = { 64: gcm(key32, nonce12, aad).encrypt(pt[64]), 1024: gcm(key32, nonce12, aad).encrypt(pt[1024]) }
const chachaCt = { 64: chacha20poly1305(key32, nonce12, aad).encrypt(pt[64]), 1024: chacha20poly1305(key32, nonce12, aad).encrypt(pt[1024]) }
const input1200 = fill(1200, 17, 5)
const out32 = new Uint8Array(32)
const keccakSha3 = () => { const o = new Uint8Array(32); hashOnce(RATE_256, DS_SHA3, input1200, 0, 1200, o, 0, 32); return o }
const keccakShake = () => { const o = new Uint8Array(32); hashOnce(RATE_256, DS_SHAKE, input1200, 0, 1200, o, 0, 32); return o }
const hkdf = (h) => { const k = createHkdfSha256(h); return async () => k.expand(await k.extract(key32, msgs[64]), msgs[128], 96) }
const subtleHkdf = hkdf(webCryptoHmacSha256)
const nobleHkdf = hkdf(nobleHmacSha256)
const base = new Uint8Array(32); base[0] = 9

// ---- the operations: [group, implementation, fn, async?] ----
const ops = [
  ['x25519.publicKey', 'pq-edge-js', () => ours.publicKey(sks[c++ & 3])],
  ['x25519.publicKey', 'pq-edge-js-ladder', () => ours.scalarMult(sks[c++ & 3], base)],
  ['x25519.publicKey', 'noble', () => noble.getPublicKey(sks[c++ & 3])],
  ['x25519.sharedSecret', 'pq-edge-js', () => { const i = c++ & 3; return ours.sharedSecret(sks[i], peers[i ^ 1]) }],
  ['x25519.sharedSecret', 'noble', () => { const i = c++ & 3; return noble.getSharedSecret(sks[i], peers[i ^ 1]) }],
  ...[32, 64, 128, 200].flatMap((n) => [
    ['hmacSha256.' + n + 'B', 'subtle', () => webCryptoHmacSha256.mac(key32, msgs[n]), true],
    ['hmacSha256.' + n + 'B', 'noble', () => hmac(sha256, key32, msgs[n])],
  ]),
  ['hkdfSha256.extract+expand96 (4 HMAC)', 'subtle', subtleHkdf, true],
  ['hkdfSha256.extract+expand96 (4 HMAC)', 'noble', nobleHkdf, true],
  ...[64, 1024].flatMap((n) => [
    ['aes256gcm.seal.' + n + 'B', 'noble', () => gcm(key32, nonce12, aad).encrypt(pt[n])],
    ['aes256gcm.open.' + n + 'B', 'noble', () => gcm(key32, nonce12, aad).decrypt(gcmCt[n])],
    ['chacha20poly1305.seal.' + n + 'B', 'noble', () => chacha20poly1305(key32, nonce12, aad).encrypt(pt[n])],
    ['chacha20poly1305.open.' + n + 'B', 'noble', () => chacha20poly1305(key32, nonce12, aad).decrypt(chachaCt[n])],
  ]),
  ['sha3_256.1200B', 'noble', () => sha3_256(input1200)],
  ['sha3_256.1200B', 'pq-edge-keccak', keccakSha3],
  ['shake256.1200B->32B', 'noble', () => shake256(input1200, { dkLen: 32 })],
  ['shake256.1200B->32B', 'pq-edge-keccak', keccakShake],
]

async function batch(fn, isAsync, n) {
  const t = now()
  if (isAsync) for (let i = 0; i < n; i++) await fn()
  else for (let i = 0; i < n; i++) fn()
  return now() - t
}

async function run() {
  // Cross-checks: the implementations compared must agree.
  const agree = {
    x25519PublicKey: sks.every((sk) => hex(ours.publicKey(sk)) === hex(noble.getPublicKey(sk)) && hex(ours.scalarMult(sk, base)) === hex(noble.getPublicKey(sk))),
    x25519SharedSecret: sks.every((sk, i) => hex(ours.sharedSecret(sk, peers[i ^ 1])) === hex(noble.getSharedSecret(sk, peers[i ^ 1]))),
    hmacSha256: hex(await webCryptoHmacSha256.mac(key32, msgs[200])) === hex(hmac(sha256, key32, msgs[200])),
    hkdfSha256: hex(await subtleHkdf()) === hex(await nobleHkdf()),
    sha3_256: hex(keccakSha3()) === hex(sha3_256(input1200)),
    shake256: hex(keccakShake()) === hex(shake256(input1200, { dkLen: 32 })),
  }
  // Calibrate each op's batch length (doubling until a batch takes >= MIN_BATCH_MS), then run the batches
  // round-robin over all ops, so that load from elsewhere on the machine spreads evenly.
  const perBatch = []
  for (const [, , fn, isAsync] of ops) {
    let n = 1
    while ((await batch(fn, isAsync, n)) < MIN_BATCH_MS) n *= 2
    perBatch.push(n)
  }
  const samples = ops.map(() => [])
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < ops.length; i++) samples[i].push((await batch(ops[i][2], ops[i][3], perBatch[i])) / perBatch[i])
  }
  const results = {}
  ops.forEach(([group, impl], i) => {
    results[group] ??= {}
    results[group][impl] = { ms: median(samples[i]), minMs: Math.min(...samples[i]), perBatch: perBatch[i] }
  })
  const report = { engine: 'js-compute-runtime (StarlingMonkey)', clock: 'Date.now() (1 ms), batch means', batches: BATCHES, unit: 'ms per op (median of batch means)', agree, results }
  console.log(${JSON.stringify(MARK)} + JSON.stringify(report))
}
run().catch((e) => console.log(${JSON.stringify(MARK)} + JSON.stringify({ error: String(e && e.stack || e) })))
addEventListener('fetch', (event) => event.respondWith(new Response('bench')))
`

export async function runCryptoBench(batches = 9): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-crypto-bench-'))
  try {
    const { output } = await compileEntry(dir, 'bench', entry(batches))
    const line = output.split('\n').find((l) => l.includes(MARK))
    if (!line) throw new Error(`no report from the engine; its output:\n${output}`)
    return JSON.parse(line.slice(line.indexOf(MARK) + MARK.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * What the X25519 fixed-base table adds to main.wasm: the same entry (the module kept alive by a fetch
 * handler, then the freed-memory scrub src/runtime/fastly.ts ends its build with) built with the module as
 * it is and with its BASE_TABLE literal emptied.
 */
export async function measureTableBytes(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-x25519-table-'))
  try {
    const source = readFileSync(join(ROOT, 'src/crypto/x25519-js.ts'), 'utf8')
    const literal = /const BASE_TABLE: readonly bigint\[\] = \[\n[^\]]*\]/
    if (!literal.test(source)) throw new Error('src/crypto/x25519-js.ts: the BASE_TABLE literal was not found')
    // The copy imports only types (erased by esbuild), so it can live outside the tree.
    const copy = join(dir, 'x25519-js.no-table.ts')
    writeFileSync(copy, source.replace(literal, 'const BASE_TABLE: readonly bigint[] = []'))
    const program = (module: string) => `
import { x25519Sync } from ${JSON.stringify(module)}
addEventListener('fetch', (event) => event.respondWith(new Response(x25519Sync.publicKey(new Uint8Array(32).fill(1)))))
const held = []
for (const [bytes, count] of [[1 << 20, 2], [65536, 32], [4096, 256], [512, 1024]]) for (let i = 0; i < count; i++) held.push(new ArrayBuffer(bytes))`
    const sizes = async (name: string, module: string) => {
      const { wasm } = await compileEntry(dir, name, program(module))
      return { raw: statSync(wasm).size, gzip: gzipSync(readFileSync(wasm), { level: 9 }).length }
    }
    const withTable = await sizes('with', './src/crypto/x25519-js.ts')
    const without = await sizes('without', copy)
    return { rawBytes: withTable.raw - without.raw, gzipBytes: withTable.gzip - without.gzip }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

type Results = Record<string, Record<string, { ms: number }>>

/** Speed-up of our / native implementation over noble per group (noble ms ÷ other ms; > 1: faster than noble). */
function ratios(results: Results): Record<string, Record<string, number>> {
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const batches = Number(args.find((a) => /^\d+$/.test(a))) || undefined
  const report = (await runCryptoBench(batches)) as { results?: Results }
  const table = args.includes('--no-size') ? undefined : await measureTableBytes()
  const x = report.results ?? {}
  const pub = x['x25519.publicKey']
  const shared = x['x25519.sharedSecret']
  // A server establishment needs three X25519 scalar multiplications: one publicKey, two sharedSecret.
  const establishment =
    pub && shared
      ? {
          'pq-edge-js': Number((pub['pq-edge-js']!.ms + 2 * shared['pq-edge-js']!.ms).toFixed(2)),
          noble: Number((pub.noble!.ms + 2 * shared.noble!.ms).toFixed(2)),
        }
      : undefined
  console.log(JSON.stringify({ ...report, ratios: ratios(x), x25519Establishment3Ops: establishment, x25519TableBytes: table }, null, 2))
}
