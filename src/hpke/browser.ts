// pq-edge/hpke for browsers: the wasm ML-KEM core is fetched by init() on first use (../mlkem/browser.ts).
import * as mlkem from '../mlkem/browser.ts'
import { bindHpke } from './index.ts'

export { HpkeError } from './errors.ts'
export { AEAD, createHpke, KDF, KEM } from './hpke.ts'
export type * from './index.ts'

export const { hpke, getBackends } = bindHpke(mlkem, mlkem.init)
