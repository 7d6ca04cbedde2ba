// Test client for the service endpoints: the protocol's own client half (src/protocol/v1.ts
// beginSession / finishSession) against the real Workers entry. `call` goes through SELF (the
// worker as configured in vitest.config.ts: PQ_POLICY=pq-preferred); `callWith(env)` calls the same
// entry's fetch with another env (another policy, a rotated secret), as a deployment would.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { expect } from 'vitest'
import { webCryptoHmacSha256 } from '../../../src/crypto/webcrypto.ts'
import { AEAD, hpke, KDF } from '../../../src/hpke/workerd.ts'
import { b64u, fromB64u, utf8 } from '../../../src/protocol/encoding.ts'
import { beginSession, configAad, type Credentials, finishSession, LABEL, MODE_KEM, type Mode, putAad, type SessionResponse } from '../../../src/protocol/v1.ts'
import worker from '../../../src/runtime/cloudflare.ts'
import { TEST_ADMIN_TOKEN, TEST_CLIENT } from './secrets.ts'

export const BASE = 'https://pq-edge.test'
export const hmac = webCryptoHmacSha256
export const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }
export const baseEnv = env as Record<string, unknown>

export type Caller = (path: string, init?: RequestInit) => Promise<Response>

export const call: Caller = (path, init) => SELF.fetch(`${BASE}${path}`, init)

/** A caller for the real entry with `overrides` on top of the test env (one env object: memoised like a deployment's). */
export function callWith(overrides: Record<string, unknown>): Caller {
  const variant = { ...baseEnv, ...overrides }
  return async (path, init) => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request(`${BASE}${path}`, init), variant, ctx)
    await waitOnExecutionContext(ctx)
    return res
  }
}

export async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status, `expected ${status} ${code}`).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const body = await res.json<Record<string, unknown>>()
  expect(body).toMatchObject({ status, code, type: `/problems/${code}` })
  return body
}

export interface PublishedKey {
  kid: string
  mode: Mode
  kemId: number
  publicKey: string
  status: 'current' | 'retiring'
}

export async function getKeys(caller: Caller = call): Promise<{ policy: string; aeads: number[]; keys: PublishedKey[] }> {
  const res = await caller('/v1/keys')
  expect(res.status).toBe(200)
  return res.json()
}

export function suiteFor(mode: Mode, aead: number = AEAD.ChaCha20Poly1305) {
  return hpke.suite({ kem: MODE_KEM[mode], kdf: KDF.HkdfSha256, aead, allowClassical: mode === 'classical' })
}

export async function keyFor(mode: Mode, caller: Caller = call, status: 'current' | 'retiring' = 'current'): Promise<PublishedKey> {
  const key = (await getKeys(caller)).keys.find((k) => k.mode === mode && k.status === status)
  if (!key) throw new Error(`no ${status} ${mode} key published`)
  return key
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

/** A session request (not sent), with its pending state. */
export async function sessionRequest(opts: { mode?: Mode; aead?: number; credentials?: Credentials; caller?: Caller; key?: PublishedKey } = {}) {
  const mode = opts.mode ?? 'hybrid'
  const suite = suiteFor(mode, opts.aead)
  const key = opts.key ?? (await keyFor(mode, opts.caller))
  const pending = await beginSession({ suite, kid: key.kid, serverPublicKey: fromB64u(key.publicKey, 'publicKey'), credentials: opts.credentials ?? TEST_CLIENT })
  return { suite, key, pending }
}

/** A full handshake: the established session (key confirmation verified). */
export async function establish(opts: { mode?: Mode; aead?: number; credentials?: Credentials; caller?: Caller } = {}) {
  const caller = opts.caller ?? call
  const { suite, pending } = await sessionRequest(opts)
  const res = await caller('/v1/sessions', json(pending.request))
  expect(res.status, await res.clone().text()).toBe(201)
  const response = await res.json<SessionResponse>()
  return finishSession({ suite, hmac, pending, response })
}

/** The body of an admin PUT: the value sealed to the server's key for `name` and `baseVersion`. */
export async function sealedPut(name: string, value: string, baseVersion: number, opts: { mode?: Mode; caller?: Caller; key?: PublishedKey; aead?: number } = {}) {
  const mode = opts.mode ?? 'hybrid'
  const aead = opts.aead ?? AEAD.ChaCha20Poly1305
  const key = opts.key ?? (await keyFor(mode, opts.caller))
  const { enc, ciphertext } = await suiteFor(mode, aead).Seal(fromB64u(key.publicKey, 'publicKey'), utf8(value), {
    info: utf8(LABEL.configPut),
    aad: putAad(name, baseVersion),
  })
  return { kid: key.kid, aead, enc: b64u(enc), ciphertext: b64u(ciphertext) }
}

export async function adminPut(name: string, value: string, opts: { ifMatch?: number; caller?: Caller; mode?: Mode } = {}) {
  const caller = opts.caller ?? call
  const body = await sealedPut(name, value, opts.ifMatch ?? 0, opts)
  const precondition: Record<string, string> = opts.ifMatch === undefined ? { 'if-none-match': '*' } : { 'if-match': `"${opts.ifMatch}"` }
  return caller(`/v1/config/${name}`, { ...json(body, { ...admin, ...precondition }), method: 'PUT' })
}

/** GET a config value with a session and decrypt it (§6.1). */
export async function readConfig(session: { ticket: string; sessionKey: Uint8Array; sessionId: Uint8Array; aeadId: number }, name: string, caller: Caller = call) {
  const res = await caller(`/v1/config/${name}`, { headers: { authorization: `PQEdge-Ticket ${session.ticket}` } })
  expect(res.status, await res.clone().text()).toBe(200)
  const body = await res.json<{ name: string; version: number; nonce: string; ciphertext: string }>()
  const { backends } = await getBackends()
  const aead = session.aeadId === AEAD.Aes256Gcm ? backends.aes256Gcm : backends.chacha20poly1305
  const key = await aead.importKey(session.sessionKey)
  const plaintext = await key.open(fromB64u(body.nonce, 'nonce', 12), configAad(name, body.version, session.sessionId), fromB64u(body.ciphertext, 'ciphertext'))
  return { ...body, value: new TextDecoder().decode(plaintext) }
}

import * as mlkem from '../../../src/mlkem/workerd.ts'
import { lazyBackends } from '../../../src/crypto/select.ts'
const getBackends = lazyBackends(mlkem)

/** A name no other test uses, under the edge-app client's `app/` scope. */
export const uniqueName = (prefix = 'app') => `${prefix}/t-${crypto.randomUUID().slice(0, 8)}`

/**
 * The vault's listing, less the records other test files create concurrently (their names come from
 * uniqueName): what a rejected request must leave unchanged.
 */
export async function vaultSnapshot(caller: Caller = call): Promise<string> {
  const res = await caller('/v1/config', { headers: admin })
  expect(res.status).toBe(200)
  const { items } = await res.json<{ items: { name: string; version: number }[] }>()
  return JSON.stringify(items.filter((i) => !/^[a-z]+\/t-/.test(i.name)))
}

/** Whether the vault holds `name` (asked as the admin). */
export async function stored(name: string, caller: Caller = call): Promise<{ name: string; version: number } | undefined> {
  const res = await caller('/v1/config', { headers: admin })
  expect(res.status).toBe(200)
  const { items } = await res.json<{ items: { name: string; version: number }[] }>()
  return items.find((i) => i.name === name)
}
