// Size control (scripts/fastly/bench.ts `aead`): the pq-edge-js apps' handler with a stand-in AEAD (no
// cipher): what the handler itself adds.
import type { Aead } from '../../../../src/crypto/types.ts'
import { serveAead } from './aead-app.ts'

const stand = (): Aead => ({
  name: 'pq-edge-js',
  importKey: async (key) => ({
    seal: async (_iv, _aad, pt) => new Uint8Array([...pt, ...key.subarray(0, 16)]),
    open: async (_iv, _aad, ct) => ct.subarray(0, ct.length - 16),
  }),
})
serveAead(stand(), stand())
