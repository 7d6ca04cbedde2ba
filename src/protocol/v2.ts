// pq-edge protocol version 2 (docs/PROTOCOL.md): labels, transcripts, the key schedule, the request
// MAC, AADs, and both halves of the session handshake and of config reads and writes. The server
// (src/service/) and the client SDK (src/client/) both use this file, so there is one definition of
// every byte. Everything is expressed with HPKE (RFC 9180) base mode, HKDF-SHA256 and HMAC-SHA256, so
// any HPKE library can implement the other side.
//
// What v2 changes against v1: the session key is K_auth (request MACs) and nothing else — config
// values are sealed to the client's ephemeral public key pkE, so a value delivered in a session can only
// be opened with skE, which never leaves the client (forward secrecy against a full server compromise;
// the handshake itself needs no encapsulation to pkE, so the server does one decapsulation only). The
// client's clock is bound into the transcript (freshness), and the server's key list (KL) is bound into
// the confirmed transcript (authenticated pin rotation).

import { b64u, concat, constantTimeEqual, fromB64u, fromUtf8, lp, sha256, u16, u64, utf8, wipe } from '../crypto/bytes.ts'
import { createHkdfSha256 } from '../crypto/hkdf.ts'
import type { HmacSha256, X25519 } from '../crypto/types.ts'
import type { KeyPair, RecipientKey, Suite } from '../hpke/hpke.ts'
import { PARAMETER_SETS } from '../mlkem/api.ts'
import { checkEncapsulationKey } from '../mlkem/js/encoding.ts'

export const PROTOCOL_VERSION = 2

/** KEM per establishment mode. */
export const MODE_KEM = { hybrid: 0x647a, pq: 0x0041, classical: 0x0020 } as const
export type Mode = keyof typeof MODE_KEM
export const KDF_HKDF_SHA256 = 0x0001
/** AEADs the server accepts for sessions and config writes, in order of preference. */
export const SESSION_AEADS = [0x0003, 0x0002] as const

/** Establishment and request timestamps further than this from the server's clock are refused (stale_request). */
export const FRESHNESS_WINDOW_SECONDS = 120
/** Largest `sealed` (the sealed credentials, tag included) accepted at establishment, in bytes. */
export const MAX_SEALED_BYTES = 512
/** Longest ticket the server issues or accepts, in characters. */
export const MAX_TICKET_LENGTH = 4096
export const SESSION_ID_BYTES = 16
export const SECRET_BYTES = 32
/** HMAC-SHA256 output: the request MAC and the key confirmation. */
export const MAC_BYTES = 32

/** Every label of v2: HPKE info strings, exporter contexts, HKDF infos and AAD prefixes. */
export const LABEL = {
  session: 'pq-edge/v2 session',
  staticSecret: 'pq-edge/v2 static secret',
  requestAuth: 'pq-edge/v2 request auth',
  keyConfirmation: 'pq-edge/v2 key confirmation',
  request: 'pq-edge/v2 request',
  config: 'pq-edge/v2 config',
  configPut: 'pq-edge/v2 config put',
  ticketKey: 'pq-edge/v2 ticket key',
  ticket: 'pq-edge/v2 ticket',
} as const

/** The request headers of an authenticated request. */
export const HEADER = {
  authorization: 'authorization',
  timestamp: 'pqedge-timestamp',
  mac: 'pqedge-mac',
} as const
export const AUTH_SCHEME = 'PQEdge-Session'

export class ProtocolError extends Error {
  readonly code: 'decryption_failed' | 'invalid_json' | 'invalid_key' | 'confirmation_failed'
  constructor(code: ProtocolError['code'], message: string) {
    super(message)
    this.name = 'ProtocolError'
    this.code = code
  }
}

// ---------- keys ----------

/** One entry of the `keys` list of GET /v2/keys (and of the establishment response). */
export interface PublishedKey {
  kid: string
  mode: Mode
  kemId: number
  publicKey: string
  notBefore: string | null
  notAfter: string | null
  status: 'current' | 'retiring'
}

/** kid = b64u(SHA256(u16(kem_id) ‖ pkS)[0:12]). */
export async function keyId(kemId: number, publicKey: Uint8Array): Promise<string> {
  return b64u((await sha256(concat(u16(kemId), publicKey))).subarray(0, 12))
}

