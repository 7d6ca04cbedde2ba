// pq-edge/client for node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts), and X25519 from
// node:crypto (synchronous, crypto/node-x25519.ts), as pq-edge/xwing and pq-edge/hpke do under node.
import { nodeX25519 } from '../crypto/node-x25519.ts'
import * as mlkem from '../mlkem/node.ts'
import { bindClient } from './index.ts'

export { createClient } from './client.ts'
export { PqEdgeError } from './errors.ts'
export type * from './index.ts'

export const { connect, admin, getKeys } = bindClient(mlkem, mlkem.init, { x25519: nodeX25519 })
