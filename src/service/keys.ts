// Server key material, all derived from SERVER_SECRET (docs/PROTOCOL.md §4, "Key derivation"):
//
//   PRK        = HKDF-Extract(salt = "pq-edge/v1", IKM = SERVER_SECRET)
//   ikm(mode)  = HKDF-Expand(PRK, "static key " || mode, 32)       mode ∈ hybrid, pq, classical
//   (sk, pk)   = DeriveKeyPair(ikm(mode)) of that mode's KEM (RFC 9180 §7.1.3, draft-ietf-hpke-pq §3/§4)
//   K_ticket   = HKDF-Expand(PRK, "pq-edge/v2 ticket key", 32)     (§3; per-ticket keys from it, tickets.ts)
//   KEK        = HKDF-Expand(PRK, "vault kek", 32)                 (config records at rest, §6.4)
//   KEK id     = b64u(HKDF-Expand(PRK, "vault kek id", 9))
//   check      = b64u(HKDF-Expand(PRK, "public keys check" || SHA-256(pk_hybrid || pk_pq || pk_classical), 16))
//                (binds public keys computed ahead of time to their secret; reveals neither)
//
// Nothing is stored: every isolate derives the same keys from the secret, so any location can open
// any request and ticket. With SERVER_SECRET_PREVIOUS set, its keys are derived too, listed as
// "retiring", and still accepted (rotation). The key pairs of the modes the policy accepts are derived
// when the context is created; a refused mode's only on the first request naming a kid that is not
// listed (its kid tells mode_not_allowed from an unknown key), from a copy of PRK held until then.
//
// Known public keys: where a key generation costs a large share of the CPU budget and every
// request starts a fresh instance (Fastly Compute), the public keys are computed ahead of time from
// the secret (scripts/fastly-keys.ts) and built in, tagged with the secret's `check`. The service
// then derives only the private keys, on first use per mode, and takes the public halves as given.

import { b64u, concat, EncodingError, fromB64u, sha256, utf8, wipe } from '../crypto/bytes.ts'
import { createHkdfSha256, type HkdfSha256 } from '../crypto/hkdf.ts'
import type { Backends } from '../crypto/types.ts'
import { HpkeError } from '../hpke/errors.ts'
import type { Hpke, RecipientKey, Suite } from '../hpke/hpke.ts'
import { memoise } from '../memo.ts'
import { KDF_HKDF_SHA256, keyId, LABEL, MODE_KEM, type Mode } from '../protocol/v2.ts'
import { ConfigError } from './config-error.ts'

export const SERVER_SECRET_BYTES = 32
const ROOT_SALT = 'pq-edge/v1'
export const MODES: readonly Mode[] = ['hybrid', 'pq', 'classical']

/** SERVER_SECRET (and SERVER_SECRET_PREVIOUS): 32 bytes, base64url without padding (43 characters). */
export function parseServerSecret(variable: string, value: unknown): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(
      variable,
      `${variable} is not set; it must be ${SERVER_SECRET_BYTES} random bytes, base64url without padding (43 characters).`,
    )
  }
  try {
    return fromB64u(value.trim(), variable, SERVER_SECRET_BYTES)
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new ConfigError(
        variable,
        `${variable} must be ${SERVER_SECRET_BYTES} random bytes, base64url without padding (43 characters); the value given is not.`,
      )
    }
    throw error
  }
}

// ---- weak secrets ----
//
// Outside local development the service refuses secrets anyone can know: SERVER_SECRET or
// SERVER_SECRET_PREVIOUS made of one repeated byte (the all-zero dummy of fastly.toml
// [local_server] among them), of fewer than 16 distinct bytes (a short repeated pattern), or of
// printable ASCII only (a password or phrase, not random bytes: 32 random bytes are all printable
// with probability ~2^-46); and ADMIN_TOKEN_SHA256 equal to a published dummy (fastly.toml
// [local_server]'s, or the hash of an empty token). Shorter or longer than 32 bytes is already a
// format error (parseServerSecret). Each refusal is a ConfigError naming the variable, never the value.
//
// LOCAL DEVELOPMENT is recognised by one explicit variable, PQ_EDGE_DEV = "1", and nothing else
// (not a host name, not a missing binding): fastly.toml sets it only in [local_server] (the
// pq_edge_settings Config Store of `fastly compute serve`), and `npm run fastly:keys` reads it from
// its environment. `npm start` (Workers) needs none: scripts/dev-vars.ts generates strong random
// values; a developer who wants weak ones there sets PQ_EDGE_DEV=1 in .dev.vars. Never set it in a
// deployed service.

