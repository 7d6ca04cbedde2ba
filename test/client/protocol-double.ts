// A protocol test double: a small in-memory server for protocol v2 (docs/PROTOCOL.md),
// written over the server half in src/protocol/v2.ts (acceptSession, verifyRequestMac,
// sealConfigValue, openConfigPut) and the real HPKE. It is NOT the service (src/app.ts; the SDK and
// CLI are tested against that in real-app.test.ts): it exists so tests can make a server misbehave
// (altered confirmation, a substituted key list, a rotation at a chosen moment, many rewrap pages)
// in ways the real one never would. Tickets are random strings kept in a Map (the real server's are
// sealed and stateless).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { webCryptoHmacSha256, webCryptoX25519 } from '../../src/crypto/webcrypto.ts'
import type { RecipientKey, Suite } from '../../src/hpke/hpke.ts'
import { hpke, KDF } from '../../src/hpke/node.ts'
import {
  AUTH_SCHEME,
  acceptSession as accept,
  type Credentials,
  isFresh,
  keyId,
  MODE_KEM,
  type Mode,
  openConfigPut,
  type PublishedKey,
  type SessionResponse,
  sealConfigValue,
  verifyRequestMac,
} from '../../src/protocol/v2.ts'

export interface DoubleOptions {
  modes?: Mode[]
  policy?: string
  clients?: Array<{ id: string; secret: string; scopes: string[] }>
  adminToken?: string
  /** Session lifetime in seconds (default 600). */
  lifetime?: number
  /** Lets a test alter the session response after the server computed it. */
  tamperSession?: (response: SessionResponse) => SessionResponse
  /** Records per rewrap page (default 2). */
  rewrapPage?: number
}

interface StaticKey {
  kid: string
  mode: Mode
  publicKey: Uint8Array
  recipient: RecipientKey
  status: 'current' | 'retiring'
}

interface DoubleSession {
  principal: 'client' | 'admin'
  scopes: string[]
  authKey: Uint8Array
  ephemeralPublicKey: Uint8Array
  sessionId: Uint8Array
  suite: Suite
  expires: number
}

export interface ProtocolDouble {
  fetch: (input: string, init?: RequestInit) => Promise<Response>
  handle: (req: Request) => Promise<Response>
  keys: StaticKey[]
  sessions: Map<string, DoubleSession>
  records: Map<string, { version: number; value: Uint8Array | null }>
  /** Every request the double saw (method, path with query, headers), for assertions. */
  seen: Array<{ method: string; path: string; headers: Headers }>
  /** Generates a new current key for `mode` and marks the old one retiring. */
  rotate(mode: Mode): Promise<void>
  published(): PublishedKey[]
  options: DoubleOptions
}

const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new Response(JSON.stringify({ type: `/problems/${code}`, title: code, status, code, detail, ...extra }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  })
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

const suiteOf = (mode: Mode, aead: number) => hpke.suite({ kem: MODE_KEM[mode], kdf: KDF.HkdfSha256, aead, allowClassical: true })

