// X-Wing and HPKE in Node. benchHpke, one mitata run: pq-edge's X-Wing (the Node entry's backends: wasm
// ML-KEM + node:crypto X25519; and all-noble backends, the Fastly-like path) against @noble/post-quantum's
// ml_kem768_x25519; HPKE seal and open of 1 KiB (X-Wing + HKDF-SHA256 + ChaCha20-Poly1305 or
// AES-256-GCM) against hpke-js; medians in µs per implementation and operation.
// benchXWingNodeInterleaved: pq-edge's X-Wing against noble's with the contenders interleaved, the ratios
// to quote, optionally beside CPU-bound processes.
import { spawn } from 'node:child_process'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core'
import { XWing } from '@hpke/hybridkem-x-wing'
import { ml_kem768_x25519 as noble } from '@noble/post-quantum/hybrid.js'
import { bench, do_not_optimize, group, run } from 'mitata'
import { median, type Spread, spread } from '../scripts/stats.ts'
import { nobleBackends } from '../src/crypto/select.ts'
import { AEAD, hpke, KDF, KEM } from '../src/hpke/node.ts'
import * as mlkem from '../src/mlkem/node.ts'
import { xwing } from '../src/xwing/node.ts'
import { createXWing } from '../src/xwing/xwing.ts'

export type Table = Record<string, Record<string, number>>
export const XWING_OPERATIONS = ['keygen', 'encaps', 'decaps'] as const
export const HPKE_OPERATIONS = ['seal', 'open'] as const
const MESSAGE_BYTES = 1024

type XWingOps = Partial<Record<(typeof XWING_OPERATIONS)[number], () => unknown>>

/** The X-Wing contenders of both runs, on one noble key pair and ciphertext. */
async function xwingContenders(): Promise<Record<string, XWingOps>> {
  const allNoble = createXWing(nobleBackends(mlkem))
  const { publicKey, secretKey } = noble.keygen()
  const { cipherText } = noble.encapsulate(publicKey)
  const imported = await xwing.importSecretKey(secretKey)

  return {
    'pq-edge X-Wing': {
      keygen: () => xwing.keygen(),
      encaps: () => xwing.encapsulate(publicKey),
      decaps: () => xwing.decapsulate(cipherText, secretKey),
    },
    'pq-edge X-Wing (key imported once)': { decaps: () => imported.decapsulate(cipherText) },
    'pq-edge X-Wing (all-noble backends)': {
      keygen: () => allNoble.keygen(),
      encaps: () => allNoble.encapsulate(publicKey),
      decaps: () => allNoble.decapsulate(cipherText, secretKey),
    },
    'noble ml_kem768_x25519': {
      keygen: () => noble.keygen(),
      encaps: () => noble.encapsulate(publicKey),
      decaps: () => noble.decapsulate(cipherText, secretKey),
    },
  }
}

