/// <reference types="@fastly/js-compute" />
// Fastly Compute entry: wires the platform into the shared app. Module top level runs at BUILD
// time (js-compute snapshots it into the wasm): it builds the app and precomputes public values
// from the public keys built in; secrets, keys and randomness belong inside request handlers.
//
// What this runtime lacks, and what stands in (chosen by capability in src/crypto/select.ts):
// no WebAssembly (the TypeScript ML-KEM core of src/mlkem/js), no WebCrypto X25519/AES-GCM (pure JS),
// native HMAC (HKDF runs on it). Fastly starts a fresh sandbox for each request and allows 50 ms of
// CPU per request, so nothing that can be done once is done per request:
//   - the server's public keys come built in (fastly-keys.json, `npm run fastly:keys`, injected by
//     scripts/build-fastly.ts as PQ_EDGE_KNOWN_PUBLIC_KEYS): a request derives only the private key
//     of the mode it uses; deriving all three key pairs from SERVER_SECRET would cost more than the
//     whole establishment, so without the file the service refuses to start (500, saying why);
//   - their public ML-KEM values (the matrix Â and H(ek)) are computed here, at build time.
//
// Configuration: secrets (SERVER_SECRET, SERVER_SECRET_PREVIOUS, ADMIN_TOKEN_SHA256, CLIENTS) from the
// Secret Store `pq-edge-secrets`; settings (PQ_POLICY, SESSION_TTL_SECONDS) from the Config Store
// `pq-edge-settings`, if linked; the vault in the KV Store `pq-edge-config`; metrics as JSON lines to
// the log endpoint `pq-edge-metrics` (and stdout, which `fastly log-tail` shows).
import { ConfigStore } from 'fastly:config-store'
import { Logger } from 'fastly:logger'
import { SecretStore } from 'fastly:secret-store'
import { fire } from 'hono/service-worker'
import { createApp } from '../app.ts'
import { detectCryptoCapabilities } from '../capabilities.ts'
import { lazyBackends } from '../crypto/select.ts'
import { createJsMlKem, getBackend, primeMlKemPublicKey } from '../mlkem/js/api.ts'
import { fromB64u } from '../protocol/encoding.ts'
import { createServiceContext, ServiceConfigError, type ServiceContext, type ServiceVars } from '../service/context.ts'
import type { KnownPublicKeys } from '../service/keys.ts'
import { Metrics } from '../service/metrics.ts'
import { registerServiceRoutes } from '../service/routes.ts'
import { DEFAULT_CONFIG_KV_STORE, DEFAULT_SECRET_STORE, FastlyKvConfigStore } from './fastly-store.ts'

/** Injected by scripts/build-fastly.ts from fastly-keys.json: null when the build had none. */
declare const PQ_EDGE_KNOWN_PUBLIC_KEYS: readonly KnownPublicKeys[] | null

// Config Store names allow only letters, digits and underscores (js-compute's ConfigStore constructor checks).
export const SETTINGS_CONFIG_STORE = 'pq_edge_settings'
export const METRICS_LOG_ENDPOINT = 'pq-edge-metrics'
const SECRET_NAMES = ['SERVER_SECRET', 'SERVER_SECRET_PREVIOUS', 'ADMIN_TOKEN_SHA256', 'CLIENTS'] as const
const SETTING_NAMES = ['PQ_POLICY', 'SESSION_TTL_SECONDS'] as const
/** ML-KEM-768 encapsulation key length: the ML-KEM part leads an X-Wing public key (draft-connolly-cfrg-xwing-kem §5.2). */
const MLKEM768_PUBLIC_KEY = 1184

const knownPublicKeys = PQ_EDGE_KNOWN_PUBLIC_KEYS

// Build time: Â and H(ek) of every built-in ML-KEM public key go into the snapshot (public values).
for (const secret of knownPublicKeys ?? []) {
  for (const key of secret.keys) {
    if (key.mode === 'hybrid') primeMlKemPublicKey(fromB64u(key.publicKey, 'hybrid public key').subarray(0, MLKEM768_PUBLIC_KEY))
    if (key.mode === 'pq') primeMlKemPublicKey(fromB64u(key.publicKey, 'pq public key'))
  }
}

const mlkem = { ml_kem768: createJsMlKem().ml_kem768, getBackend }
const crypto = lazyBackends(mlkem)

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
const metrics = new Metrics({ log: logLine })

async function readVars(): Promise<ServiceVars> {
  let secrets: SecretStore
  try {
    secrets = new SecretStore(DEFAULT_SECRET_STORE)
  } catch {
    throw new ServiceConfigError(DEFAULT_SECRET_STORE, `The Secret Store ${DEFAULT_SECRET_STORE} is not linked to this service (fastly.toml [setup.secret_stores]).`)
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

async function build(): Promise<ServiceContext> {
  if (!knownPublicKeys) {
    throw new ServiceConfigError('SERVER_SECRET', 'This Fastly package was built without public keys: run `npm run fastly:keys` with SERVER_SECRET set, then rebuild (deriving them on every request would not fit the CPU limit).')
  }
  const vars = await readVars()
  const { backends } = await crypto()
  return createServiceContext(vars, { backends, openStore: () => new FastlyKvConfigStore(DEFAULT_CONFIG_KV_STORE), metrics, knownPublicKeys })
}

// One context per sandbox (a reusable sandbox serves several requests). A configuration error is
// kept and logged once; anything else is forgotten so the next request tries again.
let context: Promise<ServiceContext> | undefined
function service(): Promise<ServiceContext> {
  if (!context) {
    context = build()
    context.catch((error: unknown) => {
      if (error instanceof ServiceConfigError) console.error(JSON.stringify({ level: 'error', event: 'service_misconfigured', variable: error.variable, message: error.message }))
      else context = undefined
    })
  }
  return context
}

const app = createApp({
  runtime: { name: 'fastly-compute' },
  mlkem,
  crypto,
  detectCapabilities: detectCryptoCapabilities,
  service: { register: registerServiceRoutes, context: service },
})

// `fetch: undefined` matters: by default Hono's service-worker adapter forwards every 404 to
// `fetch(request)`, i.e. to an origin this service does not have.
fire(app, { fetch: undefined })

scrubFreedMemory()

/**
 * The last build-time step. js-compute snapshots all of linear memory, including blocks the engine
 * freed while parsing and compiling this bundle: freed is not cleared, so that leftover data went into
 * the package (measured: ~685 KiB of its gzip size). Zero-filled ArrayBuffers of the allocator's common
 * sizes take those blocks over and clear them; they are garbage once this returns. The size gate
 * (npm run size) catches a js-compute upgrade that changes this behaviour.
 */
function scrubFreedMemory(): void {
  const held: ArrayBuffer[] = []
  for (const [bytes, count] of [[1 << 20, 2], [65536, 32], [4096, 256], [512, 1024]] as const) {
    for (let i = 0; i < count; i++) held.push(new ArrayBuffer(bytes))
  }
}
