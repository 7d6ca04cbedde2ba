// Cloudflare Workers entry: wires the platform into the shared app. Module top level builds the
// app only; no secrets or randomness here. The service context (keys derived from SERVER_SECRET,
// auth, policy, the Durable Object store) is built on the first request that needs it, once per
// isolate and env object.
import { createApp } from '../app.ts'
import { detectCryptoCapabilities } from '../capabilities.ts'
import { lazySelection, selectWith } from '../crypto/select-core.ts'
import { memoiseBy } from '../memo.ts'
import * as mlkem from '../mlkem/workerd.ts'
import { ConfigError } from '../service/config-error.ts'
import { createServiceContext, type ServiceContext } from '../service/context.ts'
import { type AnalyticsSink, Metrics } from '../service/metrics.ts'
import { CLOUDFLARE_FALLBACKS, refuseMissingPrimitives } from './cloudflare-crypto.ts'
import { DurableObjectConfigStore } from './cloudflare-store.ts'

/**
 * What the service reads from `env`: the Env that `npm run types` (wrangler types) generates from
 * wrangler.jsonc and .dev.vars.example into worker-configuration.d.ts, plus an optional Workers
 * Analytics Engine dataset for the metrics. Partial: any variable may be unset, and the service says
 * which one is missing (500 service_misconfigured).
 */
type WorkerEnv = Partial<Env> & { ANALYTICS?: AnalyticsSink }

// WebCrypto for every primitive it has here; no JavaScript fallbacks bundled (cloudflare-crypto.ts).
const crypto = lazySelection(() => selectWith(mlkem, CLOUDFLARE_FALLBACKS))

// Metrics are per isolate (GET /metrics shows this isolate's totals); the Analytics Engine sink is
// whichever binding the latest env carries.
let analytics: AnalyticsSink | undefined
const metrics = new Metrics({
  log: (line) => console.log(line),
  analytics: { writeDataPoint: (point) => analytics?.writeDataPoint(point) },
})

/** One context per isolate and env object (src/memo.ts: a configuration error is kept and logged once). */
const contextFor = memoiseBy(build)

function service(env: unknown): Promise<ServiceContext> {
  const bindings = (env ?? {}) as WorkerEnv
  analytics = bindings.ANALYTICS
  return contextFor(bindings)
}

async function build(env: WorkerEnv): Promise<ServiceContext> {
  const namespace = env.CONFIG_VAULT
  if (!namespace) throw new ConfigError('CONFIG_VAULT', 'CONFIG_VAULT (the Durable Object binding of wrangler.jsonc) is missing.')
  const { backends, describe } = await crypto()
  refuseMissingPrimitives(describe)
  const context = createServiceContext(env, { backends, openStore: () => new DurableObjectConfigStore(namespace), metrics })
  recordModuleMetrics()
  return context
}

let moduleMetricsRecorded = false
/** The running ML-KEM module's size and cold start, once per isolate (workerd compiles wasm at upload: no AOT flag applies). */
function recordModuleMetrics(): void {
  if (moduleMetricsRecorded) return
  moduleMetricsRecorded = true
  const backend = mlkem.getBackend()
  metrics.moduleSize(backend.file, backend.bytes)
  metrics.coldStart({ module: backend.file, hasAot: false }, backend.instantiateMs)
}

const app = createApp({
  runtime: { name: 'cloudflare-workers' },
  mlkem,
  crypto,
  detectCapabilities: detectCryptoCapabilities,
  service,
})

export default app
export { ConfigVaultObject } from './cloudflare-store.ts'
