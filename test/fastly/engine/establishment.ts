// Engine side: what a full POST /v1/sessions costs inside StarlingMonkey, per establishment mode, for
// one app composition. The client half is the project's own protocol code (src/protocol/v1.ts
// beginSession / finishSession); the server half is whatever `composition.createApp()` returns, here
// the real app (src/app.ts + the service routes + a service context), later the Fastly entry's own
// factory. Requests are prepared before the clock starts; every response is checked afterwards (201 and
// key confirmation), so a broken server fails the build rather than producing a fast number.
//
// The clock is the caller's (performance.now() in a request; Date.now(), 1 ms steps, would do too):
// requests are timed in batches and a batch's mean is one sample. The engine runs single-threaded, so on
// an idle machine this is its CPU time; on a busy one it is an upper bound.

import { fromB64u } from '../../../src/crypto/bytes.ts'
import type { HmacSha256 } from '../../../src/crypto/types.ts'
import type { Hpke } from '../../../src/hpke/hpke.ts'
import {
  beginSession,
  type Credentials,
  finishSession,
  KDF_HKDF_SHA256,
  MODE_KEM,
  type Mode,
  type PendingSession,
  type SessionResponse,
} from '../../../src/protocol/v1.ts'
import type { CompositionTiming, ModeTiming } from './input.ts'

/** What the timing needs from an app: a fresh one per call, as a new Fastly sandbox builds it. */
export interface Composition {
  name: string
  /** Which implementation serves each primitive (report only). */
  backends: Record<string, string>
  /** A fresh app with no service context yet: its first /v1 request selects backends and derives the keys. */
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
  credentials: Credentials
}

export interface TimingSize {
  batches: number
  perBatch: number
  coldRuns: number
}

const BASE = 'https://pq-edge.selftest'
const MODES: readonly Mode[] = ['hybrid', 'pq', 'classical']

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

interface KeyDocument {
  aeads: number[]
  keys: { kid: string; mode: Mode; publicKey: string; status: string }[]
}

async function keyDocument(app: ReturnType<Composition['createApp']>): Promise<KeyDocument> {
  const res = await app.fetch(new Request(`${BASE}/v1/keys`, { headers: { accept: 'application/json' } }))
  if (res.status !== 200) throw new Error(`GET /v1/keys answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as KeyDocument
}

function sessionRequest(pending: PendingSession): Request {
  return new Request(`${BASE}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(pending.request),
  })
}

/** Prepares `n` session requests for a mode (client half, §5.1), against the key set of `doc`. */
async function prepare(client: ClientSide, doc: KeyDocument, mode: Mode, n: number) {
  const key = doc.keys.find((k) => k.mode === mode && k.status === 'current')
  if (!key) throw new Error(`the key set offers no current ${mode} key (policy must accept all three modes)`)
  const aead = doc.aeads[0]! // the client's default: the server's first choice
  const suite = client.hpke.suite({ kem: MODE_KEM[mode], kdf: KDF_HKDF_SHA256, aead, allowClassical: mode === 'classical' })
  const serverPublicKey = fromB64u(key.publicKey, 'publicKey')
  const pending: PendingSession[] = []
  for (let i = 0; i < n; i++) pending.push(await beginSession({ suite, kid: key.kid, serverPublicKey, credentials: client.credentials }))
  return { suite, pending }
}

/** Checks a session response as the client does (§5.3): 201, then key confirmation. */
async function confirm(
  client: ClientSide,
  suite: Parameters<typeof finishSession>[0]['suite'],
  pending: PendingSession,
  res: Response,
  what: string,
): Promise<void> {
  if (res.status !== 201) throw new Error(`${what}: POST /v1/sessions answered ${res.status}: ${await res.text()}`)
  try {
    const session = await finishSession({ suite, hmac: client.hmac, pending, response: (await res.json()) as SessionResponse })
    session.sessionKey.fill(0)
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * Times one composition: cold context (fresh app, GET /v1/keys); per mode, cold POST /v1/sessions (a
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
    const res = await app.fetch(new Request(`${BASE}/v1/keys`))
    const dt = now() - t
    if (res.status !== 200) throw new Error(`${composition.name}: GET /v1/keys on a fresh app answered ${res.status}: ${await res.text()}`)
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
        await confirm(client, suite, p, res, `${composition.name} cold ${mode}`)
      }
    }
    const { suite, pending } = await prepare(client, doc, mode, size.batches * size.perBatch)
    // One untimed request first: the route's lazy state (first validation, first use of the key) is not steady state.
    const [first] = await prepare(client, doc, mode, 1).then((p) => p.pending)
    await confirm(client, suite, first!, await warm.fetch(sessionRequest(first!)), `${composition.name} ${mode} warm-up`)
    const requests = pending.map(sessionRequest)
    const responses: Response[] = []
    const samples: number[] = []
    for (let b = 0; b < size.batches; b++) {
      const batch = requests.slice(b * size.perBatch, (b + 1) * size.perBatch)
      const t = now()
      for (const request of batch) responses.push(await warm.fetch(request))
      samples.push((now() - t) / size.perBatch)
    }
    for (const [i, res] of responses.entries()) await confirm(client, suite, pending[i]!, res, `${composition.name} ${mode} request ${i}`)
    modes[mode] = { coldMs: median(cold), medianMs: median(samples), minMs: Math.min(...samples), requests: responses.length }
  }

  return { composition: composition.name, backends: composition.backends, coldContextMs: median(coldContext), modes }
}
