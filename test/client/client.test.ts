// pq-edge/client against the protocol test double (./protocol-double.ts): the documented wire format
// of docs/PROTOCOL.md, driven in-process through the SDK's injectable fetch.
import { describe, expect, it } from 'vitest'
import { admin, connect, getKeys, PqEdgeError } from '../../src/client/node.ts'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { createProtocolDouble } from './protocol-double.ts'

const BASE = 'https://pq-edge.test'
const credentials = { clientId: 'edge-app', clientSecret: 'pqe_client_test' }
const token = 'pqe_admin_test'

async function setup(options: Parameters<typeof createProtocolDouble>[0] = {}) {
  const server = await createProtocolDouble(options)
  const adm = admin(BASE, { token, fetch: server.fetch })
  return { server, adm }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a PqEdgeError'),
    (e: unknown) => e as PqEdgeError,
  )

describe('connect and getConfig', () => {
  it('establishes a session (key confirmation verified) and reads a value put by the admin', async () => {
    const { server, adm } = await setup()
    expect(await adm.putConfig('app/db', 'postgres://u:p@db/app')).toEqual({ name: 'app/db', version: 1 })
    await adm.putConfig('app/flags', JSON.stringify({ beta: true }))
    const session = await connect(BASE, { credentials, fetch: server.fetch })
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(session.scopes).toEqual(['app/'])
    expect(session.mode).toBe('hybrid')
    expect(session.aead).toBe(3)
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now())
    const db = await session.getConfig('app/db')
    expect(db).toMatchObject({ name: 'app/db', version: 1 })
    expect(db.text()).toBe('postgres://u:p@db/app')
    expect((await session.getConfig('app/flags')).json()).toEqual({ beta: true })
    // The ticket travels in the documented header; the credentials never leave the HPKE envelope.
    const read = server.seen.find((r) => r.path === '/v1/config/app/db' && r.method === 'GET')!
    expect(read.headers.get('authorization')).toMatch(/^PQEdge-Ticket /)
    session.close()
  })

  it('AES-256-GCM sessions work too, and the binary value round-trips exactly', async () => {
    const { server, adm } = await setup()
    const bytes = crypto.getRandomValues(new Uint8Array(300))
    await adm.putConfig('app/blob', bytes)
    const session = await connect(BASE, { credentials, fetch: server.fetch, aead: 2 })
    expect(session.aead).toBe(2)
    expect(b64u((await session.getConfig('app/blob')).value)).toBe(b64u(bytes))
  })

  it('ML-KEM-768 (pq mode) when asked, and no_usable_key when the server does not offer the mode', async () => {
    const { server } = await setup({ modes: ['pq'], policy: 'pq-only' })
    expect((await connect(BASE, { credentials, fetch: server.fetch, mode: 'pq' })).mode).toBe('pq')
    const e = await failure(connect(BASE, { credentials, fetch: server.fetch }))
    expect(e).toBeInstanceOf(PqEdgeError)
    expect(e.code).toBe('no_usable_key')
    expect(e.message).toContain('pq-only')
  })

  it('surfaces problem+json errors with code, status and detail', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('other/secret', 'x')
    const bad = await failure(connect(BASE, { credentials: { ...credentials, clientSecret: 'pqe_client_NOPE' }, fetch: server.fetch }))
    expect(bad).toMatchObject({ code: 'invalid_credentials', status: 401 })
    expect(bad.message).not.toContain('NOPE') // never echoes a secret
    const session = await connect(BASE, { credentials, fetch: server.fetch })
    expect(await failure(session.getConfig('other/secret'))).toMatchObject({
      code: 'scope_denied',
      status: 403,
      detail: 'not allowed other/secret',
    })
    expect(await failure(session.getConfig('app/missing'))).toMatchObject({ code: 'not_found', status: 404 })
    expect(await failure(session.getConfig('../etc/passwd'))).toMatchObject({ code: 'invalid_name', status: undefined })
  })

  it('network failures are network_error', async () => {
    const refused = await failure(connect('http://127.0.0.1:1', { credentials }))
    expect(refused.code).toBe('network_error')
    expect(refused.message).toContain('127.0.0.1:1')
  })

  it('a failed key confirmation throws confirmation_failed and yields no session', async () => {
    for (const tamper of ['confirmation', 'ticket', 'expiresAt'] as const) {
      const { server } = await setup({
        tamperSession: (r) => {
          if (tamper === 'confirmation') {
            const mac = fromB64u(r.confirmation, 'confirmation')
            mac[0]! ^= 1
            return { ...r, confirmation: b64u(mac) }
          }
          if (tamper === 'ticket') return { ...r, ticket: `${r.ticket}x` }
          return { ...r, expiresAt: '2099-01-01T00:00:00Z' }
        },
      })
      const e = await failure(connect(BASE, { credentials, fetch: server.fetch }))
      expect(e, tamper).toBeInstanceOf(PqEdgeError)
      expect(e.code, tamper).toBe('confirmation_failed')
      expect(server.seen.filter((r) => r.path.startsWith('/v1/config'))).toHaveLength(0)
    }
  })

  it('a response from a server that does not hold the key fails confirmation (key substitution)', async () => {
    const honest = await createProtocolDouble()
    const impostor = await createProtocolDouble()
    // The impostor serves the honest server's key list but answers sessions with its own key.
    const fetch = async (input: string, init?: RequestInit) => {
      if (input.endsWith('/v1/keys')) return honest.fetch(input, init)
      const body = JSON.parse(String(init?.body))
      return impostor.fetch(input, { ...init, body: JSON.stringify({ ...body, kid: impostor.keys[0]!.kid }) })
    }
    const e = await failure(connect(BASE, { credentials, fetch }))
    // The impostor cannot open the envelope sealed to the honest key: the session is refused either way.
    expect(['decryption_failed', 'confirmation_failed']).toContain(e.code)
  })

  it('validates GET /v1/keys: a kid that is not its key id is refused', async () => {
    const { server } = await setup()
    const fetch = async (input: string, init?: RequestInit) => {
      const res = await server.fetch(input, init)
      if (!input.endsWith('/v1/keys')) return res
      const body = await res.json()
      body.keys[0].kid = 'AAAAAAAAAAAAAAAA'
      return new Response(JSON.stringify(body), { status: 200 })
    }
    expect(await failure(connect(BASE, { credentials, fetch }))).toMatchObject({ code: 'invalid_response' })
    const notJson = async () => new Response('<html>', { status: 200 })
    expect(await failure(connect(BASE, { credentials, fetch: notJson }))).toMatchObject({ code: 'invalid_response' })
    const gateway = async () => new Response('bad gateway', { status: 502 })
    expect(await failure(connect(BASE, { credentials, fetch: gateway }))).toMatchObject({ code: 'invalid_response', status: 502 })
  })
})