/** The variable that marks local development (see above); the only value that counts is "1". */
export const DEV_MARKER = 'PQ_EDGE_DEV'

/** The variables the weak-secret checks read. */
export interface SecretVars {
  SERVER_SECRET?: unknown
  SERVER_SECRET_PREVIOUS?: unknown
  ADMIN_TOKEN_SHA256?: unknown
  /** "1" in local development only (see above). */
  PQ_EDGE_DEV?: unknown
}

/** True only when `vars` says PQ_EDGE_DEV=1. */
export function isLocalDevelopment(vars: Pick<SecretVars, 'PQ_EDGE_DEV'>): boolean {
  const value = vars.PQ_EDGE_DEV
  return typeof value === 'string' && value.trim() === '1'
}

/** ADMIN_TOKEN_SHA256 values that are public: fastly.toml's local dummy and SHA-256(""). */
export const PUBLIC_ADMIN_TOKEN_HASHES: readonly string[] = [
  '4bb27517fa0f81dcfeb57b5946d327b0b607a56cd27cec964da821ad5420d82b', // SHA-256("pqe_admin_local-dev-only-not-secret")
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', // SHA-256("")
]

/** Why a parsed 32-byte secret is weak, or null when it is not (see above). */
export function secretWeakness(secret: Uint8Array): string | null {
  const distinct = new Set(secret).size
  if (distinct === 1) return 'is one byte repeated (e.g. all zero, the public dummy value)'
  if (distinct < 16) return 'has fewer than 16 distinct bytes (a repeated pattern, not random)'
  if (secret.every((b) => b >= 0x20 && b <= 0x7e)) return 'is printable text (a password or phrase), not random bytes'
  return null
}

/** Throws a ConfigError when a parsed secret is weak. `secret` is not wiped here. */
export function assertStrongSecret(variable: string, secret: Uint8Array): void {
  const why = secretWeakness(secret)
  if (why)
    throw new ConfigError(
      variable,
      `${variable} ${why}: it must be ${SERVER_SECRET_BYTES} random bytes from a CSPRNG, base64url. Weak values are accepted only in local development (${DEV_MARKER}=1).`,
    )
}

/**
 * Refuses weak secrets (see above) unless the variables mark local development. Call after the
 * variables have been parsed (a malformed one is reported as such first).
 */
export function refuseWeakSecrets(vars: SecretVars): void {
  if (isLocalDevelopment(vars)) return
  for (const variable of ['SERVER_SECRET', 'SERVER_SECRET_PREVIOUS'] as const) {
    const value = vars[variable]
    if (typeof value !== 'string' || value === '') continue
    const secret = parseServerSecret(variable, value)
    try {
      assertStrongSecret(variable, secret)
    } finally {
      wipe(secret)
    }
  }
  const admin = vars.ADMIN_TOKEN_SHA256
  if (typeof admin === 'string' && PUBLIC_ADMIN_TOKEN_HASHES.includes(admin.trim().toLowerCase())) {
    throw new ConfigError(
      'ADMIN_TOKEN_SHA256',
      `ADMIN_TOKEN_SHA256 is a published dummy (fastly.toml [local_server], or the hash of an empty token): set the SHA-256 of a random admin token. Dummies are accepted only in local development (${DEV_MARKER}=1).`,
    )
  }
}

export interface ServerKey {
  kid: string
  mode: Mode
  kemId: number
  publicKey: Uint8Array
  /** publicKey as base64url, when it came that way (built-in keys): published without re-encoding. */
  publicKeyText?: string
  /** The private key, imported: derived on the first call (memoised), or already at hand. */
  recipientKey(): Promise<RecipientKey>
  status: 'current' | 'retiring'
}

