// pq-edge/client for node: the wasm ML-KEM core loaded with fs (../mlkem/node.ts).
import * as mlkem from '../mlkem/node.ts'
import { bindClient } from './index.ts'

export { createClient } from './client.ts'
export { PqEdgeError } from './errors.ts'
export type * from './index.ts'

export const { connect, admin, getKeys } = bindClient(mlkem, mlkem.init)
