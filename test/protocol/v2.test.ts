// The v2 protocol module (src/protocol/v2.ts, docs/PROTOCOL.md): our client and server halves agree;
// tampering is caught; config values are sealed to the client's ephemeral key (only skE opens them);
// the request MAC covers every field it names; and a client written from the document alone with a
// generic HPKE library (hpke-js) and node:crypto completes the handshake and opens a value.
import { createHash, createHmac, hkdfSync } from 'node:crypto'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { CipherSuite, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64u, EncodingError, fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import { webCryptoHmacSha256, webCryptoX25519 } from '../../src/crypto/webcrypto.ts'
import type { RecipientKey, Suite } from '../../src/hpke/hpke.ts'
import { AEAD, hpke, KDF, KEM } from '../../src/hpke/node.ts'
import {
  acceptSession,
  beginSession,
  type Credentials,
  checkEphemeralPublicKey,
  configAad,
  encodeCredentials,
  FRESHNESS_WINDOW_SECONDS,
  finishSession,
  isFresh,
  keyId,
  keyListDigest,
  LABEL,
  openConfigPut,
  openConfigValue,
  ProtocolError,
  type PublishedKey,
  parseCredentials,
  requestMac,
  type SessionRequest,
  type SessionResponse,
  sealConfigPut,
  sealConfigValue,
  verifyRequestMac,
} from '../../src/protocol/v2.ts'

const hmac = webCryptoHmacSha256
const credentials: Credentials = { principal: 'client', id: 'edge-app', secret: 'pqe_client_s3cret' }
const EXPIRES = '2026-11-27T12:34:56Z'
const NOW = 1_796_400_000

let suite: Suite
let server: { publicKey: Uint8Array; privateKey: Uint8Array }
let recipientKey: RecipientKey
let kid: string
let keys: PublishedKey[]

beforeAll(async () => {
  suite = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
  server = await suite.GenerateKeyPair()
  recipientKey = await suite.importRecipientKey(server.privateKey)
  kid = await keyId(KEM.XWing, server.publicKey)
  keys = [{ kid, mode: 'hybrid', kemId: KEM.XWing, publicKey: b64u(server.publicKey), notBefore: null, notAfter: null, status: 'current' }]
})

function serverAccepts(request: Pick<SessionRequest, 'enc' | 'ephemeralPublicKey' | 'sealed' | 'timestamp'>) {
  return acceptSession({
    suite,
    recipientKey,
    hmac,
    x25519: webCryptoX25519,
    kid,
    timestamp: request.timestamp,
    enc: fromB64u(request.enc, 'enc'),
    ephemeralPublicKey: fromB64u(request.ephemeralPublicKey, 'ephemeralPublicKey'),
    sealed: fromB64u(request.sealed, 'sealed'),
    keys,
    authenticate: async (c) => {
      if (c.principal !== 'client' || c.id !== 'edge-app' || c.secret !== 'pqe_client_s3cret') throw new Error('401')
      return { principal: 'client' as const, scopes: ['app/'] }
    },
    issueTicket: async (s) => `ticket-for-${b64u(s.sessionId)}`,
    expiresAt: EXPIRES,
  })
}

const begin = (c: Credentials = credentials, timestamp = NOW) =>
  beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials: c, timestamp })

