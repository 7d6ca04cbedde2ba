// pq-edge/client, binding: the SDK over HPKE and backends chosen lazily, once per isolate (like
// pq-edge/hpke). The per-runtime entries (node.ts, workerd.ts, browser.ts) only supply their ML-KEM loader.
import { lazyBackends, type MlKemSource, type Preferred } from '../crypto/select.ts'
import { createHpke } from '../hpke/hpke.ts'
import { createClient, type PqEdgeClient } from './client.ts'

export type {
  AdminClient,
  AdminOptions,
  ClientCredentials,
  ClientDeps,
  ConfigValue,
  ConnectOptions,
  FetchLike,
  KeySet,
  LocalErrorCode,
  Mode,
  Pin,
  PinnedKey,
  PqEdgeClient,
  PutOptions,
  RewrapReport,
  ServerKey,
  Session,
  SessionAead,
  Trust,
} from './client.ts'

/** `preferred`: backends a runtime entry supplies ahead of the probed ones (Node: node:crypto's X25519). */
export function bindClient(mlkem: MlKemSource, init: () => Promise<void>, preferred?: Preferred): PqEdgeClient {
  const selected = lazyBackends(mlkem, preferred)
  const backends = async () => {
    await init()
    return (await selected()).backends
  }
  return createClient({ hpke: createHpke(backends), backends })
}