export async function makeKey(mode: Mode): Promise<StaticKey> {
  const pair = await suiteOf(mode, 3).GenerateKeyPair()
  return {
    kid: await keyId(MODE_KEM[mode], pair.publicKey),
    mode,
    publicKey: pair.publicKey,
    recipient: await suiteOf(mode, 3).importRecipientKey(pair.privateKey),
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

  const published = (): PublishedKey[] =>
    keys.map((k) => ({
      kid: k.kid,
      mode: k.mode,
      kemId: MODE_KEM[k.mode],
      publicKey: b64u(k.publicKey),
      notBefore: '2026-11-27T00:00:00Z',
      notAfter: null,
      status: k.status,
    }))

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url)
    const path = url.pathname
    const pathAndQuery = path + url.search
    seen.push({ method: req.method, path: pathAndQuery, headers: req.headers })
    if (req.method === 'GET' && path === '/v2/keys')
      return json(200, { version: 2, policy: options.policy ?? 'hybrid-required', aeads: [3, 2], keys: published() })
    if (req.method === 'POST' && path === '/v2/sessions') return establish(await req.json())
    if (!/^\/v2\/(config(\/.+)?|admin\/rewrap)$/.test(path)) return problem(404, 'not_found', `No route for ${req.method} ${path}.`)

    // Authenticated requests: ticket, timestamp, MAC.
    const auth = req.headers.get('authorization') ?? ''
    const ticket = auth.startsWith(`${AUTH_SCHEME} `) ? auth.slice(AUTH_SCHEME.length + 1) : ''
    const session = sessions.get(ticket)
    const timestamp = Number(req.headers.get('pqedge-timestamp'))
    const mac = req.headers.get('pqedge-mac') ?? ''
    if (!session || !/^[A-Za-z0-9_-]{43}$/.test(mac)) return problem(401, 'invalid_ticket', 'no valid ticket')
    if (Date.now() >= session.expires) return problem(401, 'expired_ticket', 'the ticket is past expiresAt')
    if (!isFresh(timestamp, Date.now())) return problem(401, 'stale_request', 'timestamp outside the window')
    const body = new Uint8Array(await req.arrayBuffer())
    const signed = {
      method: req.method,
      pathAndQuery,
      timestamp,
      ifMatch: req.headers.get('if-match'),
      ifNoneMatch: req.headers.get('if-none-match'),
      body,
    }
    if (!(await verifyRequestMac(webCryptoHmacSha256, session.authKey, signed, fromB64u(mac, 'mac'))))
      return problem(401, 'invalid_ticket', 'the MAC does not verify')

    const name = /^\/v2\/config\/(.+)$/.exec(path)?.[1]
    if (req.method === 'GET' && name) {
      if (session.principal !== 'client') return problem(403, 'scope_denied', 'admin sessions do not read values')
      return readConfig(name, session)
    }
    if (session.principal !== 'admin') return problem(403, 'scope_denied', 'admin only')
    if (path === '/v2/admin/rewrap' && req.method === 'POST') {
      const names = [...records].filter(([, r]) => r.value).map(([n]) => n)
      const start = Number(url.searchParams.get('cursor') ?? '0')
      const size = options.rewrapPage ?? 2
      const next = start + size < names.length ? String(start + size) : null
      return json(200, {
        kek: 'k1',
        updated: names.slice(start, start + size).length,
        unchanged: 0,
        vanished: 0,
        conflicts: [],
        unreadable: [],
        next,
      })
    }
    if (req.method === 'GET' && path === '/v2/config') {
      return json(200, { items: [...records].filter(([, r]) => r.value).map(([n, r]) => ({ name: n, version: r.version })) })
    }
    if (!name) return problem(404, 'not_found', 'no route')
    const record = records.get(name)
    const live = record?.value ? record : undefined
    const ifMatch = req.headers.get('if-match')
    if (req.method === 'PUT') {
      const ifNoneMatch = req.headers.get('if-none-match')
      if (ifNoneMatch === null && ifMatch === null) return problem(428, 'precondition_required', 'send If-Match or If-None-Match: *')
      if (ifNoneMatch !== null && ifMatch !== null) return problem(400, 'bad_request', 'both preconditions')
      const base = ifNoneMatch === '*' ? 0 : Number(/^"(\d+)"$/.exec(ifMatch ?? '')?.[1] ?? Number.NaN)
      if ((base === 0 && live) || (base !== 0 && live?.version !== base))
        return problem(412, 'version_mismatch', 'stale precondition', { currentVersion: live?.version ?? 0 })
      const put = JSON.parse(new TextDecoder().decode(body)) as { kid: string; aead: number; enc: string; ciphertext: string }
      const key = keys.find((k) => k.kid === put.kid)
      if (!key) return problem(400, 'unknown_key', 'no such kid')
      let value: Uint8Array
      try {
        value = await openConfigPut({
          suite: suiteOf(key.mode, put.aead),
          recipientKey: key.recipient,
          name,
          baseVersion: base,
          enc: fromB64u(put.enc, 'enc'),
          ciphertext: fromB64u(put.ciphertext, 'ciphertext'),
        })
      } catch {
        return problem(400, 'decryption_failed', 'the envelope does not open')
      }
      const version = (record?.version ?? 0) + 1
      records.set(name, { version, value })
      return json(base === 0 ? 201 : 200, { name, version }, { etag: `"${version}"` })
    }
    if (req.method === 'DELETE') {
      if (ifMatch === null) return problem(428, 'precondition_required', 'send If-Match')
      if (!live) return problem(404, 'not_found', 'no such config name')
      if (ifMatch !== `"${live.version}"`) return problem(412, 'version_mismatch', 'stale precondition', { currentVersion: live.version })
      records.set(name, { version: live.version, value: null })
      return new Response(null, { status: 204 })
    }
    return problem(404, 'not_found', 'no route')
  }

  async function establish(body: {
    kid: string
    aead: number
    timestamp: number
    enc: string
    ephemeralPublicKey: string
    sealed: string
  }): Promise<Response> {
    if (!isFresh(body.timestamp, Date.now())) return problem(400, 'stale_request', 'timestamp outside the window')
    const key = keys.find((k) => k.kid === body.kid)
    if (!key) return problem(400, 'unknown_key', 'kid names no current or retiring key')
    const suite = suiteOf(key.mode, body.aead)
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + (options.lifetime ?? 600) * 1000).toISOString().replace('.000Z', 'Z')
    try {
      const { response, session, principal } = await acceptSession(suite, key, body, expiresAt)
      const ticket = response.ticket
      sessions.set(ticket, { ...principal, ...session, suite, expires: Date.parse(expiresAt) })
      return json(201, options.tamperSession ? options.tamperSession(response) : response)
    } catch (error) {
      if ((error as { status?: number }).status === 401) return problem(401, 'invalid_credentials', 'wrong credentials')
      return problem(400, 'decryption_failed', 'the request does not open with this key')
    }
  }

  async function acceptSession(suite: Suite, key: StaticKey, body: Parameters<typeof establish>[0], expiresAt: string) {
    return accept({
      suite,
      recipientKey: key.recipient,
      hmac: webCryptoHmacSha256,
      x25519: webCryptoX25519,
      kid: key.kid,
      timestamp: body.timestamp,
      enc: fromB64u(body.enc, 'enc'),
      ephemeralPublicKey: fromB64u(body.ephemeralPublicKey, 'ephemeralPublicKey'),
      sealed: fromB64u(body.sealed, 'sealed'),
      keys: published(),
      expiresAt,
      authenticate: async (c: Credentials) => {
        if (c.principal === 'admin') {
          if (c.secret !== adminToken) throw Object.assign(new Error('bad credentials'), { status: 401 })
          return { principal: 'admin' as const, scopes: [] as string[] }
        }
        const client = clients.find((x) => x.id === c.id && x.secret === c.secret)
        if (!client) throw Object.assign(new Error('bad credentials'), { status: 401 })
        return { principal: 'client' as const, scopes: client.scopes }
      },
      issueTicket: async () => b64u(crypto.getRandomValues(new Uint8Array(24))),
    })
  }

  async function readConfig(name: string, session: DoubleSession): Promise<Response> {
    if (!session.scopes.some((s) => (s.endsWith('/') ? name.startsWith(s) : name === s)))
      return problem(403, 'scope_denied', `not allowed ${name}`)
    const record = records.get(name)
    if (!record?.value) return problem(404, 'not_found', 'no such config name')
    const sealed = await sealConfigValue({
      suite: session.suite,
      ephemeralPublicKey: session.ephemeralPublicKey,
      name,
      version: record.version,
      sessionId: session.sessionId,
      value: record.value,
    })
    return json(200, { name, version: record.version, ...sealed })
  }

  return {
    fetch: (input, init) => handle(new Request(input, init)),
    handle,
    keys,
    sessions,
    records,
    seen,
    options,
    published,
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