describe('our client and server halves', () => {
  it('agree on K_auth, the client verifies key confirmation and keeps skE', async () => {
    const pending = await begin()
    expect(pending.request).toMatchObject({ version: 2, kid, aead: AEAD.ChaCha20Poly1305, timestamp: NOW })
    const { response, session } = await serverAccepts(pending.request)
    expect(response).toMatchObject({ principal: 'client', scopes: ['app/'], keys, expiresAt: EXPIRES })
    const ours = await finishSession({ suite, hmac, pending, response })
    expect(b64u(ours.authKey)).toBe(b64u(session.authKey))
    expect(b64u(session.ephemeralPublicKey)).toBe(b64u(ours.ephemeral.publicKey))
    expect(ours).toMatchObject({ ticket: response.ticket, scopes: ['app/'], mode: 'hybrid', principal: 'client' })
    expect(ours.ephemeral.privateKey.some((b) => b !== 0)).toBe(true)
  })

  it('a value sealed for a read opens only with skE, and only for its name, version and session', async () => {
    const pending = await begin()
    const { response, session } = await serverAccepts(pending.request)
    const ours = await finishSession({ suite, hmac, pending, response })
    const sealed = await sealConfigValue({
      suite,
      ephemeralPublicKey: session.ephemeralPublicKey,
      name: 'app/db',
      version: 3,
      sessionId: session.sessionId,
      value: utf8('postgres://x'),
    })
    const open = (p: Partial<Parameters<typeof openConfigValue>[0]>) =>
      openConfigValue({
        suite,
        ephemeralPrivateKey: ours.ephemeral.privateKey,
        name: 'app/db',
        version: 3,
        sessionId: ours.sessionId,
        ...sealed,
        ...p,
      })
    expect(new TextDecoder().decode(await open({}))).toBe('postgres://x')
    for (const bad of [{ name: 'app/dc' }, { version: 4 }, { sessionId: new Uint8Array(16) }, { ephemeralPrivateKey: server.privateKey }])
      await expect(open(bad)).rejects.toBeInstanceOf(ProtocolError)
    // K_auth (what the ticket carries) is no key for the value: the AEAD ciphertext includes the 16-byte tag and opens only via skE.
    expect(fromB64u(sealed.ciphertext, 'ct')).toHaveLength('postgres://x'.length + 16)
  })

  it('two establishments give unrelated K_auth; a replayed request a different session', async () => {
    const pending = await begin()
    const first = await serverAccepts(pending.request)
    const replay = await serverAccepts(pending.request)
    expect(b64u(replay.session.authKey)).not.toBe(b64u(first.session.authKey))
    expect(replay.response.sessionId).not.toBe(first.response.sessionId)
  })

  it.each(['sealed', 'enc', 'ephemeralPublicKey', 'timestamp'] as const)('an altered request %s does not open', async (field) => {
    const pending = await begin()
    const altered = { ...pending.request }
    if (field === 'timestamp') altered.timestamp += 1
    else {
      const bytes = fromB64u(pending.request[field], field)
      bytes[bytes.length - 1]! ^= 1
      altered[field] = b64u(bytes)
    }
    await expect(serverAccepts(altered)).rejects.toMatchObject({ code: 'decryption_failed' })
  })

  it.each(['ticket', 'expiresAt', 'confirmation', 'sessionId', 'keys'] as const)(
    'an altered response %s fails key confirmation',
    async (field) => {
      const pending = await begin()
      const { response } = await serverAccepts(pending.request)
      const altered: SessionResponse = { ...response }
      if (field === 'ticket') altered.ticket += 'x'
      else if (field === 'expiresAt') altered.expiresAt = '2099-01-01T00:00:00Z'
      else if (field === 'keys') altered.keys = [{ ...keys[0]!, status: 'retiring' }]
      else {
        const bytes = fromB64u(response[field], field)
        bytes[0]! ^= 1
        altered[field] = b64u(bytes)
      }
      const failure = await finishSession({ suite, hmac, pending, response: altered }).catch((e) => e)
      expect(failure).toMatchObject({ code: 'confirmation_failed' })
    },
  )

  it('pkE is checked without encapsulating: the FIPS 203 §7.2 modulus check on pk_M, the low-order check on a classical pkE', async () => {
    const pending = await begin()
    // pk_M's first 12-bit value set to 0xfff (≥ q): the key is refused before any session is issued.
    const pkE = fromB64u(pending.request.ephemeralPublicKey, 'pkE')
    pkE[0] = 0xff
    pkE[1]! |= 0x0f
    await expect(checkEphemeralPublicKey(KEM.XWing, pkE, webCryptoX25519)).rejects.toMatchObject({ code: 'invalid_key' })
    await expect(checkEphemeralPublicKey(KEM.MlKem768, pkE.subarray(0, 1184), webCryptoX25519)).rejects.toMatchObject({
      code: 'invalid_key',
    })
    await expect(serverAccepts({ ...pending.request, ephemeralPublicKey: b64u(pkE) })).rejects.toMatchObject({ code: 'decryption_failed' })
    // The same pk_M with every value below q passes; X-Wing's pk_X may be any 32 bytes.
    const fine = fromB64u(pending.request.ephemeralPublicKey, 'pkE')
    fine.fill(0, 1184)
    await expect(checkEphemeralPublicKey(KEM.XWing, fine, webCryptoX25519)).resolves.toBeUndefined()
    // Classical: u = 0 and u = 1 are of low order (RFC 7748 §6.1); a generated key is not.
    const one = new Uint8Array(32)
    one[0] = 1
    for (const low of [new Uint8Array(32), one])
      await expect(checkEphemeralPublicKey(KEM.DhkemX25519HkdfSha256, low, webCryptoX25519)).rejects.toMatchObject({ code: 'invalid_key' })
    const classical = hpke.suite({ kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305, allowClassical: true })
    const { publicKey } = await classical.GenerateKeyPair()
    await expect(checkEphemeralPublicKey(KEM.DhkemX25519HkdfSha256, publicKey, webCryptoX25519)).resolves.toBeUndefined()
  })

  it('an honest request with an invalid pkE is refused after it opens (invalid_key), with no session', async () => {
    const eph = await suite.GenerateKeyPair()
    eph.publicKey[0] = 0xff
    eph.publicKey[1]! |= 0x0f
    const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials, timestamp: NOW, ephemeral: eph })
    await expect(serverAccepts(pending.request)).rejects.toMatchObject({ code: 'invalid_key' })
  })

  it('wrong credentials are refused by the authenticate hook', async () => {
    await expect(serverAccepts((await begin({ ...credentials, secret: 'nope' })).request)).rejects.toThrow('401')
  })
})

