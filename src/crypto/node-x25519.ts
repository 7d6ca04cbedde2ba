// X25519 from node:crypto, synchronous (no libuv thread-pool hop): imported only by the Node entries
// (src/*/node.ts), so browser and workerd bundles never see node:crypto. Measured on the 2-core dev
// machine (2026-12): about 51 µs per import + DH against about 160 µs for WebCrypto's import +
// deriveBits, which also waits for a free pool thread when the machine is busy.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { wipe } from './bytes.ts'
import type { X25519, X25519SecretKey } from './types.ts'

// DER prefixes of RFC 8410 keys for id-X25519 (OID 1.3.101.110) with 32 raw bytes appended:
// PKCS#8 OneAsymmetricKey (private) and SubjectPublicKeyInfo (public).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32) throw new RangeError('X25519 secret key must be 32 bytes')
  const der = Buffer.concat([PKCS8_PREFIX, secretKey])
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    wipe(der)
  }
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new RangeError('X25519 public key must be 32 bytes')
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
}

/** The raw 32 bytes of a public KeyObject (its SPKI minus the fixed prefix). */
function rawPublic(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length))
}

// The last peer public key as a KeyObject (public data; one entry, compared in full), as webcrypto.ts.
let lastPeer: { bytes: Uint8Array; key: KeyObject } | undefined
function peerKey(publicKey: Uint8Array): KeyObject {
  if (lastPeer && lastPeer.bytes.length === publicKey.length && lastPeer.bytes.every((b, i) => b === publicKey[i])) return lastPeer.key
  const key = publicKeyObject(publicKey)
  lastPeer = { bytes: publicKey.slice(), key }
  return key
}

/** X25519(sk, pk); RFC 7748 §6.1: an all-zero result (pk of low order) is rejected. */
function dh(privateKey: KeyObject, publicKey: Uint8Array): Uint8Array {
  const peer = peerKey(publicKey)
  let out: Buffer
  try {
    out = diffieHellman({ privateKey, publicKey: peer })
  } catch (cause) {
    throw new Error('X25519: shared secret derivation failed (low-order public key?)', { cause })
  }
  let acc = 0
  for (const b of out) acc |= b
  if (acc === 0) throw new Error('X25519: all-zero shared secret (low-order public key)')
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

function secretKeyFrom(key: KeyObject, publicKey: Uint8Array): X25519SecretKey {
  return { publicKey, sharedSecret: async (pk) => dh(key, pk) }
}

export const nodeX25519: X25519 = {
  name: 'node-crypto',
  publicKey: async (secretKey) => rawPublic(createPublicKey(privateKeyObject(secretKey))),
  sharedSecret: async (secretKey, publicKey) => dh(privateKeyObject(secretKey), publicKey),
  async importSecretKey(secretKey, knownPublicKey) {
    const key = privateKeyObject(secretKey)
    return secretKeyFrom(key, knownPublicKey?.slice() ?? rawPublic(createPublicKey(key)))
  },
  async generateKeyPair() {
    const { privateKey, publicKey } = generateKeyPairSync('x25519')
    return secretKeyFrom(privateKey, rawPublic(publicKey))
  },
}
