// The bench worker's stand-in for `vitest` (bench/protocol/workerd.ts): the test client a tree's
// harness uses (test/support/service-client.ts) imports `expect` from vitest, which is not bundled into
// a worker. The driver aliases `vitest` to this file (scripts/bench-protocol.ts); only what that client
// calls is here, and a failed check throws.
const show = (value: unknown) => {
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== 'object' || expected === null) return Object.is(actual, expected)
  if (typeof actual !== 'object' || actual === null) return false
  return Object.entries(expected).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v))
}

export function expect(actual: unknown, message?: string) {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${message ? `${message}: ` : ''}expected ${show(actual)} ${what}`)
  }
  return {
    toBe: (expected: unknown) => check(Object.is(actual, expected), `to be ${show(expected)}`),
    toEqual: (expected: unknown) => check(show(actual) === show(expected), `to equal ${show(expected)}`),
    toMatchObject: (expected: unknown) => check(matches(actual, expected), `to match ${show(expected)}`),
  }
}
