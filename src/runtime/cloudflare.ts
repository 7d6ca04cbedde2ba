// Cloudflare Workers entry: wires the platform into the shared app. Module top level builds the
// app only; no secrets or randomness here.
import { createApp } from '../app.ts'
import { detectCryptoCapabilities } from '../capabilities.ts'
import { lazyBackends } from '../crypto/select.ts'
import * as mlkem from '../mlkem/workerd.ts'

const app = createApp({
  runtime: { name: 'cloudflare-workers' },
  mlkem,
  crypto: lazyBackends(mlkem),
  detectCapabilities: detectCryptoCapabilities,
})

export default app
export { ConfigVaultObject } from './cloudflare-store.ts'