/** KL = SHA256(u16(n) ‖ for each key in order: lp(kid) ‖ u16(kem_id) ‖ lp(pkS) ‖ lp(status)); kid as its ASCII text, pkS decoded. */
export function keyListDigest(keys: readonly Pick<PublishedKey, 'kid' | 'kemId' | 'publicKey' | 'status'>[]): Promise<Uint8Array> {
  return keyListDigestOfBytes(keys.map((k) => ({ ...k, publicKey: fromB64u(k.publicKey, 'publicKey') })))
}

/** KL over keys whose pkS the caller already holds as bytes (the server: no re-decoding). */
export function keyListDigestOfBytes(
  keys: readonly { kid: string; kemId: number; publicKey: Uint8Array; status: string }[],
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [u16(keys.length)]
  for (const k of keys) parts.push(lp(k.kid), u16(k.kemId), lp(k.publicKey), lp(k.status))
  return sha256(concat(...parts))
}

// ---------- freshness ----------

/** Whether `timestamp` (Unix seconds, a safe integer) is within FRESHNESS_WINDOW_SECONDS of `nowMs`. */
export function isFresh(timestamp: number, nowMs: number): boolean {
  return Number.isSafeInteger(timestamp) && timestamp >= 0 && Math.abs(timestamp - Math.floor(nowMs / 1000)) <= FRESHNESS_WINDOW_SECONDS
}

// ---------- the handshake's transcript and key schedule ----------

/** TH0 = lp("pq-edge/v2 session") ‖ lp(kid) ‖ u16(kem) ‖ u16(kdf) ‖ u16(aead) ‖ u64(timestamp) ‖ lp(pkE). */
export function requestTranscript(p: {
  kid: string
  kemId: number
  aeadId: number
  timestamp: number
  ephemeralPublicKey: Uint8Array
}): Uint8Array {
  return concat(lp(LABEL.session), lp(p.kid), u16(p.kemId), u16(KDF_HKDF_SHA256), u16(p.aeadId), u64(p.timestamp), lp(p.ephemeralPublicKey))
}

/** TH = SHA256(TH0 ‖ lp(enc) ‖ lp(sealed) ‖ lp(sessionId) ‖ lp(expiresAt) ‖ KL). */
export function transcriptHash(p: {
  th0: Uint8Array
  enc: Uint8Array
  sealed: Uint8Array
  sessionId: Uint8Array
  expiresAt: string
  keyList: Uint8Array
}): Promise<Uint8Array> {
  return sha256(concat(p.th0, lp(p.enc), lp(p.sealed), lp(p.sessionId), lp(p.expiresAt), p.keyList))
}

/** PRK = HKDF-Extract(salt = TH, IKM = ssS); K_auth and K_confirm from it. Wipes its temporaries. */
export async function deriveSessionKeys(hmac: HmacSha256, th: Uint8Array, ssS: Uint8Array) {
  const hkdf = createHkdfSha256(hmac)
  const prk = await hkdf.extract(th, ssS)
  try {
    return {
      authKey: await hkdf.expand(prk, utf8(LABEL.requestAuth), SECRET_BYTES),
      confirmKey: await hkdf.expand(prk, utf8(LABEL.keyConfirmation), SECRET_BYTES),
    }
  } finally {
    wipe(prk)
  }
}

/** A fixed public scalar: X25519(it, pkE) is all-zero exactly when pkE is of low order (clamping makes any scalar a multiple of 8). */
const LOW_ORDER_PROBE_SCALAR = new Uint8Array(32).fill(0x5a)

/**
 * §5.1 step 7: pkE must be a key the server can later seal values to, checked without encapsulating:
 * ML-KEM-768 (pq, and X-Wing's pk_M) the FIPS 203 §7.2 modulus check (every ByteDecode12 value of t̂
 * below q); DHKEM(X25519) (classical) not of low order (RFC 9180 §7.1.4's all-zero DH check, done once
 * here with a public scalar). X-Wing's pk_X may be any 32 bytes (draft-connolly-cfrg-xwing-kem §5.4).
 * Throws ProtocolError('invalid_key'). Lengths are the caller's check.
 */
