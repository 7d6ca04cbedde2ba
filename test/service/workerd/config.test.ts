// The config vault endpoints against the real Workers entry: admin PUT sealed with HPKE, client GET
// decrypted under the session key, list, delete, and every rejection (401 vs 403, 412, 428, names,
// tickets), each leaving the vault unchanged.
import { describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../../../src/app.ts'
import { b64u, fromB64u } from '../../../src/crypto/bytes.ts'
import { lazyBackends } from '../../../src/crypto/select.ts'
import { createHpke } from '../../../src/hpke/hpke.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import { deriveSecretKeys, parseServerSecret } from '../../../src/service/keys.ts'
import { Tickets } from '../../../src/service/tickets.ts'
import {
  admin,
  adminPut,
  call,
  establish,
  expectProblem,
  json,
  readConfig,
  sealedPut,
  stored,
  uniqueName,
  vaultSnapshot,
} from './helpers.ts'
import { TEST_CLIENT, TEST_OTHER_CLIENT, TEST_SERVER_SECRET } from './secrets.ts'

const put = (name: string, body: unknown, headers: Record<string, string>) =>
  call(`/v1/config/${name}`, { ...json(body, headers), method: 'PUT' })
const ticketAuth = (ticket: string) => ({ authorization: `PQEdge-Ticket ${ticket}` })

/** The server's ticket key, derived here from the test secret, to forge tickets as only the server could. */
async function serverTickets() {
  const { backends } = await lazyBackends(mlkem)()
  const keys = await deriveSecretKeys(backends, createHpke(backends), parseServerSecret('SERVER_SECRET', TEST_SERVER_SECRET), 'current')
  return Tickets.create(backends.aes256Gcm, keys.ticketKey, null)
}

describe('config round trip', () => {
  it('admin PUT (HPKE to the server key) → client session GET decrypts; replace with If-Match; ETag is the version', async () => {
    const name = uniqueName()
    const created = await adminPut(name, 'postgres://v1')
    expect(created.status).toBe(201)
    expect(created.headers.get('etag')).toBe('"1"')
    expect(await created.json()).toEqual({ name, version: 1 })

    const session = await establish()
    expect(await readConfig(session, name)).toMatchObject({ name, version: 1, value: 'postgres://v1' })

    const replaced = await adminPut(name, 'postgres://v2', { ifMatch: 1 })
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toEqual({ name, version: 2 })
    expect(await readConfig(session, name)).toMatchObject({ version: 2, value: 'postgres://v2' })
  })

  it.each(['pq', 'classical'] as const)('a value sealed to the %s key is accepted too (pq-preferred)', async (mode) => {
    const name = uniqueName()
    expect((await adminPut(name, `via ${mode}`, { mode })).status).toBe(201)
    expect((await readConfig(await establish({ mode: 'pq' }), name)).value).toBe(`via ${mode}`)
  })

  it('an AES-256-GCM session gets the value under AES-256-GCM', async () => {
    const name = uniqueName()
    await adminPut(name, 'aes')
    expect((await readConfig(await establish({ aead: 2 }), name)).value).toBe('aes')
  })

  it('GET /v1/config lists names and versions; DELETE (optional If-Match) answers 204; versions continue after re-create', async () => {
    const name = uniqueName()
    await adminPut(name, 'a')
    expect(await stored(name)).toEqual({ name, version: 1 })
    await expectProblem(
      await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"7"' } }),
      412,
      'version_mismatch',
    )
    const del = await call(`/v1/config/${name}`, { method: 'DELETE', headers: { ...admin, 'if-match': '"1"' } })
    expect(del.status).toBe(204)
    expect(await stored(name)).toBeUndefined()
    await expectProblem(await call(`/v1/config/${name}`, { method: 'DELETE', headers: admin }), 404, 'not_found')
    await expectProblem(await call(`/v1/config/${name}`, { headers: ticketAuth((await establish()).ticket) }), 404, 'not_found')
    const again = await adminPut(name, 'b')
    expect(await again.json()).toEqual({ name, version: 2 })
    expect((await call(`/v1/config/${name}`, { method: 'DELETE', headers: admin })).status).toBe(204)
  })
})

describe('PUT /v1/config/{name}: rejections store nothing', () => {
  async function rejected(name: string, res: Response, status: number, code: string, expectedStored?: { name: string; version: number }) {
    const body = await expectProblem(res, status, code)
    expect(await stored(name)).toEqual(expectedStored)
    return body
  }

  it('no precondition: 428 precondition_required', async () => {
    const name = uniqueName()
    await rejected(name, await put(name, await sealedPut(name, 'x', 0), admin), 428, 'precondition_required')
  })

  it('stale If-Match, create over an existing record, If-Match on a missing one: 412 version_mismatch with currentVersion', async () => {
    const name = uniqueName()
    await adminPut(name, 'one')
    const current = { name, version: 1 }
    let body = await rejected(
      name,
      await put(name, await sealedPut(name, 'x', 0), { ...admin, 'if-none-match': '*' }),
      412,
      'version_mismatch',
      current,
    )
    expect(body.currentVersion).toBe(1)
    body = await rejected(
      name,
      await put(name, await sealedPut(name, 'x', 5), { ...admin, 'if-match': '"5"' }),
      412,
      'version_mismatch',
      current,
    )
    expect(body.currentVersion).toBe(1)
    const missing = uniqueName()
    body = await rejected(
      missing,
      await put(missing, await sealedPut(missing, 'x', 1), { ...admin, 'if-match': '"1"' }),
      412,
      'version_mismatch',
    )
    expect(body.currentVersion).toBeNull()
  })

  it('no or a wrong admin token: 401 invalid_credentials with WWW-Authenticate: Bearer', async () => {
    const name = uniqueName()
    const body = await sealedPut(name, 'x', 0)
    for (const headers of [
      {},
      { authorization: 'Bearer pqe_admin_wrong' },
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'Token x' },
    ] as Record<string, string>[]) {
      const res = await put(name, body, { ...headers, 'if-none-match': '*' })
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
      await rejected(name, res, 401, 'invalid_credentials')
    }
  })

  it('a valid client (session ticket, or Basic) is authenticated but not allowed: 403 scope_denied', async () => {
    const name = uniqueName()
    const body = await sealedPut(name, 'x', 0)
    const { ticket } = await establish()
    await rejected(name, await put(name, body, { ...ticketAuth(ticket), 'if-none-match': '*' }), 403, 'scope_denied')
    const basic = `Basic ${btoa(`${TEST_CLIENT.clientId}:${TEST_CLIENT.clientSecret}`)}`
    await rejected(name, await put(name, body, { authorization: basic, 'if-none-match': '*' }), 403, 'scope_denied')
  })

  it('names outside the pattern: 400 invalid_name', async () => {
    // (`app/../x` never arrives as such: URLs normalise dot segments before the request is sent.)
    const before = await vaultSnapshot()
    for (const name of ['app//x', '.hidden', 'app/.x', 'app/x%2Fy', 'app/sp%20ace', 'app/x/', '-x', 'app/ü', `app/${'a'.repeat(200)}`]) {
      await expectProblem(await put(name, await sealedPut('app/x', 'x', 0), { ...admin, 'if-none-match': '*' }), 400, 'invalid_name')
    }
    expect(await vaultSnapshot()).toBe(before)
  })

  it('a value sealed for another name or base version: 400 decryption_failed', async () => {
    const name = uniqueName()
    await rejected(
      name,
      await put(name, await sealedPut(uniqueName(), 'x', 0), { ...admin, 'if-none-match': '*' }),
      400,
      'decryption_failed',
    )
    await adminPut(name, 'one')
    await rejected(name, await put(name, await sealedPut(name, 'x', 0), { ...admin, 'if-match': '"1"' }), 400, 'decryption_failed', {
      name,
      version: 1,
    })
  })

  it('malformed bodies: invalid_json, invalid_encoding, invalid_length, unknown_key, unsupported_suite', async () => {
    const name = uniqueName()
    const h = { ...admin, 'if-none-match': '*' }
    const good = await sealedPut(name, 'x', 0)
    await rejected(
      name,
      await call(`/v1/config/${name}`, { method: 'PUT', headers: { ...h, 'content-type': 'application/json' }, body: '{nope' }),
      400,
      'invalid_json',
    )
    await rejected(name, await put(name, { ...good, ciphertext: undefined }, h), 400, 'invalid_json')
    await rejected(name, await put(name, { ...good, enc: `${good.enc}==` }, h), 400, 'invalid_encoding')
    await rejected(name, await put(name, { ...good, enc: b64u(new Uint8Array(32)) }, h), 400, 'invalid_length')
    await rejected(name, await put(name, { ...good, kid: 'BBBBBBBBBBBBBBBB' }, h), 400, 'unknown_key')
    await rejected(name, await put(name, { ...good, aead: 1 }, h), 400, 'unsupported_suite')
  })

  it('a body over the limit: 413 payload_too_large', async () => {
    const name = uniqueName()
    const good = await sealedPut(name, 'x', 0)
    await rejected(
      name,
      await put(name, { ...good, ciphertext: b64u(new Uint8Array(MAX_BODY_BYTES)) }, { ...admin, 'if-none-match': '*' }),
      413,
      'payload_too_large',
    )
  })
})

