// pq-edge/xwing for Node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts).
import * as mlkem from '../mlkem/node.ts'
import { bindXWing } from './index.ts'

export type { BackendDescription, XWing, XWingDecapsulationKey } from './index.ts'
export { createXWing, XWING_LENGTHS } from './xwing.ts'

export const { xwing, getBackends } = bindXWing(mlkem, mlkem.init)
