// pq-edge/hpke, runtime-agnostic part: binds createHpke to backends chosen lazily, once per
// isolate. The per-runtime entries (node.ts, workerd.ts, browser.ts) only supply their ML-KEM loader.
import { lazyBackends, type MlKemSource, type Preferred, type SelectedBackends } from '../crypto/select.ts'
import { createHpke, type Hpke } from './hpke.ts'

export type { BackendDescription } from '../crypto/types.ts'
export type { HpkeErrorCode } from './errors.ts'
export type {
  AeadId,
  Hpke,
  KdfId,
  KemId,
  KeyPair,
  RecipientContext,
  RecipientKey,
  SenderContext,
  SetupOptions,
  Suite,
  SuiteInfo,
  SuiteParams,
} from './hpke.ts'

export interface HpkeEntry {
  hpke: Hpke
  /** Which implementation serves each primitive (runs the probes on first call). */
  getBackends(): Promise<SelectedBackends['describe']>
}

export function bindHpke(mlkem: MlKemSource, init: () => Promise<void>, preferred?: Preferred): HpkeEntry {
  const selected = lazyBackends(mlkem, preferred)
  const backends = async () => {
    await init()
    return (await selected()).backends
  }
  return {
    hpke: createHpke(backends),
    getBackends: async () => {
      await init()
      return (await selected()).describe
    },
  }
}
