// pq-edge/client against the protocol test double (./protocol-double.ts, over src/protocol/v2.ts's
// server half), driven in-process through the SDK's injectable fetch: the cases a real server never
// produces (tampered responses, substituted key lists, rotations at a chosen moment). The same SDK
// against the real app: real-app.test.ts.
import { describe, expect, it, vi } from 'vitest'
import { admin, connect, getKeys, PqEdgeError } from '../../src/client/node.ts'
import { isLoopbackHost } from '../../src/client/transport.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { createProtocolDouble, makeKey } from './protocol-double.ts'

const BASE = 'https://pq-edge.test'
const credentials = { clientId: 'edge-app', clientSecret: 'pqe_client_test' }
const adminToken = 'pqe_admin_test'
const trust = { trustKeysFromServer: true } as const

async function setup(options: Parameters<typeof createProtocolDouble>[0] = {}) {
  const server = await createProtocolDouble(options)
  const adm = admin(BASE, { adminToken, fetch: server.fetch, ...trust })
  return { server, adm }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a PqEdgeError'),
    (e: unknown) => e as PqEdgeError,
  )
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e as PqEdgeError
  }
  return expect.fail('expected a PqEdgeError')
}

describe('connect and getConfig', () => {
  it('establishes a session (key confirmation verified) and opens a value sealed to its ephemeral key', async () => {
    const { server, adm } = await setup()
    expect(await adm.putConfig('app/db', 'postgres://u:p@db/app')).toEqual({ name: 'app/db', version: 1 })
    await adm.putConfig('app/flags', JSON.stringify({ beta: true }))
    const session = await connect(BASE, { credentials, fetch: server.fetch, ...trust })
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(session.scopes).toEqual(['app/'])
    expect(session.mode).toBe('hybrid')
    expect(session.aead).toBe(3)
    expect(session.pin).toEqual({ kid: server.keys[0]!.kid, publicKey: b64u(server.keys[0]!.publicKey), mode: 'hybrid' })
    const db = await session.getConfig('app/db')
    expect(db).toMatchObject({ name: 'app/db', version: 1 })
    expect(db.text()).toBe('postgres://u:p@db/app')
    expect((await session.getConfig('app/flags')).json()).toEqual({ beta: true })
    // Authenticated requests carry the ticket, a timestamp and a MAC; no bearer secret crosses the wire.
    const read = server.seen.find((r) => r.path === '/v2/config/app/db' && r.method === 'GET')!
    expect(read.headers.get('authorization')).toMatch(/^PQEdge-Session /)
    expect(read.headers.get('pqedge-mac')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Math.abs(Number(read.headers.get('pqedge-timestamp')) - Date.now() / 1000)).toBeLessThan(5)
    for (const r of server.seen) {
      expect(r.headers.get('authorization') ?? '').not.toMatch(/Bearer|Basic/)
      expect([...r.headers.values()].join(' ')).not.toContain(adminToken)
    }
    session.close()
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'session_closed' })
  })

  it('AES-256-GCM sessions and ML-KEM-768 (pq) sessions work; a mode the server lacks is no_usable_key', async () => {
    const { server, adm } = await setup({ modes: ['hybrid', 'pq'], policy: 'pq-preferred' })
    const bytes = crypto.getRandomValues(new Uint8Array(300))
    await adm.putConfig('app/blob', bytes)
    const aes = await connect(BASE, { credentials, fetch: server.fetch, aead: 2, ...trust })
    expect(aes.aead).toBe(2)
    expect(b64u((await aes.getConfig('app/blob')).value)).toBe(b64u(bytes))
    const pq = await connect(BASE, { credentials, fetch: server.fetch, mode: 'pq', ...trust })
    expect(pq.mode).toBe('pq')
    expect(b64u((await pq.getConfig('app/blob')).value)).toBe(b64u(bytes))
    const only = await createProtocolDouble({ modes: ['pq'], policy: 'pq-only' })
    const e = await failure(connect(BASE, { credentials, fetch: only.fetch, ...trust }))
    expect(e).toMatchObject({ code: 'no_usable_key' })
    expect(e.message).toContain('pq-only')
  })

  it('surfaces problem+json errors with code, status and detail; never echoes a secret', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('other/secret', 'x')
    const bad = await failure(
      connect(BASE, { credentials: { ...credentials, clientSecret: 'pqe_client_NOPE' }, fetch: server.fetch, ...trust }),
    )
    expect(bad).toMatchObject({ code: 'invalid_credentials', status: 401 })
    expect(bad.message).not.toContain('NOPE')
    const session = await connect(BASE, { credentials, fetch: server.fetch, ...trust })
    expect(await failure(session.getConfig('other/secret'))).toMatchObject({
      code: 'scope_denied',
      status: 403,
      detail: 'not allowed other/secret',
    })
    expect(await failure(session.getConfig('app/missing'))).toMatchObject({ code: 'not_found', status: 404 })
    expect(await failure(session.getConfig('../etc/passwd'))).toMatchObject({ code: 'invalid_name', status: undefined })
  })

  it('a value altered in transit does not open: decryption_failed', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('app/db', 'secret')
    const fetch = async (input: string, init?: RequestInit) => {
      const res = await server.fetch(input, init)
      if (!input.includes('/v2/config/')) return res
      const body = await res.json()
      const ct = fromB64u(body.ciphertext, 'ciphertext')
      ct[0]! ^= 1
      return new Response(JSON.stringify({ ...body, ciphertext: b64u(ct) }), { status: 200 })
    }
    const session = await connect(BASE, { credentials, fetch, ...trust })
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'decryption_failed' })
  })

  it('network failures are network_error', async () => {
    const refused = await failure(connect('http://127.0.0.1:1', { credentials, ...trust }))
    expect(refused.code).toBe('network_error')
    expect(refused.message).toContain('127.0.0.1:1')
  })

  it('a tampered session response (confirmation, ticket, expiresAt, keys) is confirmation_failed and yields no session', async () => {
    const other = await makeKey('hybrid')
    for (const tamper of ['confirmation', 'ticket', 'expiresAt', 'keys'] as const) {
      const { server } = await setup({
        tamperSession: (r) => {
          if (tamper === 'confirmation') {
            const mac = fromB64u(r.confirmation, 'confirmation')
            mac[0]! ^= 1
            return { ...r, confirmation: b64u(mac) }
          }
          if (tamper === 'ticket') return { ...r, ticket: `${r.ticket}x` }
          if (tamper === 'expiresAt') return { ...r, expiresAt: '2099-01-01T00:00:00Z' }
          // A man in the middle slipping its own key in as the "rotated" current key.
          return {
            ...r,
            keys: [
              { ...r.keys[0]!, kid: other.kid, publicKey: b64u(other.publicKey) },
              ...r.keys.map((k) => ({ ...k, status: 'retiring' as const })),
            ],
          }
        },
      })
      const onPinChange = vi.fn()
      const pin = { kid: server.keys[0]!.kid }
      const e = await failure(connect(BASE, { credentials, fetch: server.fetch, pin, onPinChange }))
      expect(e, tamper).toBeInstanceOf(PqEdgeError)
      expect(e.code, tamper).toBe('confirmation_failed')
      expect(onPinChange).not.toHaveBeenCalled()
      expect(server.seen.filter((r) => r.path.startsWith('/v2/config'))).toHaveLength(0)
    }
  })

  it('validates GET /v2/keys: a kid that is not its key id is refused; non-JSON and gateway errors are invalid_response', async () => {
    const { server } = await setup()
    const fetch = async (input: string, init?: RequestInit) => {
      const res = await server.fetch(input, init)
      if (!input.endsWith('/v2/keys')) return res
      const body = await res.json()
      body.keys[0].kid = 'AAAAAAAAAAAAAAAA'
      return new Response(JSON.stringify(body), { status: 200 })
    }
    expect(await failure(connect(BASE, { credentials, fetch, ...trust }))).toMatchObject({ code: 'invalid_response' })
    const notJson = async () => new Response('<html>', { status: 200 })
    expect(await failure(connect(BASE, { credentials, fetch: notJson, ...trust }))).toMatchObject({ code: 'invalid_response' })
    const gateway = async () => new Response('bad gateway', { status: 502 })
    expect(await failure(connect(BASE, { credentials, fetch: gateway, ...trust }))).toMatchObject({ code: 'invalid_response', status: 502 })
  })
})

