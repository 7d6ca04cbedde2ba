// pq-edge/client for browser: the wasm ML-KEM core fetched on first use (../mlkem/browser.ts).
import * as mlkem from '../mlkem/browser.ts'
import { bindClient } from './index.ts'

export { createClient } from './client.ts'
export { PqEdgeError } from './errors.ts'
export type * from './index.ts'

export const { connect, admin, getKeys } = bindClient(mlkem, mlkem.init)
