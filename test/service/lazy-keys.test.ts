// Per-mode lazy private keys (src/service/keys.ts): deriving a secret's keys computes the three public
// keys (kids, the published list and KL need them) but imports no private key; a mode's key is imported
// on its first use only, once, and a request in one mode never imports another mode's key.
// Refused modes (src/service/context.ts): a context derives only the key pairs of the modes its policy
// accepts; a refused mode's kid still answers 403 mode_not_allowed (its pair derived then, once), an
// unknown kid 400 unknown_key, and the PRK copy held for the refused modes is wiped once they are derived.
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { detectCryptoCapabilities } from '../../src/capabilities.ts'
import { fromB64u, utf8 } from '../../src/crypto/bytes.ts'
import { lazyBackends, selectBackends } from '../../src/crypto/select.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { createHpke, type Hpke } from '../../src/hpke/hpke.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { MODE_KEM, type Mode, PROTOCOL_VERSION } from '../../src/protocol/v2.ts'
import { createServiceContext, type ServiceContext } from '../../src/service/context.ts'
import { deriveSecretKeys, MODES, suiteFor } from '../../src/service/keys.ts'
import { Metrics } from '../../src/service/metrics.ts'
import { MemoryConfigStore } from '../../src/service/store-memory.ts'
import { TEST_BINDINGS, TEST_SERVER_SECRET, TEST_SERVER_SECRET_NEXT } from './secrets.ts'

let backends: Backends
beforeAll(async () => {
  backends = (await selectBackends(mlkem)).backends
})

/**
 * An Hpke whose suites count importRecipientKey and DeriveKeyPair calls per KEM id; `failDerive(kem)`
 * makes that KEM's next DeriveKeyPair throw.
 */
function countingHpke(): { hpke: Hpke; imports: Map<number, number>; derived: Map<number, number>; failDerive(kem: number): void } {
  const real = createHpke(backends)
  const imports = new Map<number, number>()
  const derived = new Map<number, number>()
  const failing = new Set<number>()
  const count = (counts: Map<number, number>, kem: number) => counts.set(kem, (counts.get(kem) ?? 0) + 1)
  return {
    imports,
    derived,
    failDerive: (kem) => failing.add(kem),
    hpke: {
      suite(params) {
        const suite = real.suite(params)
        return {
          ...suite,
          importRecipientKey(privateKey, publicKey) {
            count(imports, params.kem)
            return suite.importRecipientKey(privateKey, publicKey)
          },
          async DeriveKeyPair(ikm) {
            if (failing.delete(params.kem)) throw new Error('injected DeriveKeyPair failure')
            count(derived, params.kem)
            return suite.DeriveKeyPair(ikm)
          },
        }
      },
    },
  }
}

describe('server keys: private keys imported per mode, on first use', () => {
  it('derives all three public keys but imports no private key up front', async () => {
    const { hpke, imports } = countingHpke()
    const { keys } = await deriveSecretKeys(backends, hpke, fromB64u(TEST_SERVER_SECRET, 'secret', 32), 'current')
    expect(keys.map((k) => k.mode)).toEqual(['hybrid', 'pq', 'classical'])
    for (const k of keys) expect(k.publicKey.length).toBeGreaterThan(0)
    expect([...imports.values()]).toEqual([])
  })

  for (const mode of ['pq', 'hybrid', 'classical'] as const satisfies readonly Mode[]) {
    it(`a ${mode} request imports the ${mode} key once and no other mode's`, async () => {
      const { hpke, imports } = countingHpke()
      const { keys } = await deriveSecretKeys(backends, hpke, fromB64u(TEST_SERVER_SECRET, 'secret', 32), 'current')
      const key = keys.find((k) => k.mode === mode)!
      const suite = suiteFor(hpke, mode, 0x0003)
      const sealed = await suite.Seal(key.publicKey, utf8('hello'), { info: utf8('lazy') })
      const [a, b] = await Promise.all([key.recipientKey(), key.recipientKey()])
      expect(a).toBe(b)
      expect(await suite.Open(sealed.enc, await key.recipientKey(), sealed.ciphertext, { info: utf8('lazy') })).toEqual(utf8('hello'))
      expect(Object.fromEntries(imports)).toEqual({ [MODE_KEM[mode]]: 1 })
    })
  }
})

/**
 * Backends that record each static-key derivation, ikm(mode) = HKDF-Expand(PRK, "static key " ‖ mode)
 * (keys.ts): the mode, and the PRK bytes it was keyed with (the very array, so a later wipe shows);
 * and count ML-KEM-768 key generations (X-Wing's and ML-KEM's DeriveKeyPair).
 */
const latin1 = new TextDecoder('latin1')

function recordingBackends() {
  const staticKeys: { mode: string; prk: Uint8Array }[] = []
  const counts = { mlkemKeygens: 0 }
  const { hmacSha256, mlkem768 } = backends
  const recorded: Backends = {
    ...backends,
    hmacSha256: {
      name: hmacSha256.name,
      mac(key, data) {
        // HKDF-Expand's first block: T(0) = "" ‖ info ‖ 0x01.
        const info = data.at(-1) === 1 ? /^static key (\w+)$/.exec(latin1.decode(data.subarray(0, -1))) : null
        if (info) staticKeys.push({ mode: info[1]!, prk: key })
        return hmacSha256.mac(key, data)
      },
    },
    mlkem768: new Proxy(mlkem768, {
      get(target, property) {
        if (property === 'keygen')
          return (seed: Uint8Array) => {
            counts.mlkemKeygens++
            return target.keygen(seed)
          }
        const value = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      },
    }),
  }
  return { backends: recorded, staticKeys, counts, modes: () => staticKeys.map((k) => k.mode) }
}

