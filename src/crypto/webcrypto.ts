// WebCrypto backends (Workers, Node, browsers). Each is only used after its probe (select-core.ts)
// ran one real operation on fixed public inputs. Nothing here runs at module top level.
import { pinnedCopy, wipe } from './bytes.ts'
import type { Aead, HmacSha256, X25519 } from './types.ts'

const subtle = () => globalThis.crypto.subtle
const bytes = (b: ArrayBuffer) => new Uint8Array(b)
/** WebCrypto's types want ArrayBuffer-backed views; ours always are (never SharedArrayBuffer). */
const bs = (u: Uint8Array) => u as Uint8Array<ArrayBuffer>

/** X25519 public base point u = 9 (RFC 7748 §4.1). X25519(sk, 9) is the public key. */
const X25519_BASE = /* @__PURE__ */ (() => {
  const u = new Uint8Array(32)
  u[0] = 9
  return u
})()

// WebCrypto imports X25519 private keys only as PKCS#8 (or JWK). This is the fixed DER prefix of
// a PKCS#8 OneAsymmetricKey for id-X25519 (OID 1.3.101.110, RFC 8410 §7) with a 32-byte
// CurvePrivateKey: SEQUENCE(46) { INTEGER 0, SEQUENCE { OID 1.3.101.110 }, OCTET STRING { OCTET STRING(32) } }.
const PKCS8_X25519_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])
const X25519_ALG = { name: 'X25519' }

async function importX25519Private(secretKey: Uint8Array): Promise<CryptoKey> {
  if (secretKey.length !== 32) throw new RangeError('X25519 secret key must be 32 bytes')
  const der = new Uint8Array(PKCS8_X25519_PREFIX.length + 32)
  der.set(PKCS8_X25519_PREFIX)
  der.set(secretKey, PKCS8_X25519_PREFIX.length)
  try {
    return await subtle().importKey('pkcs8', bs(der), X25519_ALG, false, ['deriveBits'])
  } finally {
    wipe(der)
  }
}

async function importX25519Public(publicKey: Uint8Array): Promise<CryptoKey> {
  if (publicKey.length !== 32) throw new RangeError('X25519 public key must be 32 bytes')
  return subtle().importKey('raw', bs(publicKey), X25519_ALG, true, [])
}

/** deriveBits; WebCrypto throws (OperationError) when the result is all zero, i.e. pk is low order. */
async function dhWithKey(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Uint8Array> {
  return bytes(await subtle().deriveBits({ name: 'X25519', public: publicKey } as EcdhKeyDeriveParams, privateKey, 256))
}

// The last peer public key as a key object: a client encapsulating to the same server key again and
// again (the usual pattern) imports it once. Public data only; a single entry, compared in full.
let lastPeer: { bytes: Uint8Array; key: Promise<CryptoKey> } | undefined
function peerKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (lastPeer && lastPeer.bytes.length === publicKey.length && lastPeer.bytes.every((b, i) => b === publicKey[i])) return lastPeer.key
  const key = importX25519Public(publicKey)
  const entry = { bytes: publicKey.slice(), key }
  lastPeer = entry
  key.catch(() => {
    if (lastPeer === entry) lastPeer = undefined
  })
  return key
}

async function dh(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  return dhWithKey(privateKey, await peerKey(publicKey))
}

// The base point as a key object, imported on first use (never at module top level) and kept: every
// public-key computation then costs one deriveBits instead of an import and a deriveBits.
let basePointKey: Promise<CryptoKey> | undefined
function basePoint(): Promise<CryptoKey> {
  basePointKey ??= importX25519Public(X25519_BASE).catch((error: unknown) => {
    basePointKey = undefined
    throw error
  })
  return basePointKey
}

export const webCryptoX25519: X25519 = {
  name: 'webcrypto',
  async publicKey(secretKey) {
    return dhWithKey(await importX25519Private(secretKey), await basePoint())
  },
  async sharedSecret(secretKey, publicKey) {
    return dh(await importX25519Private(secretKey), publicKey)
  },
  async importSecretKey(secretKey, knownPublicKey) {
    const key = await importX25519Private(secretKey)
    const publicKey = knownPublicKey?.slice() ?? (await dhWithKey(key, await basePoint()))
    return { publicKey, sharedSecret: (pk) => dh(key, pk) }
  },
  async generateKeyPair() {
    // The private key stays non-extractable; a public key is always exportable.
    const pair = (await subtle().generateKey(X25519_ALG, false, ['deriveBits'])) as CryptoKeyPair
    const publicKey = bytes((await subtle().exportKey('raw', pair.publicKey)) as ArrayBuffer)
    return { publicKey, sharedSecret: (pk) => dh(pair.privateKey, pk) }
  },
}