describe('verify by default', () => {
  it('without a pin or trustKeysFromServer: true, connect and admin are pin_required before any request', async () => {
    const fetch = vi.fn(async () => new Response('{}'))
    expect(await failure(connect(BASE, { credentials, fetch } as never))).toMatchObject({ code: 'pin_required' })
    expect(thrown(() => admin(BASE, { adminToken, fetch } as never))).toMatchObject({ code: 'pin_required' })
    expect(await failure(connect(BASE, { credentials, fetch, pin: { kid: 'x' }, trustKeysFromServer: true } as never))).toMatchObject({
      code: 'invalid_argument',
    })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('http: is refused unless the host is loopback (insecure_transport, before any request); https: anywhere', async () => {
    const fetch = vi.fn(async () => {
      throw new Error('stop')
    })
    for (const url of ['http://pq-edge.example', 'http://10.0.0.1:8787', 'http://[::ffff:127.0.0.1]', 'http://localhost.example.com']) {
      expect(await failure(connect(url, { credentials, fetch, ...trust })), url).toMatchObject({ code: 'insecure_transport' })
      expect(
        thrown(() => admin(url, { adminToken, fetch, ...trust })),
        url,
      ).toMatchObject({ code: 'insecure_transport' })
      expect(await failure(getKeys(url, { fetch })), url).toMatchObject({ code: 'insecure_transport' })
    }
    expect(fetch).not.toHaveBeenCalled()
    for (const url of [
      'http://127.0.0.1:8787',
      'http://127.1.2.3',
      'http://localhost:8787',
      'http://[::1]:8787',
      'https://pq-edge.example',
    ]) {
      expect(await failure(getKeys(url, { fetch })), url).toMatchObject({ code: 'network_error' })
    }
    expect(fetch).toHaveBeenCalledTimes(5)
    expect(['localhost', '127.0.0.1', '127.255.255.254', '[::1]'].every(isLoopbackHost)).toBe(true)
    expect(['127.0.0.1.nip.io', '128.0.0.1', '[::2]', 'example.com', '0.0.0.0'].some(isLoopbackHost)).toBe(false)
    expect(await failure(getKeys('ftp://x', { fetch }))).toMatchObject({ code: 'invalid_argument' })
  })

  it('a pinned kid or public key that the server offers is used', async () => {
    const { server } = await setup()
    const key = server.keys[0]!
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { kid: key.kid } })).kid).toBe(key.kid)
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { publicKey: key.publicKey } })).kid).toBe(key.kid)
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { publicKey: b64u(key.publicKey), kid: key.kid } })).kid).toBe(
      key.kid,
    )
  })

  it('a substituted GET /v2/keys (MITM) does not offer the pinned key: pin_mismatch, before any credentials are sent', async () => {
    const { server } = await setup()
    const mitm = await createProtocolDouble()
    const fetch = async (input: string, init?: RequestInit) =>
      input.endsWith('/v2/keys') ? mitm.fetch(input, init) : server.fetch(input, init)
    for (const pin of [{ kid: server.keys[0]!.kid }, { publicKey: server.keys[0]!.publicKey }]) {
      const e = await failure(connect(BASE, { credentials, fetch, pin }))
      expect(e.code).toBe('pin_mismatch')
      expect(e.message).toContain(mitm.keys[0]!.kid) // names what is offered
      expect(await failure(admin(BASE, { adminToken, fetch, pin }).listConfig())).toMatchObject({ code: 'pin_mismatch' })
    }
    expect([...server.seen, ...mitm.seen].filter((r) => r.path === '/v2/sessions')).toHaveLength(0)
  })

  it('rotation: a session established with the pinned (retiring) key moves the pin to the new key it delivers', async () => {
    const { server, adm } = await setup({ lifetime: 2 }) // inside the 5 s margin: every call renews
    await adm.putConfig('app/db', 'v1')
    const old = server.keys[0]!
    await server.rotate('hybrid')
    const fresh = server.keys[0]!
    const onPinChange = vi.fn()
    const session = await connect(BASE, { credentials, fetch: server.fetch, pin: { kid: old.kid, publicKey: old.publicKey }, onPinChange })
    expect(session.kid).toBe(old.kid)
    expect(session.pin).toEqual({ kid: fresh.kid, publicKey: b64u(fresh.publicKey), mode: 'hybrid' })
    expect(onPinChange).toHaveBeenCalledWith(
      { kid: fresh.kid, publicKey: b64u(fresh.publicKey), mode: 'hybrid' },
      { kid: old.kid, publicKey: b64u(old.publicKey), mode: 'hybrid' },
    )
    // The renewal uses the moved pin, even once the old key is gone.
    server.keys.splice(server.keys.indexOf(old), 1)
    expect((await session.getConfig('app/db')).text()).toBe('v1')
    expect(session.kid).toBe(fresh.kid)
    expect(onPinChange).toHaveBeenCalledTimes(1)
    // Unpinned clients simply take the current key.
    expect((await connect(BASE, { credentials, fetch: server.fetch, ...trust })).kid).toBe(fresh.kid)
  })
})

