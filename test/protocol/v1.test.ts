// The v1 session handshake (docs/PROTOCOL.md §5): our client and server halves agree; tampering is
// caught; and a client written from the document alone with a generic HPKE library (hpke-js) and
// node:crypto completes the handshake with our server half.
import { createHash, createHmac, hkdfSync } from 'node:crypto'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { CipherSuite, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64u, EncodingError, fromB64u } from '../../src/crypto/bytes.ts'
import { webCryptoHmacSha256 } from '../../src/crypto/webcrypto.ts'
import type { RecipientKey, Suite } from '../../src/hpke/hpke.ts'
import { AEAD, hpke, KDF, KEM } from '../../src/hpke/node.ts'
import { acceptSession, beginSession, finishSession, keyId, LABEL, ProtocolError, type SessionResponse } from '../../src/protocol/v1.ts'

const hmac = webCryptoHmacSha256
const credentials = { clientId: 'edge-app', clientSecret: 'pqe_client_s3cret' }
const EXPIRES = '2026-11-27T12:34:56Z'

let suite: Suite
let server: { publicKey: Uint8Array; privateKey: Uint8Array }
let recipientKey: RecipientKey
let kid: string

beforeAll(async () => {
  suite = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 })
  server = await suite.GenerateKeyPair()
  recipientKey = await suite.importRecipientKey(server.privateKey)
  kid = await keyId(KEM.XWing, server.publicKey)
})

function serverAccepts(request: { enc: string; ephemeralPublicKey: string; sealed: string }) {
  return acceptSession({
    suite,
    recipientKey,
    hmac,
    kid,
    enc: fromB64u(request.enc, 'enc'),
    ephemeralPublicKey: fromB64u(request.ephemeralPublicKey, 'ephemeralPublicKey'),
    sealed: fromB64u(request.sealed, 'sealed'),
    authenticate: async (c) => {
      if (c.clientId !== credentials.clientId || c.clientSecret !== credentials.clientSecret) throw new Error('401')
      return { clientId: c.clientId, scopes: ['app/'] }
    },
    issueTicket: async (s) => `ticket-for-${b64u(s.sessionId)}`,
    expiresAt: EXPIRES,
  })
}

describe('our client and server halves', () => {
  it('agree on the session key, and the client verifies key confirmation', async () => {
    const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials })
    expect(pending.request).toMatchObject({ version: 1, kid, aead: AEAD.ChaCha20Poly1305 })
    const { response, session } = await serverAccepts(pending.request)
    const ours = await finishSession({ suite, hmac, pending, response })
    expect(b64u(ours.sessionKey)).toBe(b64u(session.sessionKey))
    expect(ours).toMatchObject({ ticket: response.ticket, scopes: ['app/'], expiresAt: EXPIRES, aeadId: AEAD.ChaCha20Poly1305 })
    expect(session.clientId).toBe('edge-app')
  })

  it('two establishments with the same credentials give unrelated session keys', async () => {
    const keys = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials })
      keys.add(b64u((await serverAccepts(pending.request)).session.sessionKey))
    }
    expect(keys.size).toBe(3)
  })

  it.each(['sealed', 'enc', 'ephemeralPublicKey'] as const)(
    'an altered request %s is rejected or yields a session the client refuses',
    async (field) => {
      const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials })
      const bytes = fromB64u(pending.request[field], field)
      bytes[bytes.length - 1]! ^= 1
      const altered = { ...pending.request, [field]: b64u(bytes) }
      // The AAD binds pkE to the sealed credentials, so every alteration fails to open.
      await expect(serverAccepts(altered)).rejects.toMatchObject({ code: 'decryption_failed' })
    },
  )

  it.each(['ticket', 'expiresAt', 'confirmation', 'enc', 'sessionId'] as const)(
    'an altered response %s fails key confirmation',
    async (field) => {
      const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials })
      const { response } = await serverAccepts(pending.request)
      const altered: SessionResponse = { ...response }
      if (field === 'ticket') altered.ticket += 'x'
      else if (field === 'expiresAt') altered.expiresAt = '2099-01-01T00:00:00Z'
      else {
        const bytes = fromB64u(response[field], field)
        bytes[0]! ^= 1
        altered[field] = b64u(bytes)
      }
      const failure = await finishSession({ suite, hmac, pending, response: altered }).catch((e) => e)
      // An altered enc may already fail inside HPKE (X25519 low-order point); either way no session.
      expect(failure).toBeInstanceOf(Error)
      if (field !== 'enc') expect(failure).toBeInstanceOf(ProtocolError)
    },
  )

  it('a replayed request yields a different session the replayer cannot use', async () => {
    const pending = await beginSession({ suite, kid, serverPublicKey: server.publicKey, credentials })
    const first = await serverAccepts(pending.request)
    const replay = await serverAccepts(pending.request)
    expect(b64u(replay.session.sessionKey)).not.toBe(b64u(first.session.sessionKey))
    expect(replay.response.enc).not.toBe(first.response.enc)
  })

  it('wrong credentials are refused by the authenticate hook', async () => {
    const pending = await beginSession({
      suite,
      kid,
      serverPublicKey: server.publicKey,
      credentials: { ...credentials, clientSecret: 'nope' },
    })
    await expect(serverAccepts(pending.request)).rejects.toThrow('401')
  })
})

