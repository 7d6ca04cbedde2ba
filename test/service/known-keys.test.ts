// Known public keys (keys.ts): a context given the public keys computed ahead of time for its secret
// publishes exactly what a context deriving everything publishes, and its lazily derived private
// keys open what is sealed to those public keys; keys for another secret, or altered keys, are
// configuration errors that name the variable and never its value. Weak secrets (keys.ts) are refused
// outside local development.
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { b64u, fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import { selectBackends } from '../../src/crypto/select.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { createHpke } from '../../src/hpke/hpke.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { ConfigError } from '../../src/service/config-error.ts'
import { createServiceContext, type ServiceVars } from '../../src/service/context.ts'
import { type KnownPublicKeys, knownPublicKeysFor, PUBLIC_ADMIN_TOKEN_HASHES, secretWeakness, suiteFor } from '../../src/service/keys.ts'
import { Metrics } from '../../src/service/metrics.ts'
import { MemoryConfigStore } from '../../src/service/store-memory.ts'

const SECRET = '3agj3dPToWp0sHcKxE8pAfI_rspI20NMUoSVa5Z4cxs'
const OTHER = '_jgsUgjXCyQ6anKqTloVyr65xY-08yMYUO_Q00bsCTs'
const vars: ServiceVars = { SERVER_SECRET: SECRET, PQ_POLICY: 'pq-preferred' }

let backends: Backends
const known: Record<string, KnownPublicKeys> = {}

beforeAll(async () => {
  backends = (await selectBackends(mlkem)).backends
  const hpke = createHpke(backends)
  for (const s of [SECRET, OTHER]) known[s] = await knownPublicKeysFor(backends, hpke, fromB64u(s, 'secret', 32))
})

function context(v: ServiceVars, knownPublicKeys?: readonly KnownPublicKeys[]) {
  const store = new MemoryConfigStore()
  return createServiceContext(v, { backends, openStore: () => store, metrics: new Metrics({ log: () => {} }), knownPublicKeys })
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigError)
  return error as ConfigError
}

describe('known public keys', () => {
  it('publish the same keys document as deriving everything, and each mode’s private key opens what is sealed to it', async () => {
    const derived = await context(vars)
    const withKnown = await context(vars, [known[OTHER]!, known[SECRET]!])
    expect(withKnown.keysDocument).toEqual(derived.keysDocument)
    for (const key of withKnown.keys) {
      const suite = suiteFor(withKnown.hpke, key.mode, 0x0003)
      const { enc, ciphertext } = await suite.Seal(key.publicKey, utf8(`hello ${key.mode}`))
      expect(new TextDecoder().decode(await suite.Open(enc, await key.recipientKey(), ciphertext))).toBe(`hello ${key.mode}`)
      expect(await key.recipientKey()).toBe(await key.recipientKey()) // derived once
    }
  })

  it('keys for another secret: SERVER_SECRET does not match, and the message says how to fix it without the value', async () => {
    const error = await configError(context(vars, [known[OTHER]!]))
    expect(error.variable).toBe('SERVER_SECRET')
    expect(error.message).toMatch(/npm run fastly:keys/)
    expect(error.message).not.toContain(SECRET)
  })

  it('with SERVER_SECRET_PREVIOUS, its keys must be built in too', async () => {
    const rotated = { ...vars, SERVER_SECRET: OTHER, SERVER_SECRET_PREVIOUS: SECRET }
    expect((await configError(context(rotated, [known[OTHER]!]))).variable).toBe('SERVER_SECRET_PREVIOUS')
    const ok = await context(rotated, [known[OTHER]!, known[SECRET]!])
    expect(ok.keys.filter((k) => k.status === 'retiring').map((k) => b64u(k.publicKey))).toEqual(
      known[SECRET]!.keys.map((k) => k.publicKey),
    )
  })

  it.each([
    ['hybrid', 100], // a t̂ byte of the ML-KEM part
    ['hybrid', 1200], // the X25519 part
    ['pq', 1170], // a ρ byte
    ['classical', 5],
  ] as const)('an altered %s key (byte %i) no longer matches its check: refused when the context is built', async (mode, at) => {
    const altered = structuredClone(known[SECRET]!)
    const entry = altered.keys.find((k) => k.mode === mode)!
    const bytes = fromB64u(entry.publicKey, 'pk')
    bytes[at]! ^= 1
    entry.publicKey = b64u(bytes)
    const error = await configError(context(vars, [altered]))
    expect(error.variable).toBe('SERVER_SECRET')
    expect(error.message).toMatch(/altered/)
  })

  it('a missing or malformed mode is a configuration error', async () => {
    const missing = { ...known[SECRET]!, keys: known[SECRET]!.keys.filter((k) => k.mode !== 'pq') }
    expect((await configError(context(vars, [missing]))).message).toMatch(/lack a valid pq key/)
    const malformed = { ...known[SECRET]!, keys: known[SECRET]!.keys.map((k) => (k.mode === 'classical' ? { ...k, publicKey: '!!' } : k)) }
    expect((await configError(context(vars, [malformed]))).message).toMatch(/lack a valid classical key/)
  })
})