export async function checkEphemeralPublicKey(kemId: number, publicKey: Uint8Array, x25519: X25519): Promise<void> {
  if (kemId === MODE_KEM.classical) {
    await x25519.sharedSecret(LOW_ORDER_PROBE_SCALAR, publicKey).then(
      (dh) => wipe(dh),
      () => {
        throw new ProtocolError('invalid_key', 'ephemeralPublicKey is an X25519 point of low order')
      },
    )
    return
  }
  // ML-KEM-768's encapsulation key is pq's whole key and leads an X-Wing public key.
  if (!checkEncapsulationKey(PARAMETER_SETS.ml_kem768, publicKey))
    throw new ProtocolError('invalid_key', 'ephemeralPublicKey fails the FIPS 203 §7.2 modulus check')
}

/** confirmation = HMAC(K_confirm, TH ‖ lp(ticket)), the ticket as its ASCII text. */
export function confirmationMac(hmac: HmacSha256, confirmKey: Uint8Array, th: Uint8Array, ticket: string): Promise<Uint8Array> {
  return hmac.mac(confirmKey, concat(th, lp(ticket)))
}

// ---------- authenticated requests ----------

export interface SignedRequest {
  method: string
  /** The path and query exactly as sent, e.g. `/v2/config/app/db` or `/v2/admin/rewrap?cursor=abc`. */
  pathAndQuery: string
  timestamp: number
  ifMatch?: string | null
  ifNoneMatch?: string | null
  /** The body bytes as sent; empty or absent when there is none. */
  body?: Uint8Array | null
}

/** The bytes the request MAC covers (without the key). */
export async function requestMacInput(r: SignedRequest): Promise<Uint8Array> {
  return concat(
    lp(LABEL.request),
    lp(r.method.toUpperCase()),
    lp(r.pathAndQuery),
    u64(r.timestamp),
    lp(r.ifMatch ?? ''),
    lp(r.ifNoneMatch ?? ''),
    await sha256(r.body ?? new Uint8Array(0)),
  )
}

/** mac = HMAC(K_auth, lp("pq-edge/v2 request") ‖ lp(METHOD) ‖ lp(pathAndQuery) ‖ u64(ts) ‖ lp(If-Match) ‖ lp(If-None-Match) ‖ SHA256(body)). */
export async function requestMac(hmac: HmacSha256, authKey: Uint8Array, r: SignedRequest): Promise<Uint8Array> {
  return hmac.mac(authKey, await requestMacInput(r))
}

/** Checks a presented MAC (b64u) in constant time. */
export async function verifyRequestMac(hmac: HmacSha256, authKey: Uint8Array, r: SignedRequest, presented: Uint8Array): Promise<boolean> {
  return constantTimeEqual(await requestMac(hmac, authKey, r), presented)
}

/** The three headers of an authenticated request (the caller adds If-Match / If-None-Match / Content-Type). */
export async function authHeaders(
  hmac: HmacSha256,
  session: { ticket: string; authKey: Uint8Array },
  r: SignedRequest,
): Promise<Record<string, string>> {
  return {
    authorization: `${AUTH_SCHEME} ${session.ticket}`,
    'pqedge-timestamp': String(r.timestamp),
    'pqedge-mac': b64u(await requestMac(hmac, session.authKey, r)),
  }
}

// ---------- config ----------

/** CONFIG_AAD = lp("pq-edge/v2 config") ‖ lp(name) ‖ u64(version) ‖ lp(sessionId), sessionId as its 16 raw bytes. */
export function configAad(name: string, version: number, sessionId: Uint8Array): Uint8Array {
  return concat(lp(LABEL.config), lp(name), u64(version), lp(sessionId))
}

/** PUT_AAD = lp("pq-edge/v2 config put") ‖ lp(name) ‖ u64(baseVersion); baseVersion 0 creates. */
export function putAad(name: string, baseVersion: number): Uint8Array {
  return concat(lp(LABEL.configPut), lp(name), u64(baseVersion))
}

/** Server: a value for a read, SealBase(pkE, "pq-edge/v2 config", CONFIG_AAD, value) with the session's suite. */
export async function sealConfigValue(p: {
  suite: Suite
  ephemeralPublicKey: Uint8Array
  name: string
  version: number
  sessionId: Uint8Array
  value: Uint8Array
  /** For test vectors only. */
  ikmE?: Uint8Array
}): Promise<{ enc: string; ciphertext: string }> {
  const { enc, ciphertext } = await p.suite.Seal(p.ephemeralPublicKey, p.value, {
    info: utf8(LABEL.config),
    aad: configAad(p.name, p.version, p.sessionId),
    ...(p.ikmE ? { ikmE: p.ikmE } : {}),
  })
  return { enc: b64u(enc), ciphertext: b64u(ciphertext) }
}