describe('GET /v1/config/{name}: tickets and scopes', () => {
  it('no ticket, another scheme, a forged or altered ticket: 401 invalid_ticket with WWW-Authenticate: PQEdge-Ticket', async () => {
    const name = uniqueName()
    await adminPut(name, 'x')
    const { ticket } = await establish()
    const bytes = fromB64u(ticket, 'ticket')
    const altered = (i: number) => {
      const copy = bytes.slice()
      copy[i]! ^= 1
      return b64u(copy)
    }
    const forged = b64u(crypto.getRandomValues(new Uint8Array(bytes.length)))
    for (const headers of [
      {},
      admin,
      ticketAuth(forged),
      ticketAuth(altered(0)),
      ticketAuth(altered(5)),
      ticketAuth(altered(bytes.length - 1)),
      ticketAuth(`${ticket}=`),
      ticketAuth('x'.repeat(5000)),
    ] as Record<string, string>[]) {
      const res = await call(`/v1/config/${name}`, { headers })
      expect(res.headers.get('www-authenticate')).toMatch(/^PQEdge-Ticket /)
      await expectProblem(res, 401, 'invalid_ticket')
    }
  })

  it('an expired ticket: 401 expired_ticket', async () => {
    const name = uniqueName()
    await adminPut(name, 'x')
    const tickets = await serverTickets()
    const base = { sessionId: new Uint8Array(16), clientId: 'edge-app', scopes: ['app/'], aeadId: 3, sessionKey: new Uint8Array(32) }
    const expired = await tickets.seal({ ...base, expiresAt: new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z') })
    await expectProblem(await call(`/v1/config/${name}`, { headers: ticketAuth(expired) }), 401, 'expired_ticket')
    // The same forging path with a future expiry works: the check above is the expiry, not the key.
    const live = await tickets.seal({ ...base, expiresAt: new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z') })
    expect((await call(`/v1/config/${name}`, { headers: ticketAuth(live) })).status).toBe(200)
  })

  it('outside the session scopes: 403 scope_denied; an invalid name: 400 invalid_name', async () => {
    const outside = 'other/x'
    const { ticket } = await establish()
    await expectProblem(await call(`/v1/config/${outside}`, { headers: ticketAuth(ticket) }), 403, 'scope_denied')
    await expectProblem(await call('/v1/config/app/.x', { headers: ticketAuth(ticket) }), 400, 'invalid_name')
    const narrow = await establish({ credentials: TEST_OTHER_CLIENT })
    expect(narrow.scopes).toEqual(['shared/flags'])
    await expectProblem(await call(`/v1/config/${uniqueName()}`, { headers: ticketAuth(narrow.ticket) }), 403, 'scope_denied')
    await expectProblem(await call('/v1/config/shared/flags-x', { headers: ticketAuth(narrow.ticket) }), 403, 'scope_denied')
  })

  it('admin-only endpoints: list, rewrap and metrics are 401 without the token and 403 for a client', async () => {
    const { ticket } = await establish()
    for (const [path, method] of [
      ['/v1/config', 'GET'],
      ['/v1/admin/rewrap', 'POST'],
      ['/metrics', 'GET'],
    ] as const) {
      await expectProblem(await call(path, { method }), 401, 'invalid_credentials')
      await expectProblem(await call(path, { method, headers: ticketAuth(ticket) }), 403, 'scope_denied')
    }
  })
})
