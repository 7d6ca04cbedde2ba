// A protocol test double: a small in-memory server for docs/PROTOCOL.md v1 (§4-§7), written over the
// server half in src/protocol/v1.ts (acceptSession, configAad) and the real HPKE. It is NOT the
// service (src/app.ts) and not a platform mock: it exists so the client SDK and CLI can be tested
// against the documented wire format while the real endpoints are being written, and so tests can
// make a server misbehave (altered confirmation, wrong key) in ways the real one never would.
// Tickets are random strings kept in a Map (the real server's are sealed and stateless, §5.4).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { b64u, fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import { nobleChacha20Poly1305 } from '../../src/crypto/noble.ts'
import { webCryptoAes256Gcm, webCryptoHmacSha256 } from '../../src/crypto/webcrypto.ts'
import type { RecipientKey } from '../../src/hpke/hpke.ts'
import { hpke, KDF } from '../../src/hpke/node.ts'
import {
  type AcceptedSession,
  acceptSession,
  configAad,
  keyId,
  LABEL,
  MODE_KEM,
  type Mode,
  putAad,
  type SessionResponse,
} from '../../src/protocol/v1.ts'

export interface DoubleOptions {
  modes?: Mode[]
  policy?: string
  clients?: Array<{ id: string; secret: string; scopes: string[] }>
  adminToken?: string
  /** Session lifetime in seconds (default 600). */
  lifetime?: number
  /** Lets a test alter the session response after the server computed it. */
  tamperSession?: (response: SessionResponse) => SessionResponse
}

interface StaticKey {
  kid: string
  mode: Mode
  publicKey: Uint8Array
  recipient: RecipientKey
  status: 'current' | 'retiring'
}

export interface ProtocolDouble {
  fetch: (input: string, init?: RequestInit) => Promise<Response>
  handle: (req: Request) => Promise<Response>
  keys: StaticKey[]
  sessions: Map<string, AcceptedSession & { expires: number }>
  records: Map<string, { version: number; value: Uint8Array | null }>
  /** Every request the double saw (method, path, headers), for assertions. */
  seen: Array<{ method: string; path: string; headers: Headers }>
  /** Generates a new current key for `mode` and marks the old one retiring. */
  rotate(mode: Mode): Promise<void>
  options: DoubleOptions
}

