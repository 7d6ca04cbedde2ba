/// <reference path="../engine-input.d.ts" />
/// <reference path="./bench-modules.d.ts" />
// Engine program (runs in StarlingMonkey at build time; scripts/fastly/bench.ts `mlkem`): times ML-KEM-768
// keygen / encaps / decaps for the TypeScript core (src/mlkem/js) and @noble/post-quantum, and optionally
// a baseline copy of the core (another commit's src/mlkem/js/core.ts) beside them. Fixed seeds, no randomness.

import { baseline } from 'pq-edge-engine:baseline'
import rawInput from 'pq-edge-engine:input'
import { ml_kem768 as noble } from '@noble/post-quantum/ml-kem.js'
import { createJsMlKem, primeMlKemPublicKey } from '../../../src/mlkem/js/core.ts'
import { printReport } from '../engine-report.ts'
import { answerEveryRequest, type Contender, clockAdvanceMs, timeContenders, timingReport } from '../timing.ts'
import type { MlKemBenchInput } from './plans.ts'

const input = rawInput as MlKemBenchInput
const clock = { dateNowAdvancedMs: clockAdvanceMs() }

interface Kem768 {
  keygen(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array }
  encapsulate(publicKey: Uint8Array, m: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array }
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array
}

const seed = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 255)
const msg = new Uint8Array(32).map((_, i) => (i * 91 + 5) & 255)
const CLIENTS = 8 // more keys than the JS core's cache slots (6, least recently used first): rotating always misses

// The server's key pair (its seed re-derived per request), primed the way a deployment primes its
// configured public key at build time (primeMlKemPublicKey; a core without it gets one encapsulation to the
// key, which fills its last-key caches); clients' fresh keys, rotated so nothing key-derived is reused.
// keygen: a new seed per call; keygenPrimed: the server's seed. encaps/decaps: a client's key;
// *SameKey: the server's. serverRequest = keygenPrimed + decapsSameKey + encaps (one Fastly request: a fresh
// sandbox from the build-time snapshot re-derives its key, decapsulates, encapsulates to the client).
function operations(kem: Kem768, prime?: (publicKey: Uint8Array) => void): Record<string, () => unknown> {
  const mk = (n: number) => {
    const s = seed.slice()
    s[0]! ^= n
    const k = kem.keygen(s)
    return { seed: s, ...k, ...kem.encapsulate(k.publicKey, msg) }
  }
  const server = mk(0)
  const clients = Array.from({ length: CLIENTS }, (_, n) => mk(n + 1))
  if (prime) prime(server.publicKey)
  else kem.encapsulate(server.publicKey, msg)
  let counter = 0
  const client = () => clients[counter++ % CLIENTS]!
  return {
    keygen: () => {
      const s = seed.slice()
      s[1] = counter & 255
      s[2] = (counter++ >> 8) & 255
      return kem.keygen(s)
    },
    keygenPrimed: () => kem.keygen(server.seed),
    encaps: () => kem.encapsulate(client().publicKey, msg),
    encapsSameKey: () => kem.encapsulate(server.publicKey, msg),
    decaps: () => {
      const k = client()
      return kem.decapsulate(k.cipherText, k.secretKey)
    },
    decapsSameKey: () => kem.decapsulate(server.cipherText, server.secretKey),
  }
}

const impls: Record<string, Record<string, () => unknown>> = { js: operations(createJsMlKem().ml_kem768, primeMlKemPublicKey) }
if (baseline) impls.baseline = operations(baseline.createJsMlKem().ml_kem768, baseline.primeMlKemPublicKey)
impls.noble = operations(noble)
const contenders: Contender[] = Object.entries(impls).flatMap(([impl, ops]) =>
  Object.entries(ops).map(([group, run]) => ({ group, impl, run })),
)
const plan = { batches: input.batches, perBatch: input.perBatch }
const results = await timeContenders(contenders, plan)

const toHex = (u: Uint8Array) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')
printReport(
  timingReport(plan, results, {
    clocks: clock,
    sameKeys: toHex(createJsMlKem().ml_kem768.keygen(seed).publicKey) === toHex(noble.keygen(seed).publicKey),
  }),
)
answerEveryRequest('bench')
