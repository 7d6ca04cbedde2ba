// pq-edge/client for workerd: the wasm ML-KEM core from imported .wasm modules (../mlkem/workerd.ts).
import * as mlkem from '../mlkem/workerd.ts'
import { bindClient } from './index.ts'

export { createClient } from './client.ts'
export { PqEdgeError } from './errors.ts'
export type * from './index.ts'

export const { connect, admin, getKeys } = bindClient(mlkem, mlkem.init)
