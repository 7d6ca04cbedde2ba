// Authentication and authorization: who a request is (401 when that is unknown) and what it may do
// (403 when it may not). Credentials are configured as SHA-256 hashes only, so a leaked config or
// log never reveals a usable token; every comparison is constant time over 32-byte digests.
//
// ---- Secrets format (README, "Configuration") -------------------------------------------------------
// | name                 | format                                                                 |
// |----------------------|------------------------------------------------------------------------|
// | `SERVER_SECRET`      | 32 random bytes, base64url without padding (43 characters)             |
// | `ADMIN_TOKEN_SHA256` | 64 hex characters: the SHA-256 of the admin token (UTF-8). Unset: admin |
// |                      | requests all get 401.                                                  |
// | `CLIENTS`            | JSON array, one entry per client (unset: no clients):                  |
// |                      | `[{"id":"edge-app","secretSha256":"<64 hex>","scopes":["app/","shared/flags"]}]` |
// |                      | optional `classicalSecretSha256` (64 hex): the client may use classical mode  |
// |                      | (pq-preferred only) with that other secret, and only with it                  |
//
// - `id`: 1-64 characters, letters, digits, `.`, `_`, `-`, starting with a letter or digit; unique.
// - `secretSha256`: the SHA-256 (hex) of the client's secret. The secret itself is never configured.
// - `scopes`: the config names the client may read, at least one. A scope ending in `/` is a prefix:
//   `app/` covers `app/db` and `app/x/y`, but not `app` itself nor `apple`. Any other scope is an
//   exact name: `shared/flags` covers only `shared/flags`. There is no wildcard; the admin token is
//   what reaches everything. Names follow the config name rules (src/service/names.ts), so a prefix
//   cannot be escaped with `..` or `//`.
// - At most MAX_SCOPES scopes of at most MAX_SCOPE_LENGTH characters each, so every ticket fits.
// - Presenting them (protocol v2): only sealed inside a session establishment (POST /v2/sessions), as
//   {"principal":"client","id","secret"} or {"principal":"admin","secret"}; no credential ever travels
//   in a header. A client's main secret works in hybrid and pq mode only; its classical secret (if
//   configured) in classical mode only; the admin never in classical mode.
// - `npx pq-edge keygen` (generateSecrets below) prints a fresh set: the plaintext token and client
//   secret to hand out once, and the values to configure. Set them with `wrangler secret put NAME`
//   (production) or in `.dev.vars` (local). Tokens begin `pqe_admin_` / `pqe_client_` so secret
//   scanners and people recognise them.
// ------------------------------------------------------------------------------------------------
import { b64u, constantTimeEqual, fromHex, sha256, toHex } from '../crypto/bytes.ts'
import { ConfigError } from './config-error.ts'
import { isValidConfigName } from './names.ts'

/** SHA-256 output length; every stored and presented credential is compared as this many bytes. */
const DIGEST_BYTES = 32

/** Longest token or secret accepted, in characters: generated ones are 53 or 54; anything huge is not ours. */
export const MAX_CREDENTIAL_LENGTH = 1024

/** Random bytes in generated tokens, secrets and SERVER_SECRET: 256 bits, beyond any guessing. */
const SECRET_BYTES = 32

const ADMIN_TOKEN_PREFIX = 'pqe_admin_'
const CLIENT_SECRET_PREFIX = 'pqe_client_'

const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const SHA256_HEX_PATTERN = /^[0-9a-fA-F]{64}$/

export interface ClientCredential {
  id: string
  secretSha256: Uint8Array
  /** Set for a client allowed classical mode: the digest of its separate classical secret. */
  classicalSecretSha256: Uint8Array | null
  scopes: readonly string[]
}

/** Bounds on a client's scopes, checked when CLIENTS is parsed, so a ticket always fits MAX_TICKET_LENGTH. */
export const MAX_SCOPES = 16
export const MAX_SCOPE_LENGTH = 200

export interface AuthConfig {
  /** Null when ADMIN_TOKEN_SHA256 is unset: no admin token is accepted. */
  adminTokenSha256: Uint8Array | null
  clients: ReadonlyMap<string, ClientCredential>
}

export interface AuthVars {
  ADMIN_TOKEN_SHA256?: string
  CLIENTS?: string
}

/** Parses and checks ADMIN_TOKEN_SHA256 and CLIENTS; throws ConfigError on the first problem. */
export function parseAuthConfig(vars: AuthVars): AuthConfig {
  return {
    adminTokenSha256:
      vars.ADMIN_TOKEN_SHA256 === undefined
        ? null
        : parseDigest('ADMIN_TOKEN_SHA256', 'ADMIN_TOKEN_SHA256', vars.ADMIN_TOKEN_SHA256, ADMIN_TOKEN_PREFIX),
    clients: vars.CLIENTS === undefined ? new Map() : parseClients(vars.CLIENTS),
  }
}

