/// <reference path="../../../scripts/fastly/engine-input.d.ts" />
// The engine-side conformance suite: a TEST BUILD of the Fastly artifact, never deployed. Bundled by
// test/fastly/engine/run.ts with the vectors injected ('pq-edge-engine:input'); js-compute-runtime
// runs this module's top level at build time inside StarlingMonkey, the engine Fastly runs. The top
// level checks, with the Fastly backend set (the TypeScript ML-KEM core and whatever selectFastlyBackends()
// probes), the ML-KEM, X-Wing and HPKE vectors, prints one report line (printReport: ENGINE_REPORT_MARK + JSON) and throws
// on any mismatch, which makes js-compute-runtime exit non-zero: the build fails. The built artifact
// then answers one request, ESTABLISHMENT_PATH, by timing full POST /v2/sessions establishments in
// every mode on the real app, with those backends and with all-noble ones (see below for why there),
// and CALIBRATION_PATH, by running the calibration workload (run.ts times it from outside).

import rawInput, { parsedAt as inputParsedAt, startedAt } from 'pq-edge-engine:input'
import { ml_kem768 as nobleMlKem768 } from '@noble/post-quantum/ml-kem.js'
import { printReport } from '../../../scripts/fastly/engine-report.ts'
import { fromB64u, sha256, utf8, wipe } from '../../../src/crypto/bytes.ts'
import { INTERPRETER_FALLBACKS } from '../../../src/crypto/interpreter.ts'
import { nobleHmacSha256 } from '../../../src/crypto/noble.ts'
import { describeBackends, nobleBackends, type SelectedBackends } from '../../../src/crypto/select.ts'
import { x25519Sync } from '../../../src/crypto/x25519-js.ts'
import { createHpke } from '../../../src/hpke/hpke.ts'
import { clearCaches } from '../../../src/mlkem/js/cache.ts'
import { createJsMlKem } from '../../../src/mlkem/js/core.ts'
import { createFastlyApp, primeKnownPublicKeys, selectFastlyBackends } from '../../../src/runtime/fastly-app.ts'
import { settleSnapshot } from '../../../src/runtime/fastly-snapshot.ts'
import type { ServiceVars } from '../../../src/service/context.ts'
import { knownPublicKeysFor } from '../../../src/service/keys.ts'
import { MemoryConfigStore } from '../../../src/service/store-memory.ts'
import { WIPE_CASES, wipeFailures } from '../../support/wipe-cases.ts'
import { checkHmacUnderGcPressure, checkHpke, checkMlKem, checkXWing, Tally, toHex } from './conformance.ts'
import { type Composition, timeEstablishment } from './establishment.ts'
import {
  CALIBRATION_PATH,
  CALIBRATION_REPEATS,
  type CompositionTiming,
  ESTABLISHMENT_PATH,
  type SuiteInput,
  type SuiteReport,
  WIPE_CHECK_NAME,
} from './input.ts'

const input = rawInput as SuiteInput

// ---------- TEST-ONLY configuration: fixed, public values; this build is never deployed ----------
/** TEST-ONLY server secret (32 bytes, base64url): "TEST-ONLY pq-edge engine suite!!". Never use it anywhere else. */
const TEST_ONLY_SERVER_SECRET = 'VEVTVC1PTkxZIHBxLWVkZ2UgZW5naW5lIHN1aXRlISE'
/** TEST-ONLY client credentials. */
const TEST_ONLY_CLIENT = { principal: 'client', id: 'engine-suite', secret: 'pqe_client_TEST-ONLY-engine-suite-not-secret' } as const
const TEST_ONLY_CLASSICAL = { ...TEST_ONLY_CLIENT, secret: 'pqe_client_TEST-ONLY-engine-suite-classical' } as const
const TEST_ONLY_ADMIN = { principal: 'admin', secret: 'pqe_admin_TEST-ONLY-engine-suite-not-secret' } as const

const failures: string[] = []
const partMs: Record<string, number> = { input: inputParsedAt - startedAt }
const counts: SuiteReport['suites'] = []
const record = (tally: Tally, ms?: number) => {
  counts.push({ ...tally.count(), ...(ms === undefined ? {} : { ms }) })
  failures.push(...tally.failures)
}
async function part(name: string, fn: () => Promise<void>) {
  if (!(input.parts as string[]).includes(name)) return
  const t = Date.now()
  await fn()
  partMs[name] = Date.now() - t
}

// The build-time clock (the per-suite times use it): Date.now() must advance, or those numbers mean nothing.
const d0 = Date.now()
let spin = 0
for (let i = 0; i < 3e5; i++) spin = (spin + Math.imul(i, 2654435761)) | 0
const clockAdvancedMs = Date.now() - d0