describe('a client written from docs/PROTOCOL.md with hpke-js and node:crypto only', () => {
  const theirs = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })
  const text = (s: string) => new TextEncoder().encode(s)
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff])
  const lp = (x: Uint8Array | string) => {
    const b = typeof x === 'string' ? text(x) : x
    return Buffer.concat([u16(b.length), b])
  }
  // A fresh ArrayBuffer of exactly these bytes (Buffer#slice would share the pooled buffer).
  const ab = (u: Uint8Array) => new Uint8Array(u).buffer

  it('completes the handshake with our server half and derives the same session key', async () => {
    // §5.1
    const eph = await theirs.kem.generateKeyPair()
    const pkE = new Uint8Array(await theirs.kem.serializePublicKey(eph.publicKey))
    const th0 = Buffer.concat([lp('pq-edge/v1 session'), lp(kid), u16(0x647a), u16(0x0001), u16(0x0003), lp(pkE)])
    const sender = await theirs.createSenderContext({
      recipientPublicKey: await theirs.kem.importKey('raw', ab(server.publicKey), true),
      info: ab(text('pq-edge/v1 session')),
    })
    const sealed = new Uint8Array(await sender.seal(ab(text(JSON.stringify(credentials))), ab(th0)))
    const ssS = new Uint8Array(await sender.export(ab(text('pq-edge/v1 static secret')), 32))
    const enc = new Uint8Array(sender.enc)
    const request = {
      version: 1,
      kid,
      aead: 3,
      enc: Buffer.from(enc).toString('base64url'),
      ephemeralPublicKey: Buffer.from(pkE).toString('base64url'),
      sealed: Buffer.from(sealed).toString('base64url'),
    }

    const { response, session } = await serverAccepts(request)

    // §5.3
    const encE = Buffer.from(response.enc, 'base64url')
    const recipient = await theirs.createRecipientContext({
      recipientKey: eph,
      enc: ab(encE),
      info: ab(text('pq-edge/v1 session response')),
    })
    const ssE = new Uint8Array(await recipient.export(ab(text('pq-edge/v1 ephemeral secret')), 32))
    const th = createHash('sha256')
      .update(Buffer.concat([th0, lp(enc), lp(sealed), lp(encE), lp(Buffer.from(response.sessionId, 'base64url')), lp(response.expiresAt)]))
      .digest()
    const ikm = Buffer.concat([ssS, ssE])
    const sessionKey = Buffer.from(hkdfSync('sha256', ikm, th, 'pq-edge/v1 session key', 32))
    const confirmKey = Buffer.from(hkdfSync('sha256', ikm, th, 'pq-edge/v1 key confirmation', 32))
    const confirmation = createHmac('sha256', confirmKey)
      .update(Buffer.concat([th, lp(response.ticket)]))
      .digest()
    expect(confirmation.toString('base64url')).toBe(response.confirmation)
    expect(sessionKey.toString('base64url')).toBe(b64u(session.sessionKey))
    expect(LABEL.sessionKey).toBe('pq-edge/v1 session key') // the document and the code use one label set
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
