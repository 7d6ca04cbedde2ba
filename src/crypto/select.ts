// Backend selection for general runtimes (Node, browsers, and the libraries' workerd builds):
// select-core.ts's probing with pure-JS fallbacks that are imported on first use, never at module
// evaluation: a runtime whose WebCrypto serves X25519, HMAC and AES-GCM (workerd, Node) never evaluates
// those modules, and a cold isolate pays only for the one it calls (in Node: noble's ChaCha20-Poly1305).
// The Cloudflare service entry bundles none of them (src/runtime/cloudflare-crypto.ts): even unevaluated,
// they cost a cold isolate their parse time (`npm run bench:cold`, docs/BENCHMARKS.md). X25519's fallback is pq-edge-js (faster
// than noble without WebCrypto X25519; js-compute, one run of `node scripts/fastly/bench.ts crypto 15`,
// medians: publicKey 1.8 vs 5.5 ms, sharedSecret 4.5 vs 10 ms). SHA-3 is synchronous, so it cannot be
// loaded on first use; it comes from the ML-KEM wasm module's Keccak where that runs (select-core.ts), and
// from pq-edge-js (the TypeScript core's Keccak, far less to evaluate than @noble/hashes) before a
// browser's init() or without WebAssembly. Fastly's set is in interpreter.ts.

import { nobleAes128Gcm, nobleAes256Gcm, nobleChacha20Poly1305, nobleHmacSha256, nobleSha3, nobleX25519 } from './noble.ts'
import { nobleAead } from './noble-aead.ts'
import {
  type Fallbacks,
  fallbackBackends,
  lazySelection,
  type MlKemSource,
  type Preferred,
  type SelectedBackends,
  selectWith,
} from './select-core.ts'
import { jsSha3 } from './sha3-js.ts'
import type { Aead, AeadKey, Backends, HmacSha256, X25519 } from './types.ts'

export {
  describeBackends,
  type Fallbacks,
  type MlKemSource,
  mlKem768FromSync,
  type Preferred,
  type SelectedBackends,
} from './select-core.ts'
export type { BackendDescription, Backends } from './types.ts'

/** Runs `load` once, on first call (a failed load is retried). */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    }))
}

const chacha = once(async () => nobleAead((await import('@noble/ciphers/chacha.js')).chacha20poly1305, [32]))
const aesGcm = once(async () => (await import('@noble/ciphers/aes.js')).gcm)
const x25519Js = once(async () => (await import('./x25519-js.ts')).jsX25519)
const hmacSha256 = once(async () => {
  const [{ hmac }, { sha256 }] = await Promise.all([import('@noble/hashes/hmac.js'), import('@noble/hashes/sha2.js')])
  return (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data)
})

function lazyAead(name: Aead['name'], load: () => Promise<Aead>): Aead {
  return { name, importKey: async (key): Promise<AeadKey> => (await load()).importKey(key) }
}
const lazyGcm = (keyLength: 16 | 32) => lazyAead('noble', async () => nobleAead(await aesGcm(), [keyLength]))

const LAZY_X25519: X25519 = {
  name: 'pq-edge-js',
  publicKey: async (secretKey) => (await x25519Js()).publicKey(secretKey),
  sharedSecret: async (secretKey, publicKey) => (await x25519Js()).sharedSecret(secretKey, publicKey),
  importSecretKey: async (secretKey, publicKey) => (await x25519Js()).importSecretKey(secretKey, publicKey),
}
const LAZY_HMAC: HmacSha256 = { name: 'noble', mac: async (key, data) => (await hmacSha256())(key, data) }

export const GENERAL_FALLBACKS: Fallbacks = {
  x25519: LAZY_X25519,
  hmacSha256: LAZY_HMAC,
  aes128Gcm: lazyGcm(16),
  aes256Gcm: lazyGcm(32),
  chacha20poly1305: lazyAead('noble', chacha),
  sha3: jsSha3,
}

export function selectBackends(mlkem: MlKemSource, preferred?: Preferred): Promise<SelectedBackends> {
  return selectWith(mlkem, GENERAL_FALLBACKS, preferred)
}

/** All-noble backends with the given ML-KEM (for tests and comparisons; a bundle that does not call
 *  this drops noble.ts, whose statements are all pure). */
export function nobleBackends(mlkem: MlKemSource): Backends {
  return fallbackBackends(mlkem, {
    x25519: nobleX25519,
    hmacSha256: nobleHmacSha256,
    aes128Gcm: nobleAes128Gcm,
    aes256Gcm: nobleAes256Gcm,
    chacha20poly1305: nobleChacha20Poly1305,
    sha3: nobleSha3,
  })
}

/** Memoises one selection per isolate; the first call runs the probes. */
export function lazyBackends(mlkem: MlKemSource, preferred?: Preferred): () => Promise<SelectedBackends> {
  return lazySelection(() => selectBackends(mlkem, preferred))
}
