import { describe, expect, it } from 'vitest'
import { sha256, toHex } from '../../../src/crypto/bytes.ts'
import {
  type AuthConfig,
  authorizeAdmin,
  authorizeRead,
  credentialDigest,
  equalDigests,
  generateSecrets,
  type Principal,
  parseAuthConfig,
  scopeCovers,
  verifyAdmin,
  verifyClient,
} from '../../../src/service/auth.ts'
import { ConfigError } from '../../../src/service/config-error.ts'

const ADMIN_TOKEN = 'pqe_admin_test-token'
const CLIENT_SECRET = 'pqe_client_test-secret'

async function hex(text: string) {
  return toHex(await sha256(text))
}

async function testConfig(): Promise<AuthConfig> {
  return parseAuthConfig({
    ADMIN_TOKEN_SHA256: await hex(ADMIN_TOKEN),
    CLIENTS: JSON.stringify([{ id: 'edge-app', secretSha256: await hex(CLIENT_SECRET), scopes: ['app/', 'shared/flags'] }]),
  })
}

describe('digests', () => {
  it('sha256 is the standard SHA-256', async () => {
    expect(await hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('equalDigests compares all 32 bytes and refuses other lengths', () => {
    const a = new Uint8Array(32).fill(7)
    expect(equalDigests(a, a.slice())).toBe(true)
    for (const i of [0, 17, 31]) {
      const b = a.slice()
      b[i]! ^= 1
      expect(equalDigests(a, b)).toBe(false)
    }
    expect(equalDigests(a.slice(0, 31), a.slice(0, 31))).toBe(false)
    expect(equalDigests(new Uint8Array(33), new Uint8Array(33))).toBe(false)
  })
})

describe('verifyAdmin', () => {
  it('accepts the token whose SHA-256 is configured', async () => {
    expect(await verifyAdmin(await testConfig(), ADMIN_TOKEN)).toEqual({ ok: true, principal: { kind: 'admin' } })
  })

  it('no token is missing_credentials; a wrong one, of any length, is invalid_credentials', async () => {
    const config = await testConfig()
    for (const token of [undefined, null, ''])
      expect(await verifyAdmin(config, token)).toMatchObject({ ok: false, status: 401, reason: 'missing_credentials' })
    for (const token of [
      `${ADMIN_TOKEN}x`,
      ADMIN_TOKEN.slice(0, -1),
      'x',
      ADMIN_TOKEN.toUpperCase(),
      'x'.repeat(5000),
      await hex(ADMIN_TOKEN),
    ]) {
      expect(await verifyAdmin(config, token)).toEqual({ ok: false, status: 401, reason: 'invalid_credentials' })
    }
  })

  it('with ADMIN_TOKEN_SHA256 unset, no token is accepted', async () => {
    const config = parseAuthConfig({})
    expect(config.adminTokenSha256).toBeNull()
    expect(await verifyAdmin(config, ADMIN_TOKEN)).toMatchObject({ ok: false, reason: 'invalid_credentials' })
  })
})

describe('verifyClient', () => {
  it('accepts a known id with its secret, carrying its scopes', async () => {
    expect(await verifyClient(await testConfig(), 'edge-app', CLIENT_SECRET)).toEqual({
      ok: true,
      principal: { kind: 'client', id: 'edge-app', scopes: ['app/', 'shared/flags'] },
    })
  })

  it('refuses an unknown client, a wrong secret, and another client’s secret alike', async () => {
    const config = parseAuthConfig({
      CLIENTS: JSON.stringify([
        { id: 'a', secretSha256: await hex('secret-a'), scopes: ['app/'] },
        { id: 'b', secretSha256: await hex('secret-b'), scopes: ['app/'] },
      ]),
    })
    const invalid = { ok: false, status: 401, reason: 'invalid_credentials' }
    expect(await verifyClient(config, 'nobody', 'secret-a')).toEqual(invalid)
    expect(await verifyClient(config, 'a', 'secret-b')).toEqual(invalid)
    expect(await verifyClient(config, 'a', 'secret-a ')).toEqual(invalid)
    expect(await verifyClient(config, 'a', '')).toEqual(invalid)
    expect(await verifyClient(config, '', 'secret-a')).toEqual(invalid)
    expect(await verifyClient(config, undefined, undefined)).toMatchObject({ reason: 'missing_credentials' })
    expect(await verifyClient(config, 'a', 'secret-a')).toMatchObject({ ok: true })
  })
})

describe('classical separation and CLIENTS bounds (protocol v2)', () => {
  const CLASSICAL_SECRET = 'pqe_client_classical-secret'
  async function classicalConfig(): Promise<AuthConfig> {
    return parseAuthConfig({
      ADMIN_TOKEN_SHA256: await hex(ADMIN_TOKEN),
      CLIENTS: JSON.stringify([
        { id: 'edge-app', secretSha256: await hex(CLIENT_SECRET), classicalSecretSha256: await hex(CLASSICAL_SECRET), scopes: ['app/'] },
        { id: 'plain', secretSha256: await hex('pqe_client_plain'), scopes: ['app/'] },
      ]),
    })
  }

  it('the main secret works only outside classical mode, the classical secret only in it; unmarked clients have none', async () => {
    const config = await classicalConfig()
    expect(await verifyClient(config, 'edge-app', CLIENT_SECRET)).toMatchObject({ ok: true })
    expect(await verifyClient(config, 'edge-app', CLASSICAL_SECRET)).toMatchObject({ ok: false, reason: 'invalid_credentials' })
    expect(await verifyClient(config, 'edge-app', CLASSICAL_SECRET, { classical: true })).toMatchObject({ ok: true })
    expect(await verifyClient(config, 'edge-app', CLIENT_SECRET, { classical: true })).toMatchObject({ ok: false })
    expect(await verifyClient(config, 'plain', 'pqe_client_plain', { classical: true })).toMatchObject({ ok: false })
    expect(credentialDigest(config, { principal: 'admin' }, 'classical')).toBeNull()
    expect(credentialDigest(config, { principal: 'client', id: 'plain' }, 'classical')).toBeNull()
    expect(credentialDigest(config, { principal: 'client', id: 'gone' }, 'hybrid')).toBeNull()
  })

  it('CLIENTS: at most 16 scopes of at most 200 characters; a classical secret must differ from the main one', async () => {
    const entry = async (extra: Record<string, unknown>) =>
      JSON.stringify([{ id: 'x', secretSha256: await hex(CLIENT_SECRET), scopes: ['app/'], ...extra }])
    const sixteen = Array.from({ length: 16 }, (_, i) => `s${i}/${'a'.repeat(190)}`)
    expect(parseAuthConfig({ CLIENTS: await entry({ scopes: sixteen }) }).clients.get('x')!.scopes).toHaveLength(16)
    for (const bad of [
      { scopes: [...sixteen, 'one/more'] },
      { scopes: [`a/${'b'.repeat(198)}/`] },
      { classicalSecretSha256: await hex(CLIENT_SECRET) },
      { classicalSecretSha256: 'pqe_client_plaintext' },
    ])
      await expect(async () => parseAuthConfig({ CLIENTS: await entry(bad) })).rejects.toThrow(ConfigError)
  })
})

describe('scopes and authorization', () => {
  it('a prefix scope ends in "/": app/ covers app/x and app/x/y, not app or apple', () => {
    expect(scopeCovers(['app/'], 'app/x')).toBe(true)
    expect(scopeCovers(['app/'], 'app/x/y')).toBe(true)
    expect(scopeCovers(['app/'], 'app')).toBe(false)
    expect(scopeCovers(['app/'], 'apple')).toBe(false)
    expect(scopeCovers(['app/'], 'apple/x')).toBe(false)
    expect(scopeCovers(['app/x/'], 'app/y')).toBe(false)
  })

  it('any other scope is an exact name', () => {
    expect(scopeCovers(['shared/flags'], 'shared/flags')).toBe(true)
    expect(scopeCovers(['shared/flags'], 'shared/flags2')).toBe(false)
    expect(scopeCovers(['shared/flags'], 'shared/flags/x')).toBe(false)
    expect(scopeCovers(['shared/flags'], 'shared')).toBe(false)
    expect(scopeCovers([], 'app/x')).toBe(false)
  })

  it('names that could escape a prefix are never covered', () => {
    for (const name of ['app/../secret', 'app//x', 'app/./x', 'app/', 'app/x/', 'app/%2e%2e/x']) {
      expect(scopeCovers(['app/'], name), name).toBe(false)
    }
  })

  it('401 and 403 are distinct: an authenticated client outside its scope or asking for admin gets 403', async () => {
    const config = await testConfig()
    const auth = await verifyClient(config, 'edge-app', CLIENT_SECRET)
    if (!auth.ok) throw new Error('expected the client to authenticate')
    const client: Principal = auth.principal
    const admin: Principal = { kind: 'admin' }
    expect(authorizeRead(client, 'app/db')).toEqual({ ok: true })
    expect(authorizeRead(client, 'billing/key')).toEqual({ ok: false, status: 403, reason: 'forbidden' })
    expect(authorizeAdmin(client)).toEqual({ ok: false, status: 403, reason: 'forbidden' })
    expect(authorizeRead(admin, 'billing/key')).toEqual({ ok: true })
    expect(authorizeAdmin(admin)).toEqual({ ok: true })
  })
})

describe('parseAuthConfig errors name the variable and never echo the value', () => {
  const SECRETISH = 'pqe_client_Sup3rS3cretValue'

  async function expectConfigError(vars: { ADMIN_TOKEN_SHA256?: string; CLIENTS?: string }, mentions: string) {
    let error: unknown
    try {
      parseAuthConfig(vars)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as Error).message
    expect(message).toContain(mentions)
    expect(message).not.toContain('Sup3rS3cret')
    expect(message).not.toContain('deadbeef')
    return message
  }

  it('ADMIN_TOKEN_SHA256', async () => {
    await expectConfigError({ ADMIN_TOKEN_SHA256: '' }, 'ADMIN_TOKEN_SHA256 must be 64 hex characters')
    await expectConfigError({ ADMIN_TOKEN_SHA256: 'deadbeef' }, 'ADMIN_TOKEN_SHA256 must be 64 hex characters')
    await expectConfigError({ ADMIN_TOKEN_SHA256: `${'deadbeef'.repeat(8)}Sup3rS3cret` }, 'ADMIN_TOKEN_SHA256')
    const message = await expectConfigError(
      { ADMIN_TOKEN_SHA256: 'pqe_admin_Sup3rS3cretValue' },
      'ADMIN_TOKEN_SHA256 looks like a plaintext secret',
    )
    expect(message).toContain('replace the secret')
  })

  it('accepts upper-case hex and surrounding whitespace', async () => {
    const digest = await hex(ADMIN_TOKEN)
    const config = parseAuthConfig({ ADMIN_TOKEN_SHA256: ` ${digest.toUpperCase()}\n` })
    expect(await verifyAdmin(config, ADMIN_TOKEN)).toMatchObject({ ok: true })
  })

  it('CLIENTS', async () => {
    const good = { id: 'edge-app', secretSha256: 'deadbeef'.repeat(8), scopes: ['app/'] }
    const clients = (...entries: unknown[]) => ({ CLIENTS: JSON.stringify(entries) })
    await expectConfigError({ CLIENTS: `[{"id": "x", "secretSha256": "${SECRETISH}"` }, 'CLIENTS is not valid JSON')
    await expectConfigError({ CLIENTS: JSON.stringify({ id: 'x' }) }, 'CLIENTS must be a JSON array')
    await expectConfigError(clients('Sup3rS3cret'), 'CLIENTS[0] must be an object')
    await expectConfigError(clients({ ...good, id: 'Sup3rS3cret value' }), 'CLIENTS[0].id must be')
    await expectConfigError(clients(good, { ...good }), 'CLIENTS[1].id is the same as an earlier')
    await expectConfigError(
      clients(good, { ...good, id: 'b', secretSha256: SECRETISH }),
      'CLIENTS[1].secretSha256 looks like a plaintext secret',
    )
    await expectConfigError(clients({ ...good, secretSha256: 'Sup3rS3cret' }), 'CLIENTS[0].secretSha256 must be 64 hex characters')
    await expectConfigError(clients({ ...good, secret: SECRETISH }), 'CLIENTS[0] has a "secret" field')
    await expectConfigError(clients({ ...good, scope: ['app/'] }), 'CLIENTS[0] has an unknown field "scope"')
    await expectConfigError(clients({ ...good, [`${SECRETISH} !`]: 1 }), 'CLIENTS[0] has an unknown field a field')
    await expectConfigError(clients({ ...good, scopes: [] }), 'CLIENTS[0].scopes must be a non-empty array')
    await expectConfigError(clients({ ...good, scopes: 'app/' }), 'CLIENTS[0].scopes must be a non-empty array')
    for (const scope of ['', '/', 'app//', '../app/', 'app/*', 'Sup3rS3cret value/']) {
      await expectConfigError(clients({ ...good, scopes: ['app/', scope] }), 'CLIENTS[0].scopes[1] must be a config name')
    }
  })

  it('unset variables mean no admin and no clients', () => {
    const config = parseAuthConfig({})
    expect(config.adminTokenSha256).toBeNull()
    expect(config.clients.size).toBe(0)
  })
})

describe('generateSecrets', () => {
  it('returns plaintext credentials whose hashes are the configuration, and a 32-byte SERVER_SECRET', async () => {
    const { plaintext, vars } = await generateSecrets()
    expect(plaintext.adminToken).toMatch(/^pqe_admin_[A-Za-z0-9_-]{43}$/)
    expect(plaintext.client).toEqual({ id: 'edge-app', secret: expect.stringMatching(/^pqe_client_[A-Za-z0-9_-]{43}$/) })
    expect(vars.SERVER_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(vars.ADMIN_TOKEN_SHA256).toBe(await hex(plaintext.adminToken))
    expect(JSON.stringify(vars)).not.toContain(plaintext.adminToken)
    expect(JSON.stringify(vars)).not.toContain(plaintext.client.secret)

    const config = parseAuthConfig(vars)
    expect(await verifyAdmin(config, plaintext.adminToken)).toMatchObject({ ok: true })
    expect(await verifyClient(config, plaintext.client.id, plaintext.client.secret)).toMatchObject({
      ok: true,
      principal: { scopes: ['app/'] },
    })
  })

  it('is fresh every time, and takes a client id and scopes', async () => {
    const a = await generateSecrets()
    const b = await generateSecrets({ clientId: 'billing', scopes: ['billing/', 'shared/flags'] })
    expect(a.plaintext.adminToken).not.toBe(b.plaintext.adminToken)
    expect(a.vars.SERVER_SECRET).not.toBe(b.vars.SERVER_SECRET)
    expect(JSON.parse(b.vars.CLIENTS)).toEqual([
      { id: 'billing', secretSha256: await hex(b.plaintext.client.secret), scopes: ['billing/', 'shared/flags'] },
    ])
    await expect(generateSecrets({ scopes: ['../x'] })).rejects.toThrow(ConfigError)
  })
})
