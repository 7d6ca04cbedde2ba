// The service contract, written once: what GET /v1/keys, POST /v1/sessions, the config vault, the admin
// endpoints, SERVER_SECRET rotation and misconfiguration answer, request by request, whatever the
// platform. serviceContract(sut) registers the tests against a service under test; it is instantiated
// inside workerd against the real Workers entry (test/service/workerd/contract.test.ts) and in Node
// against the real Fastly artifact under the harness host (test/fastly/service.test.ts). What only one
// platform has (its metrics sinks, Fastly's built-in keys and stores, Durable Object internals) stays in
// that platform's own tests. The client half is the protocol's own (test/support/service-client.ts), so
// key confirmation and config decryption are checked client-side.
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../src/app.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { AEAD, createHpke, type Hpke } from '../../src/hpke/hpke.ts'
import type { Mode } from '../../src/protocol/v1.ts'
import { deriveSecretKeys, parseServerSecret } from '../../src/service/keys.ts'
import { Tickets } from '../../src/service/tickets.ts'
import {
  type Caller,
  createServiceClient,
  expectProblem,
  json,
  type KeysDocument,
  type PublishedKey,
  ticketAuth,
  uniqueName,
} from '../support/service-client.ts'
import { TEST_ADMIN_TOKEN, TEST_CLIENT, TEST_OTHER_CLIENT, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from './secrets.ts'

/** A vault of its own (opaque): deployments given the same one share it, and no other test writes to it. */
export interface Vault {
  readonly id: string
}

/** What the platform's logging shows, where the harness can see it (Fastly: the log endpoint and the guest's output). */
export interface Observed {
  /** The JSON events the service wrote to its metrics sink. */
  events(): Record<string, unknown>[]
  /** Everything the service logged, as text. */
  logText(): string
}

/** One service configuration: a Caller over it, and what its vault holds. */
export interface Deployment {
  call: Caller
  /** The vault's records as stored (for a shared vault, less the records other test files write concurrently). */
  snapshot(): Promise<string>
  observed?: Observed
}

export interface DeploymentOptions {
  /**
   * Variables over the test configuration (test/service/secrets.ts TEST_BINDINGS; PQ_POLICY=pq-preferred),
   * wherever the platform keeps them (bindings; Fastly's Secret Store and Config Store); undefined removes one.
   */
  vars?: Record<string, string | undefined>
  /** Default: the platform's shared vault (workerd) or a fresh one per deployment (Fastly). */
  vault?: Vault
}

export interface ServiceUnderTest {
  deploy(options?: DeploymentOptions): Deployment
  newVault(): Vault
  /** The client's crypto on this platform. */
  hpke: Hpke
  backends(): Promise<Backends>
}

export function serviceContract(sut: ServiceUnderTest): void {
  const clientFor = (d: Deployment | Caller) =>
    createServiceClient({
      call: typeof d === 'function' ? d : d.call,
      hpke: sut.hpke,
      backends: sut.backends,
      adminToken: TEST_ADMIN_TOKEN,
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

  /** The server's ticket key, derived here from the test secret, to forge tickets as only the server could. */
  async function serverTickets() {
    const b = await sut.backends()
    const keys = await deriveSecretKeys(b, createHpke(b), parseServerSecret('SERVER_SECRET', TEST_SERVER_SECRET), 'current')
    return Tickets.create(b.aes256Gcm, keys.ticketKey, null)
  }
  const expiry = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z')
  const exchanges = (d: Deployment) =>
    d.observed
      ?.events()
      .filter((e) => e.metric === 'wasm_pqc_key_exchange_total')
      .map((e) => [(e.labels as Record<string, string>).mode, (e.labels as Record<string, string>).result])

  describe('GET /v1/keys', () => {
    it('lists the accepted modes with kids, and is cacheable (ETag, 304)', async () => {
      const { call } = sut.deploy()
      const res = await call('/v1/keys')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(res.headers.get('cache-control')).toBe('public, max-age=300')
      const etag = res.headers.get('etag')!
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
      const body = (await res.json()) as KeysDocument
      expect(body).toMatchObject({ version: 1, policy: 'pq-preferred', aeads: [3, 2] })
      expect(body.keys.map((k) => [k.mode, k.kemId, fromB64u(k.publicKey, 'pk').length, k.status])).toEqual([
        ['hybrid', 0x647a, 1216, 'current'],
        ['pq', 0x0041, 1184, 'current'],
        ['classical', 0x0020, 32, 'current'],
      ])
      for (const k of body.keys) expect(k.kid).toMatch(/^[A-Za-z0-9_-]{16}$/)
      // Stable across requests: the keys derive from (or were built in for) SERVER_SECRET.
      expect(body).toEqual(published)

      const again = await call('/v1/keys', { headers: { 'if-none-match': etag } })
      expect(again.status).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
      expect((await call('/v1/keys', { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
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

  describe('POST /v1/sessions: establishment per mode and policy', () => {
    it.each([
      ['hybrid', AEAD.ChaCha20Poly1305],
      ['hybrid', AEAD.Aes256Gcm],
      ['pq', AEAD.ChaCha20Poly1305],
      ['classical', AEAD.Aes256Gcm],
    ] as const)(
      'pq-preferred: %s (aead %i) establishes, the client verifies key confirmation, the ticket reads config',
      async (mode, aead) => {
        const d = isolated()
        const client = clientFor(d)
        const name = uniqueName()
        expect((await client.adminPut(name, `read over ${mode}`, { key: keyOf('hybrid') })).status).toBe(201)
        const session = await client.establish({ key: keyOf(mode), aead })
        expect(session).toMatchObject({ aeadId: aead, scopes: ['app/'] })
        expect(session.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
        expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(800_000)
        expect(await client.readConfig(session, name)).toMatchObject({ name, version: 1, value: `read over ${mode}` })

        if (d.observed) {
          expect(d.observed.events().filter((e) => e.metric === 'wasm_pqc_key_exchange_total')).toEqual([
            expect.objectContaining({
              labels: { mode, algorithm: { hybrid: 'X-Wing', pq: 'ML-KEM-768', classical: 'DHKEM(X25519)' }[mode], result: 'success' },
              value: 1,
            }),
          ])
          // The classical fallback is a security event: counted and logged at warn level, with the client.
          const fallbacks = d.observed.events().filter((e) => e.event === 'classical_fallback')
          if (mode === 'classical') {
            expect(fallbacks).toEqual([
              expect.objectContaining({
                level: 'warn',
                clientId: 'edge-app',
                metric: 'wasm_pqc_classical_fallback_total',
                labels: { reason: 'client_selected_classical_key' },
                value: 1,
              }),
            ])
          } else {
            expect(fallbacks).toEqual([])
          }
          // Nothing secret is logged.
          const logged = d.observed.logText()
          for (const secret of [TEST_CLIENT.clientSecret, session.ticket, b64u(session.sessionKey)]) expect(logged).not.toContain(secret)
        }
      },
    )

    it.each([
      ['hybrid-required', 'hybrid', ['pq', 'classical']],
      ['pq-only', 'pq', ['hybrid', 'classical']],
    ] as const)('%s: establishes %s; the other modes get 403 mode_not_allowed, counted as rejected', async (policy, accepted, refused) => {
      const d = sut.deploy({ vars: { PQ_POLICY: policy } })
      const client = clientFor(d)
      await client.establish({ key: keyOf(accepted) })
      for (const mode of refused) {
        // The kid from the pq-preferred listing: same secret, same keys.
        const { pending } = await client.sessionRequest({ key: keyOf(mode) })
        const body = await expectProblem(await d.call('/v1/sessions', json(pending.request)), 403, 'mode_not_allowed')
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

  describe('POST /v1/sessions: every rejection is problem+json with its code, and stores nothing', () => {
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
      ['enc with a leading space', 400, 'invalid_encoding', changed((r) => ({ ...r, enc: ` ${r.sealed}` }))],
      ['sealed of one character', 400, 'invalid_encoding', changed((r) => ({ ...r, sealed: 'A' }))],
      ['enc of the wrong length', 400, 'invalid_length', changed((r) => ({ ...r, enc: b64u(new Uint8Array(1088)) }))],
      [
        'ephemeralPublicKey of the wrong length',
        400,
        'invalid_length',
        changed((r) => ({ ...r, ephemeralPublicKey: b64u(new Uint8Array(32)) })),
      ],
      ['sealed shorter than a tag', 400, 'invalid_length', changed((r) => ({ ...r, sealed: b64u(new Uint8Array(15)) }))],
      ['tampered sealed', 400, 'decryption_failed', changed((r) => ({ ...r, sealed: altered(r.sealed) }))],
      ['tampered enc', 400, 'decryption_failed', changed((r) => ({ ...r, enc: altered(r.enc, 1100) }))],
      // pkE is bound by the AAD: swapping it for another valid key fails to open.
      [
        'another ephemeralPublicKey',
        400,
        'decryption_failed',
        changed(async (r) => ({ ...r, ephemeralPublicKey: (await valid()).ephemeralPublicKey })),
      ],
      ['version 2', 400, 'unsupported_version', changed((r) => ({ ...r, version: 2 }))],
      ['an AEAD not offered', 400, 'unsupported_suite', changed((r) => ({ ...r, aead: 1 }))],
      [
        'a non-JSON media type',
        400,
        'invalid_json',
        async () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(await valid()) }),
      ],
      ['malformed JSON', 400, 'invalid_json', async () => json('{"version": 1,')],
      ['the wrong shape', 400, 'invalid_json', async () => json([1, 2])],
      ['a missing field', 400, 'invalid_json', changed(({ sealed: _, ...missing }) => missing)],
      ['a field of the wrong type', 400, 'invalid_json', changed((r) => ({ ...r, aead: '3' }))],
      ['a body over 65536 bytes', 413, 'payload_too_large', changed((r) => ({ ...r, padding: 'x'.repeat(MAX_BODY_BYTES) }))],
      [
        'a body over 65536 bytes, streamed (no Content-Length)',
        413,
        'payload_too_large',
        async () => json({ ...(await valid()), padding: 'x'.repeat(MAX_BODY_BYTES) }, { 'transfer-encoding': 'chunked' }),
      ],
    ] as [string, number, string, () => Promise<RequestInit>][])('%s: %i %s', async (_, status, code, init) => {
      const before = await d.snapshot()
      await expectProblem(await d.call('/v1/sessions', await init()), status, code)
      expect(await d.snapshot()).toBe(before)
    })

    it('wrong secret or unknown client: 401 invalid_credentials with WWW-Authenticate, nothing echoed, counted as rejected', async () => {
      const counted = exchanges(d)?.length ?? 0
      for (const credentials of [
        { ...TEST_CLIENT, clientSecret: 'pqe_client_wrong' },
        { clientId: 'nobody', clientSecret: TEST_CLIENT.clientSecret },
      ]) {
        const { pending } = await client.sessionRequest({ key: keyOf('hybrid'), credentials })
        const before = await d.snapshot()
        const res = await d.call('/v1/sessions', json(pending.request))
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Session /)
        const body = await expectProblem(res, 401, 'invalid_credentials')
        expect(JSON.stringify(body)).not.toContain('pqe_client')
        expect(await d.snapshot()).toBe(before)
      }
      if (d.observed) {
        expect(d.observed.logText()).not.toContain('pqe_client')
        expect(exchanges(d)!.slice(counted)).toEqual([
          ['hybrid', 'rejected'],
          ['hybrid', 'rejected'],
        ])
      }
    })

    it.each([
      ['GET', '/v1/sessions', 405, 'method_not_allowed', 'POST'],
      ['DELETE', '/v1/keys', 405, 'method_not_allowed', 'GET, HEAD'],
      ['GET', '/v1/no/such/route', 404, 'not_found', null],
    ] as const)('%s %s: %i %s', async (method, path, status, code, allow) => {
      const res = await d.call(path, { method })
      if (allow) expect(res.headers.get('allow')).toBe(allow)
      await expectProblem(res, status, code)
    })
  })

  describe('config vault: round trips', () => {
    const put = (call: Caller, name: string, body: unknown, headers: Record<string, string>) =>
      call(`/v1/config/${name}`, { ...json(body, headers), method: 'PUT' })

    it('PUT create (If-None-Match: *), 428 without precondition, 412 over an existing or stale version, replace with If-Match, list, DELETE', async () => {
      const d = isolated()
      const { call } = d
      const client = clientFor(d)
      const { admin } = client
      const hybrid = keyOf('hybrid')
      const name = 'app/db-url'
      const empty = await d.snapshot()

      const noPrecondition = await expectProblem(
        await put(call, name, await client.sealedPut(name, 'x', 0, { key: hybrid }), admin),
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

      const createAgain = await expectProblem(
        await put(call, name, await client.sealedPut(name, 'x', 0, { key: hybrid }), { ...admin, 'if-none-match': '*' }),
        412,
        'version_mismatch',
      )
      expect(createAgain.currentVersion).toBe(1)
      const stale = await expectProblem(
        await put(call, name, await client.sealedPut(name, 'x', 5, { key: hybrid }), { ...admin, 'if-match': '"5"' }),
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

      expect(await client.list()).toEqual([
        { name: 'app/db-url', version: 2 },
        { name: 'app/flags', version: 1 },
      ])
      // The vault holds ciphertext only.
      expect(await d.snapshot()).not.toContain('postgres://')
      // The session established before the replace reads the new version.
      expect(await client.readConfig(session, name)).toMatchObject({ version: 2, value: 'postgres://v2' })

      await expectProblem(
        await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"1"' } }),
        412,
        'version_mismatch',
      )
      expect((await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"2"' } })).status).toBe(204)
      await expectProblem(await call(`/v1/config/${name}`, { headers: ticketAuth(session.ticket) }), 404, 'not_found')
      await expectProblem(await call(`/v1/config/${name}`, { method: 'DELETE', headers: admin }), 404, 'not_found')
      // Created again, its versions continue (old If-Match values never match); DELETE without If-Match.
      expect(await (await client.adminPut(name, 'postgres://v3', { key: hybrid })).json()).toEqual({ name, version: 3 })
      for (const n of [name, 'app/flags']) expect((await call(`/v1/config/${n}`, { method: 'DELETE', headers: admin })).status).toBe(204)
      expect(await client.list()).toEqual([])
    })

    it.each(['pq', 'classical'] as const)('a value sealed to the %s key is accepted too (pq-preferred), read over pq', async (mode) => {
      const client = clientFor(sut.deploy())
      const name = uniqueName()
      expect((await client.adminPut(name, `via ${mode}`, { key: keyOf(mode) })).status).toBe(201)
      expect(await client.stored(name)).toEqual({ name, version: 1 })
      expect((await client.readConfig(await client.establish({ key: keyOf('pq') }), name)).value).toBe(`via ${mode}`)
    })

    it('an AES-256-GCM session gets the value under AES-256-GCM', async () => {
      const client = clientFor(sut.deploy())
      const name = uniqueName()
      await client.adminPut(name, 'aes', { key: keyOf('hybrid') })
      expect((await client.readConfig(await client.establish({ key: keyOf('hybrid'), aead: AEAD.Aes256Gcm }), name)).value).toBe('aes')
    })
  })

  describe('PUT /v1/config/{name}: rejections store nothing', () => {
    const put = (call: Caller, name: string, body: unknown, headers: Record<string, string>) =>
      call(`/v1/config/${name}`, { ...json(body, headers), method: 'PUT' })

    it('If-Match on a missing record: 412 version_mismatch, currentVersion null', async () => {
      const d = isolated()
      const client = clientFor(d)
      const before = await d.snapshot()
      const missing = uniqueName()
      const body = await expectProblem(
        await put(d.call, missing, await client.sealedPut(missing, 'x', 1, { key: keyOf('hybrid') }), {
          ...client.admin,
          'if-match': '"1"',
        }),
        412,
        'version_mismatch',
      )
      expect(body.currentVersion).toBeNull()
      expect(await d.snapshot()).toBe(before)
    })

    it('no or a wrong admin token: 401 invalid_credentials with WWW-Authenticate: Bearer', async () => {
      const d = isolated()
      const name = uniqueName()
      const body = await clientFor(d).sealedPut(name, 'x', 0, { key: keyOf('hybrid') })
      const before = await d.snapshot()
      for (const headers of [
        {},
        { authorization: 'Bearer pqe_admin_wrong' },
        { authorization: 'Basic Zm9vOmJhcg==' },
        { authorization: 'Token x' },
      ] as Record<string, string>[]) {
        const res = await put(d.call, name, body, { ...headers, 'if-none-match': '*' })
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
        await expectProblem(res, 401, 'invalid_credentials')
      }
      expect(await d.snapshot()).toBe(before)
    })

    it('a valid client (session ticket, or Basic) is authenticated but not allowed: 403 scope_denied', async () => {
      const d = isolated()
      const client = clientFor(d)
      const name = uniqueName()
      const body = await client.sealedPut(name, 'x', 0, { key: keyOf('hybrid') })
      const { ticket } = await client.establish({ key: keyOf('hybrid') })
      const before = await d.snapshot()
      await expectProblem(await put(d.call, name, body, { ...ticketAuth(ticket), 'if-none-match': '*' }), 403, 'scope_denied')
      const basic = `Basic ${btoa(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`)}`
      await expectProblem(await put(d.call, name, body, { authorization: basic, 'if-none-match': '*' }), 403, 'scope_denied')
      expect(await d.snapshot()).toBe(before)
    })

    it('names outside the pattern: 400 invalid_name', async () => {
      const d = isolated()
      const client = clientFor(d)
      // (`app/../x` never arrives as such: URLs normalise dot segments before the request is sent.)
      const before = await d.snapshot()
      const sealed = await client.sealedPut('app/x', 'x', 0, { key: keyOf('hybrid') })
      for (const name of ['app//x', '.hidden', 'app/.x', 'app/x%2Fy', 'app/sp%20ace', 'app/x/', '-x', 'app/ü', `app/${'a'.repeat(200)}`]) {
        await expectProblem(await put(d.call, name, sealed, { ...client.admin, 'if-none-match': '*' }), 400, 'invalid_name')
      }
      expect(await d.snapshot()).toBe(before)
    })

    it('a value sealed for another name or base version: 400 decryption_failed', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const name = uniqueName()
      const empty = await d.snapshot()
      await expectProblem(
        await put(d.call, name, await client.sealedPut(uniqueName(), 'x', 0, { key: hybrid }), { ...client.admin, 'if-none-match': '*' }),
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
        await expectProblem(await put(d.call, name, sealed, { ...client.admin, 'if-match': '"1"' }), 400, 'decryption_failed')
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
      const h = { ...client.admin, [precondition]: value }
      const cases: [RequestInit, number, string][] = [
        [{ method: 'PUT', headers: { ...h, 'content-type': 'application/json' }, body: '{nope' }, 400, 'invalid_json'],
        [{ method: 'PUT', headers: { ...h, 'content-type': 'text/plain' }, body: JSON.stringify(good) }, 400, 'invalid_json'],
        [{ ...json({ ...good, ciphertext: undefined }, h), method: 'PUT' }, 400, 'invalid_json'],
        [{ ...json({ ...good, enc: `${good.enc}==` }, h), method: 'PUT' }, 400, 'invalid_encoding'],
        [{ ...json({ ...good, enc: b64u(new Uint8Array(32)) }, h), method: 'PUT' }, 400, 'invalid_length'],
        [{ ...json({ ...good, kid: 'BBBBBBBBBBBBBBBB' }, h), method: 'PUT' }, 400, 'unknown_key'],
        [{ ...json({ ...good, aead: 1 }, h), method: 'PUT' }, 400, 'unsupported_suite'],
        [{ ...json(good, { ...client.admin, 'if-match': '1' }), method: 'PUT' }, 400, 'bad_request'],
        [{ ...json({ ...good, ciphertext: b64u(new Uint8Array(MAX_BODY_BYTES)) }, h), method: 'PUT' }, 413, 'payload_too_large'],
      ]
      for (const [init, status, code] of cases) await expectProblem(await d.call(`/v1/config/${name}`, init), status, code)
      expect(await d.snapshot()).toBe(before)
      // The same body, well-formed, is accepted: the cases above failed for what they changed.
      expect((await d.call(`/v1/config/${name}`, { ...json(good, h), method: 'PUT' })).status).toBe(what === 'replace' ? 200 : 201)
    })

    it('PUT under a policy that refuses the key: 403 mode_not_allowed', async () => {
      const d = isolated({ PQ_POLICY: 'hybrid-required' })
      const before = await d.snapshot()
      await expectProblem(await clientFor(d).adminPut(uniqueName(), 'x', { key: keyOf('classical') }), 403, 'mode_not_allowed')
      expect(await d.snapshot()).toBe(before)
    })
  })

  describe('GET /v1/config/{name}: tickets and scopes', () => {
    it('no ticket, another scheme, a forged or altered ticket: 401 invalid_ticket with WWW-Authenticate: PQEdge-Ticket', async () => {
      const d = sut.deploy()
      const client = clientFor(d)
      const name = uniqueName()
      await client.adminPut(name, 'x', { key: keyOf('hybrid') })
      const { ticket } = await client.establish({ key: keyOf('hybrid') })
      const bytes = fromB64u(ticket, 'ticket')
      const altered = (i: number) => {
        const copy = bytes.slice()
        copy[i]! ^= 1
        return b64u(copy)
      }
      const forged = b64u(crypto.getRandomValues(new Uint8Array(bytes.length)))
      for (const headers of [
        {},
        client.admin,
        ticketAuth(forged),
        ticketAuth(altered(0)),
        ticketAuth(altered(5)),
        ticketAuth(altered(bytes.length - 1)),
        ticketAuth(`${ticket}=`),
        ticketAuth('x'.repeat(5000)),
      ] as Record<string, string>[]) {
        const res = await d.call(`/v1/config/${name}`, { headers })
        expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Ticket /)
        await expectProblem(res, 401, 'invalid_ticket')
      }
    })

    it('an expired ticket: 401 expired_ticket; the same forging path with a future expiry reads', async () => {
      const d = sut.deploy()
      const name = uniqueName()
      await clientFor(d).adminPut(name, 'x', { key: keyOf('hybrid') })
      const tickets = await serverTickets()
      const base = { sessionId: new Uint8Array(16), clientId: 'edge-app', scopes: ['app/'], aeadId: 3, sessionKey: new Uint8Array(32) }
      const expired = await tickets.seal({ ...base, expiresAt: expiry(-1000) })
      await expectProblem(await d.call(`/v1/config/${name}`, { headers: ticketAuth(expired) }), 401, 'expired_ticket')
      // What failed above was the expiry, not the key.
      const live = await tickets.seal({ ...base, expiresAt: expiry(60_000) })
      expect((await d.call(`/v1/config/${name}`, { headers: ticketAuth(live) })).status).toBe(200)
    })

    it('outside the session scopes: 403 scope_denied; an invalid name: 400 invalid_name; a narrow client reads its one name', async () => {
      const d = isolated()
      const client = clientFor(d)
      expect((await client.adminPut('shared/flags', 'beta=on', { key: keyOf('hybrid') })).status).toBe(201)
      const { ticket } = await client.establish({ key: keyOf('hybrid') })
      await expectProblem(await d.call('/v1/config/other/x', { headers: ticketAuth(ticket) }), 403, 'scope_denied')
      await expectProblem(await d.call('/v1/config/app/.x', { headers: ticketAuth(ticket) }), 400, 'invalid_name')
      const narrow = await client.establish({ key: keyOf('hybrid'), credentials: TEST_OTHER_CLIENT })
      expect(narrow.scopes).toEqual(['shared/flags'])
      expect((await client.readConfig(narrow, 'shared/flags')).value).toBe('beta=on')
      for (const name of [uniqueName(), 'shared/flags-x', 'app/db'])
        await expectProblem(await d.call(`/v1/config/${name}`, { headers: ticketAuth(narrow.ticket) }), 403, 'scope_denied')
    })
  })

  describe('admin endpoints', () => {
    it('401 without or with a wrong token (WWW-Authenticate: Bearer), 403 for an authenticated client, 200 for the admin', async () => {
      const d = sut.deploy()
      const client = clientFor(d)
      const { ticket } = await client.establish({ key: keyOf('hybrid') })
      const basic = { authorization: `Basic ${btoa(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`)}` }
      for (const [path, method] of [
        ['/v1/config', 'GET'],
        ['/v1/admin/rewrap', 'POST'],
        ['/metrics', 'GET'],
      ] as const) {
        const res = await d.call(path, { method })
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
        await expectProblem(res, 401, 'invalid_credentials')
        await expectProblem(await d.call(path, { method, headers: ticketAuth(ticket) }), 403, 'scope_denied')
      }
      await expectProblem(await d.call('/metrics', { headers: { authorization: 'Bearer pqe_admin_wrong' } }), 401, 'invalid_credentials')
      await expectProblem(await d.call('/v1/config', { headers: basic }), 403, 'scope_denied')

      // GET /metrics (admin): Prometheus text with every metric family declared.
      const metrics = await d.call('/metrics', { headers: client.admin })
      expect(metrics.status).toBe(200)
      expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const text = await metrics.text()
      for (const name of [
        'wasm_pqc_key_exchange_total counter',
        'wasm_pqc_classical_fallback_total counter',
        'wasm_pqc_operation_duration_ms histogram',
      ]) {
        expect(text).toContain(`# TYPE ${name}`)
      }
    })
  })

  describe('SERVER_SECRET rotation', () => {
    it('old records, keys and tickets work while rotating; rewrap moves records to the new secret', async () => {
      // The old deployment, the rotating one and the finished one, over a vault of their own: rewrap touches every record.
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
      expect(keys[0]!.kid).not.toBe(oldKey.kid)
      const newKey = keys[0]!

      // Readable during rotation: with the ticket issued under the old secret, and with a new session.
      expect((await rotatingClient.readConfig(oldSession, name)).value).toBe('written under the old secret')
      const newSession = await rotatingClient.establish({ key: newKey })
      expect((await rotatingClient.readConfig(newSession, name)).value).toBe('written under the old secret')
      // A client still holding the retiring key establishes a session.
      await rotatingClient.establish({ key: oldKey })

      // Without the previous secret, the record does not open yet: 500 internal_error, its name not in the body.
      const unreadable = await expectProblem(
        await finished.call(`/v1/config/${name}`, { headers: ticketAuth(newSession.ticket) }),
        500,
        'internal_error',
      )
      expect(JSON.stringify(unreadable)).not.toContain(name)
      // ... and the ticket of the old secret no longer opens there.
      await expectProblem(await finished.call(`/v1/config/${name}`, { headers: ticketAuth(oldSession.ticket) }), 401, 'invalid_ticket')

      const rewrap = await rotating.call('/v1/admin/rewrap', { method: 'POST', headers: rotatingClient.admin })
      expect(rewrap.status).toBe(200)
      expect(await rewrap.json()).toMatchObject({ updated: 1, unchanged: 0, vanished: 0, conflicts: [], unreadable: [] })
      // A second run has nothing left to do.
      const second = await rotating.call('/v1/admin/rewrap', { method: 'POST', headers: rotatingClient.admin })
      expect(await second.json()).toMatchObject({ updated: 0, unchanged: 1, unreadable: [] })

      // Now the old secret can go: the finished deployment reads it (the version moved with the rewrap).
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
      ['PQ_POLICY', 'unknown', { PQ_POLICY: 'quantum-maybe' }],
      ['SESSION_TTL_SECONDS', 'over 900', { SESSION_TTL_SECONDS: '3600' }],
    ] as const)('%s %s', async (variable, _, vars) => {
      const d = sut.deploy({ vars })
      const values = (Object.values(vars) as (string | undefined)[]).filter((v): v is string => v !== undefined)
      for (const path of ['/v1/keys', '/v1/config']) {
        const body = await expectProblem(await d.call(path, { headers: clientFor(d).admin }), 500, 'service_misconfigured')
        expect(body.detail).toContain(variable)
        for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) expect(JSON.stringify(body)).not.toContain(value)
      }
      if (d.observed) {
        // The operator sees which variable in the service's log, never the value.
        const log = d.observed.logText()
        for (const value of [...values, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) expect(log).not.toContain(value)
        expect(log).toContain('"event":"service_misconfigured"')
        expect(log).toContain(`"variable":"${variable}"`)
      }
      // /health does not depend on the service configuration.
      expect((await d.call('/health')).status).toBe(200)
    })
  })
}
