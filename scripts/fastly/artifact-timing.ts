// What a request costs on Fastly, measured as Fastly runs it: the real artifact (scripts/build-fastly.ts,
// the built-in public keys of a throwaway SERVER_SECRET), and every request a FRESH instance of it
// (scripts/fastly/harness.ts), so nothing a previous request did (lazily compiled functions, first-use
// initialisation, caches) is in place unless the build put it in the snapshot. The engine suite's own
// timing (test/fastly/engine/establishment.ts) builds a fresh *app* per cold request inside one engine
// instance, which keeps those; this is the figure to hold against Fastly's CPU limit.
//
// Scenarios per round: a 404 (an instance that does no service work), GET /v2/keys, POST /v2/sessions in
// each mode, and an authenticated GET /v2/config/{name} in a hybrid session, each in a fresh instance;
// then one instance serving three requests in a row (a reusable sandbox, as the artifact asks for:
// src/runtime/fastly.ts), a hybrid establishment (its first request, not recorded: it is the fresh
// case again), then another establishment and a read, the two recorded as "reused sandbox". A tree
// whose artifact does not ask for a next request has no figures there. Requests are prepared in
// Node by the tree's own client half (src/protocol/v2.ts), so only the guest's work is timed: the
// harness thread's CPU time while the guest runs (schedstat). This machine's scheduler counts that time
// in ticks (4 ms here), so each figure is a MEAN over the rounds (unbiased, with its standard error),
// not a median. Several source trees (e.g. main and a branch) run interleaved, the order flipped each
// round, so load changes hit all alike:
//
//   node scripts/fastly/bench.ts artifact [rounds] [--tree <path>]...   (default: this tree, 15 rounds)
//
// The secrets are random per run (never printed); nothing here is a test fixture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { mean, median, standardError } from '../stats.ts'
import { type FastlyTestResponse, HarnessKvStore, runFastlyRequest, runFastlySandbox } from './harness.ts'

const THIS_TREE = fileURLToPath(new URL('../..', import.meta.url))

export const ARTIFACT_SCENARIOS = [
  'GET /nothing (404)',
  'GET /v2/keys',
  'POST /v2/sessions hybrid',
  'POST /v2/sessions pq',
  'POST /v2/sessions classical',
  'GET /v2/config (hybrid session)',
  'POST /v2/sessions hybrid, reused sandbox',
  'GET /v2/config, reused sandbox',
] as const
export type ArtifactScenario = (typeof ARTIFACT_SCENARIOS)[number]

export interface ScenarioTiming {
  /** Mean guest CPU time per request, ms (NaN: no request of this kind was served). */
  cpuMs: number
  /** Its standard error, ms. */
  cpuSemMs: number
  /** Median guest wall time, ms (grows with other load on the machine). */
  wallMs: number
  requests: number
}

export interface TreeTiming {
  tree: string
  scenarios: Record<ArtifactScenario, ScenarioTiming>
}

// The tree's modules are imported by path, so another checkout (an older commit) is measured with its
// own code; their shapes are those of this tree's, checked loosely at run time.
// biome-ignore lint/suspicious/noExplicitAny: modules of another tree, untyped by design
type Module = Record<string, any>

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const sha256Hex = async (text: string) => hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

