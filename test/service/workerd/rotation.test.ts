// Rotating SERVER_SECRET: data written under the old secret stays readable with it as
// SERVER_SECRET_PREVIOUS, old keys and tickets are still accepted, and rewrap moves every record to
// the new KEK so the old secret can go. Also: bad configuration.
import { describe, expect, it } from 'vitest'
import {
  admin,
  adminPut,
  baseEnv,
  callWith,
  establish,
  expectProblem,
  getKeys,
  json,
  readConfig,
  sessionRequest,
  uniqueName,
} from './helpers.ts'
import { TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from './secrets.ts'

describe('SERVER_SECRET rotation', () => {
  it('old data, keys and tickets work during rotation; rewrap moves records to the new KEK', async () => {
    // The old deployment, the rotating one and the finished one, over a vault object of their own:
    // rewrap touches every record, and other test files share the default object.
    const real = (baseEnv as { CONFIG_VAULT: DurableObjectNamespace }).CONFIG_VAULT
    const objectName = `rotation-${crypto.randomUUID()}`
    const CONFIG_VAULT = { getByName: () => real.getByName(objectName) }
    const old = callWith({ CONFIG_VAULT, PQ_POLICY: 'hybrid-required' })
    const rotating = callWith({
      CONFIG_VAULT,
      PQ_POLICY: 'hybrid-required',
      SERVER_SECRET: TEST_SERVER_SECRET_NEXT,
      SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET,
    })
    const finished = callWith({ CONFIG_VAULT, PQ_POLICY: 'hybrid-required', SERVER_SECRET: TEST_SERVER_SECRET_NEXT })

    const name = uniqueName()
    expect((await adminPut(name, 'written under the old secret', { caller: old })).status).toBe(201)
    const oldSession = await establish({ caller: old })
    const oldKey = (await getKeys(old)).keys[0]!

    const keys = (await getKeys(rotating)).keys
    expect(keys.map((k) => [k.mode, k.status])).toEqual([
      ['hybrid', 'current'],
      ['hybrid', 'retiring'],
    ])
    expect(keys[1]!.kid).toBe(oldKey.kid)
    expect(keys[0]!.kid).not.toBe(oldKey.kid)

    // Readable during rotation: with a new session, and with a ticket issued under the old secret.
    expect((await readConfig(await establish({ caller: rotating }), name, rotating)).value).toBe('written under the old secret')
    expect((await readConfig(oldSession, name, rotating)).value).toBe('written under the old secret')
    // A client still holding the old (retiring) key establishes a session.
    const { suite, pending } = await sessionRequest({ caller: rotating, key: oldKey })
    expect((await rotating('/v1/sessions', json(pending.request))).status).toBe(201)
    void suite

    // Without the previous secret, the old record cannot be opened yet (500, logged, nothing leaked).
    const finishedSession = await establish({ caller: finished })
    const unreadable = await expectProblem(
      await finished(`/v1/config/${name}`, { headers: { authorization: `PQEdge-Ticket ${finishedSession.ticket}` } }),
      500,
      'internal_error',
    )
    expect(JSON.stringify(unreadable)).not.toContain(name)
    // ... and the old ticket no longer opens.
    await expectProblem(
      await finished(`/v1/config/${name}`, { headers: { authorization: `PQEdge-Ticket ${oldSession.ticket}` } }),
      401,
      'invalid_ticket',
    )

    const rewrap = await rotating('/v1/admin/rewrap', { method: 'POST', headers: admin })
    expect(rewrap.status).toBe(200)
    expect(await rewrap.json()).toMatchObject({ updated: 1, unchanged: 0, vanished: 0, conflicts: [], unreadable: [] })
    // A second run has nothing left to do for this record.
    const second = await (await rotating('/v1/admin/rewrap', { method: 'POST', headers: admin })).json<{ updated: number }>()
    expect(second.updated).toBe(0)

    // Now the old secret can go: the finished deployment reads it (the version moved with the rewrap).
    const read = await readConfig(finishedSession, name, finished)
    expect(read).toMatchObject({ value: 'written under the old secret', version: 2 })
  })
})

describe('configuration errors', () => {
  it.each([
    ['SERVER_SECRET', { SERVER_SECRET: 'not-a-secret-value-1234' }],
    ['SERVER_SECRET', { SERVER_SECRET: undefined }],
    ['SERVER_SECRET_PREVIOUS', { SERVER_SECRET_PREVIOUS: 'short-previous-value' }],
    ['ADMIN_TOKEN_SHA256', { ADMIN_TOKEN_SHA256: 'pqe_admin_plaintext-value' }],
    ['CLIENTS', { CLIENTS: '[{"id": "x", "secret": "leaky-value"}]' }],
    ['CLIENTS', { CLIENTS: 'not json leaky-value' }],
    ['PQ_POLICY', { PQ_POLICY: 'quantum-maybe' }],
    ['SESSION_TTL_SECONDS', { SESSION_TTL_SECONDS: '3600' }],
  ] as const)('a bad %s: 500 service_misconfigured naming the variable, never its value', async (variable, overrides) => {
    const caller = callWith(overrides)
    for (const path of ['/v1/keys', '/v1/config']) {
      const body = await expectProblem(await caller(path, { headers: admin }), 500, 'service_misconfigured')
      expect(body.detail).toContain(variable)
      for (const value of Object.values(overrides)) if (value) expect(JSON.stringify(body)).not.toContain(value)
    }
    // /health does not depend on the service configuration.
    expect((await caller('/health')).status).toBe(200)
  })
})
