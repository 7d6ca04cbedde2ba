import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp, MAX_BODY_BYTES } from '../../../src/app.ts'
import { lazyBackends } from '../../../src/crypto/select.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'

const BASE = 'https://pq-edge.test'

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = await res.json<any>()
  expect(body).toMatchObject({ status, code, type: `/problems/${code}` })
  expect(typeof body.title).toBe('string')
  return body
}

describe('errors are RFC 9457 problem+json with a stable code', () => {
  it('unknown route: 404 not_found', async () => {
    const body = await expectProblem(await SELF.fetch(`${BASE}/nope`), 404, 'not_found')
    expect(body.detail).toContain('/nope')
  })

  it('wrong method on a known route: 405 method_not_allowed with Allow', async () => {
    const res = await SELF.fetch(`${BASE}/health`, { method: 'DELETE' })
    await expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe('GET, HEAD')
  })

  it('HEAD is served from GET without a body', async () => {
    const res = await SELF.fetch(`${BASE}/health`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it('body over the documented limit: 413 payload_too_large', async () => {
    const res = await SELF.fetch(`${BASE}/health`, { method: 'POST', body: new Uint8Array(MAX_BODY_BYTES + 1) })
    const body = await expectProblem(res, 413, 'payload_too_large')
    expect(body.detail).toContain(String(MAX_BODY_BYTES))
  })

  it('a body at the limit is not rejected for size', async () => {
    const res = await SELF.fetch(`${BASE}/health`, { method: 'POST', body: new Uint8Array(MAX_BODY_BYTES) })
    await expectProblem(res, 405, 'method_not_allowed')
  })

  it('an oversized streamed body (no Content-Length) is still rejected', async () => {
    const chunk = new Uint8Array(16 * 1024)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES) return controller.close()
        sent += chunk.length
        controller.enqueue(chunk)
      },
    })
    const res = await SELF.fetch(`${BASE}/nope`, { method: 'POST', body: stream })
    await expectProblem(res, 413, 'payload_too_large')
  })
})

describe('unexpected errors', () => {
  it('become a bare 500 internal_error: nothing of the error reaches the client, the log gets it', async () => {
    const logged: unknown[] = []
    let calls = 0
    const app = createApp({
      runtime: { name: 'test' },
      mlkem,
      crypto: lazyBackends(mlkem),
      service: () => Promise.reject(new Error('not used by /health')),
      detectCapabilities: async () => {
        calls++
        if (calls === 1) throw new Error('probe failed: do-not-leak-7f3a')
        return {
          webAssembly: true,
          wasmSimd: true,
          webCrypto: { x25519: true, hkdf: true, aesGcm: true, chacha20poly1305: true, mlKem768: true, xwing: true },
        }
      },
      logError: (message, error) => logged.push(message, error),
    })
    const res = await app.request('/health')
    const body = await expectProblem(res, 500, 'internal_error')
    expect(JSON.stringify(body)).not.toContain('do-not-leak')
    expect(body.detail).toBeUndefined()
    expect(logged[0]).toBe('unhandled error')
    expect(String(logged[1])).toContain('do-not-leak-7f3a')
    // A failed capability probe is not cached: the next request probes again and succeeds.
    expect((await app.request('/health')).status).toBe(200)
    expect(calls).toBe(2)
  })
})