describe('pinning', () => {
  it('a pinned kid or public key that the server offers is used', async () => {
    const { server } = await setup()
    const key = server.keys[0]!
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { kid: key.kid } })).kid).toBe(key.kid)
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { publicKey: key.publicKey } })).kid).toBe(key.kid)
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { publicKey: b64u(key.publicKey), kid: key.kid } })).kid).toBe(
      key.kid,
    )
  })

  it('a pinned key the server does not offer fails with pin_mismatch, before any credentials are sent', async () => {
    const { server } = await setup()
    const other = await createProtocolDouble()
    for (const pin of [
      { kid: other.keys[0]!.kid },
      { publicKey: other.keys[0]!.publicKey },
      { kid: server.keys[0]!.kid, publicKey: other.keys[0]!.publicKey },
    ]) {
      const e = await failure(connect(BASE, { credentials, fetch: server.fetch, pin }))
      expect(e.code).toBe('pin_mismatch')
      expect(e.message).toContain(server.keys[0]!.kid) // names what the server does offer
    }
    expect(server.seen.filter((r) => r.path === '/v1/sessions')).toHaveLength(0)
  })

  it('a pinned key still used during rotation (retiring) is accepted; unpinned clients take the current one', async () => {
    const { server } = await setup()
    const old = server.keys[0]!
    await server.rotate('hybrid')
    expect((await connect(BASE, { credentials, fetch: server.fetch, pin: { kid: old.kid } })).kid).toBe(old.kid)
    expect((await connect(BASE, { credentials, fetch: server.fetch })).kid).toBe(server.keys[0]!.kid)
  })
})