const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' }
/** HMAC pads keys to the 64-byte block with zeros (RFC 2104 §2), so an empty key equals 32 zero
 * bytes; WebCrypto refuses empty raw keys, so that is what is imported instead. */
const EMPTY_KEY_EQUIVALENT = new Uint8Array(32)

export const webCryptoHmacSha256: HmacSha256 = {
  name: 'webcrypto',
  async mac(key, data) {
    // Both copies stay referenced until sign has finished with them, and are wiped after.
    const keyCopy = pinnedCopy(key.length === 0 ? EMPTY_KEY_EQUIVALENT : key)
    const dataCopy = pinnedCopy(data)
    try {
      const k = await subtle().importKey('raw', keyCopy, HMAC_SHA256, false, ['sign'])
      return bytes(await subtle().sign('HMAC', k, dataCopy))
    } finally {
      wipe(keyCopy)
      wipe(dataCopy)
    }
  },
}

/** An AEAD over WebCrypto's encrypt/decrypt for one algorithm, key length and key import format. */
function webCryptoAead(algorithm: string, keyLength: 16 | 32, format: 'raw' | 'raw-secret'): Aead {
  return {
    name: 'webcrypto',
    async importKey(key) {
      if (key.length !== keyLength) throw new RangeError(`${algorithm} key must be ${keyLength} bytes`)
      // 'raw-secret' (WebCrypto Modern Algorithms) is newer than the typings, hence the cast.
      const k = await subtle().importKey(format as 'raw', bs(key), algorithm, false, ['encrypt', 'decrypt'])
      return {
        seal: async (iv, additionalData, plaintext) =>
          bytes(await subtle().encrypt({ name: algorithm, iv: bs(iv), additionalData: bs(additionalData) }, k, bs(plaintext))),
        open: async (iv, additionalData, ciphertext) =>
          bytes(await subtle().decrypt({ name: algorithm, iv: bs(iv), additionalData: bs(additionalData) }, k, bs(ciphertext))),
      }
    },
  }
}

export const webCryptoAes128Gcm = webCryptoAead('AES-GCM', 16, 'raw')
export const webCryptoAes256Gcm = webCryptoAead('AES-GCM', 32, 'raw')
/** ChaCha20-Poly1305 (RFC 8439) of WebCrypto's Modern Algorithms (workerd with `webcrypto_modern_algorithms`):
 *  its keys import only as 'raw-secret'. */
export const webCryptoChacha20Poly1305 = webCryptoAead('ChaCha20-Poly1305', 32, 'raw-secret')

/** WebCrypto's KEM methods (ML-KEM, X-Wing): newer than the typings in @cloudflare/workers-types, hence a narrow cast. */
export interface KemSubtle {
  generateKey(alg: { name: string }, extractable: boolean, usages: string[]): Promise<CryptoKeyPair>
  importKey(
    format: 'raw-public' | 'raw-seed',
    key: Uint8Array,
    alg: { name: string },
    extractable: boolean,
    usages: string[],
  ): Promise<CryptoKey>
  exportKey(format: 'raw-public' | 'raw-seed', key: CryptoKey): Promise<ArrayBuffer>
  getPublicKey(key: CryptoKey, usages: string[]): Promise<CryptoKey>
  encapsulateBits(alg: { name: string }, key: CryptoKey): Promise<{ sharedKey: ArrayBuffer; ciphertext: ArrayBuffer }>
  decapsulateBits(alg: { name: string }, key: CryptoKey, ciphertext: Uint8Array): Promise<ArrayBuffer>
}
const ML_KEM_768 = { name: 'ML-KEM-768' }

// ---- probes: one real operation each on fixed public inputs; false on any failure ----

async function succeeds(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe()
    return true
  } catch {
    return false
  }
}