describe('credentials, freshness, request MAC, PUT sealing', () => {
  it('credentials: exactly the two documented shapes', () => {
    const admin: Credentials = { principal: 'admin', secret: 'pqe_admin_x' }
    expect(parseCredentials(encodeCredentials(credentials))).toEqual(credentials)
    expect(parseCredentials(encodeCredentials(admin))).toEqual(admin)
    expect(new TextDecoder().decode(encodeCredentials(credentials))).toBe(
      '{"principal":"client","id":"edge-app","secret":"pqe_client_s3cret"}',
    )
    for (const bad of [
      '{"clientId":"a","clientSecret":"b"}',
      '{"principal":"admin","secret":"x","id":"y"}',
      '{"principal":"client","secret":"x"}',
      '{"principal":"root","secret":"x"}',
      '[]',
      'null',
      '{',
    ])
      expect(() => parseCredentials(utf8(bad)), bad).toThrow(ProtocolError)
  })

  it('isFresh: within ±120 s of the server clock, integers only', () => {
    const now = NOW * 1000 + 999
    expect(FRESHNESS_WINDOW_SECONDS).toBe(120)
    for (const ts of [NOW, NOW - 120, NOW + 120]) expect(isFresh(ts, now), String(ts)).toBe(true)
    for (const ts of [NOW - 121, NOW + 121, NOW + 0.5, -1, Number.NaN]) expect(isFresh(ts, now), String(ts)).toBe(false)
  })

  it('the request MAC covers method, path and query, timestamp, both preconditions and the body', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const base = { method: 'PUT', pathAndQuery: '/v2/config/app/db', timestamp: NOW, ifMatch: '"1"', ifNoneMatch: null, body: utf8('{}') }
    const mac = await requestMac(hmac, key, base)
    expect(await verifyRequestMac(hmac, key, base, mac)).toBe(true)
    for (const change of [
      { method: 'GET' },
      { pathAndQuery: '/v2/config/app/dc' },
      { pathAndQuery: '/v2/config/app/db?x' },
      { timestamp: NOW + 1 },
      { ifMatch: '"2"' },
      { ifMatch: null, ifNoneMatch: '"1"' },
      { body: utf8('{ }') },
    ])
      expect(await verifyRequestMac(hmac, key, { ...base, ...change }, mac), JSON.stringify(change)).toBe(false)
    // No body and an empty body are the same (SHA256 of zero bytes).
    const get = { method: 'GET', pathAndQuery: '/v2/config/app/db', timestamp: NOW }
    expect(b64u(await requestMac(hmac, key, get))).toBe(b64u(await requestMac(hmac, key, { ...get, body: new Uint8Array(0) })))
  })

  it('a PUT value opens with the server key for its name and base version only', async () => {
    const body = await sealConfigPut({ suite, kid, serverPublicKey: server.publicKey, name: 'app/db', baseVersion: 0, value: utf8('v') })
    expect(body).toMatchObject({ kid, aead: 3 })
    const open = (name: string, baseVersion: number) =>
      openConfigPut({
        suite,
        recipientKey,
        name,
        baseVersion,
        enc: fromB64u(body.enc, 'enc'),
        ciphertext: fromB64u(body.ciphertext, 'ct'),
      })
    expect(new TextDecoder().decode(await open('app/db', 0))).toBe('v')
    await expect(open('app/db', 1)).rejects.toMatchObject({ code: 'decryption_failed' })
    await expect(open('app/dc', 0)).rejects.toMatchObject({ code: 'decryption_failed' })
  })

  it('KL: the documented digest of the key list', async () => {
    const pk = fromB64u(keys[0]!.publicKey, 'pk')
    const lp = (b: Uint8Array) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0, 1]), lp(utf8(kid)), Buffer.from([0x64, 0x7a]), lp(pk), lp(utf8('current'))]))
      .digest()
    expect(b64u(await keyListDigest(keys))).toBe(expected.toString('base64url'))
  })
})

