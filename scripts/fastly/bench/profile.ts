/// <reference path="../engine-input.d.ts" />
// Engine program (scripts/fastly/bench.ts `profile`): times the ML-KEM core's building blocks one by one
// (µs per call, median over interleaved rounds, each part's batch calibrated to >= 15 ms), to see where
// an operation's time goes.
import rawInput from 'pq-edge-engine:input'
import { PARAMETER_SETS } from '../../../src/mlkem/api.ts'
import { createJsMlKem } from '../../../src/mlkem/js/core.ts'
import {
  byteDecodeDecompress,
  byteEncode12,
  byteEncode12THat,
  byteEncodeCompress1Diff,
  byteEncodeCompressSum,
  checkEncapsulationKey,
} from '../../../src/mlkem/js/encoding.ts'
import { checkDecapsulationKey, wipeScratch } from '../../../src/mlkem/js/internal.ts'
import { DS_SHA3, hashOnce, RATE_256, ST } from '../../../src/mlkem/js/keccak.ts'
import { keccakF1600 } from '../../../src/mlkem/js/keccak-f1600.ts'
import { invNtt, multiplyNttsSum, ntt } from '../../../src/mlkem/js/ntt.ts'
import { sampleNtt, samplePolyCbdPrf } from '../../../src/mlkem/js/sampling.ts'
import { printReport } from '../engine-report.ts'
import { answerEveryRequest, timeContenders } from '../timing.ts'
import type { ProfileInput } from './plans.ts'

const input = rawInput as ProfileInput
const kem = createJsMlKem().ml_kem768
const seed = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 255)
const msg = new Uint8Array(32).map((_, i) => (i * 91 + 5) & 255)
const key = kem.keygen(seed)
const ct = kem.encapsulate(key.publicKey, msg).cipherText
const polys = [0, 1, 2, 3].map((n) => Int16Array.from({ length: 256 }, (_, i) => ((i * 1103 + n * 77) % 3329) - 1664))
const canonical = polys.map((p) => p.map((x) => x + 1664))
const rho = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8)
const out = new Int16Array(256)
const bytes = new Uint8Array(1568)
const big = new Uint8Array(1184)
const [p0, p1] = [polys[0]!, polys[1]!]
let counter = 0
const parts: Record<string, () => unknown> = {
  keccakF1600: () => keccakF1600(ST),
  sampleNtt: () => sampleNtt(out, rho, counter++ & 3, 0),
  prfCbd2: () => samplePolyCbdPrf(out, rho, counter++ & 7, 2),
  ntt: () => ntt(p0),
  invNtt: () => invNtt(p1),
  multiplyNtts3: () => multiplyNttsSum(out, canonical, polys, 3),
  encode12: () => byteEncode12(bytes, 0, p0),
  encodeTHat: () => byteEncode12THat(bytes, 0, p0, p1),
  compressEncodeSum10: () => byteEncodeCompressSum(bytes, 0, p0, p1, 10),
  compressEncodeSum4: () => byteEncodeCompressSum(bytes, 0, p0, p1, 4),
  encodeMessage: () => byteEncodeCompress1Diff(bytes, 0, p0, p1),
  decode12: () => byteDecodeDecompress(out, key.publicKey, 0, 12),
  decode10: () => byteDecodeDecompress(out, ct, 0, 10),
  decode4: () => byteDecodeDecompress(out, ct, 960, 4),
  decode1: () => byteDecodeDecompress(out, msg, 0, 1),
  hash1184: () => hashOnce(RATE_256, DS_SHA3, big, 0, 1184, bytes, 0, 32),
  modulusCheck768: () => checkEncapsulationKey(PARAMETER_SETS.ml_kem768, key.publicKey),
  dkHashCheckCached768: () => checkDecapsulationKey(PARAMETER_SETS.ml_kem768, key.secretKey),
  wipeScratch: () => wipeScratch(),
  keygen768: () => kem.keygen(seed),
  encapsSameKey768: () => kem.encapsulate(key.publicKey, msg),
  decapsSameKey768: () => kem.decapsulate(ct, key.secretKey),
}
const results = await timeContenders(
  Object.entries(parts).map(([group, run]) => ({ group, impl: 'pq-edge-js', run })),
  { batches: input.rounds, minBatchMs: 15 },
)
const us = (ms: number) => Math.round(ms * 10_000) / 10
printReport({
  unit: 'µs per call (median)',
  rounds: input.rounds,
  ...Object.fromEntries(Object.entries(results).map(([name, r]) => [name, us(r['pq-edge-js']!.ms)])),
  spread: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r['pq-edge-js']!.spread])),
})
answerEveryRequest('profile')
