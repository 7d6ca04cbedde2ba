// Session tickets (docs/PROTOCOL.md §5.4): the server keeps no session state; the ticket carries
// the session, sealed under K_ticket (derived from SERVER_SECRET, src/service/keys.ts):
//
//   ticket = b64u(0x01 || nonce || AES-256-GCM(K_ticket, nonce, aad = "pq-edge/v1 ticket", payload))
//
// payload = UTF-8 JSON {"sid","cid","scopes","exp","aead","key"} (exp in Unix seconds; sid and key
// base64url). During rotation a ticket sealed under the previous secret's K_ticket still opens.

import { b64u, concat, fromB64u, fromUtf8, utf8 } from '../crypto/bytes.ts'
import type { Aead, AeadKey } from '../crypto/types.ts'

const TICKET_VERSION = 0x01
const NONCE_BYTES = 12
const TAG_BYTES = 16
const TICKET_AAD = utf8('pq-edge/v1 ticket')
/** Longest ticket accepted, in characters: real ones are a few hundred; anything longer is not ours. */
export const MAX_TICKET_LENGTH = 2048

export interface TicketSession {
  sessionId: Uint8Array
  clientId: string
  scopes: string[]
  /** RFC 3339, second precision (the response's expiresAt). */
  expiresAt: string
  aeadId: number
  sessionKey: Uint8Array
}

export type OpenedTicket = { ok: true; session: TicketSession } | { ok: false; code: 'invalid_ticket' | 'expired_ticket' }

const INVALID = { ok: false, code: 'invalid_ticket' } as const

export class Tickets {
  // Plain fields (no parameter properties): scripts run this under Node's type stripping.
  private readonly keys: AeadKey[]
  private constructor(keys: AeadKey[]) {
    this.keys = keys
  }

  /** `current` seals; it and `previous` (rotation) open. */
  static async create(aes256Gcm: Aead, current: Uint8Array, previous: Uint8Array | null): Promise<Tickets> {
    const keys = [await aes256Gcm.importKey(current)]
    if (previous) keys.push(await aes256Gcm.importKey(previous))
    return new Tickets(keys)
  }

  /** `nonce` is for test vectors only. */
  async seal(session: TicketSession, nonce?: Uint8Array): Promise<string> {
    const n = nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
    const payload = utf8(
      JSON.stringify({
        sid: b64u(session.sessionId),
        cid: session.clientId,
        scopes: session.scopes,
        exp: Date.parse(session.expiresAt) / 1000,
        aead: session.aeadId,
        key: b64u(session.sessionKey),
      }),
    )
    try {
      return b64u(concat(new Uint8Array([TICKET_VERSION]), n, await this.keys[0]!.seal(n, TICKET_AAD, payload)))
    } finally {
      payload.fill(0)
    }
  }

  /** Checks the format, version byte, tag (under each key) and expiry; `nowMs` is the current time. */
  async open(ticket: string, nowMs: number): Promise<OpenedTicket> {
    if (ticket.length > MAX_TICKET_LENGTH) return INVALID
    let bytes: Uint8Array
    try {
      bytes = fromB64u(ticket, 'ticket')
    } catch {
      return INVALID
    }
    if (bytes.length < 1 + NONCE_BYTES + TAG_BYTES || bytes[0] !== TICKET_VERSION) return INVALID
    const nonce = bytes.subarray(1, 1 + NONCE_BYTES)
    const sealed = bytes.subarray(1 + NONCE_BYTES)
    let payload: Uint8Array | undefined
    for (const key of this.keys) {
      try {
        payload = await key.open(nonce, TICKET_AAD, sealed)
        break
      } catch {
        // try the next (previous secret's) key
      }
    }
    if (!payload) return INVALID
    let session: TicketSession
    let exp: number
    try {
      const p = JSON.parse(fromUtf8(payload)) as Record<string, unknown>
      if (typeof p.cid !== 'string' || !Array.isArray(p.scopes) || !p.scopes.every((s) => typeof s === 'string')) return INVALID
      if (typeof p.exp !== 'number' || !Number.isSafeInteger(p.exp) || typeof p.aead !== 'number') return INVALID
      exp = p.exp
      session = {
        sessionId: fromB64u(p.sid, 'sid', 16),
        clientId: p.cid,
        scopes: p.scopes as string[],
        expiresAt: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        aeadId: p.aead,
        sessionKey: fromB64u(p.key, 'key', 32),
      }
    } catch {
      return INVALID
    } finally {
      payload.fill(0)
    }
    // Expired at expiresAt exactly: the session is usable strictly before it.
    if (nowMs >= exp * 1000) return { ok: false, code: 'expired_ticket' }
    return { ok: true, session }
  }
}
