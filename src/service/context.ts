// The service's per-deployment context: configuration parsed and keys derived once (per isolate and
// env), then shared by every request. Runtime-agnostic: an entry (src/runtime/) supplies the
// variables, the crypto backends, the store and the metrics.

import { b64u, sha256, utf8, wipe } from '../crypto/bytes.ts'
import type { Backends } from '../crypto/types.ts'
import { createHpke, type Hpke } from '../hpke/hpke.ts'
import { keyListDigestOfBytes, PROTOCOL_VERSION, type PublishedKey, SESSION_AEADS } from '../protocol/v2.ts'
import { type AuthConfig, parseAuthConfig } from './auth.ts'
import { ConfigError } from './config-error.ts'
import { deriveSecretKeys, type KnownPublicKeys, parseServerSecret, refuseWeakSecrets, type ServerKey } from './keys.ts'
import type { Metrics } from './metrics.ts'
import { acceptedModes, type PqPolicy, parsePolicy } from './policy.ts'
import type { ConfigStore } from './store.ts'
import { Tickets } from './tickets.ts'
import { Vault } from './vault.ts'

/** The configuration variables (secrets and vars) the service reads. */
export interface ServiceVars {
  SERVER_SECRET?: unknown
  SERVER_SECRET_PREVIOUS?: unknown
  ADMIN_TOKEN_SHA256?: unknown
  CLIENTS?: unknown
  PQ_POLICY?: unknown
  SESSION_TTL_SECONDS?: unknown
  /** "1" marks local development: weak (dummy) secrets are then accepted (keys.ts). */
  PQ_EDGE_DEV?: unknown
}

export const DEFAULT_SESSION_TTL_SECONDS = 900
export const MAX_SESSION_TTL_SECONDS = 900

export interface ServiceContext {
  policy: PqPolicy
  auth: AuthConfig
  /**
   * The keys at hand, current then retiring: the modes the policy accepts (with built-in public keys,
   * every mode). The policy still decides which are accepted.
   */
  keys: readonly ServerKey[]
  /**
   * The current or retiring key `kid` names, of any mode (a refused mode's answers mode_not_allowed),
   * or undefined. A kid not among `keys` derives the refused modes' keys first (once per context).
   */
  findKey(kid: string): Promise<ServerKey | undefined>
  /** GET /v2/keys, rendered once: the body and its ETag. */
  keysDocument: { body: string; etag: string }
  /** The keys list of GET /v2/keys (also in every establishment response) and its digest KL. */
  publishedKeys: PublishedKey[]
  keyList: Uint8Array
  tickets: Tickets
  vault: Vault
  /**
   * The store, opened for this request: on Workers a Durable Object stub is an I/O object bound to
   * the request that created it, so each request opens its own (cheap: no round trip).
   */
  openStore(): ConfigStore
  metrics: Metrics
  backends: Backends
  hpke: Hpke
  sessionTtlSeconds: number
  now(): number
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new ConfigError(name, `${name} must be a string.`)
  return value
}

function parseTtl(value: unknown): number {
  const text = optionalString('SESSION_TTL_SECONDS', value)
  if (text === undefined || text === '') return DEFAULT_SESSION_TTL_SECONDS
  const n = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : NaN
  if (!Number.isInteger(n) || n < 1 || n > MAX_SESSION_TTL_SECONDS) {
    throw new ConfigError(
      'SESSION_TTL_SECONDS',
      `SESSION_TTL_SECONDS must be a whole number of seconds from 1 to ${MAX_SESSION_TTL_SECONDS} (default ${DEFAULT_SESSION_TTL_SECONDS}).`,
    )
  }
  return n
}

interface PublicView {
  publishedKeys: PublishedKey[]
  keysDocument: { body: string; etag: string }
  keyList: Uint8Array
}

// The published key list, its document and KL depend only on public keys and the policy: rendered once
// per distinct set (a few per deployment) and isolate. Built-in keys (Fastly) bring their base64url text
// and decoded bytes from the build (primeKnownKeyMaterial), so a fresh instance renders a view without
// re-encoding or re-decoding some 5 KB of keys; the views themselves are not put in the snapshot (a few
// KB of incompressible text per policy, against the package's size budget). Bounded: a deployment has at
// most a handful of key sets; a failed rendering is forgotten, not kept.
const publicViews = new Map<string, Promise<PublicView>>()
const MAX_PUBLIC_VIEWS = 16

