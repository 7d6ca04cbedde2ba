// Pure-JS backends from @noble/*, for runtimes whose WebCrypto lacks a primitive (Fastly Compute
// has no X25519, HKDF/HMAC deriveBits or AES-GCM encrypt) and for ChaCha20-Poly1305, which no
// WebCrypto offers. Synchronous underneath; wrapped in promises to match the WebCrypto backends.
import { gcm } from '@noble/ciphers/aes.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256 as nobleSha3_256, shake256 as nobleShake256 } from '@noble/hashes/sha3.js'
import type { Aead, HmacSha256, MlKem768, MlKem768BackendName, SyncMlKem768, X25519 } from './types.ts'

export const nobleX25519: X25519 = {
  name: 'noble',
  // noble rejects the low-order u-coordinates before the ladder (and an all-zero result after).
  publicKey: async (secretKey) => x25519.getPublicKey(secretKey),
  sharedSecret: async (secretKey, publicKey) => x25519.getSharedSecret(secretKey, publicKey),
  async importSecretKey(secretKey, knownPublicKey) {
    const sk = secretKey.slice() // the caller may wipe theirs
    const publicKey = knownPublicKey?.slice() ?? x25519.getPublicKey(sk)
    return { publicKey, sharedSecret: async (pk) => x25519.getSharedSecret(sk, pk) }
  },
}

export const nobleHmacSha256: HmacSha256 = {
  name: 'noble',
  mac: async (key, data) => hmac(sha256, key, data),
}

function nobleAead(cipher: typeof gcm | typeof chacha20poly1305, keyLengths: number[]): Aead {
  return {
    name: 'noble',
    async importKey(key) {
      if (!keyLengths.includes(key.length)) throw new RangeError(`AEAD key must be ${keyLengths.join(' or ')} bytes`)
      const k = key.slice()
      return {
        seal: async (nonce, aad, plaintext) => cipher(k, nonce, aad).encrypt(plaintext),
        open: async (nonce, aad, ciphertext) => cipher(k, nonce, aad).decrypt(ciphertext),
      }
    },
  }
}

export const nobleAes128Gcm = nobleAead(gcm, [16])
export const nobleAes256Gcm = nobleAead(gcm, [32])
export const nobleChacha20Poly1305 = nobleAead(chacha20poly1305, [32])

/** FIPS 202 SHA3-256. */
export const sha3_256 = (data: Uint8Array): Uint8Array => nobleSha3_256(data)
/** FIPS 202 SHAKE256 with an output length in bytes. */
export const shake256 = (data: Uint8Array, outputBytes: number): Uint8Array => nobleShake256(data, { dkLen: outputBytes })

/** Adapts a synchronous noble-style ML-KEM-768 (the pq-edge wasm core) to the async interface. */
export function mlKem768FromSync(kem: SyncMlKem768, name: MlKem768BackendName): MlKem768 {
  return {
    name,
    keygen: async (seed) => kem.keygen(seed),
    encapsulate: async (publicKey, m) => kem.encapsulate(publicKey, m),
    decapsulate: async (cipherText, secretKey) => kem.decapsulate(cipherText, secretKey),
  }
}
