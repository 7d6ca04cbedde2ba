// Session tickets (docs/PROTOCOL.md §3): the server keeps no session state; the ticket carries the
// session, sealed under a key of its own derived from K_ticket (from SERVER_SECRET, src/service/keys.ts):
//
//   K_t    = HKDF-Expand(K_ticket, "pq-edge/v2 ticket " ‖ sessionId, 32)
//   ticket = b64u(0x03 ‖ sessionId ‖ lp(pkE) ‖ ChaCha20-Poly1305(K_t, nonce = 12 zero bytes,
//                 aad = "pq-edge/v2 ticket" ‖ SHA256(pkE), payload))
//
// One key per ticket (sessionId is 16 random bytes), so a nonce never repeats under a key; ChaCha20-
// Poly1305 is constant time in every runtime (no AES table lookups). pkE is public (the client sent it
// in the clear to establish the session): it rides outside the AEAD, bound to it by its SHA-256 in the
// AAD, so only a few hundred bytes go through the (pure-JS on Fastly) cipher. The payload (UTF-8 JSON)
// holds the principal, the client id, the fingerprint of the credential digest that authenticated the
// session, the scopes as 8-byte SHA-256 fingerprints (so 16 scopes of 200 characters and an X-Wing pkE
// fit in MAX_TICKET_LENGTH), the mode, exp (Unix s), K_auth and the AEAD. It holds no key that decrypts
// a config value: values are sealed to pkE, whose private half only the client ever had. During
// rotation a ticket sealed under the previous secret's K_ticket still opens.

import { b64u, concat, fromB64u, fromUtf8, lp, sha256, utf8, wipe } from '../crypto/bytes.ts'
import { createHkdfSha256, type HkdfSha256 } from '../crypto/hkdf.ts'
import type { Aead, HmacSha256 } from '../crypto/types.ts'
import { LABEL, MAX_TICKET_LENGTH, type Mode, SECRET_BYTES, SESSION_ID_BYTES } from '../protocol/v2.ts'

export { MAX_TICKET_LENGTH }

const TICKET_VERSION = 0x03
const TAG_BYTES = 16
const ZERO_NONCE = new Uint8Array(12)
const TICKET_LABEL = utf8(LABEL.ticket)
/** AAD = "pq-edge/v2 ticket" ‖ SHA256(pkE): binds the pkE that travels in the clear. */
const ticketAad = async (pkE: Uint8Array) => concat(TICKET_LABEL, await sha256(pkE))
const SCOPE_FINGERPRINT_BYTES = 8
const MODES: readonly Mode[] = ['hybrid', 'pq', 'classical']

export interface TicketSession {
  sessionId: Uint8Array
  principal: 'client' | 'admin'
  /** The client's id; null for the admin. */
  clientId: string | null
  /** b64u(SHA256(the configured credential digest)[0:8]): a rotated or removed secret no longer matches. */
  credential: string
  /** b64u(SHA256(scope)[0:8]) of each scope the session was issued with. */
  scopes: string[]
  mode: Mode
  /** Unix seconds: the session is usable strictly before it. */
  exp: number
  authKey: Uint8Array
  ephemeralPublicKey: Uint8Array
  aeadId: number
}

export type OpenedTicket = { ok: true; session: TicketSession } | { ok: false; code: 'invalid_ticket' | 'expired_ticket' }

const INVALID = { ok: false, code: 'invalid_ticket' } as const

/** b64u(SHA256(x)[0:8]): the fingerprint of a credential digest or a scope. */
export async function fingerprint(x: Uint8Array | string): Promise<string> {
  return b64u((await sha256(x)).subarray(0, SCOPE_FINGERPRINT_BYTES))
}

export class Tickets {
  // Plain fields (no parameter properties): scripts run this under Node's type stripping.
  private readonly chacha: Aead
  private readonly hkdf: HkdfSha256
  private readonly keys: Uint8Array[]
  private constructor(chacha: Aead, hkdf: HkdfSha256, keys: Uint8Array[]) {
    this.chacha = chacha
    this.hkdf = hkdf
    this.keys = keys
  }

