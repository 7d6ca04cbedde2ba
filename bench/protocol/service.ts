// Server-side cost of the protocol on the real app, runtime-neutral (Node in-process, and inside
// workerd through bench/protocol/workerd.ts): `POST /v{N}/sessions` per mode and an authenticated
// `GET /v{N}/config/{name}` in a hybrid session, ChaCha20-Poly1305, against src/app.ts with the service
// routes and an in-memory store. The driver is scripts/bench-protocol.ts (`npm run bench`, or
// `node scripts/bench.ts --protocol-only`).
//
// Generic over a source tree: everything comes from the tree's own modules (its app, service context,
// store, crypto selection, and its test client, test/support/service-client.ts, with the test
// configuration of test/service/secrets.ts), so the same harness measures this tree and an older one
// (`--baseline-tree <path>`, e.g. a checkout of the last commit that served protocol v1). Requests are
// built by the tree's own client half before a batch (prepare), so a batch (run) times only the
// server: the app's fetch, from a Request to a consumed Response.

/** One source tree's modules, as imported by the driver (Node) or by the generated worker (workerd). */
export interface TreeModules {
  /** src/app.ts */
  app: unknown
  /** src/capabilities.ts */
  capabilities: unknown
  /** src/crypto/select.ts */
  select: unknown
  /** src/mlkem/node.ts or src/mlkem/workerd.ts */
  mlkem: unknown
  /** src/service/context.ts */
  context: unknown
  /** src/service/metrics.ts */
  metrics: unknown
  /** src/service/store-memory.ts */
  store: unknown
  /** src/hpke/hpke.ts */
  hpke: unknown
  /** src/protocol/v{N}.ts, the highest N */
  protocol: unknown
  /** test/support/service-client.ts */
  client: unknown
  /** test/service/secrets.ts */
  secrets: unknown
  /** Node only: src/crypto/node-x25519.ts where the tree has it (its Node entries prefer it). */
  nodeX25519?: unknown
}

type Fetch = (request: Request, env?: unknown) => Response | Promise<Response>
type Init = RequestInit
type Session = { ticket: string }
interface TestClient {
  keyFor(mode: string): Promise<unknown>
  sessionRequest(opts: { key: unknown; credentials?: unknown }): Promise<{ pending: { request: unknown } }>
  establish(opts: { key: unknown }): Promise<Session>
  adminPut(name: string, value: string): Promise<Response>
  /** v2 and later: the RequestInit of a signed request. */
  signed?(session: Session, method: string, path: string): Promise<Init>
}

export const MODES = ['hybrid', 'pq', 'classical'] as const
export type BenchMode = (typeof MODES)[number]

export interface ProtocolCase {
  /** e.g. `POST /v2/sessions hybrid` */
  name: string
  /** Stable across protocol versions, to pair a tree's case with another's. */
  id: string
}

export interface TreeBench {
  version: number
  cases: ProtocolCase[]
  /** Which implementation serves each primitive on the server. */
  backends: unknown
  /** Builds the requests of the next batch of `n` of case `index` (not timed). */
  prepare(index: number, n: number): Promise<void>
  /** Runs the prepared batch through the app; throws on any unexpected status. */
  run(): Promise<void>
}

/** The value read: the size of a typical secret (a database URL). */
export const READ_VALUE = 'postgres://app:s3cr3t-password-of-some-length@db.internal:5432/app?sslmode=verify-full'
const READ_NAME = 'app/bench-read'
const ORIGIN = 'http://bench.local'
/** Sessions are re-established before this age (tickets live 900 s by default in both versions). */
const SESSION_MAX_AGE_MS = 300_000

/**
 * Builds the app of a tree with an in-memory store, as its Workers entry wires it (src/runtime/cloudflare.ts),
 * and the test client over its fetch. `prebuild`: make the Request objects while preparing (Node);
 * otherwise during the run (workerd, where a Request made while serving another request may not be usable).
 */