/** One secret's public keys, computed ahead of time (scripts/fastly-keys.ts), all b64url. */
export interface KnownPublicKeys {
  /** Their `check` under the secret they belong to (see the header). */
  check: string
  keys: { mode: Mode; publicKey: string }[]
}

/** Everything one server secret yields. */
export interface SecretKeys {
  /** The keys at hand now, in MODES order (see deriveSecretKeys). */
  keys: ServerKey[]
  /** The other modes' keys, derived on the first call (memoised; a failure is retried); [] when none. */
  deferredKeys(): Promise<ServerKey[]>
  ticketKey: Uint8Array
  kek: Uint8Array
  kekId: string
}

/** The HPKE suite for a mode and AEAD (classical only ever explicitly). */
export function suiteFor(hpke: Hpke, mode: Mode, aeadId: number): Suite {
  return hpke.suite({ kem: MODE_KEM[mode], kdf: KDF_HKDF_SHA256, aead: aeadId, allowClassical: mode === 'classical' })
}

export async function rootKey(hkdf: HkdfSha256, secret: Uint8Array): Promise<Uint8Array> {
  return hkdf.extract(utf8(ROOT_SALT), secret)
}

/** ikm(mode) = HKDF-Expand(PRK, "static key " || mode, 32). Exported for the test vectors. */
export function staticKeyIkm(hkdf: HkdfSha256, prk: Uint8Array, mode: Mode): Promise<Uint8Array> {
  return hkdf.expand(prk, utf8(`static key ${mode}`), 32)
}

/** The check (see the header) of one secret's three public keys: only that secret yields it for exactly those keys. */
export async function publicKeysCheck(hkdf: HkdfSha256, prk: Uint8Array, publicKeys: Readonly<Record<Mode, Uint8Array>>): Promise<string> {
  return checkOfDigest(hkdf, prk, await publicKeysDigest(publicKeys))
}

const publicKeysDigest = (publicKeys: Readonly<Record<Mode, Uint8Array>>) => sha256(concat(...MODES.map((mode) => publicKeys[mode])))

async function checkOfDigest(hkdf: HkdfSha256, prk: Uint8Array, digest: Uint8Array): Promise<string> {
  return b64u(await hkdf.expand(prk, concat(utf8('public keys check'), digest), 16))
}

/** What one built-in entry's public keys yield without any secret: the decoded keys, their digest (for the check) and kids. */
interface KnownKeyMaterial {
  publicKeys: Record<Mode, Uint8Array>
  /** The same keys' base64url text, as built in (canonical: fromB64u accepted it). */
  texts: Record<Mode, string>
  digest: Uint8Array
  kids: Record<Mode, string>
}

// Public work on built-in public keys, once per entry object: on Fastly, primeKnownKeyMaterial runs it
// at build time, into the snapshot, so a request only derives the check (one HMAC) from its secret.
const knownMaterial = new WeakMap<KnownPublicKeys, Promise<KnownKeyMaterial>>()

function knownKeyMaterial(entry: KnownPublicKeys, variable: string): Promise<KnownKeyMaterial> {
  let material = knownMaterial.get(entry)
  if (!material) {
    // Decoding throws a ConfigError synchronously, before anything is memoised.
    const publicKeys = Object.fromEntries(MODES.map((mode) => [mode, knownPublicKey(entry, mode, variable)])) as Record<Mode, Uint8Array>
    material = (async () => {
      const kids = {} as Record<Mode, string>
      for (const mode of MODES) kids[mode] = await keyId(MODE_KEM[mode], publicKeys[mode])
      const texts = Object.fromEntries(MODES.map((mode) => [mode, entry.keys.find((k) => k.mode === mode)!.publicKey])) as Record<
        Mode,
        string
      >
      return { publicKeys, texts, digest: await publicKeysDigest(publicKeys), kids }
    })()
    material.catch(() => knownMaterial.delete(entry)) // a failed hash is tried again, not kept
    knownMaterial.set(entry, material)
  }
  return material
}