const ROTATING = { ...TEST_BINDINGS, SERVER_SECRET: TEST_SERVER_SECRET_NEXT, SERVER_SECRET_PREVIOUS: TEST_SERVER_SECRET }

function contextWith(b: Backends, vars: Record<string, string>) {
  return createServiceContext(vars, { backends: b, openStore: () => new MemoryConfigStore(), metrics: new Metrics({ log: () => {} }) })
}

/** POST /v2/sessions naming `kid`, otherwise well formed up to the kid check (step 3). */
async function sessionNaming(context: ServiceContext, kid: string): Promise<{ status: number; code: unknown }> {
  const app = createApp({
    runtime: { name: 'node-test' },
    mlkem,
    crypto: lazyBackends(mlkem),
    detectCapabilities: detectCryptoCapabilities,
    service: async () => context,
  })
  const body = {
    version: PROTOCOL_VERSION,
    kid,
    aead: 0x0003,
    timestamp: Math.floor(Date.now() / 1000),
    enc: 'AA',
    ephemeralPublicKey: 'AA',
    sealed: 'AA',
  }
  const response = await app.fetch(
    new Request('https://pq-edge.test/v2/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  )
  return { status: response.status, code: ((await response.json()) as { code?: unknown }).code }
}

describe('refused modes: key pairs derived only when a request names a kid the service does not list', () => {
  let allKids: { kid: string; mode: Mode; status: string }[]
  let fullKeygens: number
  beforeAll(async () => {
    // The kids the service computes for every mode: from a context whose policy accepts them all.
    const full = recordingBackends()
    const context = await contextWith(full.backends, { ...ROTATING, PQ_POLICY: 'pq-preferred' })
    allKids = context.publishedKeys.map(({ kid, mode, status }) => ({ kid, mode, status }))
    expect(allKids.map((k) => k.mode)).toEqual([...MODES, ...MODES])
    fullKeygens = full.counts.mlkemKeygens
  })

  it('hybrid-required: creating the context derives only the hybrid key pairs (current and retiring)', async () => {
    const recording = recordingBackends()
    const context = await contextWith(recording.backends, { ...ROTATING, PQ_POLICY: 'hybrid-required' })
    expect(recording.modes()).toEqual(['hybrid', 'hybrid'])
    expect(recording.counts.mlkemKeygens).toBeLessThan(fullKeygens)
    expect(context.publishedKeys.map((k) => k.mode)).toEqual(['hybrid', 'hybrid'])
    expect(context.keys.map((k) => k.kid)).toEqual(allKids.filter((k) => k.mode === 'hybrid').map((k) => k.kid))
  })

  it('a refused mode’s kid gets 403 mode_not_allowed, an unknown kid 400 unknown_key; the refused pairs are derived once, and the PRK copy then wiped', async () => {
    const recording = recordingBackends()
    const context = await contextWith(recording.backends, { ...ROTATING, PQ_POLICY: 'hybrid-required' })
    const refused = allKids.filter((k) => k.mode !== 'hybrid')
    expect(refused).toHaveLength(4)
    for (const { kid } of refused) expect(await sessionNaming(context, kid)).toEqual({ status: 403, code: 'mode_not_allowed' })
    expect(await sessionNaming(context, 'AAAAAAAAAAAAAAAA')).toEqual({ status: 400, code: 'unknown_key' })
    expect(
      await sessionNaming(
        context,
        allKids[0]!.kid.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toEqual({
      status: 400,
      code: 'unknown_key',
    })
    // Derived on the first lookup that missed, once for every refused request that followed.
    expect(recording.modes().sort()).toEqual(['classical', 'classical', 'hybrid', 'hybrid', 'pq', 'pq'])
    expect(recording.counts.mlkemKeygens).toBe(fullKeygens)
    for (const { mode, prk } of recording.staticKeys) {
      expect(prk.length, mode).toBe(32)
      expect(
        prk.every((b) => b === 0),
        `${mode}: PRK wiped`,
      ).toBe(true)
    }
    for (const k of refused) expect((await context.findKey(k.kid))?.mode).toBe(k.mode)
  })

  it('deriveSecretKeys: deferred modes derive on the first deferredKeys call, once even when concurrent; a failure is retried', async () => {
    const { hpke, derived, failDerive } = countingHpke()
    const secret = fromB64u(TEST_SERVER_SECRET, 'secret', 32)
    const { keys, deferredKeys } = await deriveSecretKeys(backends, hpke, secret, 'current', { upFront: ['hybrid'] })
    expect(keys.map((k) => k.mode)).toEqual(['hybrid'])
    expect(Object.fromEntries(derived)).toEqual({ [MODE_KEM.hybrid]: 1 })

    failDerive(MODE_KEM.pq)
    await expect(deferredKeys()).rejects.toThrow('injected DeriveKeyPair failure')
    const [a, b] = await Promise.all([deferredKeys(), deferredKeys()])
    expect(a.map((k) => k.mode)).toEqual(['pq', 'classical'])
    expect(b).toEqual(a)
    expect(Object.fromEntries(derived)).toEqual({ [MODE_KEM.hybrid]: 1, [MODE_KEM.pq]: 1, [MODE_KEM.classical]: 1 })
    // The same keys as deriving every mode up front.
    const all = await deriveSecretKeys(backends, createHpke(backends), fromB64u(TEST_SERVER_SECRET, 'secret', 32), 'current')
    expect([...keys, ...a].map((k) => [k.kid, k.publicKey])).toEqual(all.keys.map((k) => [k.kid, k.publicKey]))
  })
})
