// pq-edge protocol version 1 (docs/PROTOCOL.md): labels, transcripts, the key schedule, AADs and
// both halves of the session handshake. The server (src/service/) and the client SDK (src/client/)
// both use this file, so there is one definition of every byte. Everything is expressed with HPKE
// (RFC 9180) base mode, so any HPKE library can implement the other side.

import { b64u, concat, constantTimeEqual, fromB64u, fromUtf8, lp, sha256, u16, u64, utf8 } from '../crypto/bytes.ts'
import { createHkdfSha256 } from '../crypto/hkdf.ts'
import type { HmacSha256 } from '../crypto/types.ts'
import type { KeyPair, RecipientKey, Suite } from '../hpke/hpke.ts'

export const PROTOCOL_VERSION = 1

/** KEM per establishment mode (§3). */
export const MODE_KEM = { hybrid: 0x647a, pq: 0x0041, classical: 0x0020 } as const
export type Mode = keyof typeof MODE_KEM
export const KDF_HKDF_SHA256 = 0x0001
/** AEADs the server accepts for sessions and config writes, in order of preference (§3). */
export const SESSION_AEADS = [0x0003, 0x0002] as const

/** Every label of §5 and §6: HPKE info strings, exporter contexts, HKDF infos and AAD prefixes. */
export const LABEL = {
  session: 'pq-edge/v1 session',
  sessionResponse: 'pq-edge/v1 session response',
  staticSecret: 'pq-edge/v1 static secret',
  ephemeralSecret: 'pq-edge/v1 ephemeral secret',
  sessionKey: 'pq-edge/v1 session key',
  keyConfirmation: 'pq-edge/v1 key confirmation',
  config: 'pq-edge/v1 config',
  configPut: 'pq-edge/v1 config put',
} as const

const SECRET_BYTES = 32
const SESSION_ID_BYTES = 16

export class ProtocolError extends Error {
  readonly code: 'decryption_failed' | 'invalid_json' | 'confirmation_failed'
  constructor(code: ProtocolError['code'], message: string) {
    super(message)
    this.name = 'ProtocolError'
    this.code = code
  }
}

/** kid = b64u(SHA256(u16(kem_id) || pkS)[0:12]) (§4). */
export async function keyId(kemId: number, publicKey: Uint8Array): Promise<string> {
  return b64u((await sha256(concat(u16(kemId), publicKey))).subarray(0, 12))
}

/** TH0 = lp(label) || lp(kid) || u16(kem) || u16(kdf) || u16(aead) || lp(pkE) (§5.1 step 3). */
export function requestTranscript(p: { kid: string; kemId: number; aeadId: number; ephemeralPublicKey: Uint8Array }): Uint8Array {
  return concat(lp(LABEL.session), lp(p.kid), u16(p.kemId), u16(KDF_HKDF_SHA256), u16(p.aeadId), lp(p.ephemeralPublicKey))
}

/** TH = SHA256(TH0 || lp(enc) || lp(sealed) || lp(encE) || lp(sessionId) || lp(expiresAt)) (§5.2 step 7). */
export function transcriptHash(p: {
  th0: Uint8Array
  enc: Uint8Array
  sealed: Uint8Array
  encE: Uint8Array
  sessionId: Uint8Array
  expiresAt: string
}): Promise<Uint8Array> {
  return sha256(concat(p.th0, lp(p.enc), lp(p.sealed), lp(p.encE), lp(p.sessionId), lp(p.expiresAt)))
}

/** PRK = HKDF-Extract(TH, ssS || ssE); K_session and K_confirm from it (§5.2 step 8). Wipes its temporaries. */
export async function deriveSessionKeys(hmac: HmacSha256, th: Uint8Array, ssS: Uint8Array, ssE: Uint8Array) {
  const hkdf = createHkdfSha256(hmac)
  const ikm = concat(ssS, ssE)
  const prk = await hkdf.extract(th, ikm)
  try {
    return {
      sessionKey: await hkdf.expand(prk, utf8(LABEL.sessionKey), SECRET_BYTES),
      confirmKey: await hkdf.expand(prk, utf8(LABEL.keyConfirmation), SECRET_BYTES),
    }
  } finally {
    ikm.fill(0)
    prk.fill(0)
  }
}