/** Builds one tree's artifact in `dir` and returns a function that runs one round of every scenario. */
async function prepareTree(tree: string, dir: string) {
  // An absolute file URL: a relative tree (`--tree .`) would otherwise be read as a package name.
  const load = (path: string): Promise<Module> => import(pathToFileURL(resolve(tree, path)).href)
  const [{ buildFastly }, { fastlyKeys }, bytes, select, hpkeNode, mlkemNode, v2] = await Promise.all([
    load('scripts/build-fastly.ts'),
    load('scripts/fastly-keys.ts'),
    load('src/crypto/bytes.ts'),
    load('src/crypto/select.ts'),
    load('src/hpke/node.ts'),
    load('src/mlkem/node.ts'),
    load('src/protocol/v2.ts'),
  ])
  const serverSecret = b64u(random(32))
  const client = { principal: 'client', id: 'bench', secret: `pqe_client_${b64u(random(18))}` }
  const classical = { ...client, secret: `pqe_client_${b64u(random(18))}` }
  const admin = { principal: 'admin', secret: `pqe_admin_${b64u(random(18))}` }
  const clients = JSON.stringify([
    {
      id: 'bench',
      secretSha256: await sha256Hex(client.secret),
      classicalSecretSha256: await sha256Hex(classical.secret),
      scopes: ['app/'],
    },
  ])
  const keysFile = join(dir, 'fastly-keys.json')
  writeFileSync(keysFile, JSON.stringify(await fastlyKeys([{ variable: 'SERVER_SECRET', value: serverSecret }])))
  const wasm = join(dir, 'main.wasm')
  await buildFastly({ keysFile, bundle: join(dir, 'index.js'), wasm, log: () => {} })

  const options = {
    secrets: { 'pq-edge-secrets': { SERVER_SECRET: serverSecret, ADMIN_TOKEN_SHA256: await sha256Hex(admin.secret), CLIENTS: clients } },
    configStores: { pq_edge_settings: { PQ_POLICY: 'pq-preferred' } },
    kvStores: { 'pq-edge-config': new HarnessKvStore() },
  }
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    runFastlyRequest(wasm, { method, url: `https://pq-edge.bench${path}`, headers: Object.entries(headers), body }, options)
  const { backends } = await select.lazyBackends(mlkemNode)()
  const keys = call('GET', '/v2/keys').json() as { keys: { kid: string; mode: string; publicKey: string; status: string }[] }
  const suiteFor = (mode: string) =>
    hpkeNode.hpke.suite({ kem: v2.MODE_KEM[mode], kdf: v2.KDF_HKDF_SHA256, aead: 0x0003, allowClassical: mode === 'classical' })
  const keyOf = (mode: string) => {
    const key = keys.keys.find((k) => k.mode === mode && k.status === 'current')
    if (!key) throw new Error(`${tree}: no current ${mode} key published`)
    return { ...key, bytes: bytes.fromB64u(key.publicKey, 'publicKey') as Uint8Array }
  }
  const now = () => Math.floor(Date.now() / 1000)

  const sessionRequest = async (mode: string, credentials: object) => {
    const key = keyOf(mode)
    const pending = await v2.beginSession({ suite: suiteFor(mode), kid: key.kid, serverPublicKey: key.bytes, credentials })
    const request = {
      method: 'POST',
      url: `https://pq-edge.bench/v2/sessions`,
      headers: [['content-type', 'application/json']] as [string, string][],
      body: JSON.stringify(pending.request),
    }
    return { pending, request }
  }
  async function finish(mode: string, pending: unknown, res: ReturnType<typeof call>) {
    if (res.status !== 201) throw new Error(`${tree}: POST /v2/sessions (${mode}) answered ${res.status}: ${res.text()}`)
    // The client half checks key confirmation: a fast but wrong server fails here.
    return v2.finishSession({ suite: suiteFor(mode), hmac: backends.hmacSha256, pending, response: res.json() })
  }
  async function establish(mode: string, credentials: object) {
    const { pending, request } = await sessionRequest(mode, credentials)
    const res = runFastlyRequest(wasm, request, options)
    return { res, session: await finish(mode, pending, res) }
  }

  // The record the reads fetch, written by the admin in a session of its own.
  const { session: adminSession } = await establish('hybrid', admin)
  const name = 'app/bench'
  const value = `postgres://${b64u(random(12))}`
  const hybrid = keyOf('hybrid')
  const body = JSON.stringify(
    await v2.sealConfigPut({
      suite: suiteFor('hybrid'),
      kid: hybrid.kid,
      serverPublicKey: hybrid.bytes,
      name,
      baseVersion: 0,
      value: bytes.utf8(value),
    }),
  )
  const path = `/v2/config/${name}`
  const putHeaders = await v2.authHeaders(backends.hmacSha256, adminSession, {
    method: 'PUT',
    pathAndQuery: path,
    timestamp: now(),
    ifNoneMatch: '*',
    body: bytes.utf8(body),
  })
  const put = call('PUT', path, { ...putHeaders, 'if-none-match': '*', 'content-type': 'application/json' }, body)
  if (put.status !== 201) throw new Error(`${tree}: PUT ${path} answered ${put.status}: ${put.text()}`)
  const { session: reader } = await establish('hybrid', client)
  // The harness compiles the module once; these untimed requests let V8 finish tiering it up.
  for (let i = 0; i < 3; i++) call('GET', '/health')

  /** The headers of a read as the reader (a fresh timestamp and MAC each time). */
  function readHeaders() {
    return v2.authHeaders(backends.hmacSha256, reader, { method: 'GET', pathAndQuery: path, timestamp: now() }) as Promise<
      Record<string, string>
    >
  }
  /** Checks a read answered the value written (opened with the reader's ephemeral key). */
  async function checkRead(read: FastlyTestResponse) {
    if (read.status !== 200) throw new Error(`${tree}: GET ${path} answered ${read.status}: ${read.text()}`)
    const sealed = read.json() as { version: number; enc: string; ciphertext: string }
    const opened = await v2.openConfigValue({
      suite: suiteFor('hybrid'),
      ephemeralPrivateKey: reader.ephemeral.privateKey,
      name,
      version: sealed.version,
      sessionId: reader.sessionId,
      enc: sealed.enc,
      ciphertext: sealed.ciphertext,
    })
    if (new TextDecoder().decode(opened) !== value) throw new Error(`${tree}: the value read is not the one written`)
  }

  return async function round(record: (scenario: ArtifactScenario, cpuMs: number, wallMs: number) => void) {
    const time = (scenario: ArtifactScenario, res: { guestCpuMs: number; guestMs: number }) => record(scenario, res.guestCpuMs, res.guestMs)
    time('GET /nothing (404)', call('GET', '/nothing'))
    time('GET /v2/keys', call('GET', '/v2/keys'))
    time('POST /v2/sessions hybrid', (await establish('hybrid', client)).res)
    time('POST /v2/sessions pq', (await establish('pq', client)).res)
    time('POST /v2/sessions classical', (await establish('classical', classical)).res)
    const read = call('GET', path, await readHeaders())
    await checkRead(read)
    time('GET /v2/config (hybrid session)', read)

    // One sandbox, three requests: its first is the fresh case again; the next two find it in place.
    const first = await sessionRequest('hybrid', client)
    const second = await sessionRequest('hybrid', client)
    const readRequest = { method: 'GET', url: `https://pq-edge.bench${path}`, headers: Object.entries(await readHeaders()) }
    const run = runFastlySandbox(wasm, [first.request, second.request, readRequest], options)
    if (run.responses.length < 3) return // this tree's artifact serves one request per sandbox
    const [, establishedAgain, readAgain] = run.responses as [FastlyTestResponse, FastlyTestResponse, FastlyTestResponse]
    await finish('hybrid', first.pending, run.responses[0]!)
    await finish('hybrid', second.pending, establishedAgain)
    await checkRead(readAgain)
    time('POST /v2/sessions hybrid, reused sandbox', establishedAgain)
    time('GET /v2/config, reused sandbox', readAgain)
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100

/** Times every scenario on each tree's artifact (fresh instance per request), trees interleaved. */
export async function timeArtifacts(
  options: {
    rounds?: number
    trees?: string[]
    log?: (line: string) => void
    /** Called once per round, after the trees' requests (e.g. to time a calibration on the same clock). */
    eachRound?: () => void
  } = {},
): Promise<TreeTiming[]> {
  const rounds = options.rounds ?? 15
  const trees = options.trees?.length ? options.trees : [THIS_TREE]
  const log = options.log ?? (() => {})
  const dirs = trees.map(() => mkdtempSync(join(tmpdir(), 'pq-edge-artifact-timing-')))
  try {
    const runs = []
    for (const [i, tree] of trees.entries()) {
      log(`artifact timing: building ${tree}`)
      runs.push(await prepareTree(tree, dirs[i]!))
    }
    const samples = trees.map(() => new Map<ArtifactScenario, { cpu: number[]; wall: number[] }>())
    for (let r = 0; r < rounds; r++) {
      const order = [...trees.keys()]
      if (r % 2) order.reverse()
      for (const t of order)
        await runs[t]!((scenario, cpu, wall) => {
          const s = samples[t]!.get(scenario) ?? { cpu: [], wall: [] }
          s.cpu.push(cpu)
          s.wall.push(wall)
          samples[t]!.set(scenario, s)
        })
      options.eachRound?.()
      log(`artifact timing: round ${r + 1}/${rounds}`)
    }
    return trees.map((tree, t) => ({
      tree,
      scenarios: Object.fromEntries(
        ARTIFACT_SCENARIOS.map((scenario) => {
          const s = samples[t]!.get(scenario)
          if (!s) return [scenario, { cpuMs: Number.NaN, cpuSemMs: Number.NaN, wallMs: Number.NaN, requests: 0 }]
          return [
            scenario,
            { cpuMs: round2(mean(s.cpu)), cpuSemMs: round2(standardError(s.cpu)), wallMs: round2(median(s.wall)), requests: s.cpu.length },
          ]
        }),
      ) as Record<ArtifactScenario, ScenarioTiming>,
    }))
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