describe('session lifetime', () => {
  it('re-establishes transparently when the session has expired', async () => {
    const { server, adm } = await setup({ lifetime: 2 }) // inside the 5 s margin: every call renews
    await adm.putConfig('app/db', 'v1')
    const session = await connect(BASE, { credentials, fetch: server.fetch })
    const first = session.id
    expect((await session.getConfig('app/db')).text()).toBe('v1')
    expect(session.id).not.toBe(first)
    expect(server.seen.filter((r) => r.path === '/v1/sessions').length).toBe(2)
  })

  it('re-establishes once when the server says the ticket expired', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('app/db', 'v1')
    const session = await connect(BASE, { credentials, fetch: server.fetch })
    for (const s of server.sessions.values()) s.expires = 0 // server-side expiry (clock skew)
    expect((await session.getConfig('app/db')).text()).toBe('v1')
    expect(server.seen.filter((r) => r.path === '/v1/sessions').length).toBe(2)
  })

  it('with reestablish: false, an expired session is expired_session; a closed one session_closed', async () => {
    const { server } = await setup({ lifetime: 2 })
    const session = await connect(BASE, { credentials, fetch: server.fetch, reestablish: false })
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'expired_session' })
    session.close()
    expect(await failure(session.getConfig('app/db'))).toMatchObject({ code: 'session_closed' })
  })
})

describe('admin', () => {
  it('create, replace with If-Match, list, delete; stale and missing preconditions are version_mismatch', async () => {
    const { server, adm } = await setup()
    expect(await adm.putConfig('app/db', 'one')).toEqual({ name: 'app/db', version: 1 })
    expect(server.seen.at(-1)!.headers.get('if-none-match')).toBe('*')
    // Omitted ifMatch creates only: the name exists now.
    expect(await failure(adm.putConfig('app/db', 'again'))).toMatchObject({ code: 'version_mismatch', status: 412, currentVersion: 1 })
    expect(await adm.putConfig('app/db', 'two', { ifMatch: 1 })).toEqual({ name: 'app/db', version: 2 })
    expect(server.seen.at(-1)!.headers.get('if-match')).toBe('"1"')
    expect(await failure(adm.putConfig('app/db', 'stale', { ifMatch: 1 }))).toMatchObject({ code: 'version_mismatch', currentVersion: 2 })
    // '*' replaces the current version (read first), or creates.
    expect(await adm.putConfig('app/db', 'three', { ifMatch: '*' })).toEqual({ name: 'app/db', version: 3 })
    expect(await adm.putConfig('app/new', 'n', { ifMatch: '*' })).toEqual({ name: 'app/new', version: 1 })
    expect(await adm.listConfig()).toEqual([
      { name: 'app/db', version: 3 },
      { name: 'app/new', version: 1 },
    ])
    expect(await failure(adm.deleteConfig('app/db', { ifMatch: 2 }))).toMatchObject({ code: 'version_mismatch', status: 412 })
    await adm.deleteConfig('app/db', { ifMatch: 3 })
    await adm.deleteConfig('app/new')
    expect(await adm.listConfig()).toEqual([])
    expect(await failure(adm.deleteConfig('app/db'))).toMatchObject({ code: 'not_found', status: 404 })
    // Versions continue after a delete (§6.3).
    expect(await adm.putConfig('app/db', 'back')).toEqual({ name: 'app/db', version: 4 })
    expect(await failure(adm.putConfig('app/db', 'x', { ifMatch: 0 }))).toMatchObject({ code: 'invalid_argument' })
  })

  it('a wrong admin token is invalid_credentials; the token never appears in errors', async () => {
    const server = await createProtocolDouble()
    const adm = admin(BASE, { token: 'pqe_admin_WRONG', fetch: server.fetch })
    const e = await failure(adm.listConfig())
    expect(e).toMatchObject({ code: 'invalid_credentials', status: 401 })
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('WRONG')
  })

  it('re-fetches the keys once when the cached key was retired (unknown_key)', async () => {
    const { server, adm } = await setup()
    await adm.putConfig('app/a', '1')
    const old = server.keys[0]!
    await server.rotate('hybrid')
    server.keys.splice(server.keys.indexOf(old), 1) // retired for good
    expect(await adm.putConfig('app/a', '2', { ifMatch: 1 })).toEqual({ name: 'app/a', version: 2 })
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