/** confirmation = HMAC(K_confirm, TH || lp(ticket)) (§5.2 step 10). */
export function confirmationMac(hmac: HmacSha256, confirmKey: Uint8Array, th: Uint8Array, ticket: string): Promise<Uint8Array> {
  return hmac.mac(confirmKey, concat(th, lp(ticket)))
}

/** CONFIG_AAD = lp(label) || lp(name) || u64(version) || lp(sessionId) (§6.1). */
export function configAad(name: string, version: number, sessionId: Uint8Array): Uint8Array {
  return concat(lp(LABEL.config), lp(name), u64(version), lp(sessionId))
}

/** PUT_AAD = lp(label) || lp(name) || u64(baseVersion); baseVersion 0 creates (§6.2). */
export function putAad(name: string, baseVersion: number): Uint8Array {
  return concat(lp(LABEL.configPut), lp(name), u64(baseVersion))
}

// ---------- wire messages (§5.1 step 7, §5.2 step 11) ----------

export interface SessionRequest {
  version: 1
  kid: string
  aead: number
  enc: string
  ephemeralPublicKey: string
  sealed: string
}

export interface SessionResponse {
  sessionId: string
  expiresAt: string
  enc: string
  ticket: string
  scopes: string[]
  confirmation: string
}

export interface Credentials {
  clientId: string
  clientSecret: string
}

/** A session as both sides hold it after the handshake. */
export interface EstablishedSession {
  sessionId: Uint8Array
  sessionKey: Uint8Array
  aeadId: number
  ticket: string
  expiresAt: string
  scopes: string[]
}

// ---------- client half ----------

export interface PendingSession {
  request: SessionRequest
  th0: Uint8Array
  ephemeral: KeyPair
  ssS: Uint8Array
  aeadId: number
}

/** §5.1: builds the request; keep the returned state for finishSession. */
export async function beginSession(p: {
  suite: Suite
  kid: string
  serverPublicKey: Uint8Array
  credentials: Credentials
  /** For test vectors only: fixed ephemeral key pair and HPKE encapsulation randomness. */
  ephemeral?: KeyPair
  ikmE?: Uint8Array
}): Promise<PendingSession> {
  const { kem, aead } = p.suite.info
  const ephemeral = p.ephemeral ?? (await p.suite.GenerateKeyPair())
  const th0 = requestTranscript({ kid: p.kid, kemId: kem.id, aeadId: aead.id, ephemeralPublicKey: ephemeral.publicKey })
  const { enc, context } = await p.suite.SetupBaseS(p.serverPublicKey, utf8(LABEL.session), p.ikmE ? { ikmE: p.ikmE } : {})
  const plaintext = utf8(JSON.stringify({ clientId: p.credentials.clientId, clientSecret: p.credentials.clientSecret }))
  try {
    const sealed = await context.seal(plaintext, th0)
    const ssS = await context.export(utf8(LABEL.staticSecret), SECRET_BYTES)
    const request: SessionRequest = {
      version: PROTOCOL_VERSION,
      kid: p.kid,
      aead: aead.id,
      enc: b64u(enc),
      ephemeralPublicKey: b64u(ephemeral.publicKey),
      sealed: b64u(sealed),
    }
    return { request, th0, ephemeral, ssS, aeadId: aead.id }
  } finally {
    plaintext.fill(0)
  }
}

/** §5.3: verifies key confirmation and returns the session; throws ProtocolError otherwise. Wipes the pending secrets. */
export async function finishSession(p: {
  suite: Suite
  hmac: HmacSha256
  pending: PendingSession
  response: SessionResponse
}): Promise<EstablishedSession> {
  const { pending, response } = p
  const encE = fromB64u(response.enc, 'enc', p.suite.info.kem.Nenc)
  const sessionId = fromB64u(response.sessionId, 'sessionId', SESSION_ID_BYTES)
  const confirmation = fromB64u(response.confirmation, 'confirmation', SECRET_BYTES)
  let ssE: Uint8Array | undefined
  try {
    ssE = await p.suite.ReceiveExport(encE, pending.ephemeral.privateKey, utf8(LABEL.ephemeralSecret), SECRET_BYTES, {
      info: utf8(LABEL.sessionResponse),
    })
    const th = await transcriptHash({
      th0: pending.th0,
      enc: fromB64u(pending.request.enc, 'enc'),
      sealed: fromB64u(pending.request.sealed, 'sealed'),
      encE,
      sessionId,
      expiresAt: response.expiresAt,
    })
    const { sessionKey, confirmKey } = await deriveSessionKeys(p.hmac, th, pending.ssS, ssE)
    const expected = await confirmationMac(p.hmac, confirmKey, th, response.ticket)
    confirmKey.fill(0)
    if (!constantTimeEqual(expected, confirmation)) {
      sessionKey.fill(0)
      throw new ProtocolError(
        'confirmation_failed',
        'key confirmation failed: the response does not come from the holder of the server key',
      )
    }
    return {
      sessionId,
      sessionKey,
      aeadId: pending.aeadId,
      ticket: response.ticket,
      expiresAt: response.expiresAt,
      scopes: response.scopes,
    }
  } finally {
    ssE?.fill(0)
    pending.ssS.fill(0)
    pending.ephemeral.privateKey.fill(0)
  }
}