function publicView(
  keys: readonly Pick<ServerKey, 'kid' | 'mode' | 'kemId' | 'publicKey' | 'publicKeyText' | 'status'>[],
  policy: PqPolicy,
) {
  const accepted = acceptedModes(policy)
  const listed = keys.filter((k) => accepted.includes(k.mode))
  const id = `${policy} ${listed.map((k) => `${k.kid}:${k.status}`).join(' ')}`
  let view = publicViews.get(id)
  if (!view) {
    view = (async () => {
      const publishedKeys: PublishedKey[] = listed.map((k) => ({
        kid: k.kid,
        mode: k.mode,
        kemId: k.kemId,
        publicKey: k.publicKeyText ?? b64u(k.publicKey),
        notBefore: null,
        notAfter: null,
        status: k.status,
      }))
      const body = JSON.stringify({ version: PROTOCOL_VERSION, policy, aeads: [...SESSION_AEADS], keys: publishedKeys })
      const etag = `"${b64u((await sha256(utf8(body))).subarray(0, 16))}"`
      return { publishedKeys, keysDocument: { body, etag }, keyList: await keyListDigestOfBytes(listed) }
    })()
    view.catch(() => publicViews.delete(id))
    if (publicViews.size >= MAX_PUBLIC_VIEWS) publicViews.delete(publicViews.keys().next().value!)
    publicViews.set(id, view)
  }
  return view
}

/** Parses every variable (throwing ConfigError naming the first bad one) and derives the keys. */
export async function createServiceContext(
  vars: ServiceVars,
  deps: {
    backends: Backends
    openStore: () => ConfigStore
    metrics: Metrics
    now?: () => number
    /** Public keys computed ahead of time (see keys.ts): private keys are then derived on first use. */
    knownPublicKeys?: readonly KnownPublicKeys[]
  },
): Promise<ServiceContext> {
  // Parse everything before deriving anything, so a bad variable is reported without crypto work.
  const secret = parseServerSecret('SERVER_SECRET', vars.SERVER_SECRET)
  const previousText = optionalString('SERVER_SECRET_PREVIOUS', vars.SERVER_SECRET_PREVIOUS)
  const previousSecret = previousText ? parseServerSecret('SERVER_SECRET_PREVIOUS', previousText) : null
  const auth = parseAuthConfig({
    ADMIN_TOKEN_SHA256: optionalString('ADMIN_TOKEN_SHA256', vars.ADMIN_TOKEN_SHA256),
    CLIENTS: optionalString('CLIENTS', vars.CLIENTS),
  })
  const policy = parsePolicy(optionalString('PQ_POLICY', vars.PQ_POLICY))
  const sessionTtlSeconds = parseTtl(vars.SESSION_TTL_SECONDS)
  refuseWeakSecrets(vars) // keys.ts: unless PQ_EDGE_DEV=1 (local development)

  const { backends } = deps
  const hpke = createHpke(backends)
  // Refused modes are deferred: the published list and KL hold only accepted ones, and a refused kid is
  // rare (a client that ignores the list), so the common cold start skips their key generation.
  const options = { known: deps.knownPublicKeys, upFront: acceptedModes(policy) }
  const current = await deriveSecretKeys(backends, hpke, secret, 'current', options)
  const previous = previousSecret ? await deriveSecretKeys(backends, hpke, previousSecret, 'retiring', options) : null
  wipe(secret)
  if (previousSecret) wipe(previousSecret)
  if (previous && previous.kekId === current.kekId) {
    throw new ConfigError(
      'SERVER_SECRET_PREVIOUS',
      'SERVER_SECRET_PREVIOUS is the same secret as SERVER_SECRET; unset it, or set it to the secret being retired.',
    )
  }

  const keys = [...current.keys, ...(previous?.keys ?? [])]
  const keyByKid = new Map(keys.map((k) => [k.kid, k]))
  const deferredKeys = async () => [...(await current.deferredKeys()), ...((await previous?.deferredKeys()) ?? [])]
  const tickets = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, current.ticketKey, previous?.ticketKey ?? null)
  const vault = new Vault(backends, { id: current.kekId, key: current.kek }, previous ? { id: previous.kekId, key: previous.kek } : null)
  for (const k of [current, previous]) {
    if (!k) continue
    wipe(k.ticketKey)
    wipe(k.kek)
  }

  const { publishedKeys, keysDocument, keyList } = await publicView(keys, policy)

  return {
    policy,
    auth,
    keys,
    findKey: async (kid) => keyByKid.get(kid) ?? (await deferredKeys()).find((k) => k.kid === kid),
    keysDocument,
    publishedKeys,
    keyList,
    tickets,
    vault,
    openStore: deps.openStore,
    metrics: deps.metrics,
    backends,
    hpke,
    sessionTtlSeconds,
    now: deps.now ?? Date.now,
  }
}
