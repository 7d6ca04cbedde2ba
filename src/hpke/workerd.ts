// pq-edge/hpke for workerd (Cloudflare Workers): the wasm ML-KEM core from imported .wasm modules (../mlkem/workerd.ts).
import * as mlkem from '../mlkem/workerd.ts'
import { bindHpke } from './index.ts'

export { HpkeError } from './errors.ts'
export { AEAD, createHpke, KDF, KEM } from './hpke.ts'
export type * from './index.ts'

export const { hpke, getBackends } = bindHpke(mlkem, mlkem.init)