export async function createTreeBench(tree: TreeModules, options: { prebuild: boolean }): Promise<TreeBench> {
  const m = tree as unknown as {
    app: { createApp(deps: unknown): { fetch: Fetch } }
    capabilities: { detectCryptoCapabilities(): Promise<unknown> }
    select: {
      lazyBackends(mlkem: unknown, preferred?: unknown): () => Promise<{ backends: unknown; describe: unknown }>
    }
    mlkem: { init?(): Promise<void> }
    context: { createServiceContext(vars: unknown, deps: unknown): Promise<unknown> }
    metrics: { Metrics: new (sinks: unknown) => unknown }
    store: { MemoryConfigStore: new () => unknown }
    hpke: { createHpke(source: unknown): unknown }
    protocol: { PROTOCOL_VERSION: number }
    client: {
      createServiceClient(options: unknown): TestClient
      json(body: unknown): Init
      ticketAuth?(ticket: string): Record<string, string>
    }
    secrets: Record<string, unknown> & { TEST_BINDINGS: Record<string, string>; TEST_CLIENT: unknown }
    nodeX25519?: { nodeX25519: unknown }
  }
  await m.mlkem.init?.()
  const crypto = m.nodeX25519 ? m.select.lazyBackends(m.mlkem, { x25519: m.nodeX25519.nodeX25519 }) : m.select.lazyBackends(m.mlkem)
  const backends = async () => (await crypto()).backends
  const store = new m.store.MemoryConfigStore()
  const metrics = new m.metrics.Metrics({ log: () => {} })
  const env = { ...m.secrets.TEST_BINDINGS }
  let context: Promise<unknown> | undefined
  const app = m.app.createApp({
    runtime: { name: 'bench' },
    mlkem: m.mlkem,
    crypto,
    detectCapabilities: m.capabilities.detectCryptoCapabilities,
    service: () =>
      (context ??= backends().then((b) => m.context.createServiceContext(env, { backends: b, openStore: () => store, metrics }))),
    logError: (message: string, error: unknown) => console.error(message, error),
  })
  const call = async (path: string, init?: Init) => app.fetch(new Request(`${ORIGIN}${path}`, init), env)
  const version = m.protocol.PROTOCOL_VERSION
  const s = m.secrets
  const client = m.client.createServiceClient({
    call,
    hpke: m.hpke.createHpke(backends),
    backends,
    // v1 took the admin token, v2 admin credentials: each tree's client reads the one it knows.
    adminToken: s.TEST_ADMIN_TOKEN,
    admin: s.TEST_ADMIN,
    client: s.TEST_CLIENT,
  })

  // A value to read, and a hybrid session to read it with (re-established when old).
  const put = await client.adminPut(READ_NAME, READ_VALUE)
  if (put.status !== 201) throw new Error(`PUT ${READ_NAME}: ${put.status} ${await put.text()}`)
  const keys = new Map<BenchMode, unknown>()
  for (const mode of MODES) keys.set(mode, await client.keyFor(mode))
  let reader: { session: Session; at: number } | undefined
  const readSession = async () => {
    if (!reader || Date.now() - reader.at > SESSION_MAX_AGE_MS)
      reader = { session: await client.establish({ key: keys.get('hybrid') }), at: Date.now() }
    return reader.session
  }
  // Classical sessions: a client marked for classical with its classical secret where the tree has one (v2).
  const credentialsFor = (mode: BenchMode) => (mode === 'classical' ? (s.TEST_LEGACY_CLASSICAL ?? s.TEST_CLIENT) : s.TEST_CLIENT)

  type Plan = { path: string; expect: number; make(n: number): Promise<Init[]> }
  const readPath = `/v${version}/config/${READ_NAME}`
  const plans: [ProtocolCase, Plan][] = [
    ...MODES.map((mode): [ProtocolCase, Plan] => [
      { id: `establish ${mode}`, name: `POST /v${version}/sessions ${mode}` },
      {
        path: `/v${version}/sessions`,
        expect: 201,
        make: async (n) => {
          const inits: Init[] = []
          for (let i = 0; i < n; i++) {
            const { pending } = await client.sessionRequest({ key: keys.get(mode), credentials: credentialsFor(mode) })
            inits.push(m.client.json(pending.request))
          }
          return inits
        },
      },
    ]),
    [
      { id: 'read hybrid', name: `GET /v${version}/config/{name} (hybrid session)` },
      {
        path: readPath,
        expect: 200,
        make: async (n) => {
          const session = await readSession()
          // One signed request per batch (a v2 MAC covers method, path and the second: requests in one second are identical).
          const init: Init = client.signed
            ? await client.signed(session, 'GET', readPath)
            : { headers: m.client.ticketAuth!(session.ticket) }
          return Array.from({ length: n }, () => init)
        },
      },
    ],
  ]

  // Check every case once, end to end, before any timing.
  for (const [c, plan] of plans) {
    const [init] = await plan.make(1)
    const res = await call(plan.path, init)
    if (res.status !== plan.expect) throw new Error(`${c.name}: ${res.status} ${await res.text()}`)
  }

  let batch: { plan: Plan; inits: Init[]; requests: Request[] | null } | undefined
  return {
    version,
    cases: plans.map(([c]) => c),
    backends: (await crypto()).describe,
    async prepare(index, n) {
      const plan = plans[index]?.[1]
      if (!plan) throw new Error(`no case ${index}`)
      const inits = await plan.make(n)
      batch = { plan, inits, requests: options.prebuild ? inits.map((init) => new Request(`${ORIGIN}${plan.path}`, init)) : null }
    },
    async run() {
      if (!batch) throw new Error('nothing prepared')
      const { plan, inits, requests } = batch
      batch = undefined
      const url = `${ORIGIN}${plan.path}`
      for (let i = 0; i < inits.length; i++) {
        const res = await app.fetch(requests ? requests[i]! : new Request(url, inits[i]), env)
        if (res.status !== plan.expect) throw new Error(`${plan.path}: ${res.status} ${await res.text()}`)
        await res.arrayBuffer()
      }
    },
  }
}