function parseDigest(variable: string, where: string, value: unknown, plaintextPrefix: string): Uint8Array {
  if (typeof value !== 'string') throw new ConfigError(variable, `${where} must be a string of 64 hex characters (a SHA-256).`)
  const trimmed = value.trim()
  if (trimmed.startsWith(plaintextPrefix)) {
    throw new ConfigError(
      variable,
      `${where} looks like a plaintext secret; configure its SHA-256 (64 hex characters) instead, and replace the secret, which is now exposed in configuration.`,
    )
  }
  if (!SHA256_HEX_PATTERN.test(trimmed))
    throw new ConfigError(variable, `${where} must be 64 hex characters (a SHA-256); the value given is not.`)
  return fromHex(trimmed)
}

const CLIENT_FIELDS = ['id', 'secretSha256', 'scopes', 'classicalSecretSha256']
/** Field names are echoed in errors only when they look like field names, never like a value. */
const ECHOABLE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/

function parseClients(json: string): Map<string, ClientCredential> {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    // JSON.parse's message quotes the input, so it is not passed on.
    throw new ConfigError('CLIENTS', 'CLIENTS is not valid JSON; expected an array like [{"id":"…","secretSha256":"…","scopes":["app/"]}].')
  }
  if (!Array.isArray(parsed)) throw new ConfigError('CLIENTS', 'CLIENTS must be a JSON array of clients.')
  const clients = new Map<string, ClientCredential>()
  parsed.forEach((entry: unknown, index) => {
    const where = `CLIENTS[${index}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new ConfigError('CLIENTS', `${where} must be an object with id, secretSha256 and scopes.`)
    const fields = entry as Record<string, unknown>
    for (const key of Object.keys(fields)) {
      if (CLIENT_FIELDS.includes(key)) continue
      if (key === 'secret')
        throw new ConfigError(
          'CLIENTS',
          `${where} has a "secret" field: configure secretSha256 (the SHA-256 hex of the secret), never the secret itself.`,
        )
      const named = ECHOABLE_FIELD.test(key) ? `"${key}"` : 'a field'
      throw new ConfigError('CLIENTS', `${where} has an unknown field ${named}; allowed: ${CLIENT_FIELDS.join(', ')}.`)
    }
    const { id, secretSha256, scopes, classicalSecretSha256 } = fields
    if (typeof id !== 'string' || !CLIENT_ID_PATTERN.test(id)) {
      throw new ConfigError('CLIENTS', `${where}.id must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.`)
    }
    if (clients.has(id)) throw new ConfigError('CLIENTS', `${where}.id is the same as an earlier client's; ids must be unique.`)
    clients.set(id, {
      id,
      secretSha256: parseDigest('CLIENTS', `${where}.secretSha256`, secretSha256, CLIENT_SECRET_PREFIX),
      classicalSecretSha256:
        classicalSecretSha256 === undefined
          ? null
          : parseDigest('CLIENTS', `${where}.classicalSecretSha256`, classicalSecretSha256, CLIENT_SECRET_PREFIX),
      scopes: parseScopes(`${where}.scopes`, scopes),
    })
    const client = clients.get(id)!
    if (client.classicalSecretSha256 && equalDigests(client.classicalSecretSha256, client.secretSha256))
      throw new ConfigError('CLIENTS', `${where}.classicalSecretSha256 must be the digest of a different secret than secretSha256.`)
  })
  return clients
}

function parseScopes(where: string, scopes: unknown): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new ConfigError('CLIENTS', `${where} must be a non-empty array of scopes.`)
  if (scopes.length > MAX_SCOPES) throw new ConfigError('CLIENTS', `${where} has more than ${MAX_SCOPES} scopes.`)
  scopes.forEach((scope: unknown, index) => {
    if (typeof scope === 'string' && scope.length > MAX_SCOPE_LENGTH)
      throw new ConfigError('CLIENTS', `${where}[${index}] is longer than ${MAX_SCOPE_LENGTH} characters.`)
    if (typeof scope !== 'string' || !isValidScope(scope)) {
      throw new ConfigError('CLIENTS', `${where}[${index}] must be a config name (exact) or a config name followed by "/" (prefix).`)
    }
  })
  return scopes as string[]
}

/** A scope is a config name (exact) or a config name plus a trailing `/` (prefix). */
export function isValidScope(scope: string): boolean {
  return isValidConfigName(scope.endsWith('/') ? scope.slice(0, -1) : scope)
}

/** Whether any scope covers `name`: a prefix scope (`app/`) covers names under it, any other only itself. */
export function scopeCovers(scopes: readonly string[], name: string): boolean {
  if (!isValidConfigName(name)) return false
  return scopes.some((scope) => (scope.endsWith('/') ? name.startsWith(scope) : name === scope))
}

// ---- Authentication ----------------------------------------------------------------------------

export type Principal = { kind: 'admin' } | { kind: 'client'; id: string; scopes: readonly string[] }

/** 401: `missing_credentials` when none were sent, `invalid_credentials` when they do not verify. */
export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401; reason: 'missing_credentials' | 'invalid_credentials' }

const MISSING = { ok: false, status: 401, reason: 'missing_credentials' } as const
const INVALID = { ok: false, status: 401, reason: 'invalid_credentials' } as const