/** Build time (public data only): decodes and hashes the built-in public keys, so requests find them done. */
export async function primeKnownKeyMaterial(known: readonly KnownPublicKeys[]): Promise<void> {
  for (const entry of known) await knownKeyMaterial(entry, 'SERVER_SECRET').catch(() => {})
}

const VARIABLE: Record<ServerKey['status'], string> = { current: 'SERVER_SECRET', retiring: 'SERVER_SECRET_PREVIOUS' }

/**
 * Derives one secret's ticket key, KEK and static keys. Without `known` public keys, the key pairs of
 * the `upFront` modes (default: all) are derived now, and the other modes' on the first call of
 * `deferredKeys` (the context defers the modes its policy refuses: their kids are needed only to answer
 * mode_not_allowed); each private key is imported on its mode's first use (ServerKey.recipientKey).
 * With `known` public keys, the entry whose check matches this secret supplies every mode's public key
 * now (none matching is a ConfigError), and each private key is derived and imported on first use.
 */
export async function deriveSecretKeys(
  backends: Backends,
  hpke: Hpke,
  secret: Uint8Array,
  status: ServerKey['status'],
  options: { known?: readonly KnownPublicKeys[]; upFront?: readonly Mode[] } = {},
): Promise<SecretKeys> {
  const hkdf = createHkdfSha256(backends.hmacSha256)
  const prk = await rootKey(hkdf, secret)
  try {
    let keys: ServerKey[]
    let deferredKeys: () => Promise<ServerKey[]>
    if (options.known) {
      const variable = VARIABLE[status]
      const entry = await matchingKnownEntry(hkdf, prk, options.known, variable)
      // Each mode's private key is derived from a PRK copy on first use (a request uses one mode).
      const held = holdRootKey(prk, MODES.length)
      keys = MODES.map((mode) => knownKey(hkdf, suiteFor(hpke, mode, 0x0003), held, entry, mode, status, variable))
      deferredKeys = async () => []
    } else {
      const upFront = options.upFront ?? MODES
      keys = []
      for (const mode of MODES.filter((m) => upFront.includes(m))) keys.push(await derivedKey(hkdf, hpke, prk, mode, status))
      // The deferred modes' pairs come from a PRK copy, held until the last of them has been derived
      // (for a refused mode, until a request names a kid the service does not list, if ever). Each is
      // memoised once derived; a failure is not kept, so it neither counts nor stops a retry.
      const deferred = MODES.filter((m) => !upFront.includes(m))
      const held = holdRootKey(prk, deferred.length)
      const derivers = deferred.map((mode) =>
        memoise(async () => {
          const key = await derivedKey(hkdf, hpke, held.prk, mode, status)
          held.release()
          return key
        }),
      )
      deferredKeys = () => Promise.all(derivers.map((derive) => derive()))
    }
    return {
      keys,
      deferredKeys,
      ticketKey: await hkdf.expand(prk, utf8(LABEL.ticketKey), 32),
      kek: await hkdf.expand(prk, utf8('vault kek'), 32),
      kekId: b64u(await hkdf.expand(prk, utf8('vault kek id'), 9)),
    }
  } finally {
    wipe(prk)
  }
}

/** The built-in entry whose check this secret's PRK yields; none is a ConfigError. */
async function matchingKnownEntry(
  hkdf: HkdfSha256,
  prk: Uint8Array,
  known: readonly KnownPublicKeys[],
  variable: string,
): Promise<KnownKeyMaterial> {
  for (const candidate of known) {
    const material = await knownKeyMaterial(candidate, variable)
    if ((await checkOfDigest(hkdf, prk, material.digest)) === candidate.check) return material
  }
  throw new ConfigError(
    variable,
    `${variable} does not match any public keys built into this package (or they were altered): run \`npm run fastly:keys\` with this secret set, then rebuild.`,
  )
}

/** A copy of PRK for derivations put off past deriveSecretKeys (which wipes PRK itself on return). */
interface HeldRootKey {
  prk: Uint8Array
  /** One put-off derivation is done with the copy; after the last, it is wiped. */
  release(): void
}

function holdRootKey(prk: Uint8Array, uses: number): HeldRootKey {
  const copy = uses > 0 ? prk.slice() : new Uint8Array(0)
  let pending = uses
  return {
    prk: copy,
    release: () => {
      if (--pending === 0) wipe(copy)
    },
  }
}

