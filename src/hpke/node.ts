// pq-edge/hpke for Node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts).
import * as mlkem from '../mlkem/node.ts'
import { bindHpke } from './index.ts'

export { HpkeError } from './errors.ts'
export { AEAD, createHpke, KDF, KEM } from './hpke.ts'
export type * from './index.ts'

export const { hpke, getBackends } = bindHpke(mlkem, mlkem.init)
