// Engine side: what a full POST /v2/sessions costs inside StarlingMonkey, per establishment mode, and
// what an authenticated GET /v2/config/{name} (MAC check, revocation, vault open, HPKE seal to pkE) costs
// in a hybrid session, for one app composition. The client half is the project's own protocol code
// (src/protocol/v2.ts beginSession / finishSession / authHeaders / openConfigValue); the server half is whatever `composition.createApp()` returns, here
// the real app (src/app.ts + the service routes + a service context), later the Fastly entry's own
// factory. Requests are prepared before the clock starts; every response is checked afterwards (201 and
// key confirmation; 200 and a value that opens with skE), so a broken server fails the build rather than producing a fast number.
//
// The clock is the caller's (performance.now() in a request; Date.now(), 1 ms steps, would do too):
// requests are timed in batches and a batch's mean is one sample. The engine runs single-threaded, so on
// an idle machine this is its CPU time; on a busy one it is an upper bound.

import { fromB64u, utf8 } from '../../../src/crypto/bytes.ts'
import type { HmacSha256 } from '../../../src/crypto/types.ts'
import type { Hpke } from '../../../src/hpke/hpke.ts'
import {
  authHeaders,
  beginSession,
  type ClientSession,
  type Credentials,
  finishSession,
  KDF_HKDF_SHA256,
  MODE_KEM,
  type Mode,
  openConfigValue,
  type PendingSession,
  type SessionResponse,
  sealConfigPut,
} from '../../../src/protocol/v2.ts'
import type { CompositionTiming, ModeTiming } from './input.ts'

/** What the timing needs from an app: a fresh one per call, as a new Fastly sandbox builds it. */
export interface Composition {
  name: string
  /** Which implementation serves each primitive (report only). */
  backends: Record<string, string>
  /**
   * A fresh app with no service context yet: its first /v2 request selects backends and derives the keys.
   * Every app of one composition shares one vault (a deployment's store), so a cold read finds the record.
   */
  createApp(): { fetch(request: Request): Response | Promise<Response> }
  /**
   * Puts module state back as the snapshot has it (untimed, before each cold request): in this one
   * engine instance, caches filled by earlier requests would otherwise make "cold" look cheaper.
   */
  resetToSnapshot?(): void
}

/** The client: the project's HPKE and HMAC (any backends; its cost is not measured). */
export interface ClientSide {
  hpke: Hpke
  hmac: HmacSha256
  /** The client's credentials for a mode (classical mode takes the client's separate classical secret). */
  credentials(mode: Mode): Credentials
  /** The admin's, to write the record the reads time. */
  admin: Credentials
}

export interface TimingSize {
  batches: number
  perBatch: number
  coldRuns: number
}

const BASE = 'https://pq-edge.selftest'
const MODES: readonly Mode[] = ['hybrid', 'pq', 'classical']

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const wipe = (session: ClientSession) => {
  session.authKey.fill(0)
  session.ephemeral.privateKey.fill(0)
}

interface KeyDocument {
  aeads: number[]
  keys: { kid: string; mode: Mode; publicKey: string; status: string }[]
}

async function keyDocument(app: ReturnType<Composition['createApp']>): Promise<KeyDocument> {
  const res = await app.fetch(new Request(`${BASE}/v2/keys`, { headers: { accept: 'application/json' } }))
  if (res.status !== 200) throw new Error(`GET /v2/keys answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as KeyDocument
}

function sessionRequest(pending: PendingSession): Request {
  return new Request(`${BASE}/v2/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(pending.request),
  })
}

/** Prepares `n` session requests for a mode (client half, §5.1), against the key set of `doc`. */
async function prepare(client: ClientSide, doc: KeyDocument, mode: Mode, n: number, credentials = client.credentials(mode)) {
  const key = doc.keys.find((k) => k.mode === mode && k.status === 'current')
  if (!key) throw new Error(`the key set offers no current ${mode} key (policy must accept all three modes)`)
  const aead = doc.aeads[0]! // the client's default: the server's first choice
  const suite = client.hpke.suite({ kem: MODE_KEM[mode], kdf: KDF_HKDF_SHA256, aead, allowClassical: mode === 'classical' })
  const serverPublicKey = fromB64u(key.publicKey, 'publicKey')
  const pending: PendingSession[] = []
  for (let i = 0; i < n; i++) pending.push(await beginSession({ suite, kid: key.kid, serverPublicKey, credentials }))
  return { suite, pending, key, serverPublicKey }
}

