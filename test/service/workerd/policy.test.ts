import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/service/config-error.ts'
import {
  acceptedModes,
  chooseMode,
  DEFAULT_PQ_POLICY,
  decideMode,
  type EstablishmentMode,
  PQ_POLICIES,
  parsePolicy,
} from '../../../src/service/policy.ts'

describe('parsePolicy', () => {
  it('defaults to hybrid-required when PQ_POLICY is unset', () => {
    expect(DEFAULT_PQ_POLICY).toBe('hybrid-required')
    expect(parsePolicy(undefined)).toBe('hybrid-required')
  })

  it('accepts each documented value', () => {
    for (const policy of PQ_POLICIES) expect(parsePolicy(policy)).toBe(policy)
  })

  it('rejects anything else, naming the variable and the allowed values', () => {
    for (const value of ['', 'hybrid', 'Hybrid-Required', ' pq-only', 'classical', 'none']) {
      expect(() => parsePolicy(value), value).toThrow(ConfigError)
      expect(() => parsePolicy(value)).toThrow('PQ_POLICY must be one of hybrid-required, pq-preferred, pq-only (default hybrid-required).')
    }
  })
})

describe('modes each policy accepts', () => {
  const table: Record<string, Record<EstablishmentMode, 'accept' | 'fallback' | 'reject'>> = {
    'hybrid-required': { hybrid: 'accept', pq: 'reject', classical: 'reject' },
    'pq-preferred': { hybrid: 'accept', pq: 'accept', classical: 'fallback' },
    'pq-only': { hybrid: 'reject', pq: 'accept', classical: 'reject' },
  }

  for (const policy of PQ_POLICIES) {
    for (const [mode, expected] of Object.entries(table[policy]!) as [EstablishmentMode, string][]) {
      it(`${policy}: ${mode} → ${expected}`, () => {
        const decision = decideMode(policy, mode)
        if (expected === 'reject') {
          expect(decision).toEqual({ accepted: false, mode, allowed: acceptedModes(policy) })
        } else {
          expect(decision).toMatchObject({ accepted: true, mode, fallback: expected === 'fallback' })
        }
      })
    }
  }

  it('names the algorithm of each accepted mode', () => {
    expect(decideMode('hybrid-required', 'hybrid')).toMatchObject({ algorithm: 'X-Wing' })
    expect(decideMode('pq-only', 'pq')).toMatchObject({ algorithm: 'ML-KEM-768' })
    expect(decideMode('pq-preferred', 'classical')).toMatchObject({ algorithm: 'DHKEM(X25519)' })
  })
})

describe('chooseMode', () => {
  it('picks the strongest mode both sides accept', () => {
    expect(chooseMode('pq-preferred', ['classical', 'pq', 'hybrid'])).toBe('hybrid')
    expect(chooseMode('pq-preferred', ['classical', 'pq'])).toBe('pq')
    expect(chooseMode('pq-preferred', ['classical'])).toBe('classical')
    expect(chooseMode('hybrid-required', ['pq', 'hybrid'])).toBe('hybrid')
    expect(chooseMode('pq-only', ['hybrid', 'pq'])).toBe('pq')
  })

  it('returns null when nothing offered is accepted', () => {
    expect(chooseMode('hybrid-required', ['classical', 'pq'])).toBeNull()
    expect(chooseMode('pq-only', ['hybrid'])).toBeNull()
    expect(chooseMode('pq-preferred', [])).toBeNull()
  })
})
