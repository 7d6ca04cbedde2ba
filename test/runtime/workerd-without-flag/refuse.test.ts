// The real Cloudflare entry inside workerd WITHOUT wrangler.jsonc's `webcrypto_modern_algorithms` flag
// (vitest.config.ts, project workerd-without-flag): the deploy mistake src/runtime/cloudflare-crypto.ts
// guards against. The entry bundles no fallback, so the service must refuse to start, naming the flag,
// instead of serving with a primitive that is not there; /health must still answer and say what is missing.
import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { TEST_SERVER_SECRET } from '../../service/secrets.ts'

describe('Cloudflare entry without webcrypto_modern_algorithms', () => {
  it('reports on /health what its WebCrypto lacks here, and no native X-Wing', async () => {
    const res = await SELF.fetch('https://pq-edge.test/health')
    expect(res.status).toBe(200)
    const body = await res.json<any>()
    expect(body.capabilities.webCrypto).toMatchObject({ chacha20poly1305: false, xwing: false })
    expect(body.backends).toMatchObject({ chacha20poly1305: 'missing', xwingEncaps: 'pq-edge' })
  })

  it('refuses the service (GET /v2/keys, POST /v2/sessions) with 500 service_misconfigured naming compatibility_flags', async () => {
    for (const [method, path] of [
      ['GET', '/v2/keys'],
      ['POST', '/v2/sessions'],
    ] as const) {
      const res = await SELF.fetch(`https://pq-edge.test${path}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      })
      expect(res.status, `${method} ${path}`).toBe(500)
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      const text = await res.text()
      expect(JSON.parse(text).code).toBe('service_misconfigured')
      expect(text).toContain('compatibility_flags')
      expect(text).toContain('chacha20poly1305') // what is missing
      expect(text).not.toContain(TEST_SERVER_SECRET)
    }
  })
})
