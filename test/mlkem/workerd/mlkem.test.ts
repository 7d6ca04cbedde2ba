// The ML-KEM core inside workerd, loaded exactly as the worker loads it (imported .wasm modules),
// checked with the accumulated test and against workerd's native WebCrypto ML-KEM-768, an
// independent implementation (one-shot operations and imported keys).
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS } from '../../../src/mlkem/api.ts'
import { instantiateMlKem } from '../../../src/mlkem/instantiate.ts'
import manifest from '../../../src/mlkem/wasm/manifest.json'
import scalarModule from '../../../src/mlkem/wasm/mlkem.wasm'
import * as mlkem from '../../../src/mlkem/workerd.ts'
import { ACCUMULATED_10K, accumulate, toHex } from '../../support/accumulated.ts'

// ML-KEM is newer than the WebCrypto types in @cloudflare/workers-types.
interface KemSubtle {
  generateKey(alg: { name: string }, extractable: boolean, usages: string[]): Promise<CryptoKeyPair>
  importKey(format: string, data: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<CryptoKey>
  exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer>
  encapsulateBits(alg: { name: string }, key: CryptoKey): Promise<{ sharedKey: ArrayBuffer; ciphertext: ArrayBuffer }>
  decapsulateBits(alg: { name: string }, key: CryptoKey, ciphertext: Uint8Array): Promise<ArrayBuffer>
}
const subtle = crypto.subtle as unknown as KemSubtle
const ML_KEM_768 = { name: 'ML-KEM-768' }
const bytes = (b: ArrayBuffer) => new Uint8Array(b)
const builds = { simd: mlkem, scalar: instantiateMlKem(scalarModule, 'scalar') }

describe('pq-edge/mlkem in workerd', () => {
  it('runs the SIMD build, whose SHA-256 is the pinned one', () => {
    expect(mlkem.getBackend()).toMatchObject({
      name: 'pq-edge-wasm',
      module: 'simd',
      file: 'mlkem-simd.wasm',
      sha256: manifest.modules['mlkem-simd.wasm'].sha256,
      bytes: manifest.modules['mlkem-simd.wasm'].bytes,
    })
  })

  it('init() is a no-op that resolves', async () => {
    await expect(mlkem.init()).resolves.toBeUndefined()
  })

  describe.each(Object.keys(builds) as (keyof typeof builds)[])('%s build: CCTV accumulated, 10,000 iterations', (kind) => {
    it.each(PARAMETER_SET_IDS)('%s', (set) => {
      expect(accumulate(builds[kind][set], 10_000)).toBe(ACCUMULATED_10K[set])
    })
  })
})

describe('interoperability with workerd native WebCrypto ML-KEM-768', () => {
  it('same keys from the same seed; each side decapsulates what the other encapsulated', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(64))
      const ours = mlkem.ml_kem768.keygen(seed)
      const nativePrivate = await subtle.importKey('raw-seed', seed, ML_KEM_768, true, ['decapsulateBits'])
      const nativePublic = await subtle.importKey('raw-public', ours.publicKey, ML_KEM_768, true, ['encapsulateBits'])
      expect(toHex(bytes(await subtle.exportKey('raw-public', nativePublic)))).toBe(toHex(ours.publicKey))

      const fromNative = await subtle.encapsulateBits(ML_KEM_768, nativePublic)
      expect(toHex(mlkem.ml_kem768.decapsulate(bytes(fromNative.ciphertext), ours.secretKey))).toBe(toHex(bytes(fromNative.sharedKey)))

      const fromOurs = mlkem.ml_kem768.encapsulate(ours.publicKey)
      expect(toHex(bytes(await subtle.decapsulateBits(ML_KEM_768, nativePrivate, fromOurs.cipherText)))).toBe(toHex(fromOurs.sharedSecret))
    }
  })

  it.each(Object.keys(builds) as (keyof typeof builds)[])(
    '%s build, imported key: native decapsulation gives our shared secret, the same as the one-shot encapsulate',
    async (kind) => {
      const kem = builds[kind].ml_kem768
      for (let i = 0; i < 10; i++) {
        const pair = await subtle.generateKey(ML_KEM_768, true, ['encapsulateBits', 'decapsulateBits'])
        const publicKey = bytes(await subtle.exportKey('raw-public', pair.publicKey))
        const key = kem.importPublicKey(publicKey)
        for (let j = 0; j < 3; j++) {
          const m = crypto.getRandomValues(new Uint8Array(32))
          const { cipherText, sharedSecret } = key.encapsulate(m)
          expect(toHex(cipherText)).toBe(toHex(kem.encapsulate(publicKey, m).cipherText))
          expect(toHex(bytes(await subtle.decapsulateBits(ML_KEM_768, pair.privateKey, cipherText)))).toBe(toHex(sharedSecret))
        }
        key.wipe()
      }
    },
  )

  it.each(Object.keys(builds) as (keyof typeof builds)[])(
    '%s build, imported secret key: decapsulates what native encapsulated, as the one-shot decapsulate',
    async (kind) => {
      const kem = builds[kind].ml_kem768
      for (let i = 0; i < 10; i++) {
        const seed = crypto.getRandomValues(new Uint8Array(64))
        const { publicKey, secretKey } = kem.keygen(seed)
        const key = kem.importSecretKey(secretKey)
        const nativePublic = await subtle.importKey('raw-public', publicKey, ML_KEM_768, true, ['encapsulateBits'])
        for (let j = 0; j < 3; j++) {
          const fromNative = await subtle.encapsulateBits(ML_KEM_768, nativePublic)
          const ct = bytes(fromNative.ciphertext)
          expect(toHex(key.decapsulate(ct))).toBe(toHex(bytes(fromNative.sharedKey)))
          ct[j]! ^= 1 // implicit rejection: the same K̄ as the one-shot decapsulate
          expect(toHex(key.decapsulate(ct))).toBe(toHex(kem.decapsulate(ct, secretKey)))
        }
        key.wipe()
      }
    },
  )

  it('a native key pair works with our encapsulation', async () => {
    const pair = await subtle.generateKey(ML_KEM_768, true, ['encapsulateBits', 'decapsulateBits'])
    const publicKey = bytes(await subtle.exportKey('raw-public', pair.publicKey))
    const { cipherText, sharedSecret } = mlkem.ml_kem768.encapsulate(publicKey)
    expect(toHex(bytes(await subtle.decapsulateBits(ML_KEM_768, pair.privateKey, cipherText)))).toBe(toHex(sharedSecret))
  })
})
