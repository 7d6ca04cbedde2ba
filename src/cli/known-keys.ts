// The CLI's known-keys file (v2-spec §7), as ssh's known_hosts: the server key each origin was first
// seen with, per mode. `{ "<origin>": { "<mode>": { "kid", "publicKey" } } }`, at $PQ_EDGE_KNOWN_KEYS,
// default ~/.config/pq-edge/known_keys.json. Written owner-only (0600, directory 0700), atomically
// (a temporary file renamed over the old one), so a crash never leaves half a file.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Mode, PinnedKey } from '../client/node.ts'

export interface KnownKey {
  kid: string
  publicKey: string
}

export type KnownKeys = Record<string, Partial<Record<Mode, KnownKey>>>

export class KnownKeysError extends Error {}

const MODES: readonly Mode[] = ['hybrid', 'pq', 'classical']
const B64U = /^[A-Za-z0-9_-]+$/

/** The file's path: $PQ_EDGE_KNOWN_KEYS, else ~/.config/pq-edge/known_keys.json. */
export function knownKeysPath(env: Record<string, string | undefined>): string {
  if (env.PQ_EDGE_KNOWN_KEYS) return env.PQ_EDGE_KNOWN_KEYS
  return join(env.HOME || homedir(), '.config', 'pq-edge', 'known_keys.json')
}

/** The entry key of a base URL: its origin (scheme, host, port), as ssh keys a host. */
export function originOf(url: string): string {
  return new URL(url).origin
}

/** Reads the file; a missing file is empty. A malformed one is an error (never silently replaced). */
export function loadKnownKeys(path: string): KnownKeys {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new KnownKeysError(
      `cannot read the known-keys file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  const malformed = (why: string) =>
    new KnownKeysError(`the known-keys file ${path} is malformed (${why}); fix or remove it (it holds the server keys pinned so far)`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw malformed('not JSON')
  }
  if (!isRecord(parsed)) throw malformed('not an object')
  // Null prototypes: an origin or mode named "__proto__" is an entry like any other, never a prototype.
  const out: KnownKeys = Object.create(null)
  for (const [origin, modes] of Object.entries(parsed)) {
    if (!isRecord(modes)) throw malformed(`"${origin}" is not an object`)
    const entry: Partial<Record<Mode, KnownKey>> = Object.create(null)
    for (const [mode, key] of Object.entries(modes)) {
      if (!MODES.includes(mode as Mode)) throw malformed(`"${origin}" has an unknown mode "${mode}"`)
      if (!isRecord(key) || typeof key.kid !== 'string' || typeof key.publicKey !== 'string' || !B64U.test(key.publicKey))
        throw malformed(`"${origin}"."${mode}" must be { "kid", "publicKey" (base64url) }`)
      entry[mode as Mode] = { kid: key.kid, publicKey: key.publicKey }
    }
    out[origin] = entry
  }
  return out
}

/** The pinned key for an origin and mode, if any. */
export function lookup(known: KnownKeys, origin: string, mode: Mode): KnownKey | undefined {
  return Object.hasOwn(known, origin) ? known[origin]?.[mode] : undefined
}

/** Re-reads the file, sets one entry and writes it back atomically, owner-only. */
export function remember(path: string, origin: string, pin: PinnedKey): void {
  const known = loadKnownKeys(path)
  const entry = Object.hasOwn(known, origin) ? known[origin]! : Object.create(null)
  entry[pin.mode] = { kid: pin.kid, publicKey: pin.publicKey }
  known[origin] = entry
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(known, null, 2)}\n`, { mode: 0o600 })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
