// The Cloudflare entry's crypto set (src/runtime/cloudflare-crypto.ts): no JavaScript fallback for what
// workerd's WebCrypto has. Where a primitive is missing anyway, the service must refuse to start with a
// configuration error that names the compatibility flag, and the stand-in must never compute anything.
// (Inside workerd, with wrangler.jsonc's flags, nothing is missing: test/app/workerd/health.test.ts; without
// the flag, the real entry refuses: test/runtime/workerd-without-flag/refuse.test.ts.)
import { describe, expect, it } from 'vitest'
import { describeBackends, fallbackBackends, selectWith } from '../../src/crypto/select-core.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { CLOUDFLARE_FALLBACKS, refuseMissingPrimitives } from '../../src/runtime/cloudflare-crypto.ts'
import { ConfigError } from '../../src/service/config-error.ts'

describe('Cloudflare entry crypto set', () => {
  const backends = fallbackBackends(mlkem, CLOUDFLARE_FALLBACKS) // every primitive from the set, no probing

  it('bundles no fallback: each reports missing (SHA-3 comes from the ML-KEM module in a selection)', () => {
    expect(describeBackends(backends)).toMatchObject({
      x25519: 'missing',
      hkdf: 'missing',
      aesGcm: 'missing',
      chacha20poly1305: 'missing',
      sha3: 'missing',
    })
  })

  it('refuses to start the service when anything is missing, naming the flag and what lacks', () => {
    let error: unknown
    try {
      refuseMissingPrimitives({
        ...describeBackends(backends),
        x25519: 'webcrypto',
        hkdf: 'webcrypto',
        aesGcm: 'webcrypto',
        sha3: 'pq-edge-wasm',
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe('compatibility_flags')
    expect((error as ConfigError).message).toContain('chacha20poly1305')
    expect((error as ConfigError).message).toContain('webcrypto_modern_algorithms')
    expect(() =>
      refuseMissingPrimitives({
        ...describeBackends(backends),
        x25519: 'webcrypto',
        hkdf: 'webcrypto',
        aesGcm: 'webcrypto',
        chacha20poly1305: 'webcrypto',
        sha3: 'pq-edge-wasm',
      }),
    ).not.toThrow()
  })

  it('a missing primitive rejects every call with that ConfigError', async () => {
    const key = new Uint8Array(32)
    const calls = [
      backends.x25519.publicKey(key),
      backends.x25519.sharedSecret(key, key),
      backends.x25519.importSecretKey(key),
      backends.hmacSha256.mac(key, key),
      backends.aes128Gcm.importKey(key.subarray(0, 16)),
      backends.aes256Gcm.importKey(key),
      backends.chacha20poly1305.importKey(key),
    ]
    for (const call of calls) await expect(call).rejects.toThrow(ConfigError)
    expect(() => backends.sha3_256(key)).toThrow(ConfigError)
    expect(() => backends.shake256(key, 32)).toThrow(ConfigError)
  })
})

it('a selection takes SHA-3 from the ML-KEM module, so nothing is missing but what WebCrypto lacks', async () => {
  const { describe: described } = await selectWith(mlkem, CLOUDFLARE_FALLBACKS)
  expect(described.sha3).toBe('pq-edge-wasm')
  expect(described.x25519).toBe('webcrypto') // Node 22's WebCrypto has X25519, HMAC and AES-GCM
})