type SuiteOf = Parameters<typeof finishSession>[0]['suite']

/** Checks a session response as the client does (§5.2): 201, then key confirmation; returns the session. */
async function confirm(client: ClientSide, suite: SuiteOf, pending: PendingSession, res: Response, what: string): Promise<ClientSession> {
  if (res.status !== 201) throw new Error(`${what}: POST /v2/sessions answered ${res.status}: ${await res.text()}`)
  try {
    return await finishSession({ suite, hmac: client.hmac, pending, response: (await res.json()) as SessionResponse })
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

const READ_NAME = 'app/engine-suite'
const READ_VALUE = 'postgres://engine-suite'

/** A signed GET /v2/config/{READ_NAME} of `session` (§5.3). */
async function readRequest(client: ClientSide, session: ClientSession): Promise<Request> {
  const path = `/v2/config/${READ_NAME}`
  const headers = await authHeaders(client.hmac, session, { method: 'GET', pathAndQuery: path, timestamp: Math.floor(Date.now() / 1000) })
  return new Request(`${BASE}${path}`, { headers })
}

/** Checks a read as the client does: 200, and the value opens with skE. */
async function checkRead(suite: SuiteOf, session: ClientSession, res: Response, what: string): Promise<void> {
  if (res.status !== 200) throw new Error(`${what}: GET /v2/config answered ${res.status}: ${await res.text()}`)
  const body = (await res.json()) as { version: number; enc: string; ciphertext: string }
  const value = await openConfigValue({
    suite,
    ephemeralPrivateKey: session.ephemeral.privateKey,
    name: READ_NAME,
    version: body.version,
    sessionId: session.sessionId,
    enc: body.enc,
    ciphertext: body.ciphertext,
  })
  if (new TextDecoder().decode(value) !== READ_VALUE) throw new Error(`${what}: the value read is not the one written`)
}

/**
 * Times GET /v2/config/{name} in a hybrid session: cold (a fresh app per request, over the shared vault)
 * and warm (one app). The record is written first by the admin, in a session of its own.
 */
async function timeRead(
  composition: Composition,
  client: ClientSide,
  doc: KeyDocument,
  warm: ReturnType<Composition['createApp']>,
  size: TimingSize,
  now: () => number,
): Promise<ModeTiming> {
  const { suite, pending, key, serverPublicKey } = await prepare(client, doc, 'hybrid', 2, client.credentials('hybrid'))
  const [adminPending] = (await prepare(client, doc, 'hybrid', 1, client.admin)).pending
  const admin = await confirm(client, suite, adminPending!, await warm.fetch(sessionRequest(adminPending!)), `${composition.name} admin`)
  const body = JSON.stringify(
    await sealConfigPut({ suite, kid: key.kid, serverPublicKey, name: READ_NAME, baseVersion: 0, value: utf8(READ_VALUE) }),
  )
  const path = `/v2/config/${READ_NAME}`
  const putHeaders = await authHeaders(client.hmac, admin, {
    method: 'PUT',
    pathAndQuery: path,
    timestamp: Math.floor(Date.now() / 1000),
    ifNoneMatch: '*',
    body: utf8(body),
  })
  const put = await warm.fetch(
    new Request(`${BASE}${path}`, {
      method: 'PUT',
      headers: { ...putHeaders, 'if-none-match': '*', 'content-type': 'application/json' },
      body,
    }),
  )
  if (put.status !== 201 && put.status !== 412)
    throw new Error(`${composition.name}: PUT ${path} answered ${put.status}: ${await put.text()}`)
  const session = await confirm(client, suite, pending[0]!, await warm.fetch(sessionRequest(pending[0]!)), `${composition.name} reader`)

  const cold: number[] = []
  for (let i = 0; i < size.coldRuns; i++) {
    const request = await readRequest(client, session)
    composition.resetToSnapshot?.()
    const t = now()
    const res = await composition.createApp().fetch(request)
    cold.push(now() - t)
    await checkRead(suite, session, res, `${composition.name} cold read`)
  }
  await checkRead(suite, session, await warm.fetch(await readRequest(client, session)), `${composition.name} read warm-up`)
  const requests: Request[] = []
  for (let i = 0; i < size.batches * size.perBatch; i++) requests.push(await readRequest(client, session))
  const responses: Response[] = []
  const samples: number[] = []
  for (let b = 0; b < size.batches; b++) {
    const batch = requests.slice(b * size.perBatch, (b + 1) * size.perBatch)
    const t = now()
    for (const request of batch) responses.push(await warm.fetch(request))
    samples.push((now() - t) / size.perBatch)
  }
  for (const [i, res] of responses.entries()) await checkRead(suite, session, res, `${composition.name} read ${i}`)
  return { coldMs: median(cold), medianMs: median(samples), minMs: Math.min(...samples), requests: responses.length }
}

/**
 * Times one composition: cold context (fresh app, GET /v2/keys); per mode, cold POST /v2/sessions (a
 * fresh app per request: what a new Fastly sandbox pays, i.e. every request by default) and warm ones
 * (one app whose context is in place: a reusable sandbox). Throws if any response is not a confirmed session.
 */
export async function timeEstablishment(
  composition: Composition,
  client: ClientSide,
  size: TimingSize,
  now: () => number = Date.now,
): Promise<CompositionTiming> {
  const coldContext: number[] = []
  for (let i = 0; i < size.coldRuns; i++) {
    composition.resetToSnapshot?.()
    const t = now()
    const app = composition.createApp()
    const res = await app.fetch(new Request(`${BASE}/v2/keys`))
    const dt = now() - t
    if (res.status !== 200) throw new Error(`${composition.name}: GET /v2/keys on a fresh app answered ${res.status}: ${await res.text()}`)
    coldContext.push(dt)
  }

  const warm = composition.createApp()
  const doc = await keyDocument(warm)

  const modes = {} as Record<Mode, ModeTiming>
  for (const mode of MODES) {
    const cold: number[] = []
    {
      const { suite, pending } = await prepare(client, doc, mode, size.coldRuns)
      for (const p of pending) {
        const request = sessionRequest(p)
        composition.resetToSnapshot?.()
        const t = now()
        const res = await composition.createApp().fetch(request)
        cold.push(now() - t)
        wipe(await confirm(client, suite, p, res, `${composition.name} cold ${mode}`))
      }
    }
    const { suite, pending } = await prepare(client, doc, mode, size.batches * size.perBatch)
    // One untimed request first: the route's lazy state (first validation, first use of the key) is not steady state.
    const [first] = await prepare(client, doc, mode, 1).then((p) => p.pending)
    wipe(await confirm(client, suite, first!, await warm.fetch(sessionRequest(first!)), `${composition.name} ${mode} warm-up`))
    const requests = pending.map(sessionRequest)
    const responses: Response[] = []
    const samples: number[] = []
    for (let b = 0; b < size.batches; b++) {
      const batch = requests.slice(b * size.perBatch, (b + 1) * size.perBatch)
      const t = now()
      for (const request of batch) responses.push(await warm.fetch(request))
      samples.push((now() - t) / size.perBatch)
    }
    for (const [i, res] of responses.entries())
      wipe(await confirm(client, suite, pending[i]!, res, `${composition.name} ${mode} request ${i}`))
    modes[mode] = { coldMs: median(cold), medianMs: median(samples), minMs: Math.min(...samples), requests: responses.length }
  }

  const read = await timeRead(composition, client, doc, warm, size, now)
  return { composition: composition.name, backends: composition.backends, coldContextMs: median(coldContext), modes, read }
}
