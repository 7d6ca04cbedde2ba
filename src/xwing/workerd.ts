// pq-edge/xwing for workerd (Cloudflare Workers): the wasm ML-KEM core from imported .wasm modules.
import * as mlkem from '../mlkem/workerd.ts'
import { bindXWing } from './index.ts'

export type { BackendDescription, XWing, XWingDecapsulationKey } from './index.ts'
export { createXWing, XWING_LENGTHS } from './xwing.ts'

export const { xwing, getBackends } = bindXWing(mlkem, mlkem.init)
