// ML-KEM-768 in Node, one mitata run: pq-edge (scalar and SIMD builds, with the Node entry's randomness), @noble/post-quantum and
// @oqs/liboqs-js (bench-only dependency). Returns medians in µs per implementation and operation.

import { ml_kem768 as noble } from '@noble/post-quantum/ml-kem.js'
import { createMLKEM768 } from '@oqs/liboqs-js'
import { bench, do_not_optimize, group, run } from 'mitata'
import { pooledRandomBytes } from '../src/crypto/node-random.ts'
import { instantiateMlKem } from '../src/mlkem/instantiate.ts'
import { compileMlKemModule } from '../src/mlkem/node.ts'

export const OPERATIONS = ['keygen', 'encaps', 'decaps'] as const
export type Operation = (typeof OPERATIONS)[number]
export type Medians = Record<string, Record<Operation, number>>

export async function benchNode(): Promise<Medians> {
  // Randomness as the Node entry (src/mlkem/node.ts) draws it: node:crypto, 4 KiB at a time.
  const scalar = instantiateMlKem(compileMlKemModule('scalar'), 'scalar', pooledRandomBytes()).ml_kem768
  const simd = instantiateMlKem(compileMlKemModule('simd'), 'simd', pooledRandomBytes()).ml_kem768
  const oqs = await createMLKEM768()
  const { publicKey, secretKey } = noble.keygen()
  const { cipherText } = noble.encapsulate(publicKey)
  const oqsKeys = oqs.generateKeyPair()
  const oqsCipherText = oqs.encapsulate(oqsKeys.publicKey).ciphertext

  // Every implementation draws its own randomness, as callers would.
  const implementations: Record<string, Record<Operation, () => unknown>> = {
    'pq-edge simd': {
      keygen: () => simd.keygen(),
      encaps: () => simd.encapsulate(publicKey),
      decaps: () => simd.decapsulate(cipherText, secretKey),
    },
    'pq-edge scalar': {
      keygen: () => scalar.keygen(),
      encaps: () => scalar.encapsulate(publicKey),
      decaps: () => scalar.decapsulate(cipherText, secretKey),
    },
    '@noble/post-quantum': {
      keygen: () => noble.keygen(),
      encaps: () => noble.encapsulate(publicKey),
      decaps: () => noble.decapsulate(cipherText, secretKey),
    },
    '@oqs/liboqs-js': {
      keygen: () => oqs.generateKeyPair(),
      encaps: () => oqs.encapsulate(oqsKeys.publicKey),
      decaps: () => oqs.decapsulate(oqsCipherText, oqsKeys.secretKey),
    },
  }
  for (const op of OPERATIONS) {
    group(`ML-KEM-768 ${op}`, () => {
      for (const [name, ops] of Object.entries(implementations)) bench(`${name} ${op}`, () => do_not_optimize(ops[op]()))
    })
  }
  const result = await run({ format: 'quiet', throw: true })
  const medians: Medians = {}
  for (const trial of result.benchmarks) {
    for (const r of trial.runs) {
      const [name, op] = [r.name.slice(0, r.name.lastIndexOf(' ')), r.name.slice(r.name.lastIndexOf(' ') + 1) as Operation]
      ;(medians[name] ??= {} as Record<Operation, number>)[op] = r.stats!.p50 / 1000 // ns -> µs
    }
  }
  oqs.destroy()
  return medians
}
