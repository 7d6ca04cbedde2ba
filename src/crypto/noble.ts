// Pure-JS backends from @noble/*, for runtimes whose WebCrypto lacks a primitive (Fastly Compute
// has no X25519, HKDF/HMAC deriveBits or AES-GCM encrypt) and for ChaCha20-Poly1305, which no
// WebCrypto offers. Synchronous underneath; wrapped in promises to match the WebCrypto backends.
import { gcm } from '@noble/ciphers/aes.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256 as nobleSha3_256, shake256 as nobleShake256 } from '@noble/hashes/sha3.js'
import { nobleAead } from './noble-aead.ts'
import type { HmacSha256, Sha3, X25519 } from './types.ts'

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

// Pure, so that a bundle using none of these drops them and their @noble modules (noble's AES builds
// large tables when loaded, which Fastly would snapshot into its package).
export const nobleAes128Gcm = /* @__PURE__ */ nobleAead(gcm, [16])
export const nobleAes256Gcm = /* @__PURE__ */ nobleAead(gcm, [32])
export const nobleChacha20Poly1305 = /* @__PURE__ */ nobleAead(chacha20poly1305, [32])

/** FIPS 202 SHA3-256 and SHAKE256 from @noble/hashes. */
export const nobleSha3: Sha3 = {
  name: 'noble',
  sha3_256: (data) => nobleSha3_256(data),
  shake256: (data, outputBytes) => nobleShake256(data, { dkLen: outputBytes }),
}
