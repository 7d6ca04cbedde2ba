/// <reference path="../bench-modules.d.ts" />
// Size app (scripts/fastly/bench.ts `crypto`): the X25519 module kept alive by a fetch handler, then the
// freed-memory scrub src/runtime/fastly.ts ends its build with; built with 'pq-edge-engine:x25519' as
// src/crypto/x25519-js.ts is and with its BASE_TABLE literal emptied, for what the table adds.
import { x25519Sync } from 'pq-edge-engine:x25519'

addEventListener('fetch', (event) =>
  (event as unknown as { respondWith(r: Response): void }).respondWith(
    new Response(x25519Sync.publicKey(new Uint8Array(32).fill(1)).slice()),
  ),
)
const held: ArrayBuffer[] = []
for (const [bytes, count] of [
  [1 << 20, 2],
  [65536, 32],
  [4096, 256],
  [512, 1024],
] as const)
  for (let i = 0; i < count; i++) held.push(new ArrayBuffer(bytes))
