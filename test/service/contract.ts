// The service contract (protocol v2), written once: what GET /v2/keys, POST /v2/sessions, the config
// vault, the admin endpoints, SERVER_SECRET rotation and misconfiguration answer, request by request,
// whatever the platform — and the five attacks v2 exists to stop (test/service/attacks.ts). It is
// instantiated inside workerd against the real Workers entry (test/service/workerd/contract.test.ts)
// and in Node against the real Fastly artifact under the harness host (test/fastly/service.test.ts).
// What only one platform has (its metrics sinks, Fastly's built-in keys and stores, Durable Object
// internals) stays in that platform's own tests. The client half is the protocol's own
// (test/support/service-client.ts), so key confirmation, request MACs and config decryption with skE
// are checked client-side.
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../src/app.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { AEAD } from '../../src/hpke/hpke.ts'
import type { Mode } from '../../src/protocol/v2.ts'
import {
  type Caller,
  createServiceClient,
  expectProblem,
  json,
  type KeysDocument,
  nowSeconds,
  type PublishedKey,
  uniqueName,
} from '../support/service-client.ts'
import { attackContract } from './attacks.ts'
import { validateAgainstOpenApi } from './openapi.ts'
import { TEST_ADMIN, TEST_CLIENT, TEST_OTHER_CLIENT, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from './secrets.ts'
import type { Deployment, DeploymentOptions, ServiceUnderTest } from './under-test.ts'

export type { Deployment, DeploymentOptions, Observed, ServiceUnderTest, Vault } from './under-test.ts'

export function serviceContract(sut: ServiceUnderTest): void {
  const clientFor = (d: Deployment | Caller) =>
    createServiceClient({
      call: typeof d === 'function' ? d : d.call,
      hpke: sut.hpke,
      backends: sut.backends,
      admin: TEST_ADMIN,
      client: TEST_CLIENT,
    })
  const isolated = (vars?: DeploymentOptions['vars']) => sut.deploy({ vars, vault: sut.newVault() })

  /** The keys the default deployment publishes (pq-preferred: every mode), fetched once. */
  let published: KeysDocument
  const keyOf = (mode: Mode): PublishedKey => {
    const key = published.keys.find((k) => k.mode === mode && k.status === 'current')
    if (!key) throw new Error(`no current ${mode} key`)
    return key
  }
  beforeAll(async () => {
    published = await clientFor(sut.deploy()).getKeys()
  })
  const exchanges = (d: Deployment) =>
    d.observed
      ?.events()
      .filter((e) => e.metric === 'wasm_pqc_key_exchange_total')
      .map((e) => [(e.labels as Record<string, string>).mode, (e.labels as Record<string, string>).result])

  attackContract(sut, { clientFor, isolated, keyOf })

  describe('GET /v2/keys', () => {
    it('lists the accepted modes with kids, and is cacheable (ETag, 304); /v1 is gone', async () => {
      const { call } = sut.deploy()
      const res = await call('/v2/keys')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(res.headers.get('cache-control')).toBe('public, max-age=300')
      const etag = res.headers.get('etag')!
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
      const body = (await res.clone().json()) as KeysDocument
      await validateAgainstOpenApi('get', '/v2/keys', res)
      expect(body).toMatchObject({ version: 2, policy: 'pq-preferred', aeads: [3, 2] })
      expect(body.keys.map((k) => [k.mode, k.kemId, fromB64u(k.publicKey, 'pk').length, k.status])).toEqual([
        ['hybrid', 0x647a, 1216, 'current'],
        ['pq', 0x0041, 1184, 'current'],
        ['classical', 0x0020, 32, 'current'],
      ])
      for (const k of body.keys) expect(k.kid).toMatch(/^[A-Za-z0-9_-]{16}$/)
      expect(body).toEqual(published)

      const again = await call('/v2/keys', { headers: { 'if-none-match': etag } })
      expect(again.status).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
      expect((await call('/v2/keys', { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
      for (const path of ['/v1/keys', '/v1/sessions', '/v1/config/app/x']) await expectProblem(await call(path), 404, 'not_found')
    })

    it('each policy lists its modes, with the same keys; no PQ_POLICY means hybrid-required', async () => {
      for (const [policy, modes] of [
        ['hybrid-required', ['hybrid']],
        ['pq-only', ['pq']],
      ] as const) {
        const keys = await clientFor(sut.deploy({ vars: { PQ_POLICY: policy } })).getKeys()
        expect(keys.policy).toBe(policy)
        expect(keys.keys.map((k) => [k.mode, k.kid])).toEqual(modes.map((m) => [m, keyOf(m).kid]))
      }
      expect((await clientFor(sut.deploy({ vars: { PQ_POLICY: undefined } })).getKeys()).policy).toBe('hybrid-required')
    })
  })

  describe('POST /v2/sessions: establishment per mode and policy', () => {
    it.each([
      ['hybrid', AEAD.ChaCha20Poly1305],
      ['hybrid', AEAD.Aes256Gcm],
      ['pq', AEAD.ChaCha20Poly1305],
    ] as const)('pq-preferred: %s (aead %i) establishes, key confirmation verified, a read opens with skE', async (mode, aead) => {
      const d = isolated()
      const client = clientFor(d)
      const name = uniqueName()
      const put = await client.adminPut(name, `read over ${mode}`, { key: keyOf('hybrid') })
      expect(put.status).toBe(201)
      await validateAgainstOpenApi('put', '/v2/config/{name}', put)
      const res = await client.send(d.call, '/v2/sessions', json((await client.sessionRequest({ key: keyOf(mode), aead })).pending.request))
      expect(res.status).toBe(201)
      await validateAgainstOpenApi('post', '/v2/sessions', res)
      const session = await client.establish({ key: keyOf(mode), aead })
      expect(session).toMatchObject({ aeadId: aead, scopes: ['app/'], principal: 'client', mode })
      expect(session.keys).toEqual(published.keys)
      expect(session.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(800_000)
      expect(await client.readConfig(session, name)).toMatchObject({ name, version: 1, value: `read over ${mode}` })
      const read = await client.request(session, 'GET', `/v2/config/${name}`)
      await validateAgainstOpenApi('get', '/v2/config/{name}', read)

      if (d.observed) {
        expect(exchanges(d)).toContainEqual([mode, 'success'])
        expect(d.observed.events().filter((e) => e.event === 'classical_fallback')).toEqual([])
        const logged = d.observed.logText()
        for (const secret of [TEST_CLIENT.secret, TEST_ADMIN.secret, session.ticket, b64u(session.authKey)])
          expect(logged).not.toContain(secret)
      }
    })

    it.each([
      ['hybrid-required', 'hybrid', ['pq', 'classical']],
      ['pq-only', 'pq', ['hybrid', 'classical']],
    ] as const)('%s: establishes %s; the other modes get 403 mode_not_allowed, counted as rejected', async (policy, accepted, refused) => {
      const d = sut.deploy({ vars: { PQ_POLICY: policy } })
      const client = clientFor(d)
      await client.establish({ key: keyOf(accepted) })
      for (const mode of refused) {
        const { pending } = await client.sessionRequest({ key: keyOf(mode) })
        const body = await expectProblem(await d.call('/v2/sessions', json(pending.request)), 403, 'mode_not_allowed')
        expect(body.detail).toContain(policy)
      }
      if (d.observed) {
        expect(exchanges(d)).toEqual([[accepted, 'success'], ...refused.map((m) => [m, 'rejected'])])
        expect(d.observed.events().filter((e) => e.event === 'classical_fallback')).toEqual([])
      }
    })

    it('SESSION_TTL_SECONDS sets the session lifetime', async () => {
      const d = sut.deploy({ vars: { PQ_POLICY: 'hybrid-required', SESSION_TTL_SECONDS: '60' } })
      const session = await clientFor(d).establish({ key: keyOf('hybrid') })
      const ttl = Date.parse(session.expiresAt) - Date.now()
      expect(ttl).toBeGreaterThan(30_000)
      expect(ttl).toBeLessThanOrEqual(61_000)
    })
  })

  describe('POST /v2/sessions: every rejection is problem+json with its code, and stores nothing', () => {
    let d: Deployment
    let client: ReturnType<typeof clientFor>
    beforeAll(() => {
      d = isolated()
      client = clientFor(d)
    })
    type SessionRequestBody = Awaited<ReturnType<typeof client.sessionRequest>>['pending']['request']
    const valid = async () => (await client.sessionRequest({ key: keyOf('hybrid') })).pending.request
    const altered = (text: string, i = 0) => {
      const bytes = fromB64u(text, 'field')
      bytes[i]! ^= 1
      return b64u(bytes)
    }
    const changed = (change: (r: SessionRequestBody) => Record<string, unknown> | Promise<Record<string, unknown>>) => async () =>
      json(await change(await valid()))

    it.each([
      ['a kid that names no key', 400, 'unknown_key', changed((r) => ({ ...r, kid: 'AAAAAAAAAAAAAAAA' }))],
      ['a kid of the wrong shape', 400, 'unknown_key', changed((r) => ({ ...r, kid: 'short' }))],
      ['enc with padding', 400, 'invalid_encoding', changed((r) => ({ ...r, enc: `${r.enc}=` }))],
      ['enc with a "+"', 400, 'invalid_encoding', changed((r) => ({ ...r, enc: r.enc.replace(/./, '+') }))],
      ['sealed of one character', 400, 'invalid_encoding', changed((r) => ({ ...r, sealed: 'A' }))],
      ['enc of the wrong length', 400, 'invalid_length', changed((r) => ({ ...r, enc: b64u(new Uint8Array(1088)) }))],
      [
        'ephemeralPublicKey of the wrong length',
        400,
        'invalid_length',
        changed((r) => ({ ...r, ephemeralPublicKey: b64u(new Uint8Array(32)) })),
      ],
      ['sealed shorter than a tag', 400, 'invalid_length', changed((r) => ({ ...r, sealed: b64u(new Uint8Array(15)) }))],
      ['sealed over 512 bytes', 400, 'invalid_length', changed((r) => ({ ...r, sealed: b64u(new Uint8Array(513)) }))],
      ['tampered sealed', 400, 'decryption_failed', changed((r) => ({ ...r, sealed: altered(r.sealed) }))],
      ['tampered enc', 400, 'decryption_failed', changed((r) => ({ ...r, enc: altered(r.enc, 1100) }))],
      [
        'another timestamp inside the window (bound by the AAD)',
        400,
        'decryption_failed',
        changed((r) => ({ ...r, timestamp: r.timestamp - 1 })),
      ],
      [
        'another ephemeralPublicKey',
        400,
        'decryption_failed',
        changed(async (r) => ({ ...r, ephemeralPublicKey: (await valid()).ephemeralPublicKey })),
      ],
      ['a timestamp 121 s old', 400, 'stale_request', changed((r) => ({ ...r, timestamp: nowSeconds() - 121 }))],
      ['a timestamp 121 s ahead', 400, 'stale_request', changed((r) => ({ ...r, timestamp: nowSeconds() + 121 }))],
      ['a fractional timestamp', 400, 'invalid_json', changed((r) => ({ ...r, timestamp: r.timestamp + 0.5 }))],
      ['a string timestamp', 400, 'invalid_json', changed((r) => ({ ...r, timestamp: String(r.timestamp) }))],
      ['version 1', 400, 'unsupported_version', changed((r) => ({ ...r, version: 1 }))],
      ['an AEAD not offered', 400, 'unsupported_suite', changed((r) => ({ ...r, aead: 1 }))],
      [
        'a non-JSON media type',
        400,
        'invalid_json',
        async () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(await valid()) }),
      ],
      ['malformed JSON', 400, 'invalid_json', async () => json('{"version": 2,')],
      ['the wrong shape', 400, 'invalid_json', async () => json([1, 2])],
      ['a missing field', 400, 'invalid_json', changed(({ sealed: _, ...missing }) => missing)],
      ['a field of the wrong type', 400, 'invalid_json', changed((r) => ({ ...r, aead: '3' }))],
      ['a body over 65536 bytes', 413, 'payload_too_large', changed((r) => ({ ...r, padding: 'x'.repeat(MAX_BODY_BYTES) }))],
    ] as [string, number, string, () => Promise<RequestInit>][])('%s: %i %s', async (_, status, code, init) => {
      const before = await d.snapshot()
      const res = await d.call('/v2/sessions', await init())
      await expectProblem(res.clone(), status, code)
      if (status !== 413) await validateAgainstOpenApi('post', '/v2/sessions', res)
      expect(await d.snapshot()).toBe(before)
    })

    it('a well-sized ephemeralPublicKey that is not a valid key (ML-KEM modulus check): 400 invalid_encoding, nothing stored', async () => {
      const { beginSession } = await import('../../src/protocol/v2.ts')
      for (const mode of ['pq', 'hybrid'] as const) {
        const key = keyOf(mode)
        const suite = client.suiteFor(mode)
        const bad = new Uint8Array(suite.info.kem.Npk).fill(0xff)
        const pending = await beginSession({
          suite,
          kid: key.kid,
          serverPublicKey: fromB64u(key.publicKey, 'pk'),
          credentials: TEST_CLIENT,
          ephemeral: { publicKey: bad, privateKey: new Uint8Array(32) },
        })
        const before = await d.snapshot()
        await expectProblem(await d.call('/v2/sessions', json(pending.request)), 400, 'invalid_encoding')
        expect(await d.snapshot()).toBe(before)
      }
    })

    it('wrong secret, unknown client, a client id with the admin secret: 401 invalid_credentials, nothing echoed, counted as rejected', async () => {
      const counted = exchanges(d)?.length ?? 0
      for (const credentials of [
        { ...TEST_CLIENT, secret: 'pqe_client_wrong' },
        { ...TEST_CLIENT, id: 'nobody' },
        { principal: 'admin', secret: 'pqe_admin_wrong' },
        { principal: 'client', id: 'edge-app', secret: TEST_ADMIN.secret },
      ] as const) {
        const { pending } = await client.sessionRequest({ key: keyOf('hybrid'), credentials })
        const before = await d.snapshot()
        const res = await d.call('/v2/sessions', json(pending.request))
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
        const body = await expectProblem(res, 401, 'invalid_credentials')
        expect(JSON.stringify(body)).not.toContain('pqe_')
        expect(await d.snapshot()).toBe(before)
      }
      if (d.observed) {
        expect(d.observed.logText()).not.toContain('pqe_client')
        expect(exchanges(d)!.slice(counted)).toEqual([
          ['hybrid', 'rejected'],
          ['hybrid', 'rejected'],
          ['hybrid', 'rejected'],
          ['hybrid', 'rejected'],
        ])
      }
    })

    it.each([
      ['GET', '/v2/sessions', 405, 'method_not_allowed', 'POST'],
      ['DELETE', '/v2/keys', 405, 'method_not_allowed', 'GET, HEAD'],
      ['GET', '/v2/no/such/route', 404, 'not_found', null],
    ] as const)('%s %s: %i %s', async (method, path, status, code, allow) => {
      const res = await d.call(path, { method })
      if (allow) expect(res.headers.get('allow')).toBe(allow)
      await expectProblem(res, status, code)
    })
  })

  describe('config vault: round trips (admin inside a session)', () => {
    it('PUT create (If-None-Match: *), 428 without precondition, 412 over an existing or stale version, replace with If-Match, list, DELETE with If-Match', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const name = 'app/db-url'
      const empty = await d.snapshot()
      const sealedBody = async (base: number) => JSON.stringify(await client.sealedPut(name, 'x', base, { key: hybrid }))

      const noPrecondition = await expectProblem(
        await client.admin('PUT', `/v2/config/${name}`, { body: await sealedBody(0) }),
        428,
        'precondition_required',
      )
      expect(noPrecondition.detail).toContain('If-None-Match')
      expect(await d.snapshot()).toBe(empty)

      const created = await client.adminPut(name, 'postgres://v1', { key: hybrid })
      expect(created.status).toBe(201)
      expect(created.headers.get('etag')).toBe('"1"')
      expect(await created.json()).toEqual({ name, version: 1 })
      const session = await client.establish({ key: hybrid })
      expect(await client.readConfig(session, name)).toMatchObject({ name, version: 1, value: 'postgres://v1' })
      const one = await d.snapshot()

      const createAgain = await client.admin('PUT', `/v2/config/${name}`, { headers: { 'if-none-match': '*' }, body: await sealedBody(0) })
      expect((await expectProblem(createAgain.clone(), 412, 'version_mismatch')).currentVersion).toBe(1)
      await validateAgainstOpenApi('put', '/v2/config/{name}', createAgain)
      const stale = await expectProblem(
        await client.admin('PUT', `/v2/config/${name}`, { headers: { 'if-match': '"5"' }, body: await sealedBody(5) }),
        412,
        'version_mismatch',
      )
      expect(stale.currentVersion).toBe(1)
      expect(await d.snapshot()).toBe(one)
      // A value sealed to the pq key is accepted too (pq-preferred).
      const replaced = await client.adminPut(name, 'postgres://v2', { ifMatch: 1, key: keyOf('pq') })
      expect(replaced.status).toBe(200)
      expect(await replaced.json()).toEqual({ name, version: 2 })
      expect((await client.adminPut('app/flags', 'on', { key: hybrid })).status).toBe(201)

      const listed = await client.admin('GET', '/v2/config')
      await validateAgainstOpenApi('get', '/v2/config', listed)
      expect(await client.list()).toEqual([
        { name: 'app/db-url', version: 2 },
        { name: 'app/flags', version: 1 },
      ])
      // The vault holds ciphertext only.
      expect(await d.snapshot()).not.toContain('postgres://')
      // The session established before the replace reads the new version.
      expect(await client.readConfig(session, name)).toMatchObject({ version: 2, value: 'postgres://v2' })

      await expectProblem(await client.admin('DELETE', `/v2/config/${name}`, { headers: { 'if-match': '"1"' } }), 412, 'version_mismatch')
      await expectProblem(await client.admin('DELETE', `/v2/config/${name}`), 428, 'precondition_required')
      const deleted = await client.admin('DELETE', `/v2/config/${name}`, { headers: { 'if-match': '"2"' } })
      expect(deleted.status).toBe(204)
      await expectProblem(await client.request(session, 'GET', `/v2/config/${name}`), 404, 'not_found')
      await expectProblem(await client.admin('DELETE', `/v2/config/${name}`, { headers: { 'if-match': '"2"' } }), 404, 'not_found')
      // Created again, its versions continue (old If-Match values never match).
      expect(await (await client.adminPut(name, 'postgres://v3', { key: hybrid })).json()).toEqual({ name, version: 3 })
      for (const [n, v] of [
        [name, 3],
        ['app/flags', 1],
      ] as const)
        expect((await client.admin('DELETE', `/v2/config/${n}`, { headers: { 'if-match': `"${v}"` } })).status).toBe(204)
      expect(await client.list()).toEqual([])
    })

    it('an AES-256-GCM session gets the value sealed with AES-256-GCM to its pkE', async () => {
      const client = clientFor(sut.deploy())
      const name = uniqueName()
      await client.adminPut(name, 'aes', { key: keyOf('hybrid') })
      expect((await client.readConfig(await client.establish({ key: keyOf('hybrid'), aead: AEAD.Aes256Gcm }), name)).value).toBe('aes')
    })
  })

  describe('PUT /v2/config/{name}: rejections store nothing', () => {
    it('If-Match on a missing record: 412 version_mismatch, currentVersion null', async () => {
      const d = isolated()
      const client = clientFor(d)
      const missing = uniqueName()
      const body = JSON.stringify(await client.sealedPut(missing, 'x', 1, { key: keyOf('hybrid') }))
      const before = await d.snapshot()
      const problem = await expectProblem(
        await client.admin('PUT', `/v2/config/${missing}`, { headers: { 'if-match': '"1"' }, body }),
        412,
        'version_mismatch',
      )
      expect(problem.currentVersion).toBeNull()
      expect(await d.snapshot()).toBe(before)
    })

    it('no session, a bearer token, Basic, or a client session: 401 invalid_ticket / 403 scope_denied', async () => {
      const d = isolated()
      const client = clientFor(d)
      const name = uniqueName()
      const body = JSON.stringify(await client.sealedPut(name, 'x', 0, { key: keyOf('hybrid') }))
      const session = await client.establish({ key: keyOf('hybrid') })
      const before = await d.snapshot()
      for (const authorization of [undefined, `Bearer ${TEST_ADMIN.secret}`, `Basic ${btoa(`${TEST_CLIENT.id}:${TEST_CLIENT.secret}`)}`]) {
        const res = await d.call(`/v2/config/${name}`, {
          ...json(body, { 'if-none-match': '*', ...(authorization ? { authorization } : {}) }),
          method: 'PUT',
        })
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
        await expectProblem(res, 401, 'invalid_ticket')
      }
      await expectProblem(
        await client.request(session, 'PUT', `/v2/config/${name}`, { headers: { 'if-none-match': '*' }, body }),
        403,
        'scope_denied',
      )
      expect(await d.snapshot()).toBe(before)
    })

    it('names outside the pattern: 400 invalid_name', async () => {
      const d = isolated()
      const client = clientFor(d)
      const before = await d.snapshot()
      const body = JSON.stringify(await client.sealedPut('app/x', 'x', 0, { key: keyOf('hybrid') }))
      for (const name of ['app//x', '.hidden', 'app/.x', 'app/x%2Fy', 'app/sp%20ace', 'app/x/', '-x', `app/${'a'.repeat(200)}`]) {
        await expectProblem(
          await client.admin('PUT', `/v2/config/${name}`, { headers: { 'if-none-match': '*' }, body }),
          400,
          'invalid_name',
        )
      }
      expect(await d.snapshot()).toBe(before)
    })

    it('a value sealed for another name or base version: 400 decryption_failed', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const name = uniqueName()
      const empty = await d.snapshot()
      const put = async (sealed: unknown, headers: Record<string, string>) =>
        client.admin('PUT', `/v2/config/${name}`, { headers, body: JSON.stringify(sealed) })
      await expectProblem(
        await put(await client.sealedPut(uniqueName(), 'x', 0, { key: hybrid }), { 'if-none-match': '*' }),
        400,
        'decryption_failed',
      )
      expect(await d.snapshot()).toBe(empty)
      await client.adminPut(name, 'one', { key: hybrid })
      const one = await d.snapshot()
      for (const sealed of [
        await client.sealedPut(name, 'x', 0, { key: hybrid }),
        await client.sealedPut(uniqueName(), 'x', 1, { key: hybrid }),
      ])
        await expectProblem(await put(sealed, { 'if-match': '"1"' }), 400, 'decryption_failed')
      expect(await d.snapshot()).toBe(one)
    })

    it.each([
      ['create', 'if-none-match', '*'],
      ['replace', 'if-match', '"1"'],
    ] as const)('malformed bodies (%s): each rejection has its code and leaves the vault as it was', async (what, precondition, value) => {
      const d = isolated()
      const client = clientFor(d)
      const name = uniqueName()
      if (what === 'replace') expect((await client.adminPut(name, 'one', { key: keyOf('hybrid') })).status).toBe(201)
      const before = await d.snapshot()
      const good = await client.sealedPut(name, 'two', what === 'replace' ? 1 : 0, { key: keyOf('hybrid') })
      const h = { [precondition]: value }
      const path = `/v2/config/${name}`
      const cases: [() => Promise<Response>, number, string][] = [
        [() => client.admin('PUT', path, { headers: h, body: '{nope' }), 400, 'invalid_json'],
        [
          () => client.admin('PUT', path, { headers: { ...h, 'content-type': 'text/plain' }, body: JSON.stringify(good) }),
          400,
          'invalid_json',
        ],
        [() => client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, ciphertext: undefined }) }), 400, 'invalid_json'],
        [() => client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, enc: `${good.enc}==` }) }), 400, 'invalid_encoding'],
        [
          () => client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, enc: b64u(new Uint8Array(32)) }) }),
          400,
          'invalid_length',
        ],
        [() => client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, kid: 'BBBBBBBBBBBBBBBB' }) }), 400, 'unknown_key'],
        [() => client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, aead: 1 }) }), 400, 'unsupported_suite'],
        [() => client.admin('PUT', path, { headers: { 'if-match': '1' }, body: JSON.stringify(good) }), 400, 'bad_request'],
        [
          () => client.admin('PUT', path, { headers: { 'if-match': '"1"', 'if-none-match': '*' }, body: JSON.stringify(good) }),
          400,
          'bad_request',
        ],
        [
          () =>
            client.admin('PUT', path, { headers: h, body: JSON.stringify({ ...good, ciphertext: b64u(new Uint8Array(MAX_BODY_BYTES)) }) }),
          413,
          'payload_too_large',
        ],
      ]
      for (const [send, status, code] of cases) await expectProblem(await send(), status, code)
      expect(await d.snapshot()).toBe(before)
      // The same body, well-formed, is accepted: the cases above failed for what they changed.
      expect((await client.admin('PUT', path, { headers: h, body: JSON.stringify(good) })).status).toBe(what === 'replace' ? 200 : 201)
    })

    it('PUT under a policy that refuses the key: 403 mode_not_allowed', async () => {
      const d = isolated({ PQ_POLICY: 'hybrid-required' })
      const before = await d.snapshot()
      await expectProblem(await clientFor(d).adminPut(uniqueName(), 'x', { key: keyOf('classical') }), 403, 'mode_not_allowed')
      expect(await d.snapshot()).toBe(before)
    })
  })

  describe('GET /v2/config/{name}: sessions, MACs and scopes', () => {
    it('no or malformed headers, a forged or altered ticket, a bad MAC: 401 invalid_ticket with WWW-Authenticate: PQEdge-Session', async () => {
      const d = sut.deploy()
      const client = clientFor(d)
      const name = uniqueName()
      await client.adminPut(name, 'x', { key: keyOf('hybrid') })
      const session = await client.establish({ key: keyOf('hybrid') })
      const good = (await client.signed(session, 'GET', `/v2/config/${name}`)).headers as Record<string, string>
      const bytes = fromB64u(session.ticket, 'ticket')
      const altered = (i: number) => {
        const copy = bytes.slice()
        copy[i]! ^= 1
        return `PQEdge-Session ${b64u(copy)}`
      }
      for (const headers of [
        {},
        { authorization: good.authorization },
        { ...good, 'pqedge-mac': b64u(new Uint8Array(32)) },
        { ...good, 'pqedge-mac': 'x' },
        { ...good, 'pqedge-timestamp': 'soon' },
        { ...good, authorization: `Bearer ${TEST_ADMIN.secret}` },
        { ...good, authorization: `PQEdge-Session ${b64u(crypto.getRandomValues(new Uint8Array(bytes.length)))}` },
        { ...good, authorization: altered(0) },
        { ...good, authorization: altered(5) },
        { ...good, authorization: altered(bytes.length - 1) },
        { ...good, authorization: `PQEdge-Session ${'x'.repeat(5000)}` },
      ] as Record<string, string>[]) {
        const res = await d.call(`/v2/config/${name}`, { headers })
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
        await expectProblem(res, 401, 'invalid_ticket')
      }
      // The MAC covers the path: the same headers on another name are refused.
      await expectProblem(await d.call(`/v2/config/${uniqueName()}`, { headers: good }), 401, 'invalid_ticket')
      expect((await d.call(`/v2/config/${name}`, { headers: good })).status).toBe(200)
    })

    it('outside the session scopes: 403 scope_denied; an invalid name: 400 invalid_name; admin sessions do not read; a narrow client reads its one name', async () => {
      const d = isolated()
      const client = clientFor(d)
      expect((await client.adminPut('shared/flags', 'beta=on', { key: keyOf('hybrid') })).status).toBe(201)
      const session = await client.establish({ key: keyOf('hybrid') })
      await expectProblem(await client.request(session, 'GET', '/v2/config/other/x'), 403, 'scope_denied')
      await expectProblem(await client.request(session, 'GET', '/v2/config/app/.x'), 400, 'invalid_name')
      await expectProblem(await client.admin('GET', '/v2/config/shared/flags'), 403, 'scope_denied')
      const narrow = await client.establish({ key: keyOf('hybrid'), credentials: TEST_OTHER_CLIENT })
      expect(narrow.scopes).toEqual(['shared/flags'])
      expect((await client.readConfig(narrow, 'shared/flags')).value).toBe('beta=on')
      for (const name of [uniqueName(), 'shared/flags-x', 'app/db'])
        await expectProblem(await client.request(narrow, 'GET', `/v2/config/${name}`), 403, 'scope_denied')
    })
  })

  describe('admin endpoints', () => {
    it('401 without a session (WWW-Authenticate: PQEdge-Session), 403 for a client session, 200 for an admin session', async () => {
      const d = sut.deploy()
      const client = clientFor(d)
      const session = await client.establish({ key: keyOf('hybrid') })
      for (const [path, method] of [
        ['/v2/config', 'GET'],
        ['/v2/admin/rewrap', 'POST'],
        ['/metrics', 'GET'],
      ] as const) {
        const res = await d.call(path, { method, headers: { authorization: `Bearer ${TEST_ADMIN.secret}` } })
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
        await expectProblem(res, 401, 'invalid_ticket')
        await expectProblem(await client.request(session, method, path), 403, 'scope_denied')
      }
      // Admin sessions are never classical.
      const { pending } = await client.sessionRequest({ key: keyOf('classical'), credentials: TEST_ADMIN })
      await expectProblem(await d.call('/v2/sessions', json(pending.request)), 403, 'mode_not_allowed')

      const metrics = await client.admin('GET', '/metrics')
      expect(metrics.status).toBe(200)
      expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const text = await metrics.text()
      for (const name of [
        'wasm_pqc_key_exchange_total counter',
        'wasm_pqc_classical_fallback_total counter',
        'wasm_pqc_operation_duration_ms histogram',
      ])
        expect(text).toContain(`# TYPE ${name}`)
    })
  })

  describe('SERVER_SECRET rotation', () => {
    it('old records, keys and tickets work while rotating; rewrap (paged) moves records to the new secret', async () => {
      const vault = sut.newVault()
      const vars = { PQ_POLICY: 'hybrid-required' }
      const old = sut.deploy({ vault, vars })
      const rotating = sut.deploy({
        vault,
        vars: { ...vars, SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET },
      })
      const finished = sut.deploy({ vault, vars: { ...vars, SERVER_SECRET: TEST_SERVER_SECRET_NEXT } })
      const [oldClient, rotatingClient, finishedClient] = [old, rotating, finished].map(clientFor) as [
        ReturnType<typeof clientFor>,
        ReturnType<typeof clientFor>,
        ReturnType<typeof clientFor>,
      ]
      const name = uniqueName()
      const oldKey = keyOf('hybrid')

      expect((await oldClient.adminPut(name, 'written under the old secret', { key: oldKey })).status).toBe(201)
      const oldSession = await oldClient.establish({ key: oldKey })

      const keys = (await rotatingClient.getKeys()).keys
      expect(keys.map((k) => [k.mode, k.status])).toEqual([
        ['hybrid', 'current'],
        ['hybrid', 'retiring'],
      ])
      expect(keys[1]!.kid).toBe(oldKey.kid)
      const newKey = keys[0]!

      expect((await rotatingClient.readConfig(oldSession, name)).value).toBe('written under the old secret')
      const newSession = await rotatingClient.establish({ key: newKey })
      expect((await rotatingClient.readConfig(newSession, name)).value).toBe('written under the old secret')
      await rotatingClient.establish({ key: oldKey })

      const unreadable = await expectProblem(await finishedClient.request(newSession, 'GET', `/v2/config/${name}`), 500, 'internal_error')
      expect(JSON.stringify(unreadable)).not.toContain(name)
      await expectProblem(await finishedClient.request(oldSession, 'GET', `/v2/config/${name}`), 401, 'invalid_ticket')

      const rewrap = await rotatingClient.admin('POST', '/v2/admin/rewrap')
      expect(rewrap.status).toBe(200)
      await validateAgainstOpenApi('post', '/v2/admin/rewrap', rewrap.clone())
      expect(await rewrap.json()).toMatchObject({ updated: 1, unchanged: 0, vanished: 0, conflicts: [], unreadable: [], next: null })
      const second = await rotatingClient.admin('POST', '/v2/admin/rewrap')
      expect(await second.json()).toMatchObject({ updated: 0, unchanged: 1, unreadable: [], next: null })
      await expectProblem(await rotatingClient.admin('POST', '/v2/admin/rewrap?cursor=%%%'), 400, 'bad_request')

      expect(await finishedClient.readConfig(newSession, name)).toMatchObject({ value: 'written under the old secret', version: 2 })
      const finishedSession = await finishedClient.establish({ key: newKey })
      expect(await finishedClient.readConfig(finishedSession, name)).toMatchObject({ value: 'written under the old secret', version: 2 })
    })
  })

  describe('misconfiguration: 500 service_misconfigured naming the variable, never its value', () => {
    it.each([
      ['SERVER_SECRET', 'missing', { SERVER_SECRET: undefined }],
      ['SERVER_SECRET', 'malformed', { SERVER_SECRET: 'not-a-secret-value-1234' }],
      ['SERVER_SECRET_PREVIOUS', 'malformed', { SERVER_SECRET_PREVIOUS: 'short-previous-value' }],
      ['ADMIN_TOKEN_SHA256', 'a plaintext', { ADMIN_TOKEN_SHA256: 'pqe_admin_plaintext-value' }],
      ['CLIENTS', 'with a plaintext secret', { CLIENTS: '[{"id": "x", "secret": "leaky-value"}]' }],
      ['CLIENTS', 'not JSON', { CLIENTS: 'not json leaky-value' }],
      [
        'CLIENTS',
        'with 17 scopes',
        { CLIENTS: JSON.stringify([{ id: 'x', secretSha256: 'a'.repeat(64), scopes: Array.from({ length: 17 }, (_, i) => `s${i}/`) }]) },
      ],
      ['PQ_POLICY', 'unknown', { PQ_POLICY: 'quantum-maybe' }],
      ['SESSION_TTL_SECONDS', 'over 900', { SESSION_TTL_SECONDS: '3600' }],
    ] as const)('%s %s', async (variable, _, vars) => {
      const d = sut.deploy({ vars })
      const values = (Object.values(vars) as (string | undefined)[]).filter((v): v is string => v !== undefined)
      for (const path of ['/v2/keys', '/v2/config']) {
        const body = await expectProblem(await d.call(path), 500, 'service_misconfigured')
        expect(body.detail).toContain(variable)
        for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) expect(JSON.stringify(body)).not.toContain(value)
      }
      if (d.observed) {
        const log = d.observed.logText()
        for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) expect(log).not.toContain(value)
        expect(log).toContain('"event":"service_misconfigured"')
        expect(log).toContain(`"variable":"${variable}"`)
      }
      expect((await d.call('/health')).status).toBe(200)
    })
  })
}