describe('a client written from docs/PROTOCOL.md with hpke-js and node:crypto only', () => {
  const theirs = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })
  const text = (s: string) => new TextEncoder().encode(s)
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff])
  const u64 = (n: number) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(BigInt(n))
    return b
  }
  const lp = (x: Uint8Array | string) => {
    const b = typeof x === 'string' ? text(x) : x
    return Buffer.concat([u16(b.length), b])
  }
  const ab = (u: Uint8Array) => new Uint8Array(u).buffer

  it('completes the handshake, signs a request our server half verifies, and opens a value sealed to pkE', async () => {
    const eph = await theirs.kem.generateKeyPair()
    const pkE = new Uint8Array(await theirs.kem.serializePublicKey(eph.publicKey))
    const th0 = Buffer.concat([lp('pq-edge/v2 session'), lp(kid), u16(0x647a), u16(0x0001), u16(0x0003), u64(NOW), lp(pkE)])
    const sender = await theirs.createSenderContext({
      recipientPublicKey: await theirs.kem.importKey('raw', ab(server.publicKey), true),
      info: ab(text('pq-edge/v2 session')),
    })
    const creds = JSON.stringify({ principal: 'client', id: 'edge-app', secret: 'pqe_client_s3cret' })
    const sealed = new Uint8Array(await sender.seal(ab(text(creds)), ab(th0)))
    const ssS = new Uint8Array(await sender.export(ab(text('pq-edge/v2 static secret')), 32))
    const enc = new Uint8Array(sender.enc)
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')
    const { response, session } = await serverAccepts({ timestamp: NOW, enc: b64(enc), ephemeralPublicKey: b64(pkE), sealed: b64(sealed) })

    const kl = createHash('sha256')
      .update(
        Buffer.concat([
          u16(response.keys.length),
          ...response.keys.flatMap((k) => [lp(k.kid), u16(k.kemId), lp(Buffer.from(k.publicKey, 'base64url')), lp(k.status)]),
        ]),
      )
      .digest()
    const sessionId = Buffer.from(response.sessionId, 'base64url')
    const th = createHash('sha256')
      .update(Buffer.concat([th0, lp(enc), lp(sealed), lp(sessionId), lp(response.expiresAt), kl]))
      .digest()
    const authKey = Buffer.from(hkdfSync('sha256', ssS, th, 'pq-edge/v2 request auth', 32))
    const confirmKey = Buffer.from(hkdfSync('sha256', ssS, th, 'pq-edge/v2 key confirmation', 32))
    const confirmation = createHmac('sha256', confirmKey)
      .update(Buffer.concat([th, lp(response.ticket)]))
      .digest()
    expect(confirmation.toString('base64url')).toBe(response.confirmation)
    expect(authKey.toString('base64url')).toBe(b64u(session.authKey))

    // §4: a request MAC the server half verifies.
    const mac = createHmac('sha256', authKey)
      .update(
        Buffer.concat([
          lp('pq-edge/v2 request'),
          lp('GET'),
          lp('/v2/config/app/db'),
          u64(NOW),
          lp(''),
          lp(''),
          createHash('sha256').update(Buffer.alloc(0)).digest(),
        ]),
      )
      .digest()
    expect(await verifyRequestMac(hmac, session.authKey, { method: 'GET', pathAndQuery: '/v2/config/app/db', timestamp: NOW }, mac)).toBe(
      true,
    )

    // §5: a value sealed to pkE by our server half, opened with skE by hpke-js.
    const value = await sealConfigValue({
      suite,
      ephemeralPublicKey: session.ephemeralPublicKey,
      name: 'app/db',
      version: 1,
      sessionId: session.sessionId,
      value: utf8('secret value'),
    })
    const opened = await theirs.open(
      { recipientKey: eph, enc: ab(Buffer.from(value.enc, 'base64url')), info: ab(text('pq-edge/v2 config')) },
      ab(Buffer.from(value.ciphertext, 'base64url')),
      ab(Buffer.concat([lp('pq-edge/v2 config'), lp('app/db'), u64(1), lp(sessionId)])),
    )
    expect(new TextDecoder().decode(opened)).toBe('secret value')
    expect(b64u(configAad('app/db', 1, session.sessionId))).toBe(
      Buffer.concat([lp('pq-edge/v2 config'), lp('app/db'), u64(1), lp(sessionId)]).toString('base64url'),
    )
    expect(LABEL.requestAuth).toBe('pq-edge/v2 request auth')
  })
})