const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new Response(JSON.stringify({ type: `/problems/${code}`, title: code, status, code, detail, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

async function makeKey(mode: Mode): Promise<StaticKey> {
  const suite = hpke.suite({ kem: MODE_KEM[mode], kdf: KDF.HkdfSha256, aead: 3, allowClassical: true })
  const pair = await suite.GenerateKeyPair()
  return {
    kid: await keyId(MODE_KEM[mode], pair.publicKey),
    mode,
    publicKey: pair.publicKey,
    recipient: await suite.importRecipientKey(pair.privateKey),
    status: 'current',
  }
}

export async function createProtocolDouble(options: DoubleOptions = {}): Promise<ProtocolDouble> {
  const modes = options.modes ?? ['hybrid']
  const clients = options.clients ?? [{ id: 'edge-app', secret: 'pqe_client_test', scopes: ['app/'] }]
  const adminToken = options.adminToken ?? 'pqe_admin_test'
  const keys: StaticKey[] = []
  for (const mode of modes) keys.push(await makeKey(mode))
  const sessions: ProtocolDouble['sessions'] = new Map()
  const records: ProtocolDouble['records'] = new Map()
  const seen: ProtocolDouble['seen'] = []

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    const path = url.pathname
    seen.push({ method: req.method, path, headers: req.headers })
    if (req.method === 'GET' && path === '/v1/keys') {
      return json(200, {
        version: 1,
        policy: options.policy ?? 'hybrid-required',
        aeads: [3, 2],
        keys: keys.map((k) => ({
          kid: k.kid,
          mode: k.mode,
          kemId: MODE_KEM[k.mode],
          publicKey: b64u(k.publicKey),
          notBefore: '2026-11-27T00:00:00Z',
          notAfter: null,
          status: k.status,
        })),
      })
    }
    if (req.method === 'POST' && path === '/v1/sessions') return establish(await req.json())
    const match = /^\/v1\/config(?:\/(.+))?$/.exec(path)
    if (!match) return problem(404, 'not_found', `No route for ${req.method} ${path}.`)
    const name = match[1]
    const auth = req.headers.get('authorization') ?? ''
    if (req.method === 'GET' && name && auth.startsWith('PQEdge-Ticket ')) return readConfig(name, auth.slice('PQEdge-Ticket '.length))
    if (auth !== `Bearer ${adminToken}`) return problem(401, 'invalid_credentials', 'missing or wrong admin token')
    if (req.method === 'GET' && !name) {
      return json(200, { items: [...records].filter(([, r]) => r.value).map(([n, r]) => ({ name: n, version: r.version })) })
    }
    if (!name) return problem(404, 'not_found', 'no route')
    const record = records.get(name)
    const live = record?.value ? record : undefined
    if (req.method === 'PUT') {
      const ifNoneMatch = req.headers.get('if-none-match')
      const ifMatch = req.headers.get('if-match')
      if ((ifNoneMatch === null) === (ifMatch === null)) return problem(428, 'precondition_required', 'send If-Match or If-None-Match: *')
      const base = ifNoneMatch === '*' ? 0 : Number(/^"(\d+)"$/.exec(ifMatch ?? '')?.[1] ?? NaN)
      if ((base === 0 && live) || (base !== 0 && live?.version !== base))
        return problem(412, 'version_mismatch', 'stale precondition', { currentVersion: live?.version ?? 0 })
      const body = (await req.json()) as { kid: string; aead: number; enc: string; ciphertext: string }
      const key = keys.find((k) => k.kid === body.kid)
      if (!key) return problem(400, 'unknown_key', 'no such kid')
      const suite = hpke.suite({ kem: MODE_KEM[key.mode], kdf: KDF.HkdfSha256, aead: body.aead, allowClassical: true })
      let value: Uint8Array
      try {
        value = await suite.Open(fromB64u(body.enc, 'enc'), key.recipient, fromB64u(body.ciphertext, 'ciphertext'), {
          info: utf8(LABEL.configPut),
          aad: putAad(name, base),
        })
      } catch {
        return problem(400, 'decryption_failed', 'the envelope does not open')
      }
      const version = (record?.version ?? 0) + 1
      records.set(name, { version, value })
      return json(base === 0 ? 201 : 200, { name, version }, { etag: `"${version}"` })
    }
    if (req.method === 'DELETE') {
      if (!live) return problem(404, 'not_found', 'no such config name')
      const ifMatch = req.headers.get('if-match')
      if (ifMatch !== null && ifMatch !== `"${live.version}"`)
        return problem(412, 'version_mismatch', 'stale precondition', { currentVersion: live.version })
      records.set(name, { version: live.version, value: null })
      return new Response(null, { status: 204 })
    }
    return problem(404, 'not_found', 'no route')
  }

  async function establish(body: {
    kid: string
    aead: number
    enc: string
    ephemeralPublicKey: string
    sealed: string
  }): Promise<Response> {
    const key = keys.find((k) => k.kid === body.kid)
    if (!key) return problem(400, 'unknown_key', 'kid names no current or retiring key')
    const suite = hpke.suite({ kem: MODE_KEM[key.mode], kdf: KDF.HkdfSha256, aead: body.aead, allowClassical: true })
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + (options.lifetime ?? 600) * 1000).toISOString().replace('.000Z', 'Z')
    try {
      const { response, session } = await acceptSession({
        suite,
        recipientKey: key.recipient,
        hmac: webCryptoHmacSha256,
        kid: key.kid,
        enc: fromB64u(body.enc, 'enc'),
        ephemeralPublicKey: fromB64u(body.ephemeralPublicKey, 'ephemeralPublicKey'),
        sealed: fromB64u(body.sealed, 'sealed'),
        authenticate: async (c) => {
          const client = clients.find((x) => x.id === c.clientId && x.secret === c.clientSecret)
          if (!client) throw Object.assign(new Error('bad credentials'), { status: 401 })
          return { clientId: client.id, scopes: client.scopes }
        },
        issueTicket: async () => b64u(crypto.getRandomValues(new Uint8Array(24))),
        expiresAt,
      })
      sessions.set(session.ticket, { ...session, expires: Date.parse(expiresAt) })
      return json(201, options.tamperSession ? options.tamperSession(response) : response)
    } catch (error) {
      if ((error as { status?: number }).status === 401) return problem(401, 'invalid_credentials', 'wrong client credentials')
      return problem(400, 'decryption_failed', 'the request does not open with this key')
    }
  }

  async function readConfig(name: string, ticket: string): Promise<Response> {
    const session = sessions.get(ticket)
    if (!session) return problem(401, 'invalid_ticket', 'the ticket does not open')
    if (Date.now() >= session.expires) return problem(401, 'expired_ticket', 'the ticket is past expiresAt')
    if (!session.scopes.some((s) => (s.endsWith('/') ? name.startsWith(s) : name === s)))
      return problem(403, 'scope_denied', `not allowed ${name}`)
    const record = records.get(name)
    if (!record?.value) return problem(404, 'not_found', 'no such config name')
    const nonce = crypto.getRandomValues(new Uint8Array(12))
    const aead = session.aeadId === 2 ? webCryptoAes256Gcm : nobleChacha20Poly1305
    const ciphertext = await (await aead.importKey(session.sessionKey)).seal(
      nonce,
      configAad(name, record.version, session.sessionId),
      record.value,
    )
    return json(200, { name, version: record.version, nonce: b64u(nonce), ciphertext: b64u(ciphertext) })
  }

  return {
    fetch: (input, init) => handle(new Request(input, init)),
    handle,
    keys,
    sessions,
    records,
    seen,
    options,
    async rotate(mode) {
      for (const k of keys) if (k.mode === mode) k.status = 'retiring'
      keys.unshift(await makeKey(mode))
    },
  }
}

/** Serves a fetch handler on 127.0.0.1 (an ephemeral port) for tests that spawn the CLI. */
export async function listen(
  handler: (req: Request) => Promise<Response>,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const body = chunks.length ? Buffer.concat(chunks) : undefined
    try {
      const response = await handler(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method,
          headers,
          ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
        }),
      )
      const out: Record<string, string> = {}
      for (const [k, v] of response.headers) out[k] = v
      res.writeHead(response.status, out)
      res.end(Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/problem+json' })
      res.end(JSON.stringify({ status: 500, code: 'internal_error', detail: String(error) }))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
