// pq-edge/xwing for browsers: the wasm ML-KEM core is fetched by init() on first use.
import * as mlkem from '../mlkem/browser.ts'
import { bindXWing } from './index.ts'

export type { BackendDescription, XWing, XWingDecapsulationKey } from './index.ts'
export { createXWing, XWING_LENGTHS } from './xwing.ts'

export const { xwing, getBackends } = bindXWing(mlkem, mlkem.init)