describe('session lifetime', () => {
  it('re-establishes transparently when the session has expired', async () => {
    const { server, adm } = await setup({ lifetime: 2 })
    await adm.putConfig('app/db', 'v1')
    const session = await connect(BASE, { credentials, fetch: server.fetch, ...trust })
    const first = session.id
    expect((await session.getConfig('app/db')).text()).toBe('v1')
    expect(session.id).not.toBe(first)
    expect(server.seen.filter((r) => r.path === '/v2/sessions' && r.headers.get('authorization') === null).length).toBeGreaterThanOrEqual(3)
  })

  it('re-establishes once when the server says the ticket expired', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('app/db', 'v1')
    const session = await connect(BASE, { credentials, fetch: server.fetch, ...trust })
    const before = server.seen.filter((r) => r.path === '/v2/sessions').length
    for (const s of server.sessions.values()) s.expires = 0 // server-side expiry (clock skew)
    expect((await session.getConfig('app/db')).text()).toBe('v1')
    expect(server.seen.filter((r) => r.path === '/v2/sessions').length).toBe(before + 1)
  })

  it('with reestablish: false, an expired session is expired_session; a closed one session_closed', async () => {
    const { server } = await setup({ lifetime: 2 })
    const session = await connect(BASE, { credentials, fetch: server.fetch, reestablish: false, ...trust })
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'expired_session' })
    session.close()
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'session_closed' })
  })
})