/** Client: opens a read's `{enc, ciphertext}` with skE; throws ProtocolError('decryption_failed'). */
export async function openConfigValue(p: {
  suite: Suite
  ephemeralPrivateKey: Uint8Array
  name: string
  version: number
  sessionId: Uint8Array
  enc: string
  ciphertext: string
}): Promise<Uint8Array> {
  try {
    return await p.suite.Open(fromB64u(p.enc, 'enc', p.suite.info.kem.Nenc), p.ephemeralPrivateKey, fromB64u(p.ciphertext, 'ciphertext'), {
      info: utf8(LABEL.config),
      aad: configAad(p.name, p.version, p.sessionId),
    })
  } catch {
    throw new ProtocolError('decryption_failed', 'the config value does not open with this session')
  }
}

/** Admin client: the body of a PUT, `{kid, aead, enc, ciphertext}` = SealBase(pkS, "pq-edge/v2 config put", PUT_AAD, value). */
export async function sealConfigPut(p: {
  suite: Suite
  kid: string
  serverPublicKey: Uint8Array
  name: string
  baseVersion: number
  value: Uint8Array
  ikmE?: Uint8Array
}): Promise<{ kid: string; aead: number; enc: string; ciphertext: string }> {
  const { enc, ciphertext } = await p.suite.Seal(p.serverPublicKey, p.value, {
    info: utf8(LABEL.configPut),
    aad: putAad(p.name, p.baseVersion),
    ...(p.ikmE ? { ikmE: p.ikmE } : {}),
  })
  return { kid: p.kid, aead: p.suite.info.aead.id, enc: b64u(enc), ciphertext: b64u(ciphertext) }
}

/** Server: opens a PUT body's value; throws ProtocolError('decryption_failed'). */
export async function openConfigPut(p: {
  suite: Suite
  recipientKey: RecipientKey
  name: string
  baseVersion: number
  enc: Uint8Array
  ciphertext: Uint8Array
}): Promise<Uint8Array> {
  try {
    return await p.suite.Open(p.enc, p.recipientKey, p.ciphertext, { info: utf8(LABEL.configPut), aad: putAad(p.name, p.baseVersion) })
  } catch {
    throw new ProtocolError('decryption_failed', 'the value does not open with this key, name and base version')
  }
}

// ---------- wire messages ----------

export interface SessionRequest {
  version: 2
  kid: string
  aead: number
  timestamp: number
  enc: string
  ephemeralPublicKey: string
  sealed: string
}

export type Principal = 'client' | 'admin'

export interface SessionResponse {
  sessionId: string
  expiresAt: string
  ticket: string
  principal: Principal
  scopes: string[]
  keys: PublishedKey[]
  confirmation: string
}

/** The sealed credentials: a client (main or classical secret) or the admin. */
export type Credentials = { principal: 'client'; id: string; secret: string } | { principal: 'admin'; secret: string }

/** The exact JSON the client seals (one key order, no extra fields). */
export function encodeCredentials(c: Credentials): Uint8Array {
  return utf8(
    JSON.stringify(
      c.principal === 'client' ? { principal: 'client', id: c.id, secret: c.secret } : { principal: 'admin', secret: c.secret },
    ),
  )
}

/** Parses the opened credentials; throws ProtocolError('invalid_json') for anything but the two shapes. */
export function parseCredentials(plaintext: Uint8Array): Credentials {
  let value: unknown
  try {
    value = JSON.parse(fromUtf8(plaintext))
  } catch {
    throw new ProtocolError('invalid_json', 'the sealed credentials are not JSON')
  }
  const v = value as Record<string, unknown>
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.secret === 'string') {
    const keys = Object.keys(v).sort().join(',')
    if (v.principal === 'client' && typeof v.id === 'string' && keys === 'id,principal,secret')
      return { principal: 'client', id: v.id, secret: v.secret }
    if (v.principal === 'admin' && keys === 'principal,secret') return { principal: 'admin', secret: v.secret }
  }
  throw new ProtocolError(
    'invalid_json',
    'the sealed credentials must be {"principal":"client","id":…,"secret":…} or {"principal":"admin","secret":…}',
  )
}

