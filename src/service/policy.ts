// PQ_POLICY: which key-establishment modes the server accepts. Parsed with the rest of the
// configuration, once per isolate; an unknown value is a ConfigError (every service request answers
// 500 service_misconfigured, listing the allowed ones) rather than a silently weaker policy.
//
// | PQ_POLICY                   | accepts                                                          |
// |-----------------------------|------------------------------------------------------------------|
// | `hybrid-required` (default) | `hybrid` only (X-Wing: ML-KEM-768 + X25519)                      |
// | `pq-preferred`              | `hybrid`, `pq`, and `classical` (DHKEM(X25519)) as a fallback    |
// |                             | for clients without ML-KEM; every fallback is counted and logged |
// |                             | as a security event                                              |
// | `pq-only`                   | `pq` only (ML-KEM-768 without X25519)                            |

import { ConfigError } from './config-error.ts'

export const PQ_POLICIES = ['hybrid-required', 'pq-preferred', 'pq-only'] as const
export type PqPolicy = (typeof PQ_POLICIES)[number]

/** Safe by default: a session stays secret unless both ML-KEM-768 and X25519 are broken. */
export const DEFAULT_PQ_POLICY: PqPolicy = 'hybrid-required'

export type EstablishmentMode = 'hybrid' | 'pq' | 'classical'

/** The KEM each mode runs; also the `algorithm` label of the key-exchange metrics. */
export const MODE_ALGORITHM = {
  hybrid: 'X-Wing',
  pq: 'ML-KEM-768',
  classical: 'DHKEM(X25519)',
} as const satisfies Record<EstablishmentMode, string>

const ACCEPTED_MODES: Record<PqPolicy, readonly EstablishmentMode[]> = {
  'hybrid-required': ['hybrid'],
  'pq-preferred': ['hybrid', 'pq', 'classical'],
  'pq-only': ['pq'],
}

/** Modes that are accepted only as a fallback: quantum-vulnerable, so each use is a security event. */
const FALLBACK_MODES: ReadonlySet<EstablishmentMode> = new Set(['classical'])

/** PQ_POLICY unset means the default; anything else must be one of PQ_POLICIES exactly. */
export function parsePolicy(value: string | undefined): PqPolicy {
  if (value === undefined) return DEFAULT_PQ_POLICY
  if ((PQ_POLICIES as readonly string[]).includes(value)) return value as PqPolicy
  // The value is not secret, but it is not echoed either: the allowed list says what to write.
  throw new ConfigError('PQ_POLICY', `PQ_POLICY must be one of ${PQ_POLICIES.join(', ')} (default ${DEFAULT_PQ_POLICY}).`)
}

export function acceptedModes(policy: PqPolicy): readonly EstablishmentMode[] {
  return ACCEPTED_MODES[policy]
}

export type ModeDecision =
  | { accepted: true; mode: EstablishmentMode; algorithm: string; fallback: boolean }
  | { accepted: false; mode: EstablishmentMode; allowed: readonly EstablishmentMode[] }

/**
 * Whether `policy` accepts a client asking for `mode`. `fallback: true` means accepted but
 * quantum-vulnerable: the caller must count and log it (Metrics.classicalFallback).
 */
export function decideMode(policy: PqPolicy, mode: EstablishmentMode): ModeDecision {
  const allowed = ACCEPTED_MODES[policy]
  if (!allowed.includes(mode)) return { accepted: false, mode, allowed }
  return { accepted: true, mode, algorithm: MODE_ALGORITHM[mode], fallback: FALLBACK_MODES.has(mode) }
}

/**
 * Of the modes a client offers, the one to use: the first of hybrid, pq, classical (strongest first)
 * that both sides accept; null when there is none.
 */
export function chooseMode(policy: PqPolicy, offered: readonly EstablishmentMode[]): EstablishmentMode | null {
  return ACCEPTED_MODES[policy].find((mode) => offered.includes(mode)) ?? null
}