// A fixed, public test scalar; its output is checked against the RFC 7748 §6.1 relation
// X25519(a, X25519(b, 9)) == X25519(b, X25519(a, 9)) so a broken implementation is not chosen.
const PROBE_SCALAR_A = new Uint8Array(32).fill(0x11)
const PROBE_SCALAR_B = new Uint8Array(32).fill(0x22)
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i])

/** Whether an X25519 implementation works here (the §6.1 relation on fixed scalars). */
export const probeX25519 = (x: X25519) =>
  succeeds(async () => {
    const [pa, pb] = [await x.publicKey(PROBE_SCALAR_A), await x.publicKey(PROBE_SCALAR_B)]
    const [sab, sba] = [await x.sharedSecret(PROBE_SCALAR_A, pb), await x.sharedSecret(PROBE_SCALAR_B, pa)]
    if (!equal(sab, sba)) throw new Error('X25519 probe mismatch')
    // Key generation too, where offered (X-Wing's random ek_X uses it): its key must agree with A.
    if (x.generateKeyPair) {
      const fresh = await x.generateKeyPair()
      if (!equal(await fresh.sharedSecret(pa), await x.sharedSecret(PROBE_SCALAR_A, fresh.publicKey)))
        throw new Error('X25519 keygen probe mismatch')
    }
  })

const byteRun = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i)
/** RFC 8439 §2.8.2, the AEAD construction's example (its key is byteRun(0x80, 32)): nonce 07000000 ‖ 40..47,
 *  AAD 50515253 ‖ c0..c7, the "sunscreen" plaintext, and the tag the RFC gives. Built on call. */
function rfc8439AeadExample() {
  return {
    nonce: Uint8Array.of(7, 0, 0, 0, ...byteRun(0x40, 8)),
    aad: Uint8Array.of(0x50, 0x51, 0x52, 0x53, ...byteRun(0xc0, 8)),
    plaintext: new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ),
    tag: Uint8Array.from('1ae10b594f09e26a7e902ecbd0600691'.match(/../g)!, (b) => parseInt(b, 16)),
  }
}

/** Once per isolate: a probe's answer does not change, and /health and the backend selection both ask. */
function oncePerIsolate<T>(probe: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= probe())
}

// Each probe runs once per isolate (the selection and /health's report share the answer), on the
// first call: inside a request, never at module top level.
export const probeWebCrypto = {
  x25519: oncePerIsolate(() => probeX25519(webCryptoX25519)),
  hmacSha256: oncePerIsolate(() => succeeds(() => webCryptoHmacSha256.mac(new Uint8Array(0), new Uint8Array(1)))),
  aesGcm: oncePerIsolate(() =>
    succeeds(async () => {
      for (const aead of [webCryptoAes128Gcm, webCryptoAes256Gcm]) {
        const key = await aead.importKey(new Uint8Array(aead === webCryptoAes128Gcm ? 16 : 32))
        const ct = await key.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(16))
        await key.open(new Uint8Array(12), new Uint8Array(0), ct)
      }
    }),
  ),
  chacha20poly1305: oncePerIsolate(() =>
    succeeds(async () => {
      // RFC 8439 §2.8.2's AEAD example: its tag must come out, and the result must open. The key is
      // imported first: where the algorithm is missing (most runtimes), that fails at once.
      const sealing = await webCryptoChacha20Poly1305.importKey(byteRun(0x80, 32))
      const { nonce, aad, plaintext, tag } = rfc8439AeadExample()
      const sealed = await sealing.seal(nonce, aad, plaintext)
      if (!equal(sealed.subarray(plaintext.length), tag)) throw new Error('ChaCha20-Poly1305 probe: wrong tag')
      if (!equal(await sealing.open(nonce, aad, sealed), plaintext)) throw new Error('ChaCha20-Poly1305 probe: wrong plaintext')
    }),
  ),
  mlKem768: oncePerIsolate(() =>
    succeeds(async () => {
      // All-zero bytes are a valid encapsulation key (every coefficient 0 < q passes FIPS 203 §7.2).
      const key = await (subtle() as unknown as KemSubtle).importKey('raw-public', new Uint8Array(1184), ML_KEM_768, false, [
        'encapsulateBits',
      ])
      await (subtle() as unknown as KemSubtle).encapsulateBits(ML_KEM_768, key)
    }),
  ),
}
