// The handler of the AES-GCM size apps (scripts/fastly/bench.ts `aead`): keeps both AEADs alive from a
// fetch handler (fixed public inputs), so the bundle holds what a deployment using them would.
import type { Aead } from '../../../../src/crypto/types.ts'

export function serveAead(aes128: Aead, aes256: Aead): void {
  addEventListener('fetch', (event) => {
    const e = event as unknown as { request: Request; respondWith(r: Promise<Response>): void }
    e.respondWith(
      (async () => {
        const a = e.request.headers.has('x-256') ? aes256 : aes128
        const k = await a.importKey(new Uint8Array(a === aes256 ? 32 : 16))
        const sealed = await k.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(8))
        return new Response((await k.open(new Uint8Array(12), new Uint8Array(0), sealed)).slice())
      })(),
    )
  })
}
