/// <reference path="../engine-input.d.ts" />
// Engine program (scripts/fastly/bench.ts `crypto`): the classical primitives inside StarlingMonkey.
//   X25519 publicKey / sharedSecret: src/crypto/x25519-js.ts (pq-edge-js, and its ladder) vs @noble/curves
//   HMAC-SHA256, 32-200 byte messages, and HKDF extract + expand (4 HMAC calls): crypto.subtle (native,
//     importKey + sign per call, as src/crypto/webcrypto.ts does) vs @noble/hashes
//   AES-256-GCM and ChaCha20-Poly1305 seal/open of 64 B and 1 KiB (@noble/ciphers)
//   SHA3-256 and SHAKE256 (32-byte output) of 1,200 bytes: @noble/hashes vs src/mlkem/js/keccak.ts (hashOnce)
// The implementations compared are cross-checked first (`agree`). Fixed public inputs only.
import rawInput from 'pq-edge-engine:input'
import { gcm } from '@noble/ciphers/aes.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 as noble } from '@noble/curves/ed25519.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256, shake256 } from '@noble/hashes/sha3.js'
import { createHkdfSha256 } from '../../../src/crypto/hkdf.ts'
import { nobleHmacSha256 } from '../../../src/crypto/noble.ts'
import type { HmacSha256 } from '../../../src/crypto/types.ts'
import { webCryptoHmacSha256 } from '../../../src/crypto/webcrypto.ts'
import { x25519Sync as ours } from '../../../src/crypto/x25519-js.ts'
import { DS_SHA3, DS_SHAKE, hashOnce, RATE_256 } from '../../../src/mlkem/js/keccak.ts'
import { reportOf } from '../engine-report.ts'
import { answerEveryRequest, type Contender, timeContenders, timingReport } from '../timing.ts'
import type { CryptoBenchInput } from './plans.ts'

const input = rawInput as CryptoBenchInput
const fill = (n: number, mul: number, add: number) => new Uint8Array(n).map((_, i) => (i * mul + add) & 255)
const hex = (u: Uint8Array) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')

const sks = [0, 1, 2, 3].map((n) => fill(32, 29 + 2 * n, 7 + n))
const peers = sks.map((sk) => noble.getPublicKey(sk.map((b) => b ^ 0x5a)))
let c = 0
const sk = () => sks[c++ & 3]!
const key32 = fill(32, 13, 1)
const msgs: Record<number, Uint8Array> = Object.fromEntries([32, 64, 128, 200].map((n) => [n, fill(n, 7, 3)]))
const nonce12 = fill(12, 3, 9)
const aad = fill(16, 5, 2)
const pt: Record<number, Uint8Array> = { 64: fill(64, 11, 4), 1024: fill(1024, 11, 4) }
const gcmCt = { 64: gcm(key32, nonce12, aad).encrypt(pt[64]!), 1024: gcm(key32, nonce12, aad).encrypt(pt[1024]!) }
const chachaCt = {
  64: chacha20poly1305(key32, nonce12, aad).encrypt(pt[64]!),
  1024: chacha20poly1305(key32, nonce12, aad).encrypt(pt[1024]!),
}
const input1200 = fill(1200, 17, 5)
const keccak = (ds: number) => () => {
  const o = new Uint8Array(32)
  hashOnce(RATE_256, ds, input1200, 0, 1200, o, 0, 32)
  return o
}
const keccakSha3 = keccak(DS_SHA3)
const keccakShake = keccak(DS_SHAKE)
const hkdf = (h: HmacSha256) => {
  const k = createHkdfSha256(h)
  return async () => k.expand(await k.extract(key32, msgs[64]!), msgs[128]!, 96)
}
const subtleHkdf = hkdf(webCryptoHmacSha256)
const nobleHkdf = hkdf(nobleHmacSha256)
const base = new Uint8Array(32)
base[0] = 9

const contenders: Contender[] = [
  { group: 'x25519.publicKey', impl: 'pq-edge-js', run: () => ours.publicKey(sk()) },
  { group: 'x25519.publicKey', impl: 'pq-edge-js-ladder', run: () => ours.scalarMult(sk(), base) },
  { group: 'x25519.publicKey', impl: 'noble', run: () => noble.getPublicKey(sk()) },
  {
    group: 'x25519.sharedSecret',
    impl: 'pq-edge-js',
    run: () => {
      const i = c++ & 3
      return ours.sharedSecret(sks[i]!, peers[i ^ 1]!)
    },
  },
  {
    group: 'x25519.sharedSecret',
    impl: 'noble',
    run: () => {
      const i = c++ & 3
      return noble.getSharedSecret(sks[i]!, peers[i ^ 1]!)
    },
  },
  ...[32, 64, 128, 200].flatMap((n): Contender[] => [
    { group: `hmacSha256.${n}B`, impl: 'subtle', run: () => webCryptoHmacSha256.mac(key32, msgs[n]!), async: true },
    { group: `hmacSha256.${n}B`, impl: 'noble', run: () => hmac(sha256, key32, msgs[n]!) },
  ]),
  { group: 'hkdfSha256.extract+expand96 (4 HMAC)', impl: 'subtle', run: subtleHkdf, async: true },
  { group: 'hkdfSha256.extract+expand96 (4 HMAC)', impl: 'noble', run: nobleHkdf, async: true },
  ...([64, 1024] as const).flatMap((n): Contender[] => [
    { group: `aes256gcm.seal.${n}B`, impl: 'noble', run: () => gcm(key32, nonce12, aad).encrypt(pt[n]!) },
    { group: `aes256gcm.open.${n}B`, impl: 'noble', run: () => gcm(key32, nonce12, aad).decrypt(gcmCt[n]) },
    { group: `chacha20poly1305.seal.${n}B`, impl: 'noble', run: () => chacha20poly1305(key32, nonce12, aad).encrypt(pt[n]!) },
    { group: `chacha20poly1305.open.${n}B`, impl: 'noble', run: () => chacha20poly1305(key32, nonce12, aad).decrypt(chachaCt[n]) },
  ]),
  { group: 'sha3_256.1200B', impl: 'noble', run: () => sha3_256(input1200) },
  { group: 'sha3_256.1200B', impl: 'pq-edge-keccak', run: keccakSha3 },
  { group: 'shake256.1200B->32B', impl: 'noble', run: () => shake256(input1200, { dkLen: 32 }) },
  { group: 'shake256.1200B->32B', impl: 'pq-edge-keccak', run: keccakShake },
]

await reportOf(async () => {
  // Cross-checks: the implementations compared must agree.
  const agree = {
    x25519PublicKey: sks.every(
      (k) => hex(ours.publicKey(k)) === hex(noble.getPublicKey(k)) && hex(ours.scalarMult(k, base)) === hex(noble.getPublicKey(k)),
    ),
    x25519SharedSecret: sks.every((k, i) => hex(ours.sharedSecret(k, peers[i ^ 1]!)) === hex(noble.getSharedSecret(k, peers[i ^ 1]!))),
    hmacSha256: hex(await webCryptoHmacSha256.mac(key32, msgs[200]!)) === hex(hmac(sha256, key32, msgs[200]!)),
    hkdfSha256: hex(await subtleHkdf()) === hex(await nobleHkdf()),
    sha3_256: hex(keccakSha3()) === hex(sha3_256(input1200)),
    shake256: hex(keccakShake()) === hex(shake256(input1200, { dkLen: 32 })),
  }
  const plan = { batches: input.batches }
  return timingReport(plan, await timeContenders(contenders, plan), { agree })
})
answerEveryRequest('bench')