describe('weak secrets are refused outside local development (PQ_EDGE_DEV=1)', () => {
  // fastly.toml [local_server]'s public dummies, read from the file so the test follows it.
  const toml = readFileSync(new URL('../../fastly.toml', import.meta.url), 'utf8')
  const dummy = (key: string) => new RegExp(`key = "${key}", data = "([^"]*)"`).exec(toml)![1]!
  const ZERO = dummy('SERVER_SECRET')
  const DUMMY_ADMIN = dummy('ADMIN_TOKEN_SHA256')
  const bytesOf = (f: (i: number) => number) => b64u(Uint8Array.from({ length: 32 }, (_, i) => f(i)))
  const weak: [string, string][] = [
    ['fastly.toml’s all-zero dummy', ZERO],
    ['one byte repeated', bytesOf(() => 0xa5)],
    ['a short repeated pattern', bytesOf((i) => [1, 2, 3, 4][i % 4]!)],
    ['printable text', b64u(utf8('correct horse battery staple!!!!'))],
  ]

  it('fastly.toml still carries the dummies these tests name', () => {
    expect(fromB64u(ZERO, 'dummy')).toEqual(new Uint8Array(32))
    expect(DUMMY_ADMIN).toBe(PUBLIC_ADMIN_TOKEN_HASHES[0])
    expect(toml).toMatch(/\[local_server\.config_stores\.pq_edge_settings\.contents\][^[]*PQ_EDGE_DEV = "1"/)
  })

  it.each(weak)('SERVER_SECRET: %s', async (_, value) => {
    for (const v of [{ SERVER_SECRET: value }, { SERVER_SECRET: value, PQ_EDGE_DEV: '0' }, { SERVER_SECRET: value, PQ_EDGE_DEV: 'true' }]) {
      const error = await configError(context(v as ServiceVars))
      expect(error.variable).toBe('SERVER_SECRET')
      expect(error.message).toMatch(/random bytes/)
      expect(error.message).not.toContain(value)
    }
  })

  it.each(weak)('SERVER_SECRET_PREVIOUS: %s', async (_, value) => {
    const error = await configError(context({ ...vars, SERVER_SECRET_PREVIOUS: value }))
    expect(error.variable).toBe('SERVER_SECRET_PREVIOUS')
    expect(error.message).not.toContain(value)
  })

  it('ADMIN_TOKEN_SHA256: the public dummy, and the hash of an empty token', async () => {
    for (const hash of [DUMMY_ADMIN, DUMMY_ADMIN.toUpperCase(), PUBLIC_ADMIN_TOKEN_HASHES[1]!]) {
      const error = await configError(context({ ...vars, ADMIN_TOKEN_SHA256: hash }))
      expect(error.variable).toBe('ADMIN_TOKEN_SHA256')
      expect(error.message).not.toContain(hash)
    }
  })

  it('shorter (or longer) than 32 bytes is refused as a format error, in development too', async () => {
    for (const value of [b64u(crypto.getRandomValues(new Uint8Array(31))), b64u(crypto.getRandomValues(new Uint8Array(33)))]) {
      const error = await configError(context({ SERVER_SECRET: value, PQ_EDGE_DEV: '1' } as ServiceVars))
      expect(error.variable).toBe('SERVER_SECRET')
    }
  })

  it('with PQ_EDGE_DEV=1 (local development) the dummies are accepted; random secrets always are', async () => {
    const dev = { SERVER_SECRET: ZERO, SERVER_SECRET_PREVIOUS: weak[1]![1], ADMIN_TOKEN_SHA256: DUMMY_ADMIN, PQ_EDGE_DEV: '1' }
    // The default policy accepts hybrid only: the current and the retiring hybrid key are at hand.
    expect((await context(dev as ServiceVars)).keys.map((k) => [k.mode, k.status])).toEqual([
      ['hybrid', 'current'],
      ['hybrid', 'retiring'],
    ])
    for (let i = 0; i < 20; i++) {
      expect(secretWeakness(crypto.getRandomValues(new Uint8Array(32)))).toBeNull()
    }
    expect((await context({ ...vars, SERVER_SECRET_PREVIOUS: OTHER })).keys).toHaveLength(6)
  })
})
