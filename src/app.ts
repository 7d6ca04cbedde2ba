// The pq-edge app: one Hono app for every runtime. It imports nothing runtime-specific; each
// entry in src/runtime/ builds it with that platform's capabilities (see AppDeps).

import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { Hono } from 'hono/tiny'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { dependencies, version } from '../package.json'
import type { CryptoCapabilities } from './capabilities.ts'
import type { SelectedBackends } from './crypto/select.ts'
import type { MlKemBackend } from './mlkem/instantiate.ts'
import type { MlKemJsBackend } from './mlkem/js/core.ts'
import { codeForStatus, ErrorCode, problem } from './problem.ts'
import type { registerServiceRoutes, ServiceContextFor, ServiceEnv } from './service/routes.ts'

/** Largest request body accepted by any route, in bytes (README, "Limits"). Larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024

export interface RuntimeInfo {
  /** Platform the entry wires in, e.g. `cloudflare-workers` or `fastly-compute`. */
  name: string
}

/** What a runtime entry injects. */
export interface AppDeps {
  runtime: RuntimeInfo
  /** The ML-KEM implementation this runtime runs, or null where none is wired in yet. */
  mlkem: { getBackend(): MlKemBackend | MlKemJsBackend | undefined } | null
  /**
   * X25519, HKDF, AEADs and ML-KEM-768 for X-Wing and HPKE, chosen by capability once per isolate on
   * first use (src/crypto/select.ts lazyBackends), or null where none is wired in yet.
   */
  crypto: (() => Promise<SelectedBackends>) | null
  /** Probes the crypto the runtime offers; called once per isolate, on the first request that needs it. */
  detectCapabilities: () => Promise<CryptoCapabilities>
  /**
   * The key establishment and config vault endpoints, or null where the runtime wires in no service
   * yet: /v1/* and /metrics then answer 503 service_unavailable. Injected rather than imported so a
   * runtime without them bundles none of their code.
   */
  service: ServiceWiring | null
  /** Where unexpected errors are reported (never with request bodies or secrets). */
  logError?: (message: string, error: unknown) => void
}

export interface ServiceWiring {
  /** src/service/routes.ts registerServiceRoutes: /v1/keys, /v1/sessions, /v1/config, /v1/admin/rewrap, /metrics. */
  register: typeof registerServiceRoutes
  /**
   * The service context (keys, auth, policy, store, metrics) for a request's platform `env`. The entry
   * memoises it per isolate and env; a bad variable rejects with ServiceConfigError (answered 500
   * service_misconfigured, naming the variable but never its value).
   */
  context: ServiceContextFor
}

/** Paths of the service endpoints, answered 503 where no service is wired in. */
const SERVICE_PATHS = ['/v1/*', '/metrics']

/** Runs `fn` once and shares its result; a failure is not kept, so the next call tries again. */
function memoise<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () =>
    (result ??= fn().catch((error: unknown) => {
      result = undefined
      throw error
    }))
}

export function createApp(deps: AppDeps): Hono<ServiceEnv> {
  const app = new Hono<ServiceEnv>()
  const capabilities = memoise(deps.detectCapabilities)
  const logError = deps.logError ?? ((message, error) => console.error(message, error))

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problem(c, 413, ErrorCode.payloadTooLarge, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`),
    }),
  )

  app.get('/health', async (c) =>
    c.json({
      status: 'ok',
      service: 'pq-edge',
      runtime: deps.runtime,
      versions: { 'pq-edge': version, hono: dependencies.hono },
      capabilities: await capabilities(),
      mlkem: deps.mlkem?.getBackend() ?? null,
      backends: deps.crypto ? (await deps.crypto()).describe : null,
    }),
  )

  if (deps.service) deps.service.register(app, deps.service.context, logError)
  else {
    for (const path of SERVICE_PATHS) {
      app.all(path, (c) =>
        problem(
          c,
          503,
          ErrorCode.serviceUnavailable,
          'This deployment does not serve the key establishment and config vault endpoints yet.',
        ),
      )
    }
  }

  rejectOtherMethods(app)

  app.notFound((c) => problem(c, 404, ErrorCode.notFound, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`))

  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status < 500) {
      return problem(c, err.status as ContentfulStatusCode, codeForStatus(err.status), err.message)
    }
    logError('unhandled error', err)
    return problem(c, 500, ErrorCode.internal)
  })

  return app
}

/**
 * Hono answers an unregistered method on a known path with 404; HTTP says 405 with an `Allow`
 * header. Call after every route is registered: it adds a catch-all per path, listing the methods
 * registered there (HEAD comes with GET, as Hono serves HEAD from GET handlers).
 */
function rejectOtherMethods(app: Hono<ServiceEnv>): void {
  const allowed = new Map<string, Set<string>>()
  for (const { method, path } of app.routes) {
    if (method === 'ALL') continue // middleware
    const methods = allowed.get(path) ?? new Set<string>()
    methods.add(method)
    if (method === 'GET') methods.add('HEAD')
    allowed.set(path, methods)
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].join(', ')
    app.all(path, (c) => problem(c, 405, ErrorCode.methodNotAllowed, `${c.req.method} is not allowed here; allowed: ${allow}.`, { allow }))
  }
}