// ---------- server half ----------

export interface AcceptedSession extends EstablishedSession {
  clientId: string
}

/**
 * §5.2: opens the request, authenticates the client, answers it. `authenticate` throws (with its own
 * 401 error) for bad credentials; `issueTicket` seals the session into an opaque ticket (§5.4).
 */
export async function acceptSession(p: {
  suite: Suite
  recipientKey: RecipientKey
  hmac: HmacSha256
  kid: string
  enc: Uint8Array
  ephemeralPublicKey: Uint8Array
  sealed: Uint8Array
  authenticate(credentials: Credentials): Promise<{ clientId: string; scopes: string[] }>
  issueTicket(session: Omit<AcceptedSession, 'ticket'>): Promise<string>
  expiresAt: string
  /** For test vectors only. */
  sessionId?: Uint8Array
  ikmE?: Uint8Array
}): Promise<{ response: SessionResponse; session: AcceptedSession }> {
  const { kem, aead } = p.suite.info
  const th0 = requestTranscript({ kid: p.kid, kemId: kem.id, aeadId: aead.id, ephemeralPublicKey: p.ephemeralPublicKey })
  let plaintext: Uint8Array
  const context = await p.suite.SetupBaseR(p.enc, p.recipientKey, utf8(LABEL.session)).catch(() => {
    throw new ProtocolError('decryption_failed', 'the request does not open with this key')
  })
  try {
    plaintext = await context.open(p.sealed, th0)
  } catch {
    throw new ProtocolError('decryption_failed', 'the request does not open with this key')
  }
  const credentials = parseCredentials(plaintext)
  plaintext.fill(0)
  const { clientId, scopes } = await p.authenticate(credentials)

  const ssS = await context.export(utf8(LABEL.staticSecret), SECRET_BYTES)
  const { enc: encE, exported: ssE } = await p.suite.SendExport(p.ephemeralPublicKey, utf8(LABEL.ephemeralSecret), SECRET_BYTES, {
    info: utf8(LABEL.sessionResponse),
    ...(p.ikmE ? { ikmE: p.ikmE } : {}),
  })
  try {
    const sessionId = p.sessionId ?? crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES))
    const th = await transcriptHash({ th0, enc: p.enc, sealed: p.sealed, encE, sessionId, expiresAt: p.expiresAt })
    const { sessionKey, confirmKey } = await deriveSessionKeys(p.hmac, th, ssS, ssE)
    const base = { sessionId, sessionKey, aeadId: aead.id, expiresAt: p.expiresAt, scopes, clientId }
    const ticket = await p.issueTicket(base)
    const confirmation = await confirmationMac(p.hmac, confirmKey, th, ticket)
    confirmKey.fill(0)
    return {
      response: { sessionId: b64u(sessionId), expiresAt: p.expiresAt, enc: b64u(encE), ticket, scopes, confirmation: b64u(confirmation) },
      session: { ...base, ticket },
    }
  } finally {
    ssS.fill(0)
    ssE.fill(0)
  }
}

function parseCredentials(plaintext: Uint8Array): Credentials {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(plaintext))
  } catch {
    throw new ProtocolError('invalid_json', 'the sealed credentials are not JSON')
  }
  const v = value as Record<string, unknown>
  if (typeof v !== 'object' || v === null || typeof v.clientId !== 'string' || typeof v.clientSecret !== 'string') {
    throw new ProtocolError('invalid_json', 'the sealed credentials must be {"clientId": string, "clientSecret": string}')
  }
  return { clientId: v.clientId, clientSecret: v.clientSecret }
}
