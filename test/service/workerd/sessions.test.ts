// GET /v1/keys and POST /v1/sessions against the real Workers entry: each policy, each mode, every
// error code of the handshake, and the metrics it counts.
import { describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../../src/app.ts'
import { b64u, fromB64u } from '../../../src/crypto/bytes.ts'
import { AEAD } from '../../../src/hpke/workerd.ts'
import manifest from '../../../src/mlkem/wasm/manifest.json'
import { admin, call, callWith, establish, expectProblem, getKeys, json, keyFor, sessionRequest, vaultSnapshot } from './helpers.ts'
import { TEST_CLIENT } from './secrets.ts'

const hybridRequired = callWith({ PQ_POLICY: 'hybrid-required' })
const pqOnly = callWith({ PQ_POLICY: 'pq-only' })

describe('GET /v1/keys', () => {
  it('lists the accepted modes only, with kids, and is cacheable (ETag, 304)', async () => {
    const res = await call('/v1/keys')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    const body = await res.json<any>()
    expect(body).toMatchObject({ version: 1, policy: 'pq-preferred', aeads: [3, 2] })
    expect(body.keys.map((k: any) => [k.mode, k.kemId, fromB64u(k.publicKey, 'pk').length, k.status])).toEqual([
      ['hybrid', 0x647a, 1216, 'current'],
      ['pq', 0x0041, 1184, 'current'],
      ['classical', 0x0020, 32, 'current'],
    ])
    for (const k of body.keys) expect(k.kid).toMatch(/^[A-Za-z0-9_-]{16}$/)

    const again = await call('/v1/keys', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(etag)
    expect((await call('/v1/keys', { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
  })

  it('is stable across requests (keys derive from SERVER_SECRET) and per policy', async () => {
    const a = await getKeys()
    const b = await getKeys()
    expect(b).toEqual(a)
    expect((await getKeys(hybridRequired)).keys.map((k) => k.mode)).toEqual(['hybrid'])
    expect((await getKeys(pqOnly)).keys.map((k) => k.mode)).toEqual(['pq'])
    // Same secret, same keys, whichever policy lists them.
    expect((await getKeys(hybridRequired)).keys[0]!.kid).toBe(a.keys[0]!.kid)
  })
})

describe('POST /v1/sessions: establishment per policy', () => {
  it.each([
    ['hybrid', AEAD.ChaCha20Poly1305],
    ['hybrid', AEAD.Aes256Gcm],
    ['pq', AEAD.ChaCha20Poly1305],
    ['classical', AEAD.Aes256Gcm],
  ] as const)('pq-preferred accepts %s (aead %i); the client verifies key confirmation', async (mode, aead) => {
    const session = await establish({ mode, aead })
    expect(session.scopes).toEqual(['app/'])
    expect(session.aeadId).toBe(aead)
    expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(800_000)
    expect(session.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it('pq-preferred: a classical fallback is counted in /metrics (key exchange and fallback)', async () => {
    const metric = async (line: string) => {
      const text = await (await call('/metrics', { headers: admin })).text()
      return Number(
        text
          .split('\n')
          .find((l) => l.startsWith(line))
          ?.split(' ')
          .pop() ?? 0,
      )
    }
    const fallbacks = 'wasm_pqc_classical_fallback_total{reason="client_selected_classical_key"}'
    const classical = 'wasm_pqc_key_exchange_total{mode="classical",algorithm="DHKEM(X25519)",result="success"}'
    const before = [await metric(fallbacks), await metric(classical)]
    await establish({ mode: 'classical' })
    expect([await metric(fallbacks), await metric(classical)]).toEqual([before[0]! + 1, before[1]! + 1])
    const res = await call('/metrics', { headers: admin })
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toContain('wasm_pqc_key_exchange_total{mode="hybrid",algorithm="X-Wing",result="success"}')
    expect(text).toMatch(/wasm_pqc_operation_duration_ms_count\{algorithm="X-Wing",operation="session_accept"\} \d+/)
    // The running ML-KEM module: its size (from the pinned manifest) and its instantiation time.
    expect(text).toContain(`wasm_pqc_module_size_bytes{module="mlkem-simd.wasm"} ${manifest.modules['mlkem-simd.wasm'].bytes}`)
    expect(text).toMatch(/wasm_pqc_cold_start_ms\{module="mlkem-simd.wasm",has_aot="false"\} \d/)
  })

  it('hybrid-required: establishes hybrid, refuses pq and classical keys with 403 mode_not_allowed', async () => {
    await establish({ mode: 'hybrid', caller: hybridRequired })
    for (const mode of ['pq', 'classical'] as const) {
      const { pending } = await sessionRequest({ mode }) // kid from the pq-preferred listing: same secret
      await expectProblem(await hybridRequired('/v1/sessions', json(pending.request)), 403, 'mode_not_allowed')
    }
  })

  it('pq-only: establishes pq, refuses hybrid and classical', async () => {
    await establish({ mode: 'pq', caller: pqOnly })
    for (const mode of ['hybrid', 'classical'] as const) {
      const { pending } = await sessionRequest({ mode })
      await expectProblem(await pqOnly('/v1/sessions', json(pending.request)), 403, 'mode_not_allowed')
    }
  })
})

describe('POST /v1/sessions: every rejection is problem+json with its code, and stores nothing', () => {
  async function rejects(init: RequestInit, status: number, code: string) {
    const before = await vaultSnapshot()
    const body = await expectProblem(await call('/v1/sessions', init), status, code)
    expect(await vaultSnapshot()).toBe(before)
    return body
  }
  const valid = async () => (await sessionRequest()).pending.request

  it('malformed JSON, a non-JSON media type, and the wrong shape: 400 invalid_json', async () => {
    await rejects(json('{"version": 1,'), 400, 'invalid_json')
    await rejects({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(await valid()) }, 400, 'invalid_json')
    await rejects(json([1, 2]), 400, 'invalid_json')
    const { sealed: _, ...missing } = await valid()
    await rejects(json(missing), 400, 'invalid_json')
    await rejects(json({ ...(await valid()), aead: '3' }), 400, 'invalid_json')
  })

  it('version other than 1: 400 unsupported_version; an AEAD not offered: 400 unsupported_suite', async () => {
    await rejects(json({ ...(await valid()), version: 2 }), 400, 'unsupported_version')
    await rejects(json({ ...(await valid()), aead: 1 }), 400, 'unsupported_suite')
  })

  it('not base64url without padding: 400 invalid_encoding', async () => {
    const request = await valid()
    for (const bad of [`${request.enc}=`, request.enc.replace(/./, '+'), ` ${request.sealed}`]) {
      await rejects(json({ ...request, enc: bad }), 400, 'invalid_encoding')
    }
    await rejects(json({ ...request, sealed: 'A' }), 400, 'invalid_encoding')
  })

  it('wrong lengths for the suite: 400 invalid_length', async () => {
    const request = await valid()
    await rejects(json({ ...request, enc: b64u(new Uint8Array(1088)) }), 400, 'invalid_length')
    await rejects(json({ ...request, ephemeralPublicKey: b64u(new Uint8Array(32)) }), 400, 'invalid_length')
    await rejects(json({ ...request, sealed: b64u(new Uint8Array(15)) }), 400, 'invalid_length')
  })

  it('a kid that names no key: 400 unknown_key', async () => {
    await rejects(json({ ...(await valid()), kid: 'AAAAAAAAAAAAAAAA' }), 400, 'unknown_key')
    await rejects(json({ ...(await valid()), kid: 'short' }), 400, 'unknown_key')
  })

  it('an altered envelope: 400 decryption_failed', async () => {
    const request = await valid()
    const sealed = fromB64u(request.sealed, 'sealed')
    sealed[0]! ^= 1
    await rejects(json({ ...request, sealed: b64u(sealed) }), 400, 'decryption_failed')
    // pkE is bound by the AAD: swapping it for another valid key fails to open.
    const other = await valid()
    await rejects(json({ ...request, ephemeralPublicKey: other.ephemeralPublicKey }), 400, 'decryption_failed')
  })

  it('wrong or unknown client credentials: 401 invalid_credentials with WWW-Authenticate', async () => {
    for (const credentials of [
      { ...TEST_CLIENT, clientSecret: 'pqe_client_wrong' },
      { clientId: 'nobody', clientSecret: TEST_CLIENT.clientSecret },
    ]) {
      const { pending } = await sessionRequest({ credentials })
      const before = await vaultSnapshot()
      const res = await call('/v1/sessions', json(pending.request))
      expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
      const body = await expectProblem(res, 401, 'invalid_credentials')
      expect(JSON.stringify(body)).not.toContain('pqe_client')
      expect(await vaultSnapshot()).toBe(before)
    }
  })

  it('a body over the limit: 413 payload_too_large', async () => {
    await rejects(json({ ...(await valid()), padding: 'x'.repeat(MAX_BODY_BYTES) }), 413, 'payload_too_large')
  })

  it('other methods: 405 with Allow', async () => {
    const res = await call('/v1/sessions')
    await expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe('POST')
    expect((await keyFor('hybrid')).kid).toBeTruthy()
  })
})