  /** `current` (K_ticket) seals; it and `previous` (rotation) open. The keys are copied. */
  static create(chacha20poly1305: Aead, hmac: HmacSha256, current: Uint8Array, previous: Uint8Array | null): Tickets {
    return new Tickets(chacha20poly1305, createHkdfSha256(hmac), [current.slice(), ...(previous ? [previous.slice()] : [])])
  }

  private async ticketKey(kTicket: Uint8Array, sessionId: Uint8Array) {
    const k = await this.hkdf.expand(kTicket, concat(utf8(`${LABEL.ticket} `), sessionId), SECRET_BYTES)
    try {
      return await this.chacha.importKey(k)
    } finally {
      wipe(k)
    }
  }

  async seal(session: TicketSession): Promise<string> {
    const payload = utf8(
      JSON.stringify({
        p: session.principal,
        cid: session.clientId,
        cred: session.credential,
        scopes: session.scopes,
        mode: session.mode,
        exp: session.exp,
        auth: b64u(session.authKey),
        aead: session.aeadId,
      }),
    )
    try {
      const pkE = session.ephemeralPublicKey
      const key = await this.ticketKey(this.keys[0]!, session.sessionId)
      const sealed = await key.seal(ZERO_NONCE, await ticketAad(pkE), payload)
      const ticket = b64u(concat(new Uint8Array([TICKET_VERSION]), session.sessionId, lp(pkE), sealed))
      // CLIENTS is bounded (auth.ts) so that this never happens; never issue what would be refused.
      if (ticket.length > MAX_TICKET_LENGTH) throw new Error('ticket over MAX_TICKET_LENGTH')
      return ticket
    } finally {
      wipe(payload)
    }
  }

  /** Checks the size, format, version byte, tag (under each key) and expiry; `nowMs` is the current time. */
  async open(ticket: string, nowMs: number): Promise<OpenedTicket> {
    if (ticket.length > MAX_TICKET_LENGTH) return INVALID
    let bytes: Uint8Array
    try {
      bytes = fromB64u(ticket, 'ticket')
    } catch {
      return INVALID
    }
    const pkEAt = 1 + SESSION_ID_BYTES + 2
    if (bytes.length < pkEAt + TAG_BYTES || bytes[0] !== TICKET_VERSION) return INVALID
    const sessionId = bytes.slice(1, 1 + SESSION_ID_BYTES)
    const pkELength = (bytes[pkEAt - 2]! << 8) | bytes[pkEAt - 1]!
    if (bytes.length < pkEAt + pkELength + TAG_BYTES) return INVALID
    const ephemeralPublicKey = bytes.slice(pkEAt, pkEAt + pkELength)
    const sealed = bytes.subarray(pkEAt + pkELength)
    const aad = await ticketAad(ephemeralPublicKey)
    let payload: Uint8Array | undefined
    for (const kTicket of this.keys) {
      try {
        payload = await (await this.ticketKey(kTicket, sessionId)).open(ZERO_NONCE, aad, sealed)
        break
      } catch {
        // try the next (previous secret's) key
      }
    }
    if (!payload) return INVALID
    let session: TicketSession
    try {
      const p = JSON.parse(fromUtf8(payload)) as Record<string, unknown>
      const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string')
      if (
        (p.p !== 'client' && p.p !== 'admin') ||
        (p.p === 'client' ? typeof p.cid !== 'string' : p.cid !== null) ||
        typeof p.cred !== 'string' ||
        !strings(p.scopes) ||
        !MODES.includes(p.mode as Mode) ||
        typeof p.exp !== 'number' ||
        !Number.isSafeInteger(p.exp) ||
        typeof p.aead !== 'number'
      )
        return INVALID
      session = {
        sessionId,
        principal: p.p,
        clientId: p.cid as string | null,
        credential: p.cred,
        scopes: p.scopes,
        mode: p.mode as Mode,
        exp: p.exp,
        authKey: fromB64u(p.auth, 'auth', SECRET_BYTES),
        ephemeralPublicKey,
        aeadId: p.aead,
      }
    } catch {
      return INVALID
    } finally {
      wipe(payload)
    }
    if (nowMs >= session.exp * 1000) return { ok: false, code: 'expired_ticket' }
    return { ok: true, session }
  }
}
