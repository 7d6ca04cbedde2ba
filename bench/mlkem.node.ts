// ML-KEM-768 in Node, one mitata run: pq-edge (scalar and SIMD builds, with the Node entry's randomness), @noble/post-quantum and
// @oqs/liboqs-js (bench-only dependency). Returns medians in µs per implementation and operation.

import { ml_kem768 as noble } from '@noble/post-quantum/ml-kem.js'
import { createMLKEM768 } from '@oqs/liboqs-js'
import { bench, do_not_optimize, group, run } from 'mitata'
import { median, type Spread, spread } from '../scripts/stats.ts'
import { pooledRandomBytes } from '../src/crypto/node-random.ts'
import { instantiateMlKem } from '../src/mlkem/instantiate.ts'
import { compileMlKemModule } from '../src/mlkem/node.ts'

export const OPERATIONS = ['keygen', 'encaps', 'decaps'] as const
export type Operation = (typeof OPERATIONS)[number]
export type Medians = Record<string, Record<Operation, number>>

/** Every contender's three operations, each drawing its own randomness as callers would; `close` frees liboqs. */
async function contenders(): Promise<{ implementations: Record<string, Record<Operation, () => unknown>>; close(): void }> {
  // Randomness as the Node entry (src/mlkem/node.ts) draws it: node:crypto, 4 KiB at a time.
  const scalar = instantiateMlKem(compileMlKemModule('scalar'), 'scalar', pooledRandomBytes()).ml_kem768
  const simd = instantiateMlKem(compileMlKemModule('simd'), 'simd', pooledRandomBytes()).ml_kem768
  const oqs = await createMLKEM768()
  const { publicKey, secretKey } = noble.keygen()
  const { cipherText } = noble.encapsulate(publicKey)
  const oqsKeys = oqs.generateKeyPair()
  const oqsCipherText = oqs.encapsulate(oqsKeys.publicKey).ciphertext

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
  return { implementations, close: () => oqs.destroy() }
}

export async function benchNode(): Promise<Medians> {
  const { implementations, close } = await contenders()
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
  close()
  return medians
}

export interface InterleavedRow {
  op: Operation
  ours: string
  base: string
  /** CPU µs per operation, median over the rounds */
  oursUs: number
  baseUs: number
  /** base ÷ ours per round (> 1: ours is faster) */
  ratio: Spread
}

/**
 * The speed-ups of the SIMD build over each baseline, contenders interleaved: per operation, every round
 * times a batch of each (about `batchMs` of CPU, by process.cpuUsage), the order alternating from round
 * to round, and gives one ratio per baseline; medians and middle halves of those ratios. Unlike the
 * mitata run, a disturbance (another process, a GC) falls on both sides of a round's ratio.
 */
export async function benchNodeInterleaved(rounds = 15, batchMs = 20): Promise<InterleavedRow[]> {
  const { implementations, close } = await contenders()
  const ours = 'pq-edge simd'
  const bases = ['@noble/post-quantum', '@oqs/liboqs-js']
  const cpuUs = () => {
    const u = process.cpuUsage()
    return u.user + u.system
  }
  const batch = (f: () => unknown, n: number) => {
    const t0 = cpuUs()
    for (let i = 0; i < n; i++) do_not_optimize(f())
    return (cpuUs() - t0) / n
  }
  const rows: InterleavedRow[] = []
  try {
    for (const op of OPERATIONS) {
      const names = [ours, ...bases]
      // Batch sizes from a warm-up: about batchMs of CPU each.
      const sizes = names.map((name) => {
        const f = implementations[name]![op]
        let n = 10
        while (batch(f, n) * n < 2000) n *= 2
        return Math.max(5, Math.round((batchMs * 1000) / batch(f, n)))
      })
      const per: number[][] = names.map(() => [])
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? [...names.keys()].reverse() : [...names.keys()]
        for (const i of order) per[i]!.push(batch(implementations[names[i]!]![op], sizes[i]!))
      }
      for (const [j, base] of bases.entries()) {
        const ratios = per[0]!.map((t, r) => per[j + 1]![r]! / t)
        rows.push({ op, ours, base, oursUs: median(per[0]!), baseUs: median(per[j + 1]!), ratio: spread(ratios) })
      }
    }
  } finally {
    close()
  }
  return rows
}
