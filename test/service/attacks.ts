// The five findings that protocol v2 fixes, each as an attack replayed against the service from what
// an attacker would hold (docs/SECURITY.md maps them to the threat model). Part of the service contract,
// so they run in workerd and against the real Fastly artifact. Each fails on v1 (its routes, ticket
// and bearer-token admin are gone) and passes on v2.
//
// 1. Record-then-compromise: recordings + SERVER_SECRET (current and previous) + the vault + CLIENTS do
//    not open a value delivered in an ended session.
// 2. Replay: a recorded establishment yields a ticket that reads nothing; outside the window it is
//    refused; no state is created.
// 3. Revocation: removing a client, narrowing its scopes, tightening PQ_POLICY, rotating its secret
//    (or the admin's) ends its live sessions.
// 4. Classical separation: what breaking X25519 yields from a classical session (the classical secret)
//    is refused in hybrid and pq; the main secret is refused in classical; every classical session and
//    PUT is counted and logged.
// 5. Recorded admin request: replayed after the window 401 stale_request, inside it 412; no bearer token.
import { describe, expect, it } from 'vitest'
import { b64u, concat, fromB64u, fromUtf8, sha256, utf8 } from '../../src/crypto/bytes.ts'
import { createHkdfSha256 } from '../../src/crypto/hkdf.ts'
import { AEAD, createHpke, KDF } from '../../src/hpke/hpke.ts'
import {
  LABEL,
  MODE_KEM,
  type Mode,
  openConfigValue,
  type PublishedKey,
  parseCredentials,
  requestTranscript,
  type SessionRequest,
} from '../../src/protocol/v2.ts'
import { rootKey, staticKeyIkm } from '../../src/service/keys.ts'
import { type Caller, type createServiceClient, expectProblem, json, nowSeconds, uniqueName } from '../support/service-client.ts'
import {
  TEST_ADMIN,
  TEST_CLIENT,
  TEST_CLIENTS,
  TEST_LEGACY_CLASSICAL,
  TEST_LEGACY_CLIENT,
  TEST_SERVER_SECRET,
  TEST_SERVER_SECRET_NEXT,
} from './secrets.ts'
import type { Deployment, DeploymentOptions, ServiceUnderTest } from './under-test.ts'

type ClientFor = (d: Deployment | Caller) => ReturnType<typeof createServiceClient>

/** A recorded request, as the attacker replays it: same method, path, headers and body bytes. */
const replayInit = (r: { method: string; headers: Record<string, string>; body: string | null }): RequestInit => ({
  method: r.method,
  headers: r.headers,
  ...(r.body === null ? {} : { body: r.body }),
})

/** Counts of wasm_pqc_classical_fallback_total by reason, from GET /metrics (this isolate's totals). */
function fallbackCounts(text: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const m of text.matchAll(/^wasm_pqc_classical_fallback_total\{reason="([^"]+)"\} (\d+)$/gm)) counts[m[1]!] = Number(m[2])
  return counts
}