/** The calibration workload (see Calibration in input.ts): fixed public inputs, ~100 ms of engine time. */
function calibrationWorkload(): void {
  const kem = createJsMlKem().ml_kem768
  const key = kem.keygen(new Uint8Array(64).fill(42))
  const m = new Uint8Array(32).fill(7)
  const u = new Uint8Array(32).fill(9)
  const k = new Uint8Array(32).fill(77)
  for (let i = 0; i < 8; i++) {
    const { cipherText } = kem.encapsulate(key.publicKey, m)
    kem.decapsulate(cipherText, key.secretKey)
    x25519Sync.sharedSecret(k, u)
  }
}
/** Runs of the calibration on each side; the fastest counts (other load on the machine only adds time). */
const CALIBRATION_RUNS = 5
let calibrationBuildMs = Number.POSITIVE_INFINITY
for (let i = 0; i < CALIBRATION_RUNS; i++) {
  const start = Date.now()
  calibrationWorkload()
  calibrationBuildMs = Math.min(calibrationBuildMs, Date.now() - start)
}

// The Fastly backend set, as the app selects it: the TypeScript ML-KEM core, probes, interpreter fallbacks.
const jsMlKem = createJsMlKem()
const fastly = await selectFastlyBackends()
// "The same build using noble": every primitive from @noble/*, ML-KEM from @noble/post-quantum.
const nobleSelected: SelectedBackends = (() => {
  const backends = nobleBackends({ ml_kem768: nobleMlKem768, getBackend: () => undefined })
  return { backends, describe: describeBackends(backends) }
})()
const NOBLE_DESCRIPTION = {
  x25519: 'noble',
  hkdf: 'noble',
  aesGcm: 'noble',
  chacha20poly1305: 'noble',
  mlkem768: '@noble/post-quantum',
  sha3: 'noble',
}

// wipe(): every case of the shared list, in this engine.
{
  const tally = new Tally(WIPE_CHECK_NAME)
  tally.checked = WIPE_CASES
  for (const failure of wipeFailures(wipe)) tally.fail(failure.slice(0, failure.indexOf(':')), failure)
  record(tally)
}
await part('hmac', async () =>
  record(await checkHmacUnderGcPressure([fastly.backends.hmacSha256, INTERPRETER_FALLBACKS.hmacSha256], nobleHmacSha256)),
)
await part('xwing', async () => record(await checkXWing(fastly.backends, input.xwing)))
await part('hpke', async () => record(await checkHpke(fastly.backends, input.hpke)))
await part('mlkem', async () => {
  for (const suite of input.mlkem) {
    const t = Date.now()
    const tally = checkMlKem(jsMlKem, suite)
    record(tally, Date.now() - t)
  }
})

// The app exactly as src/runtime/fastly.ts builds it (createFastlyApp), over an in-memory store, with
// the TEST-ONLY secret's public keys built in as `npm run fastly:keys` would: computed, and the ML-KEM
// caches primed, here at the top level, i.e. at build time, as the real entry does.
const testVars: ServiceVars = {
  SERVER_SECRET: TEST_ONLY_SERVER_SECRET,
  CLIENTS: JSON.stringify([
    {
      id: TEST_ONLY_CLIENT.id,
      secretSha256: toHex(await sha256(utf8(TEST_ONLY_CLIENT.secret))),
      classicalSecretSha256: toHex(await sha256(utf8(TEST_ONLY_CLASSICAL.secret))),
      scopes: ['app/'],
    },
  ]),
  ADMIN_TOKEN_SHA256: toHex(await sha256(utf8(TEST_ONLY_ADMIN.secret))),
  // pq-preferred accepts all three modes (classical as a logged fallback), so each can be timed.
  PQ_POLICY: 'pq-preferred',
  // The TEST-ONLY secret is readable text, which a deployed service refuses (src/service/keys.ts);
  // this build is a local test, never deployed.
  PQ_EDGE_DEV: '1',
}
const testKnownPublicKeys = [
  await knownPublicKeysFor(fastly.backends, createHpke(fastly.backends), fromB64u(TEST_ONLY_SERVER_SECRET, 'secret', 32)),
]
primeKnownPublicKeys(testKnownPublicKeys)

/** A fresh app per call (a fresh sandbox), over one backend selection. */
function fastlyAppComposition(name: string, select: () => Promise<SelectedBackends>, description: Record<string, string>): Composition {
  // One deployment's vault, shared by its fresh apps (sandboxes), so a cold read finds the record.
  const store = new MemoryConfigStore()
  return {
    name,
    backends: description,
    // The TypeScript core's public caches as the real build snapshots them: only the primed key.
    resetToSnapshot() {
      clearCaches()
      primeKnownPublicKeys(testKnownPublicKeys)
    },
    createApp() {
      let selected: Promise<SelectedBackends> | undefined
      return createFastlyApp(
        // Metrics log lines (the classical fallback's warning) are dropped: they are not what is measured.
        { readVars: async () => testVars, openStore: () => store, log: () => {}, knownPublicKeys: testKnownPublicKeys },
        { runtimeName: 'fastly-compute-selftest', crypto: () => (selected ??= select()) },
      ).app
    },
  }
}

