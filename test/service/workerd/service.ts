// The service test client (test/support/service-client.ts) bound to the real Workers entry. `call`
// goes through SELF (the worker as configured in vitest.config.ts: PQ_POLICY=pq-preferred);
// `callWith(env)` calls the same entry's fetch with another env (another policy, a rotated secret),
// as a deployment would.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { lazyBackends } from '../../../src/crypto/select.ts'
import { webCryptoHmacSha256 } from '../../../src/crypto/webcrypto.ts'
import { hpke } from '../../../src/hpke/workerd.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import worker from '../../../src/runtime/cloudflare.ts'
import { type Caller, createServiceClient } from '../../support/service-client.ts'
import { TEST_ADMIN_TOKEN, TEST_CLIENT } from './secrets.ts'

export { type Caller, expectProblem, json, type PublishedKey, ticketAuth, uniqueName } from '../../support/service-client.ts'

export const BASE = 'https://pq-edge.test'
export const hmac = webCryptoHmacSha256
export const baseEnv = env as Record<string, unknown>

export const call: Caller = (path, init) => SELF.fetch(`${BASE}${path}`, init)

/** A caller for the real entry with `overrides` on top of the test env (one env object: memoised like a deployment's). */
export function callWith(overrides: Record<string, unknown>): Caller {
  const variant = { ...baseEnv, ...overrides }
  return async (path, init) => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request(`${BASE}${path}`, init), variant, ctx)
    await waitOnExecutionContext(ctx)
    return res
  }
}

const getBackends = lazyBackends(mlkem)
const client = createServiceClient({
  call,
  hpke,
  backends: async () => (await getBackends()).backends,
  adminToken: TEST_ADMIN_TOKEN,
  client: TEST_CLIENT,
})

export const { admin, getKeys, suiteFor, keyFor, sessionRequest, establish, sealedPut, adminPut, readConfig, vaultSnapshot, stored } =
  client