/** A session as the client holds it after the handshake: skE (to open values), K_auth (to sign requests) and the ticket. */
export interface ClientSession {
  sessionId: Uint8Array
  authKey: Uint8Array
  ephemeral: KeyPair
  kid: string
  mode: Mode | null
  aeadId: number
  ticket: string
  expiresAt: string
  principal: Principal
  scopes: string[]
  keys: PublishedKey[]
}

// ---------- client half ----------

export interface PendingSession {
  request: SessionRequest
  th0: Uint8Array
  ephemeral: KeyPair
  ssS: Uint8Array
  aeadId: number
}

/** Builds the establishment request; keep the returned state for finishSession. */
export async function beginSession(p: {
  suite: Suite
  kid: string
  serverPublicKey: Uint8Array
  credentials: Credentials
  /** Unix seconds, the client's clock (default: now). */
  timestamp?: number
  /** For test vectors only: fixed ephemeral key pair and HPKE encapsulation randomness. */
  ephemeral?: KeyPair
  ikmE?: Uint8Array
}): Promise<PendingSession> {
  const { kem, aead } = p.suite.info
  const timestamp = p.timestamp ?? Math.floor(Date.now() / 1000)
  const ephemeral = p.ephemeral ?? (await p.suite.GenerateKeyPair())
  const th0 = requestTranscript({ kid: p.kid, kemId: kem.id, aeadId: aead.id, timestamp, ephemeralPublicKey: ephemeral.publicKey })
  const { enc, context } = await p.suite.SetupBaseS(p.serverPublicKey, utf8(LABEL.session), p.ikmE ? { ikmE: p.ikmE } : {})
  const plaintext = encodeCredentials(p.credentials)
  try {
    const sealed = await context.seal(plaintext, th0)
    const ssS = await context.export(utf8(LABEL.staticSecret), SECRET_BYTES)
    const request: SessionRequest = {
      version: PROTOCOL_VERSION,
      kid: p.kid,
      aead: aead.id,
      timestamp,
      enc: b64u(enc),
      ephemeralPublicKey: b64u(ephemeral.publicKey),
      sealed: b64u(sealed),
    }
    return { request, th0, ephemeral, ssS, aeadId: aead.id }
  } finally {
    wipe(plaintext)
  }
}

const MODE_OF_KEM = new Map<number, Mode>(Object.entries(MODE_KEM).map(([m, id]) => [id, m as Mode]))

/** Verifies key confirmation and returns the session (skE kept); throws ProtocolError otherwise (and wipes skE). Wipes ssS, PRK, K_confirm. */
export async function finishSession(p: {
  suite: Suite
  hmac: HmacSha256
  pending: PendingSession
  response: SessionResponse
}): Promise<ClientSession> {
  const { pending, response } = p
  let sessionId: Uint8Array
  let confirmation: Uint8Array
  let keyList: Uint8Array
  try {
    sessionId = fromB64u(response.sessionId, 'sessionId', SESSION_ID_BYTES)
    confirmation = fromB64u(response.confirmation, 'confirmation', MAC_BYTES)
    if (!Array.isArray(response.keys) || typeof response.ticket !== 'string' || typeof response.expiresAt !== 'string') throw new Error()
    keyList = await keyListDigest(response.keys)
  } catch {
    wipe(pending.ssS)
    wipe(pending.ephemeral.privateKey)
    throw new ProtocolError('confirmation_failed', 'the session response is malformed')
  }
  try {
    const th = await transcriptHash({
      th0: pending.th0,
      enc: fromB64u(pending.request.enc, 'enc'),
      sealed: fromB64u(pending.request.sealed, 'sealed'),
      sessionId,
      expiresAt: response.expiresAt,
      keyList,
    })
    const { authKey, confirmKey } = await deriveSessionKeys(p.hmac, th, pending.ssS)
    const expected = await confirmationMac(p.hmac, confirmKey, th, response.ticket)
    wipe(confirmKey)
    if (!constantTimeEqual(expected, confirmation)) {
      wipe(authKey)
      throw new ProtocolError(
        'confirmation_failed',
        'key confirmation failed: the response does not come from the holder of the server key',
      )
    }
    return {
      sessionId,
      authKey,
      ephemeral: pending.ephemeral,
      kid: pending.request.kid,
      mode: MODE_OF_KEM.get(p.suite.info.kem.id) ?? null,
      aeadId: pending.aeadId,
      ticket: response.ticket,
      expiresAt: response.expiresAt,
      principal: response.principal,
      scopes: response.scopes,
      keys: response.keys,
    }
  } catch (error) {
    // An abandoned session keeps nothing: skE goes too.
    wipe(pending.ephemeral.privateKey)
    throw error
  } finally {
    wipe(pending.ssS)
  }
}

