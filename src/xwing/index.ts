// pq-edge/xwing, runtime-agnostic part: binds createXWing to backends chosen lazily, once per
// isolate (selectBackends probes WebCrypto on first use, never at module top level). The
// per-runtime entries (node.ts, workerd.ts, browser.ts) only supply their ML-KEM loader.
import { lazyBackends, type MlKemSource, type Preferred, type SelectedBackends } from '../crypto/select.ts'
import { createXWing, XWING_LENGTHS, type XWing, type XWingDecapsulationKey } from './xwing.ts'

export type { BackendDescription } from '../crypto/types.ts'
export type { XWing, XWingDecapsulationKey } from './xwing.ts'

export interface XWingEntry {
  xwing: XWing
  /** Which implementation serves each primitive (runs the probes on first call). */
  getBackends(): Promise<SelectedBackends['describe']>
}

export function bindXWing(mlkem: MlKemSource, init: () => Promise<void>, preferred?: Preferred): XWingEntry {
  const selected = lazyBackends(mlkem, preferred)
  let instance: Promise<XWing> | undefined
  const ready = () =>
    (instance ??= (async () => {
      await init()
      return createXWing((await selected()).backends)
    })())
  const xwing: XWing = {
    lengths: XWING_LENGTHS,
    keygen: async (seed) => (await ready()).keygen(seed),
    encapsulate: async (publicKey, eseed) => (await ready()).encapsulate(publicKey, eseed),
    decapsulate: async (cipherText, secretKey) => (await ready()).decapsulate(cipherText, secretKey),
    importSecretKey: async (secretKey): Promise<XWingDecapsulationKey> => (await ready()).importSecretKey(secretKey),
  }
  return {
    xwing,
    getBackends: async () => {
      await init()
      return (await selected()).describe
    },
  }
}