partMs.total = Date.now() - startedAt
const report: SuiteReport = {
  engine:
    'js-compute-runtime (StarlingMonkey): conformance at the module top level (build time, wizer/wasmtime); establishment timing in a request',
  clock: `Date.now() at build time (advanced ${clockAdvancedMs} ms over a 3e5-step spin (${spin & 1}); performance.now() traps there); performance.now() in the request`,
  backends: { ...fastly.describe },
  suites: counts,
  establishment: null,
  partMs,
  ok: failures.length === 0,
}
printReport(report)
if (failures.length)
  throw new Error(`ENGINE SUITE FAILED (${failures.length} mismatch${failures.length === 1 ? '' : 'es'} shown):\n${failures.join('\n')}`)
// The snapshot settled as the real entry's is, so that a fresh instance of this build (the calibration
// request: run.ts) pays no first collection of the build's objects that a fresh real artifact does not.
settleSnapshot()

// ---------- the establishment timing: in a request ----------
// Request and Response cannot be constructed during initialisation ("The Request builtin can only be
// used during request handling"), so the real app cannot answer anything at build time: the timing runs
// when this build serves ESTABLISHMENT_PATH (test/fastly/engine/run.ts sends that one request through
// scripts/fastly/harness.ts). Same engine, same bundle; performance.now() works there.
async function establishment(): Promise<NonNullable<SuiteReport['establishment']>> {
  const client = {
    hpke: createHpke(fastly.backends),
    hmac: fastly.backends.hmacSha256,
    credentials: (mode: string) =>
      input.corrupt === 'establishment'
        ? { ...TEST_ONLY_CLIENT, secret: `${TEST_ONLY_CLIENT.secret}-corrupted` }
        : mode === 'classical'
          ? TEST_ONLY_CLASSICAL
          : TEST_ONLY_CLIENT,
    admin: TEST_ONLY_ADMIN,
  }
  // A fresh sandbox selects its backends anew (the probes run per app); noble has nothing to probe.
  const fastlyComposition = fastlyAppComposition('Fastly app, Fastly backends', selectFastlyBackends, { ...fastly.describe })
  const nobleComposition = fastlyAppComposition('Fastly app, all-noble backends', async () => nobleSelected, NOBLE_DESCRIPTION)
  const now = () => performance.now()
  // An untimed pass of both first: the harness runs the engine on V8, which compiles the engine's own
  // functions in tiers as they get hot; what runs first would pay for that (Fastly's wasmtime compiles
  // the whole engine ahead of time). Measured "cold" then means a fresh app, not a cold compiler.
  const warmUp = { batches: 1, perBatch: 1, coldRuns: 1 }
  await timeEstablishment(fastlyComposition, client, warmUp, now)
  await timeEstablishment(nobleComposition, client, warmUp, now)
  const f = await timeEstablishment(fastlyComposition, client, input.timing.fastly, now)
  const n = await timeEstablishment(nobleComposition, client, input.timing.noble, now)
  const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : 0)
  calibrationWorkload() // untimed: V8 tiers up the engine's hot functions first
  let harnessMs = Number.POSITIVE_INFINITY
  for (let i = 0; i < CALIBRATION_RUNS; i++) {
    const c0 = now()
    calibrationWorkload()
    harnessMs = Math.min(harnessMs, now() - c0)
  }
  const calibration = {
    buildTimeMs: calibrationBuildMs,
    harnessMs: Number(harnessMs.toFixed(1)),
    wasmtimeOverHarness: ratio(calibrationBuildMs, harnessMs),
  }
  const ratios: Record<string, number> = { coldContext: ratio(n.coldContextMs, f.coldContextMs) }
  for (const mode of Object.keys(f.modes) as (keyof CompositionTiming['modes'])[]) {
    ratios[mode] = ratio(n.modes[mode].coldMs, f.modes[mode].coldMs)
    ratios[`${mode}Warm`] = ratio(n.modes[mode].medianMs, f.modes[mode].medianMs)
  }
  return { fastly: f, noble: n, nobleOverFastly: ratios, calibration }
}

addEventListener('fetch', (event) => {
  const e = event as unknown as { request: Request; respondWith(r: Response | Promise<Response>): void }
  const path = new URL(e.request.url).pathname
  if (path === CALIBRATION_PATH) {
    for (let i = 0; i < CALIBRATION_REPEATS; i++) calibrationWorkload()
    e.respondWith(new Response(null, { status: 204 }))
    return
  }
  if (path !== ESTABLISHMENT_PATH) {
    e.respondWith(new Response('engine suite build: not for deployment', { status: 404 }))
    return
  }
  e.respondWith(
    establishment().then(
      (result) =>
        new Response(JSON.stringify({ ok: true, establishment: result }), { status: 200, headers: { 'content-type': 'application/json' } }),
      (error: unknown) =>
        new Response(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        }),
    ),
  )
})

/** Re-exported so the Node side can import its types from here, which puts this program under `npm run typecheck`. */
export type { SuiteReport }
