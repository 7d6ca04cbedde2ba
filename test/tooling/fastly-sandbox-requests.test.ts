// The build's PQ_EDGE_FASTLY_SANDBOX_REQUESTS (scripts/build-fastly.ts): how many requests one Fastly
// sandbox serves. What the artifact then does with it is tested in test/fastly/service.test.ts.
import { describe, expect, it } from 'vitest'
import { DEFAULT_SANDBOX_REQUESTS, sandboxRequestsOf } from '../../scripts/build-fastly.ts'

describe('PQ_EDGE_FASTLY_SANDBOX_REQUESTS', () => {
  it('defaults when unset or empty; the option wins over the environment', () => {
    expect(sandboxRequestsOf(undefined, undefined)).toBe(DEFAULT_SANDBOX_REQUESTS)
    expect(sandboxRequestsOf(undefined, '')).toBe(DEFAULT_SANDBOX_REQUESTS)
    expect(sandboxRequestsOf(undefined, '1')).toBe(1)
    expect(sandboxRequestsOf(undefined, '0')).toBe(0)
    expect(sandboxRequestsOf(7, '1')).toBe(7)
  })

  it.each(['-1', '1.5', 'ten', ' ', 'Infinity', '1e400'])('refuses %j with a clear error', (value) => {
    expect(() => sandboxRequestsOf(undefined, value)).toThrow(
      /PQ_EDGE_FASTLY_SANDBOX_REQUESTS must be a whole number of requests per sandbox \(1: a fresh sandbox per request, 0: no maximum\)/,
    )
  })
})