export async function benchHpke(): Promise<{ xwing: Table; hpke: Table }> {
  const xwingImpls = await xwingContenders()

  const pt = crypto.getRandomValues(new Uint8Array(MESSAGE_BYTES))
  const hpkeImpls: Record<string, Record<(typeof HPKE_OPERATIONS)[number], () => unknown>> = {}
  for (const [aeadName, aeadId, theirAead] of [
    ['ChaCha20-Poly1305', AEAD.ChaCha20Poly1305, () => new Chacha20Poly1305()],
    ['AES-256-GCM', AEAD.Aes256Gcm, () => new Aes256Gcm()],
  ] as const) {
    const suite = hpke.suite({ kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: aeadId })
    const pair = await suite.GenerateKeyPair()
    const key = await suite.importRecipientKey(pair.privateKey)
    const sealed = await suite.Seal(pair.publicKey, pt)
    hpkeImpls[`pq-edge X-Wing/${aeadName}`] = {
      seal: () => suite.Seal(pair.publicKey, pt),
      open: () => suite.Open(sealed.enc, key, sealed.ciphertext),
    }
    const them = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: theirAead() })
    const theirPair = await them.kem.generateKeyPair()
    const theirSealed = await them.seal({ recipientPublicKey: theirPair.publicKey }, pt)
    hpkeImpls[`hpke-js X-Wing/${aeadName}`] = {
      seal: () => them.seal({ recipientPublicKey: theirPair.publicKey }, pt),
      open: () => them.open({ recipientKey: theirPair.privateKey, enc: theirSealed.enc }, theirSealed.ct),
    }
  }

  for (const op of XWING_OPERATIONS) {
    group(`X-Wing ${op}`, () => {
      for (const [name, ops] of Object.entries(xwingImpls))
        if (ops[op]) bench(`xwing|${name}|${op}`, async () => do_not_optimize(await ops[op]!()))
    })
  }
  for (const op of HPKE_OPERATIONS) {
    group(`HPKE ${op} ${MESSAGE_BYTES} B`, () => {
      for (const [name, ops] of Object.entries(hpkeImpls)) bench(`hpke|${name}|${op}`, async () => do_not_optimize(await ops[op]()))
    })
  }
  const result = await run({ format: 'quiet', throw: true })
  const tables: { xwing: Table; hpke: Table } = { xwing: {}, hpke: {} }
  for (const trial of result.benchmarks) {
    for (const r of trial.runs) {
      const [section, name, op] = r.name.split('|') as ['xwing' | 'hpke', string, string]
      ;(tables[section][name] ??= {})[op] = r.stats!.p50 / 1000 // ns -> µs
    }
  }
  return tables
}

export interface XWingInterleavedRow {
  op: string
  /** wall µs per operation, median over the rounds */
  oursUs: number
  nobleUs: number
  /** noble ÷ pq-edge per round (> 1: pq-edge is faster) */
  ratio: Spread
}

/**
 * pq-edge's X-Wing (the Node entry's backends) against noble's ml_kem768_x25519, contenders interleaved:
 * per operation, every round times a batch of each (about `batchMs` of wall time), the order alternating,
 * one ratio per round. Wall time, not CPU time: with `busy` > 0 that many CPU-bound processes run
 * meanwhile (a server is never idle), and what a caller waits for, a free core included, is the cost.
 */
export async function benchXWingNodeInterleaved(rounds = 15, batchMs = 20, busy = 0): Promise<XWingInterleavedRow[]> {
  const impls = await xwingContenders()
  const [ours, noble] = [impls['pq-edge X-Wing']!, impls['noble ml_kem768_x25519']!]
  const oursImported = impls['pq-edge X-Wing (key imported once)']!
  const cases: [string, () => unknown, () => unknown][] = [
    ['keygen', ours.keygen!, noble.keygen!],
    ['encaps', ours.encaps!, noble.encaps!],
    ['decaps', ours.decaps!, noble.decaps!],
    ['decaps, key imported once', oursImported.decaps!, noble.decaps!],
  ]
  const batch = async (f: () => unknown, n: number) => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) do_not_optimize(await f())
    return ((performance.now() - t0) * 1000) / n
  }
  const spinners = Array.from({ length: busy }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  try {
    const rows: XWingInterleavedRow[] = []
    for (const [op, oursOp, nobleOp] of cases) {
      // Batch sizes from a warm-up: about batchMs each.
      const sizes = []
      for (const f of [oursOp, nobleOp]) {
        let n = 4
        while ((await batch(f, n)) * n < 2000) n *= 2
        sizes.push(Math.max(3, Math.round((batchMs * 1000) / (await batch(f, n)))))
      }
      const [t, u]: [number[], number[]] = [[], []]
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? [1, 0] : [0, 1]
        for (const i of order) (i === 0 ? t : u).push(await batch(i === 0 ? oursOp : nobleOp, sizes[i]!))
      }
      rows.push({ op, oursUs: median(t), nobleUs: median(u), ratio: spread(u.map((x, r) => x / t[r]!)) })
    }
    return rows
  } finally {
    for (const p of spinners) p.kill()
  }
}
