/// <reference types="@fastly/js-compute" />
// Fastly Compute entry: binds the platform (Secret Store, Config Store, KV Store, log endpoint) to the
// app of fastly-app.ts (what stands in for missing WebAssembly/WebCrypto, and why public keys are built
// in). Module top level runs at BUILD time (js-compute snapshots it into the wasm): it builds the app
// and its public precomputation; secrets, keys and randomness belong inside request handlers.
//
// Configuration: secrets (SERVER_SECRET, SERVER_SECRET_PREVIOUS, ADMIN_TOKEN_SHA256, CLIENTS) from the
// Secret Store `pq-edge-secrets`; settings (PQ_POLICY, SESSION_TTL_SECONDS) from the Config Store
// `pq_edge_settings`, if linked; the vault in the KV Store `pq-edge-config`; metrics as JSON lines to
// the log endpoint `pq-edge-metrics` if there is one, and to stdout (`fastly log-tail`).
import { ConfigStore } from 'fastly:config-store'
import { setReusableSandboxOptions } from 'fastly:experimental'
import { Logger } from 'fastly:logger'
import { SecretStore } from 'fastly:secret-store'
import { fire } from 'hono/service-worker'
import { ConfigError } from '../service/config-error.ts'
import type { ServiceVars } from '../service/context.ts'
import type { KnownPublicKeys } from '../service/keys.ts'
import { createFastlyApp } from './fastly-app.ts'
import { settleSnapshot } from './fastly-snapshot.ts'
import { DEFAULT_CONFIG_KV_STORE, DEFAULT_SECRET_STORE, FastlyKvConfigStore } from './fastly-store.ts'

/** Injected by scripts/build-fastly.ts from fastly-keys.json: null when the build had none. */
declare const PQ_EDGE_KNOWN_PUBLIC_KEYS: readonly KnownPublicKeys[] | null
/** Injected by scripts/build-fastly.ts: requests one sandbox serves in a row (1: one, 0: no maximum). */
declare const PQ_EDGE_SANDBOX_REQUESTS: number

// Config Store names allow only letters, digits and underscores (js-compute's ConfigStore constructor checks).
export const SETTINGS_CONFIG_STORE = 'pq_edge_settings'
export const METRICS_LOG_ENDPOINT = 'pq-edge-metrics'
const SECRET_NAMES = ['SERVER_SECRET', 'SERVER_SECRET_PREVIOUS', 'ADMIN_TOKEN_SHA256', 'CLIENTS'] as const
// PQ_EDGE_DEV (src/service/keys.ts): "1" only in fastly.toml [local_server], where the dummy secrets are accepted.
const SETTING_NAMES = ['PQ_POLICY', 'SESSION_TTL_SECONDS', 'PQ_EDGE_DEV'] as const

let logger: Logger | null | undefined
/** A metrics line to the log endpoint when the service has one, and to stdout. */
function logLine(line: string): void {
  console.log(line)
  if (logger === undefined) {
    try {
      logger = new Logger(METRICS_LOG_ENDPOINT)
    } catch {
      logger = null // no such endpoint: stdout only
    }
  }
  logger?.log(line)
}

async function readVars(): Promise<ServiceVars> {
  let secrets: SecretStore
  try {
    secrets = new SecretStore(DEFAULT_SECRET_STORE)
  } catch {
    throw new ConfigError(
      DEFAULT_SECRET_STORE,
      `The Secret Store ${DEFAULT_SECRET_STORE} is not linked to this service (fastly.toml [setup.secret_stores]).`,
    )
  }
  const vars: Record<string, string | undefined> = {}
  for (const name of SECRET_NAMES) vars[name] = (await secrets.get(name))?.plaintext()
  let settings: ConfigStore | null = null
  try {
    settings = new ConfigStore(SETTINGS_CONFIG_STORE)
  } catch {
    // Optional: without it, the defaults apply.
  }
  for (const name of SETTING_NAMES) vars[name] = settings?.get(name) ?? undefined
  return vars
}

const { app, prepared } = createFastlyApp({
  readVars,
  openStore: () => new FastlyKvConfigStore(DEFAULT_CONFIG_KV_STORE),
  log: logLine,
  knownPublicKeys: PQ_EDGE_KNOWN_PUBLIC_KEYS,
})

// `fetch: undefined` matters: by default Hono's service-worker adapter forwards every 404 to
// `fetch(request)`, i.e. to an origin this service does not have.
fire(app, { fetch: undefined })

// Reusable sandboxes: a sandbox serves further requests after its first, so they skip what a fresh
// sandbox pays on its first request (the service context, the private key's import, first-use
// compilation). Only the first request of each sandbox is cold; docs/FASTLY.md has the figures.
if (PQ_EDGE_SANDBOX_REQUESTS !== 1) setReusableSandboxOptions({ maxRequests: PQ_EDGE_SANDBOX_REQUESTS })

// The last build-time steps wait for the app's public precomputation, which is asynchronous (js-compute
// runs pending jobs before it takes the snapshot), so that they come after everything the snapshot keeps.
prepared.then(settleSnapshot)