// ---------- server half ----------

/** What the server learns about an accepted session, for its ticket. */
export interface AcceptedSession {
  sessionId: Uint8Array
  authKey: Uint8Array
  ephemeralPublicKey: Uint8Array
  aeadId: number
  expiresAt: string
}

/**
 * Opens the request, authenticates the principal, answers it. The caller has already checked the
 * cheap things (shape, version, suite, timestamp window, kid, policy, field lengths).
 * `authenticate` throws (with its own 401 error) for bad credentials and returns what the response
 * tells the client; `issueTicket` seals the session into an opaque ticket.
 */
export async function acceptSession<A extends { principal: Principal; scopes: string[] }>(p: {
  suite: Suite
  recipientKey: RecipientKey
  hmac: HmacSha256
  /** For the classical pkE check (checkEphemeralPublicKey). */
  x25519: X25519
  kid: string
  timestamp: number
  enc: Uint8Array
  ephemeralPublicKey: Uint8Array
  sealed: Uint8Array
  keys: PublishedKey[]
  /** KL of `keys`, when precomputed. */
  keyList?: Uint8Array
  expiresAt: string
  authenticate(credentials: Credentials): Promise<A>
  issueTicket(session: AcceptedSession, principal: A): Promise<string>
  /** For test vectors only. */
  sessionId?: Uint8Array
}): Promise<{ response: SessionResponse; session: AcceptedSession; principal: A }> {
  const { kem, aead } = p.suite.info
  const th0 = requestTranscript({
    kid: p.kid,
    kemId: kem.id,
    aeadId: aead.id,
    timestamp: p.timestamp,
    ephemeralPublicKey: p.ephemeralPublicKey,
  })
  const context = await p.suite.SetupBaseR(p.enc, p.recipientKey, utf8(LABEL.session)).catch(() => {
    throw new ProtocolError('decryption_failed', 'the request does not open with this key')
  })
  let plaintext: Uint8Array
  try {
    plaintext = await context.open(p.sealed, th0)
  } catch {
    throw new ProtocolError('decryption_failed', 'the request does not open with this key')
  }
  let credentials: Credentials
  try {
    credentials = parseCredentials(plaintext)
  } finally {
    wipe(plaintext)
  }
  const principal = await p.authenticate(credentials)

  await checkEphemeralPublicKey(kem.id, p.ephemeralPublicKey, p.x25519)
  const ssS = await context.export(utf8(LABEL.staticSecret), SECRET_BYTES)
  try {
    const sessionId = p.sessionId ?? crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES))
    const keyList = p.keyList ?? (await keyListDigest(p.keys))
    const th = await transcriptHash({ th0, enc: p.enc, sealed: p.sealed, sessionId, expiresAt: p.expiresAt, keyList })
    const { authKey, confirmKey } = await deriveSessionKeys(p.hmac, th, ssS)
    const session: AcceptedSession = {
      sessionId,
      authKey,
      ephemeralPublicKey: p.ephemeralPublicKey,
      aeadId: aead.id,
      expiresAt: p.expiresAt,
    }
    const ticket = await p.issueTicket(session, principal)
    const confirmation = await confirmationMac(p.hmac, confirmKey, th, ticket)
    wipe(confirmKey)
    return {
      response: {
        sessionId: b64u(sessionId),
        expiresAt: p.expiresAt,
        ticket,
        principal: principal.principal,
        scopes: principal.scopes,
        keys: p.keys,
        confirmation: b64u(confirmation),
      },
      session,
      principal,
    }
  } finally {
    wipe(ssS)
  }
}
