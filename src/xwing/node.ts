// pq-edge/xwing for Node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts);
// X25519 from node:crypto (synchronous, crypto/node-x25519.ts), which only the Node entries import.
import { nodeX25519 } from '../crypto/node-x25519.ts'
import * as mlkem from '../mlkem/node.ts'
import { bindXWing } from './index.ts'

export type { BackendDescription, XWing, XWingDecapsulationKey } from './index.ts'
export { createXWing, XWING_LENGTHS } from './xwing.ts'

export const { xwing, getBackends } = bindXWing(mlkem, mlkem.init, { x25519: nodeX25519 })
