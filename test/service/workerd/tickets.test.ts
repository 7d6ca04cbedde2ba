// Session tickets (docs/PROTOCOL.md §5.4): one ChaCha20-Poly1305 key per ticket, derived from the
// sessionId; the previous secret's key still opens; altered, truncated, foreign-version or oversized
// tickets are refused; and the largest ticket CLIENTS allows (16 scopes of 200 characters, an X-Wing pkE)
// fits MAX_TICKET_LENGTH, so the server never issues a ticket it would refuse.
import { describe, expect, it } from 'vitest'
import { b64u, fromB64u } from '../../../src/crypto/bytes.ts'
import { lazyBackends } from '../../../src/crypto/select.ts'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import { MAX_TICKET_LENGTH } from '../../../src/protocol/v2.ts'
import { MAX_SCOPE_LENGTH, MAX_SCOPES } from '../../../src/service/auth.ts'
import { fingerprint, type TicketSession, Tickets } from '../../../src/service/tickets.ts'

const getBackends = lazyBackends(mlkem)
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

async function session(overrides: Partial<TicketSession> = {}): Promise<TicketSession> {
  return {
    sessionId: random(16),
    principal: 'client',
    clientId: 'edge-app',
    credential: await fingerprint(random(32)),
    scopes: [await fingerprint('app/')],
    mode: 'hybrid',
    exp: Math.floor(Date.now() / 1000) + 900,
    authKey: random(32),
    ephemeralPublicKey: random(1216),
    aeadId: 3,
    ...overrides,
  }
}

describe('tickets', () => {
  it('round-trip; the previous key opens; another key does not', async () => {
    const { backends } = await getBackends()
    const [k1, k2] = [random(32), random(32)]
    const old = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, k1, null)
    const rotating = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, k2, k1)
    const other = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, k2, null)
    const s = await session()
    const ticket = await old.seal(s)
    // 0x03 ‖ sessionId ‖ lp(pkE) ‖ sealed payload: pkE travels in the clear (it is public).
    const raw = fromB64u(ticket, 't')
    expect(raw[0]).toBe(0x03)
    expect(b64u(raw.subarray(19, 19 + 1216))).toBe(b64u(s.ephemeralPublicKey))
    for (const t of [old, rotating]) {
      const opened = await t.open(ticket, Date.now())
      expect(opened.ok).toBe(true)
      if (opened.ok) {
        expect(b64u(opened.session.authKey)).toBe(b64u(s.authKey))
        expect(b64u(opened.session.ephemeralPublicKey)).toBe(b64u(s.ephemeralPublicKey))
        expect(opened.session).toMatchObject({ principal: 'client', clientId: 'edge-app', mode: 'hybrid', aeadId: 3, scopes: s.scopes })
      }
    }
    expect(await other.open(ticket, Date.now())).toEqual({ ok: false, code: 'invalid_ticket' })
    expect(await old.open(ticket, s.exp * 1000)).toEqual({ ok: false, code: 'expired_ticket' })
  })

  it('altered (version, sessionId, pkE length or bytes, payload, tag), truncated, oversized: invalid_ticket', async () => {
    const { backends } = await getBackends()
    const tickets = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, random(32), null)
    const bytes = fromB64u(await tickets.seal(await session()), 't')
    const flip = (i: number) => {
      const c = bytes.slice()
      c[i]! ^= 1
      return b64u(c)
    }
    for (const bad of [
      flip(0),
      flip(1),
      flip(17),
      flip(20),
      flip(19 + 1215),
      flip(19 + 1216 + 3),
      flip(bytes.length - 1),
      b64u(bytes.subarray(0, 32)),
      `${b64u(bytes)}=`,
      'x'.repeat(MAX_TICKET_LENGTH + 1),
    ])
      expect(await tickets.open(bad, Date.now())).toEqual({ ok: false, code: 'invalid_ticket' })
  })

  it('the largest ticket CLIENTS allows fits MAX_TICKET_LENGTH', async () => {
    const { backends } = await getBackends()
    const tickets = Tickets.create(backends.chacha20poly1305, backends.hmacSha256, random(32), null)
    const scopes = await Promise.all(Array.from({ length: MAX_SCOPES }, (_, i) => fingerprint(`s${i}/${'a'.repeat(MAX_SCOPE_LENGTH - 4)}`)))
    const ticket = await tickets.seal(await session({ scopes, clientId: 'c'.repeat(64) }))
    expect(ticket.length).toBeLessThanOrEqual(MAX_TICKET_LENGTH)
  })
})