export function attackContract(
  sut: ServiceUnderTest,
  h: { clientFor: ClientFor; isolated: (vars?: DeploymentOptions['vars']) => Deployment; keyOf: (mode: Mode) => PublishedKey },
): void {
  const { clientFor, isolated, keyOf } = h

  /** What SERVER_SECRET gives an attacker who has it: the root PRK, K_ticket, and each mode's static private key. */
  async function compromise(secret: string) {
    const backends = await sut.backends()
    const hkdf = createHkdfSha256(backends.hmacSha256)
    const prk = await rootKey(hkdf, fromB64u(secret, 'secret', 32))
    const ticketKey = await hkdf.expand(prk, utf8(LABEL.ticketKey), 32)
    const hpke = createHpke(backends)
    const staticPrivateKey = async (mode: Mode) => {
      const suite = hpke.suite({
        kem: MODE_KEM[mode],
        kdf: KDF.HkdfSha256,
        aead: AEAD.ChaCha20Poly1305,
        allowClassical: mode === 'classical',
      })
      return (await suite.DeriveKeyPair(await staticKeyIkm(hkdf, prk, mode))).privateKey
    }
    /** Opens a ticket as docs/PROTOCOL.md §5.4 says the server does: pkE (in the clear) and the payload JSON, or null. */
    const openTicket = async (ticket: string): Promise<{ pkE: Uint8Array; payload: Record<string, unknown> } | null> => {
      const bytes = fromB64u(ticket, 'ticket')
      const sessionId = bytes.subarray(1, 17)
      const pkELength = (bytes[17]! << 8) | bytes[18]!
      const pkE = bytes.slice(19, 19 + pkELength)
      const kt = await hkdf.expand(ticketKey, concat(utf8(`${LABEL.ticket} `), sessionId), 32)
      try {
        const payload = await (await backends.chacha20poly1305.importKey(kt)).open(
          new Uint8Array(12),
          concat(utf8(LABEL.ticket), await sha256(pkE)),
          bytes.subarray(19 + pkELength),
        )
        return { pkE, payload: JSON.parse(fromUtf8(payload)) as Record<string, unknown> }
      } catch {
        return null
      }
    }
    return { prk, ticketKey, staticPrivateKey, openTicket, hpke }
  }

  describe('attacks v2 stops (docs/SECURITY.md)', () => {
    it('1. record-then-compromise: recordings + SERVER_SECRET (current and previous) + vault + CLIENTS do not open a delivered value', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const name = uniqueName()
      const VALUE = `postgres://user:${b64u(crypto.getRandomValues(new Uint8Array(12)))}@db`
      expect((await client.adminPut(name, VALUE, { key: hybrid })).status).toBe(201)
      const session = await client.establish({ key: hybrid })
      expect((await client.readConfig(session, name)).value).toBe(VALUE)
      // The admin overwrites, then deletes it; the session ends (the client wipes skE and K_auth).
      expect((await client.adminPut(name, 'rotated', { key: hybrid, ifMatch: 1 })).status).toBe(200)
      expect((await client.admin('DELETE', `/v2/config/${name}`, { headers: { 'if-match': '"2"' } })).status).toBe(204)
      const ticket = session.ticket
      client.close(session)

      // The attacker: every recorded byte, both server secrets, the vault, CLIENTS.
      const recordings = JSON.stringify(client.recorded)
      const read = client.recorded.find((r) => r.method === 'GET' && r.path === `/v2/config/${name}` && r.status === 200)!
      const sealedValue = JSON.parse(read.responseBody) as { enc: string; ciphertext: string; version: number }
      const establishment = client.recorded.find((r) => r.path === '/v2/sessions' && r.responseBody.includes(ticket))!
      const request = JSON.parse(establishment.body!) as SessionRequest
      const vault = await d.snapshot()
      expect(vault).not.toContain(VALUE)
      expect(recordings).not.toContain(VALUE)
      const candidates: Uint8Array[] = []
      for (const secret of [TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT]) {
        const c = await compromise(secret)
        candidates.push(c.prk, c.ticketKey, await c.staticPrivateKey('hybrid'), await c.staticPrivateKey('pq'))
        const opened = await c.openTicket(ticket)
        if (secret !== TEST_SERVER_SECRET) {
          expect(opened).toBeNull()
          continue
        }
        // It opens the ticket: pkE (public, in the clear), principal, credential fingerprint, scopes, mode, expiry, K_auth, aead. No value key.
        const payload = opened!.payload as Record<string, string>
        expect(Object.keys(payload).sort()).toEqual(['aead', 'auth', 'cid', 'cred', 'exp', 'mode', 'p', 'scopes'])
        expect(b64u(opened!.pkE)).toBe(request.ephemeralPublicKey)
        candidates.push(fromB64u(payload.auth, 'auth', 32))
        // It opens the recorded establishment with the static key: the credentials and ssS.
        const suite = c.hpke.suite({ kem: MODE_KEM.hybrid, kdf: KDF.HkdfSha256, aead: request.aead })
        const ctx = await suite.SetupBaseR(fromB64u(request.enc, 'enc'), await c.staticPrivateKey('hybrid'), utf8(LABEL.session))
        const th0 = requestTranscript({
          kid: request.kid,
          kemId: MODE_KEM.hybrid,
          aeadId: request.aead,
          timestamp: request.timestamp,
          ephemeralPublicKey: fromB64u(request.ephemeralPublicKey, 'pkE'),
        })
        expect(parseCredentials(await ctx.open(fromB64u(request.sealed, 'sealed'), th0))).toEqual(TEST_CLIENT)
        candidates.push(await ctx.export(utf8(LABEL.staticSecret), 32))
      }
      // Not one of them opens the value: it was sealed to pkE, and only skE (wiped by the client) opens it.
      const suite = clientFor(d).suiteFor('hybrid', request.aead)
      for (const candidate of candidates) {
        const key = candidate.length === 32 ? candidate : candidate.slice(0, 32)
        await expect(
          openConfigValue({
            suite,
            ephemeralPrivateKey: key,
            name,
            version: sealedValue.version,
            sessionId: fromB64u(JSON.parse(establishment.responseBody).sessionId, 'sid'),
            enc: sealedValue.enc,
            ciphertext: sealedValue.ciphertext,
          }),
        ).rejects.toMatchObject({ code: 'decryption_failed' })
      }
    })

    it('2. replay: a recorded establishment replayed in the window gets a 201 that reads nothing; outside it 400 stale_request; no state', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const existing = uniqueName()
      const missing = uniqueName()
      await client.adminPut(existing, 'value', { key: hybrid })
      const before = await d.snapshot()
      const { suite, pending } = await client.sessionRequest({ key: hybrid })
      const body = JSON.stringify(pending.request)
      const honest = await d.call('/v2/sessions', json(body))
      expect(honest.status).toBe(201)

      // Inside the window: a fresh session the replayer cannot use (no skE, so no K_auth).
      const replayed = await d.call('/v2/sessions', json(body))
      expect(replayed.status).toBe(201)
      const replayedTicket = ((await replayed.json()) as { ticket: string }).ticket
      const attempts: string[] = []
      for (const name of [existing, missing]) {
        const res = await d.call(`/v2/config/${name}`, {
          headers: {
            authorization: `PQEdge-Session ${replayedTicket}`,
            'pqedge-timestamp': String(nowSeconds()),
            'pqedge-mac': b64u(crypto.getRandomValues(new Uint8Array(32))),
          },
        })
        await expectProblem(res.clone(), 401, 'invalid_ticket')
        attempts.push(`${res.status} ${await res.text()}`)
      }
      // Identical answers for a name that exists and one that does not: nothing about the vault leaks.
      expect(attempts[0]).toBe(attempts[1])

      // A recorded read (signed 200 s ago by the honest client) replayed now: stale, for either name.
      const { finishSession } = await import('../../src/protocol/v2.ts')
      const session = await finishSession({ suite, hmac: (await sut.backends()).hmacSha256, pending, response: await honest.json() })
      const old = await client.signed(session, 'GET', `/v2/config/${existing}`, { timestamp: nowSeconds() - 200 })
      const stale: string[] = []
      for (const name of [existing, missing]) {
        const res = await d.call(`/v2/config/${name}`, old)
        // The problem says the server's clock (so an honest client can correct its own), nothing else.
        const { serverTime, ...rest } = await expectProblem(res.clone(), 401, 'stale_request')
        expect(Math.abs((serverTime as number) - nowSeconds())).toBeLessThanOrEqual(2)
        stale.push(JSON.stringify(rest))
      }
      expect(stale[0]).toBe(stale[1])

      // Outside the window the establishment itself is refused, before any public-key work.
      const late = await client.sessionRequest({ key: hybrid, timestamp: nowSeconds() - 200 })
      const refused = await expectProblem(await d.call('/v2/sessions', json(late.pending.request)), 400, 'stale_request')
      expect(Math.abs((refused.serverTime as number) - nowSeconds())).toBeLessThanOrEqual(2)
      // No server state was created by any of it.
      expect(await d.snapshot()).toBe(before)
    })

    it('3. revocation: removed client, narrowed scopes, tightened PQ_POLICY, rotated secrets end live sessions', async () => {
      const vault = sut.newVault()
      const base = sut.deploy({ vault })
      const client = clientFor(base)
      const name = uniqueName()
      await client.adminPut(name, 'value', { key: keyOf('hybrid') })
      await client.adminPut('shared/flags', 'on', { key: keyOf('hybrid') })
      const hybrid = await client.establish({ key: keyOf('hybrid') })
      const pq = await client.establish({ key: keyOf('pq') })
      const admin = await client.adminSession()
      expect((await client.readConfig(hybrid, name)).value).toBe('value')

      const withClients = (clients: unknown[], extra: Record<string, string> = {}) =>
        sut.deploy({ vault, vars: { CLIENTS: JSON.stringify(clients), ...extra } })
      const edge = TEST_CLIENTS.find((c) => c.id === 'edge-app')!
      const others = TEST_CLIENTS.filter((c) => c !== edge)
      const read = (d: Deployment, session = hybrid, n = name) => client.request(session, 'GET', `/v2/config/${n}`, { caller: d.call })

      // Removed from CLIENTS: 401 session_revoked.
      await expectProblem(await read(withClients(others)), 401, 'session_revoked')
      // Its secret rotated: 401 session_revoked.
      await expectProblem(await read(withClients([...others, { ...edge, secretSha256: 'ab'.repeat(32) }])), 401, 'session_revoked')
      // Scopes narrowed: 403 scope_denied; widened: the session keeps only what it was issued (ticket ∩ current).
      await expectProblem(await read(withClients([...others, { ...edge, scopes: ['app/other/'] }])), 403, 'scope_denied')
      const widened = withClients([...others, { ...edge, scopes: ['app/', 'shared/'] }])
      expect((await read(widened)).status).toBe(200)
      await expectProblem(await read(widened, hybrid, 'shared/flags'), 403, 'scope_denied')
      // PQ_POLICY tightened: the pq session is refused, the hybrid one goes on.
      const hybridOnly = sut.deploy({ vault, vars: { PQ_POLICY: 'hybrid-required' } })
      await expectProblem(await read(hybridOnly, pq), 403, 'mode_not_allowed')
      expect((await read(hybridOnly, hybrid)).status).toBe(200)
      // The admin token rotated: the admin session is revoked.
      const rotatedAdmin = sut.deploy({ vault, vars: { ADMIN_TOKEN_SHA256: 'cd'.repeat(32) } })
      await expectProblem(await client.request(admin, 'GET', '/v2/config', { caller: rotatedAdmin.call }), 401, 'session_revoked')
      // The unchanged deployment still serves all of them.
      expect((await read(base, pq)).status).toBe(200)
    })

    it('4. classical separation: the classical secret X25519 exposes is refused in hybrid/pq, the main secret in classical; counted and logged', async () => {
      const d = isolated()
      const client = clientFor(d)
      const classicalKey = keyOf('classical')
      const metricsBefore = d.observed ? {} : fallbackCounts(await (await client.admin('GET', '/metrics')).text())
      const name = uniqueName()
      await client.adminPut(name, 'value', { key: keyOf('hybrid') })

      // Only the classical-marked client, only with its classical secret.
      const classical = await client.establish({ key: classicalKey, credentials: TEST_LEGACY_CLASSICAL })
      expect((await client.readConfig(classical, name)).value).toBe('value')
      for (const credentials of [TEST_LEGACY_CLIENT, TEST_CLIENT]) {
        const { pending } = await client.sessionRequest({ key: classicalKey, credentials })
        await expectProblem(await d.call('/v2/sessions', json(pending.request)), 401, 'invalid_credentials')
      }

      // X25519 falls: with the classical static DH secret the attacker opens the recorded classical establishment.
      const recorded = client.recorded.find((r) => r.path === '/v2/sessions' && r.status === 201 && r.body?.includes(classicalKey.kid))!
      const request = JSON.parse(recorded.body!) as SessionRequest
      const c = await compromise(TEST_SERVER_SECRET)
      const suite = c.hpke.suite({ kem: MODE_KEM.classical, kdf: KDF.HkdfSha256, aead: request.aead, allowClassical: true })
      const ctx = await suite.SetupBaseR(fromB64u(request.enc, 'enc'), await c.staticPrivateKey('classical'), utf8(LABEL.session))
      const th0 = requestTranscript({
        kid: request.kid,
        kemId: MODE_KEM.classical,
        aeadId: request.aead,
        timestamp: request.timestamp,
        ephemeralPublicKey: fromB64u(request.ephemeralPublicKey, 'pkE'),
      })
      const stolen = parseCredentials(await ctx.open(fromB64u(request.sealed, 'sealed'), th0))
      expect(stolen).toEqual(TEST_LEGACY_CLASSICAL)
      // ... which acts as nobody in hybrid or pq mode.
      for (const mode of ['hybrid', 'pq'] as const) {
        const { pending } = await client.sessionRequest({ key: keyOf(mode), credentials: stolen })
        await expectProblem(await d.call('/v2/sessions', json(pending.request)), 401, 'invalid_credentials')
      }
      // The client's main secret (never sent under X25519 alone) still works there.
      await client.establish({ key: keyOf('hybrid'), credentials: TEST_LEGACY_CLIENT })

      // A PUT sealed to the classical key is accepted under pq-preferred, and counted.
      expect((await client.adminPut(uniqueName(), 'via classical', { key: classicalKey })).status).toBe(201)
      if (d.observed) {
        const events = d.observed.events().filter((e) => e.event === 'classical_fallback')
        expect(events).toEqual([
          expect.objectContaining({
            level: 'warn',
            clientId: 'legacy',
            metric: 'wasm_pqc_classical_fallback_total',
            labels: { reason: 'classical_session' },
          }),
          expect.objectContaining({ level: 'warn', clientId: 'admin', labels: { reason: 'classical_put' } }),
        ])
        const log = d.observed.logText()
        for (const secret of [TEST_LEGACY_CLASSICAL.secret, TEST_LEGACY_CLIENT.secret, classical.ticket]) expect(log).not.toContain(secret)
      } else {
        const after = fallbackCounts(await (await client.admin('GET', '/metrics')).text())
        const before = metricsBefore as Record<string, number>
        expect(after.classical_session ?? 0).toBeGreaterThanOrEqual((before.classical_session ?? 0) + 1)
        expect(after.classical_put ?? 0).toBeGreaterThanOrEqual((before.classical_put ?? 0) + 1)
      }
    })

    it('5. a recorded admin request: replayed after the window 401 stale_request, inside it fails its precondition; no bearer token anywhere', async () => {
      const d = isolated()
      const client = clientFor(d)
      const hybrid = keyOf('hybrid')
      const name = uniqueName()
      expect((await client.adminPut(name, 'one', { key: hybrid })).status).toBe(201)
      const put = client.recorded.at(-1)!
      expect([put.method, put.status]).toEqual(['PUT', 201])
      expect((await client.admin('DELETE', `/v2/config/${name}`, { headers: { 'if-match': '"1"' } })).status).toBe(204)
      const del = client.recorded.at(-1)!
      expect((await client.adminPut(name, 'two', { key: hybrid })).status).toBe(201)
      const before = await d.snapshot()

      // Inside the window: the create finds the record (412), the delete names a version long gone (412).
      await expectProblem(await d.call(put.path, replayInit(put)), 412, 'version_mismatch')
      await expectProblem(await d.call(del.path, replayInit(del)), 412, 'version_mismatch')
      expect(await d.snapshot()).toBe(before)

      // After the window: a PUT the admin signed 200 s ago, replayed now, is refused before anything else.
      const other = uniqueName()
      const stale = await client.adminPut(other, 'late', { key: hybrid, timestamp: nowSeconds() - 200 })
      await expectProblem(stale, 401, 'stale_request')
      const recordedStale = client.recorded.at(-1)!
      await expectProblem(await d.call(recordedStale.path, replayInit(recordedStale)), 401, 'stale_request')
      expect(await d.snapshot()).toBe(before)

      // No long-lived secret crossed the wire: no bearer token, no admin secret, in any request recorded.
      for (const r of client.recorded) {
        expect(JSON.stringify(r)).not.toContain(TEST_ADMIN.secret)
        expect(r.headers.authorization ?? '').not.toMatch(/^(Bearer|Basic) /i)
      }
    })
  })
}