/**
 * A mode's key from its derived pair: the public key is needed now (kids, the published list, KL); the
 * private key is imported on the mode's first use (a request uses one mode), then its bytes are wiped.
 */
async function derivedKey(hkdf: HkdfSha256, hpke: Hpke, prk: Uint8Array, mode: Mode, status: ServerKey['status']): Promise<ServerKey> {
  const suite = suiteFor(hpke, mode, 0x0003)
  const ikm = await staticKeyIkm(hkdf, prk, mode)
  let pair: { publicKey: Uint8Array; privateKey: Uint8Array }
  try {
    pair = await suite.DeriveKeyPair(ikm)
  } finally {
    wipe(ikm)
  }
  const { publicKey, privateKey } = pair
  let kid: string
  try {
    kid = await keyId(MODE_KEM[mode], publicKey)
  } catch (error) {
    wipe(privateKey)
    throw error
  }
  const recipientKey = once(async () => {
    try {
      return await suite.importRecipientKey(privateKey, publicKey)
    } finally {
      wipe(privateKey)
    }
  })
  return { kid, mode, kemId: MODE_KEM[mode], publicKey, recipientKey, status }
}

/** A mode's key from built-in public keys: its private key is derived from the held PRK copy on first use. */
function knownKey(
  hkdf: HkdfSha256,
  suite: Suite,
  held: HeldRootKey,
  entry: KnownKeyMaterial,
  mode: Mode,
  status: ServerKey['status'],
  variable: string,
): ServerKey {
  const publicKey = entry.publicKeys[mode]
  const recipientKey = once(async () => {
    const ikm = await staticKeyIkm(hkdf, held.prk, mode)
    held.release()
    const privateKey = await suite.derivePrivateKey(ikm)
    wipe(ikm)
    try {
      return await suite.importRecipientKey(privateKey, publicKey)
    } catch (error) {
      if (error instanceof HpkeError)
        throw new ConfigError(
          variable,
          `The built-in ${mode} public key does not belong to ${variable}: run \`npm run fastly:keys\` with this secret set, then rebuild.`,
        )
      throw error
    } finally {
      wipe(privateKey)
    }
  })
  return { kid: entry.kids[mode], mode, kemId: MODE_KEM[mode], publicKey, publicKeyText: entry.texts[mode], recipientKey, status }
}

/** What scripts/fastly-keys.ts builds into a package for `secret`: its check and its three public keys. */
export async function knownPublicKeysFor(backends: Backends, hpke: Hpke, secret: Uint8Array): Promise<KnownPublicKeys> {
  const hkdf = createHkdfSha256(backends.hmacSha256)
  const prk = await rootKey(hkdf, secret)
  try {
    const { keys } = await deriveSecretKeys(backends, hpke, secret, 'current')
    const publicKeys = Object.fromEntries(keys.map((k) => [k.mode, k.publicKey])) as Record<Mode, Uint8Array>
    return { check: await publicKeysCheck(hkdf, prk, publicKeys), keys: keys.map((k) => ({ mode: k.mode, publicKey: b64u(k.publicKey) })) }
  } finally {
    wipe(prk)
  }
}

function knownPublicKey(entry: KnownPublicKeys, mode: Mode, variable: string): Uint8Array {
  const text = entry.keys.find((k) => k.mode === mode)?.publicKey
  try {
    if (text === undefined) throw new EncodingError('invalid_encoding', `no ${mode} key`)
    return fromB64u(text, `${mode} public key`)
  } catch (error) {
    if (error instanceof EncodingError)
      throw new ConfigError(
        variable,
        `The public keys built in for ${variable} lack a valid ${mode} key: run \`npm run fastly:keys\` again, then rebuild.`,
      )
    throw error
  }
}

/**
 * The first call runs `f`; every call returns its promise, a rejection included: a bad key stays bad,
 * and (unlike src/memo.ts, which retries transient failures) a second run would release the held PRK
 * copy twice and wipe it while another mode still needs it.
 */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= f())
}
