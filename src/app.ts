// The pq-edge app: one Hono app for every runtime. It imports nothing runtime-specific; each
// entry in src/runtime/ builds it with that platform's capabilities (see AppDeps).

import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { Hono } from 'hono/tiny'
import { dependencies, version } from '../package.json'
import type { CryptoCapabilities } from './capabilities.ts'
import type { SelectedBackends } from './crypto/select.ts'
import { memoise } from './memo.ts'
import type { MlKemBackend } from './mlkem/instantiate.ts'
import type { MlKemJsBackend } from './mlkem/js/api.ts'
import { codeForStatus, ErrorCode, ProblemError } from './problem.ts'
import { ConfigError } from './service/config-error.ts'
import { registerServiceRoutes, type ServiceContextFor, type ServiceEnv } from './service/routes.ts'

/** Largest request body accepted by any route, in bytes (docs/PROTOCOL.md §7, payload_too_large). Larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024

export interface RuntimeInfo {
  /** Platform the entry wires in, e.g. `cloudflare-workers` or `fastly-compute`. */
  name: string
}

/** What a runtime entry injects. */
export interface AppDeps {
  runtime: RuntimeInfo
  /** The ML-KEM implementation this runtime runs (reported by /health). */
  mlkem: { getBackend(): MlKemBackend | MlKemJsBackend | undefined }
  /**
   * X25519, HKDF, AEADs and ML-KEM-768 for X-Wing and HPKE, chosen by capability once per isolate on
   * first use (src/crypto/select-core.ts).
   */
  crypto: () => Promise<SelectedBackends>
  /** Probes the crypto the runtime offers; called once per isolate, on the first request that needs it. */
  detectCapabilities: () => Promise<CryptoCapabilities>
  /**
   * The service context (keys, auth, policy, store, metrics) for a request's platform `env`. The entry
   * memoises it per isolate and env; a bad variable rejects with ConfigError (answered 500
   * service_misconfigured, naming the variable but never its value).
   */
  service: ServiceContextFor
  /** Where unexpected errors are reported (never with request bodies or secrets). */
  logError?: (message: string, error: unknown) => void
}

export function createApp(deps: AppDeps): Hono<ServiceEnv> {
  const app = new Hono<ServiceEnv>()
  const capabilities = memoise(deps.detectCapabilities)
  const logError = deps.logError ?? ((message, error) => console.error(message, error))

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError(413, ErrorCode.payloadTooLarge, `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)
      },
    }),
  )

  app.get('/health', async (c) =>
    c.json({
      status: 'ok',
      service: 'pq-edge',
      runtime: deps.runtime,
      versions: { 'pq-edge': version, hono: dependencies.hono },
      capabilities: await capabilities(),
      mlkem: deps.mlkem.getBackend() ?? null,
      backends: (await deps.crypto()).describe,
    }),
  )

  registerServiceRoutes(app, deps.service, logError)

  rejectOtherMethods(app)

  app.notFound((c) =>
    new ProblemError(404, ErrorCode.notFound, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`).getResponse(),
  )

  // Every error becomes problem+json: a ProblemError as it says; a ConfigError as 500
  // service_misconfigured (the message names the variable, never its value; the memo logged it); a
  // 4xx HTTPException from Hono or a middleware with the code for its status; anything else as a bare
  // 500 internal_error, logged, with nothing of it in the response.
  app.onError((err) => {
    if (err instanceof ProblemError) return err.getResponse()
    if (err instanceof ConfigError) return new ProblemError(500, ErrorCode.serviceMisconfigured, err.message).getResponse()
    if (err instanceof HTTPException && err.status < 500)
      return new ProblemError(err.status, codeForStatus(err.status), err.message).getResponse()
    logError('unhandled error', err)
    return new ProblemError(500, ErrorCode.internal).getResponse()
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
    app.all(path, (c) => {
      throw new ProblemError(405, ErrorCode.methodNotAllowed, `${c.req.method} is not allowed here; allowed: ${allow}.`, {
        headers: { allow },
      })
    })
  }
}