describe('strict base64url', () => {
  it('round-trips every length and rejects padding, other alphabets and unused bits', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n))
      expect(b64u(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
      expect(Buffer.from(fromB64u(b64u(bytes), 'x')).equals(Buffer.from(bytes))).toBe(true)
    }
    for (const bad of ['AA==', 'A+B/', 'A', 'AB C', 'AB', 'AAB']) {
      // 'AB' and 'AAB' have non-zero unused bits ('AA' and 'AAA' are the canonical forms).
      expect(() => fromB64u(bad, 'x'), bad).toThrow(EncodingError)
    }
    expect(() => fromB64u('AAAA', 'x', 4)).toThrow('x must be 4 bytes, got 3')
  })

  it('agrees with Buffer on long inputs (chunked encoding) and rejects every non-alphabet character', () => {
    for (const n of [8191, 8192, 8193, 20000]) {
      const bytes = crypto.getRandomValues(new Uint8Array(n))
      expect(b64u(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
      expect(Buffer.from(fromB64u(b64u(bytes), 'x', n)).equals(Buffer.from(bytes))).toBe(true)
    }
    for (let code = 0; code < 256; code++) {
      const c = String.fromCharCode(code)
      if (/[A-Za-z0-9_-]/.test(c)) continue
      expect(() => fromB64u(`AAA${c}`, 'x'), `char ${code}`).toThrow(EncodingError)
    }
    // Every non-canonical final character of a 2- and 3-character group is refused; the canonical ones decode.
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
      const v = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(ch)
      for (const [prefix, mask] of [
        ['A', 0x0f],
        ['AA', 0x03],
      ] as const) {
        if (v & mask) expect(() => fromB64u(prefix + ch, 'x')).toThrow(/unused bits/)
        else expect(Buffer.from(fromB64u(prefix + ch, 'x')).equals(Buffer.from(prefix + ch, 'base64url'))).toBe(true)
      }
    }
  })
})
