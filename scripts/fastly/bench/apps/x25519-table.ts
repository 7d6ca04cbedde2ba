/// <reference path="../bench-modules.d.ts" />
// Size app (scripts/fastly/bench.ts `crypto`): the X25519 module kept alive by a fetch handler, then the
// last build-time steps src/runtime/fastly.ts ends its build with; built with 'pq-edge-engine:x25519' as
// src/crypto/x25519-js.ts is and with its BASE_TABLE literal emptied, for what the table adds.
import { x25519Sync } from 'pq-edge-engine:x25519'
import { settleSnapshot } from '../../../../src/runtime/fastly-snapshot.ts'

addEventListener('fetch', (event) =>
  (event as unknown as { respondWith(r: Response): void }).respondWith(
    new Response(x25519Sync.publicKey(new Uint8Array(32).fill(1)).slice()),
  ),
)
settleSnapshot()
