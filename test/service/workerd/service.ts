// The service under test inside workerd (test/service/contract.ts): the real Workers entry. The default
// deployment goes through SELF (the worker as configured in vitest.config.ts: TEST_BINDINGS,
// PQ_POLICY=pq-preferred) over the shared vault object; a deployment with other variables or a vault of
// its own calls the same entry's fetch with that env (one env object: memoised like a deployment's).
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { lazyBackends } from '../../../src/crypto/select.ts'
import { hpke } from '../../../src/hpke/workerd.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import worker from '../../../src/runtime/cloudflare.ts'
import { DurableObjectConfigStore } from '../../../src/runtime/cloudflare-store.ts'
import { type Caller, createServiceClient } from '../../support/service-client.ts'
import type { Deployment, ServiceUnderTest, Vault } from '../contract.ts'
import { TEST_ADMIN, TEST_CLIENT } from '../secrets.ts'

const BASE = 'https://pq-edge.test'
// The generated Env (worker-configuration.d.ts) has no index signature; variants add arbitrary overrides.
const baseEnv = env as unknown as Record<string, unknown> & Env

export const call: Caller = (path, init) => SELF.fetch(`${BASE}${path}`, init)

/** A caller for the real entry with `overrides` on top of the test env. */
function callWith(overrides: Record<string, unknown>): Caller {
  const variant = { ...baseEnv, ...overrides }
  return async (path, init) => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request(`${BASE}${path}`, init), variant, ctx)
    await waitOnExecutionContext(ctx)
    return res
  }
}

const getBackends = lazyBackends(mlkem)
const backends = async () => (await getBackends()).backends
export const client = createServiceClient({ call, hpke, backends, admin: TEST_ADMIN, client: TEST_CLIENT })

/** Every record of a vault object as stored (names, versions, the sealed data). */
async function storedRecords(objectName: string): Promise<string> {
  const store = new DurableObjectConfigStore(baseEnv.CONFIG_VAULT, objectName)
  const entries = await store.list()
  return JSON.stringify(await Promise.all(entries.map(async (e) => [e.name, await store.get(e.name)])))
}

export const workerdService: ServiceUnderTest = {
  hpke,
  backends,
  newVault: () => ({ id: `contract-${crypto.randomUUID()}` }),
  deploy({ vars, vault } = {}): Deployment {
    if (!vault) {
      const caller = vars ? callWith(vars) : call
      // The shared vault: other test files write to it concurrently (their names come from uniqueName).
      return { call: caller, snapshot: () => client.vaultSnapshot(caller) }
    }
    const CONFIG_VAULT = { getByName: () => baseEnv.CONFIG_VAULT.getByName(vault.id) }
    return { call: callWith({ ...vars, CONFIG_VAULT }), snapshot: () => storedRecords(vault.id) }
  },
}
export type { Vault }
