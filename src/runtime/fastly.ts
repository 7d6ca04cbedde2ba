/// <reference types="@fastly/js-compute" />
// Fastly Compute entry: wires the platform into the shared app. Module top level runs at BUILD
// time (js-compute snapshots it into the wasm), so it may only build the app: keys, secrets and
// randomness belong inside request handlers.
import { fire } from 'hono/service-worker'
import { createApp } from '../app.ts'
import { detectCryptoCapabilities } from '../capabilities.ts'

const app = createApp({
  runtime: { name: 'fastly-compute' },
  // No WebAssembly here: the interpreter-tuned JavaScript core and its backends arrive with the
  // Fastly work; until then /health reports none.
  mlkem: null,
  crypto: null,
  // No vault store or secrets wiring yet: /v1/* and /metrics answer 503 service_unavailable.
  service: null,
  detectCapabilities: detectCryptoCapabilities,
})

// `fetch: undefined` matters: by default Hono's service-worker adapter forwards every 404 to
// `fetch(request)`, i.e. to an origin this service does not have.
fire(app, { fetch: undefined })