describe('admin', () => {
  it('an admin session: create, replace with If-Match, list, delete (If-Match required); stale preconditions are version_mismatch', async () => {
    const { server, adm } = await setup()
    expect(adm.pin).toBeUndefined() // lazily established
    expect(await adm.putConfig('app/db', 'one')).toEqual({ name: 'app/db', version: 1 })
    expect(adm.pin?.kid).toBe(server.keys[0]!.kid)
    expect(server.seen.at(-1)!.headers.get('if-none-match')).toBe('*')
    expect(server.seen.filter((r) => r.path === '/v2/sessions')).toHaveLength(1)
    expect(await failure(adm.putConfig('app/db', 'again'))).toMatchObject({ code: 'version_mismatch', status: 412, currentVersion: 1 })
    expect(await adm.putConfig('app/db', 'two', { ifMatch: 1 })).toEqual({ name: 'app/db', version: 2 })
    expect(server.seen.at(-1)!.headers.get('if-match')).toBe('"1"')
    expect(await failure(adm.putConfig('app/db', 'stale', { ifMatch: 1 }))).toMatchObject({ code: 'version_mismatch', currentVersion: 2 })
    expect(await adm.putConfig('app/db', 'three', { ifMatch: '*' })).toEqual({ name: 'app/db', version: 3 })
    expect(await adm.putConfig('app/new', 'n', { ifMatch: '*' })).toEqual({ name: 'app/new', version: 1 })
    expect(await adm.listConfig()).toEqual([
      { name: 'app/db', version: 3 },
      { name: 'app/new', version: 1 },
    ])
    expect(await failure(adm.deleteConfig('app/db', { ifMatch: 2 }))).toMatchObject({ code: 'version_mismatch', status: 412 })
    await adm.deleteConfig('app/db', { ifMatch: 3 })
    await adm.deleteConfig('app/new', { ifMatch: '*' })
    expect(await adm.listConfig()).toEqual([])
    expect(await failure(adm.deleteConfig('app/db', { ifMatch: '*' }))).toMatchObject({ code: 'not_found', status: 404 })
    expect(await failure(adm.deleteConfig('app/db', {} as never))).toMatchObject({ code: 'invalid_argument' })
    expect(await adm.putConfig('app/db', 'back')).toEqual({ name: 'app/db', version: 4 })
    expect(await failure(adm.putConfig('app/db', 'x', { ifMatch: 0 }))).toMatchObject({ code: 'invalid_argument' })
    // One admin session served all of it.
    expect(server.seen.filter((r) => r.path === '/v2/sessions')).toHaveLength(1)
    adm.close()
    expect(await failure(adm.listConfig())).toMatchObject({ code: 'session_closed' })
  })

  it('the admin session renews before expiry, and once on a 401 expired_ticket', async () => {
    const short = await setup({ lifetime: 2 }) // inside the 5 s margin: every call renews
    await short.adm.listConfig()
    await short.adm.listConfig()
    expect(short.server.seen.filter((r) => r.path === '/v2/sessions')).toHaveLength(2)
    const { server, adm } = await setup()
    await adm.listConfig()
    for (const s of server.sessions.values()) s.expires = 0 // server-side expiry
    expect(await adm.putConfig('app/x', 'v')).toEqual({ name: 'app/x', version: 1 })
    expect(server.seen.filter((r) => r.path === '/v2/sessions')).toHaveLength(2)
    expect(server.seen.filter((r) => r.path === '/v2/config/app/x' && r.method === 'PUT')).toHaveLength(2)
  })

  it('a wrong admin token is invalid_credentials; the token never appears in errors or headers', async () => {
    const server = await createProtocolDouble()
    const adm = admin(BASE, { adminToken: 'pqe_admin_WRONG', fetch: server.fetch, ...trust })
    const e = await failure(adm.listConfig())
    expect(e).toMatchObject({ code: 'invalid_credentials', status: 401 })
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('WRONG')
    for (const r of server.seen) expect([...r.headers.values()].join(' ')).not.toContain('WRONG')
  })

  it('rewrap follows the cursor page by page, reporting progress, and sums the pages', async () => {
    const { server, adm } = await setup({ rewrapPage: 2 })
    for (const n of ['a', 'b', 'c', 'd', 'e']) await adm.putConfig(`app/${n}`, n)
    const pages: number[] = []
    const report = await adm.rewrap({ onPage: (page, totals) => pages.push(page.updated, totals.updated) })
    expect(report).toEqual({ kek: 'k1', updated: 5, unchanged: 0, vanished: 0, conflicts: [], unreadable: [], pages: 3 })
    expect(pages).toEqual([2, 2, 2, 4, 1, 5])
    expect(server.seen.filter((r) => r.path.startsWith('/v2/admin/rewrap')).map((r) => r.path)).toEqual([
      '/v2/admin/rewrap',
      '/v2/admin/rewrap?cursor=2',
      '/v2/admin/rewrap?cursor=4',
    ])
  })

  it('a client secret presented as the admin token is invalid_credentials', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('app/db', 'v')
    const session = await connect(BASE, { credentials, fetch: server.fetch, ...trust })
    expect((await session.getConfig('app/db')).text()).toBe('v')
    const clientAsAdmin = admin(BASE, { adminToken: credentials.clientSecret, fetch: server.fetch, ...trust })
    expect(await failure(clientAsAdmin.listConfig())).toMatchObject({ code: 'invalid_credentials' })
  })

  it('getKeys returns decoded, checked keys', async () => {
    const { server } = await setup({ modes: ['hybrid', 'pq'], policy: 'pq-preferred' })
    const keySet = await getKeys(BASE, { fetch: server.fetch })
    expect(keySet.policy).toBe('pq-preferred')
    expect(keySet.keys.map((k) => [k.mode, k.publicKey.length])).toEqual([
      ['hybrid', 1216],
      ['pq', 1184],
    ])
  })
})
