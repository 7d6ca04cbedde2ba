// What the service contract (contract.ts) and its attacks (attacks.ts) run against: a platform's way to
// deploy the service with variables and a vault, and to call it.
import type { Backends } from '../../src/crypto/types.ts'
import type { Hpke } from '../../src/hpke/hpke.ts'
import type { Caller } from '../support/service-client.ts'

/** A vault of its own (opaque): deployments given the same one share it, and no other test writes to it. */
export interface Vault {
  readonly id: string
}

/** What the platform's logging shows, where the harness can see it (Fastly: the log endpoint and the guest's output). */
export interface Observed {
  /** The JSON events the service wrote to its metrics sink. */
  events(): Record<string, unknown>[]
  /** Everything the service logged, as text. */
  logText(): string
}

/** One service configuration: a Caller over it, and what its vault holds. */
export interface Deployment {
  call: Caller
  /** The vault's records as stored (for a shared vault, less the records other test files write concurrently). */
  snapshot(): Promise<string>
  observed?: Observed
}

export interface DeploymentOptions {
  /**
   * Variables over the test configuration (test/service/secrets.ts TEST_BINDINGS; PQ_POLICY=pq-preferred),
   * wherever the platform keeps them (bindings; Fastly's Secret Store and Config Store); undefined removes one.
   */
  vars?: Record<string, string | undefined>
  /** Default: the platform's shared vault (workerd) or a fresh one per deployment (Fastly). */
  vault?: Vault
}

export interface ServiceUnderTest {
  deploy(options?: DeploymentOptions): Deployment
  newVault(): Vault
  /** The client's crypto on this platform. */
  hpke: Hpke
  backends(): Promise<Backends>
}