/**
 * Stands in for the stored digest when there is none (unknown client, admin disabled), so those
 * paths hash and compare exactly like a real check and take the same time. No input hashes to it.
 */
const NO_DIGEST = new Uint8Array(DIGEST_BYTES)

export async function verifyAdmin(config: AuthConfig, token: string | null | undefined): Promise<AuthResult> {
  if (!token) return MISSING
  if (token.length > MAX_CREDENTIAL_LENGTH) return INVALID
  const matches = equalDigests(await sha256(token), config.adminTokenSha256 ?? NO_DIGEST)
  return matches && config.adminTokenSha256 ? { ok: true, principal: { kind: 'admin' } } : INVALID
}

/**
 * A client's credentials. `classical: true` checks the client's classical secret (classical mode) and
 * nothing else; otherwise its main secret (hybrid and pq) and nothing else: a secret is never accepted
 * in the other kind of mode.
 */
export async function verifyClient(
  config: AuthConfig,
  id: string | null | undefined,
  secret: string | null | undefined,
  options: { classical?: boolean } = {},
): Promise<AuthResult> {
  if (!id && !secret) return MISSING
  if (!id || !secret || id.length > MAX_CREDENTIAL_LENGTH || secret.length > MAX_CREDENTIAL_LENGTH) return INVALID
  // Client ids are not secret, but an unknown one still costs a hash and a compare, so timing does
  // not tell which ids exist.
  const client = config.clients.get(id)
  const digest = client ? (options.classical ? client.classicalSecretSha256 : client.secretSha256) : null
  const matches = equalDigests(await sha256(secret), digest ?? NO_DIGEST)
  return matches && client && digest ? { ok: true, principal: { kind: 'client', id: client.id, scopes: client.scopes } } : INVALID
}

/** The credential digest a session of `mode` must have been opened with, for the principal it names; null when none is configured. */
export function credentialDigest(
  config: AuthConfig,
  principal: { principal: 'admin' } | { principal: 'client'; id: string },
  mode: 'hybrid' | 'pq' | 'classical',
): Uint8Array | null {
  if (principal.principal === 'admin') return mode === 'classical' ? null : config.adminTokenSha256
  const client = config.clients.get(principal.id)
  if (!client) return null
  return mode === 'classical' ? client.classicalSecretSha256 : client.secretSha256
}

// ---- Authorization -----------------------------------------------------------------------------

/** 403: authenticated, but this principal may not do this. */
export type AccessResult = { ok: true } | { ok: false; status: 403; reason: 'forbidden' }

const ALLOWED = { ok: true } as const
const FORBIDDEN = { ok: false, status: 403, reason: 'forbidden' } as const

/** Writes, deletes, listing and /metrics: the admin only. */
export function authorizeAdmin(principal: Principal): AccessResult {
  return principal.kind === 'admin' ? ALLOWED : FORBIDDEN
}

/** Reading (or establishing a session for) the record `name`: the admin, or a client whose scopes cover it. */
export function authorizeRead(principal: Principal, name: string): AccessResult {
  if (principal.kind === 'admin') return ALLOWED
  return scopeCovers(principal.scopes, name) ? ALLOWED : FORBIDDEN
}

// ---- Digests -----------------------------------------------------------------------------------

/** Digest equality: both exactly 32 bytes (lengths are public) and equal, in constant time. */
export function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === DIGEST_BYTES && constantTimeEqual(a, b)
}

function randomBase64url(byteLength: number): string {
  return b64u(crypto.getRandomValues(new Uint8Array(byteLength)))
}

// ---- Key set generation (`npx pq-edge keygen`) -------------------------------------------------

export interface GeneratedSecrets {
  /** Hand these to the operator once and store them nowhere else: only their hashes are configured. */
  plaintext: { adminToken: string; client: { id: string; secret: string } }
  /** What to configure, one `wrangler secret put NAME` (or `.dev.vars` line) each. */
  vars: { SERVER_SECRET: string; ADMIN_TOKEN_SHA256: string; CLIENTS: string }
}

/** A fresh key set. Uses randomness: call it from a request or a CLI, never at module top level. */
export async function generateSecrets(options: { clientId?: string; scopes?: string[] } = {}): Promise<GeneratedSecrets> {
  const { clientId = 'edge-app', scopes = ['app/'] } = options
  const adminToken = ADMIN_TOKEN_PREFIX + randomBase64url(SECRET_BYTES)
  const clientSecret = CLIENT_SECRET_PREFIX + randomBase64url(SECRET_BYTES)
  const clients = [{ id: clientId, secretSha256: toHex(await sha256(clientSecret)), scopes }]
  const vars = {
    SERVER_SECRET: randomBase64url(SECRET_BYTES),
    ADMIN_TOKEN_SHA256: toHex(await sha256(adminToken)),
    CLIENTS: JSON.stringify(clients),
  }
  parseAuthConfig(vars) // a bad clientId or scope fails here, with the config error, not at deploy
  return { plaintext: { adminToken, client: { id: clientId, secret: clientSecret } }, vars }
}
