// The app as Fastly Compute runs it, apart from the platform's own bindings (stores, logger), which
// src/runtime/fastly.ts injects: the engine suite (test/fastly/engine) builds the same app over an
// in-memory store to time what a request costs there. Calling createFastlyApp at module top level
// (as the entry does) runs its public precomputation at build time, into the snapshot.
//
// What this runtime lacks, and what stands in (chosen by capability, src/crypto/select-core.ts, from
// src/crypto/interpreter.ts): no WebAssembly (the TypeScript ML-KEM core of src/mlkem/js), no WebCrypto
// X25519/AES-GCM (pure JS tuned for an interpreter); HMAC is native (HKDF runs on it). Fastly allows
// 50 ms of CPU per request, and the first request of each sandbox (every request, without reusable
// sandboxes: src/runtime/fastly.ts) starts from the build-time snapshot, so nothing that can be done
// once is done per request:
//   - the server's public keys come built in (fastly-keys.json, `npm run fastly:keys`): a request
//     derives only the private key of the mode it uses; deriving all three key pairs from
//     SERVER_SECRET would cost more than the whole establishment, so without them the service
//     refuses to start (500 service_misconfigured, saying why);
//   - the default mode's public ML-KEM values (the matrix Â, H(ek), t̂) are computed once, here.
import type { Hono } from 'hono'
import { createApp } from '../app.ts'
import { detectCryptoCapabilities } from '../capabilities.ts'
import { fromB64u } from '../crypto/bytes.ts'
import { INTERPRETER_FALLBACKS } from '../crypto/interpreter.ts'
import { lazySelection, type SelectedBackends, selectWith } from '../crypto/select-core.ts'
import { memoiseBy } from '../memo.ts'
import { createJsMlKem, getBackend, primeMlKemPublicKey } from '../mlkem/js/core.ts'
import { ConfigError } from '../service/config-error.ts'
import { createServiceContext, type ServiceContext, type ServiceVars } from '../service/context.ts'
import { type KnownPublicKeys, primeKnownKeyMaterial } from '../service/keys.ts'
import { Metrics } from '../service/metrics.ts'
import type { ServiceEnv } from '../service/routes.ts'
import type { ConfigStore } from '../service/store.ts'

/** ML-KEM-768 encapsulation key length: the ML-KEM part leads an X-Wing public key (draft-connolly-cfrg-xwing-kem §5.2). */
const MLKEM768_PUBLIC_KEY = 1184

/** What the platform provides; src/runtime/fastly.ts binds these to Fastly's stores and logger. */
export interface FastlyPlatform {
  /** The service variables (secrets and settings), read on every request that needs the service. */
  readVars(): Promise<ServiceVars>
  /** The config vault's store. */
  openStore(): ConfigStore
  /** One metrics or security-event line. */
  log(line: string): void
  /** The public keys built into the package (null: none were). */
  knownPublicKeys: readonly KnownPublicKeys[] | null
}

export interface FastlyAppOptions {
  runtimeName?: string
  /** Backend selection; the default is what Fastly runs (the TypeScript ML-KEM core, the rest probed). */
  crypto?: () => Promise<SelectedBackends>
}

/** The ML-KEM source the Fastly app runs: the TypeScript core. */
export const fastlyMlKem = { ml_kem768: createJsMlKem().ml_kem768, getBackend }

/** The service variables as one request read them from the stores, or why they could not be read. */
type VarsReading = { vars: ServiceVars } | { error: unknown }

/** Whether two readings are the same: every variable equal, or the same failure. */
function sameReading(a: VarsReading, b: VarsReading): boolean {
  if ('error' in a || 'error' in b) {
    return (
      'error' in a &&
      'error' in b &&
      a.error instanceof ConfigError &&
      b.error instanceof ConfigError &&
      a.error.message === b.error.message
    )
  }
  const names = new Set([...Object.keys(a.vars), ...Object.keys(b.vars)] as (keyof ServiceVars)[])
  for (const name of names) if (a.vars[name] !== b.vars[name]) return false
  return true
}

/** The backend selection Fastly runs: probes, with the interpreter-tuned fallbacks. */
export function selectFastlyBackends(): Promise<SelectedBackends> {
  return selectWith(fastlyMlKem, INTERPRETER_FALLBACKS)
}

/**
 * Fills the TypeScript core's public caches (Â, H(ek), t̂) for the ML-KEM part of the default mode's
 * (hybrid) key of the first secret listed: SERVER_SECRET's, as `npm run fastly:keys` writes them. Each
 * primed key adds ~14 KiB of random-looking data to the package (measured with npm run size), against
 * a 150 KiB budget, so only the key most requests use is primed: a pq-mode or retiring key samples its
 * Â per request instead (a few ms, well inside the CPU limit; the engine suite measures pq that way).
 */
export function primeKnownPublicKeys(known: readonly KnownPublicKeys[]): void {
  const hybrid = known[0]?.keys.find((key) => key.mode === 'hybrid')
  if (hybrid) primeMlKemPublicKey(fromB64u(hybrid.publicKey, 'hybrid public key').subarray(0, MLKEM768_PUBLIC_KEY))
}

export interface FastlyApp {
  app: Hono<ServiceEnv>
  /** Settles once the public precomputation started here has (it is asynchronous): the entry's last
   *  build-time steps wait for it, so that they come after everything that goes into the snapshot. */
  prepared: Promise<void>
}

export function createFastlyApp(platform: FastlyPlatform, options: FastlyAppOptions = {}): FastlyApp {
  const { knownPublicKeys } = platform
  if (knownPublicKeys) primeKnownPublicKeys(knownPublicKeys)
  // Public work on the built-in keys (decoding, kids, the digest their check covers), into the snapshot.
  const prepared = knownPublicKeys ? primeKnownKeyMaterial(knownPublicKeys).catch(() => {}) : Promise.resolve()
  const crypto = options.crypto ?? lazySelection(selectFastlyBackends)
  const metrics = new Metrics({ log: platform.log })

  async function build(vars: ServiceVars): Promise<ServiceContext> {
    if (!knownPublicKeys) {
      throw new ConfigError(
        'SERVER_SECRET',
        'This Fastly package was built without public keys: run `npm run fastly:keys` with SERVER_SECRET set, then rebuild (deriving them on every request would not fit the CPU limit).',
      )
    }
    const { backends } = await crypto()
    return createServiceContext(vars, { backends, openStore: platform.openStore, metrics, knownPublicKeys })
  }

  // One context per reading of the variables, which are read on every request: a reusable sandbox
  // serves several requests, and a secret or setting changed in its store (a client removed, a secret
  // rotated) must hold from the next request on, as it does in a fresh sandbox. src/memo.ts keeps and
  // logs a configuration error (of the reading or of the variables) once per reading, and forgets
  // anything else so the next request tries again.
  const contextFor = memoiseBy(async (reading: VarsReading) => {
    if ('error' in reading) throw reading.error
    return build(reading.vars)
  })
  let current: VarsReading | undefined
  async function service(): Promise<ServiceContext> {
    const reading = await platform.readVars().then(
      (vars): VarsReading => ({ vars }),
      (error: unknown): VarsReading => ({ error }),
    )
    if (!current || !sameReading(current, reading)) current = reading
    return contextFor(current)
  }

  const app = createApp({
    runtime: { name: options.runtimeName ?? 'fastly-compute' },
    mlkem: fastlyMlKem,
    crypto,
    detectCapabilities: detectCryptoCapabilities,
    service,
  })
  // Build time: Hono builds its router's matcher on the first match; do it now, into the snapshot.
  app.router.match('GET', '/health')
  return { app, prepared }
}
