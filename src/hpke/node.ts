// pq-edge/hpke for Node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts);
// X25519 from node:crypto (synchronous, crypto/node-x25519.ts), which only the Node entries import.
import { nodeX25519 } from '../crypto/node-x25519.ts'
import * as mlkem from '../mlkem/node.ts'
import { bindHpke } from './index.ts'

export { HpkeError } from './errors.ts'
export { AEAD, createHpke, KDF, KEM } from './hpke.ts'
export type * from './index.ts'

export const { hpke, getBackends } = bindHpke(mlkem, mlkem.init, { x25519: nodeX25519 })
