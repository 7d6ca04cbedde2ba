// ML-KEM-768 inside workerd: workerd's native WebCrypto ML-KEM-768 against pq-edge/mlkem (the SIMD build the
// worker loads, and the scalar build), per operation, bytes in and bytes out as the API takes them, and
// with keys imported once on both sides (native CryptoKey objects; pq-edge's importPublicKey and
// importSecretKey). Native decapsulation always uses its private key object (there is no one-shot form).
// scripts/bench.ts drives it (`--mlkem-workerd-only`, or part 3 of `npm run bench`).
//
// The worker only runs batches, as bench/xwing.workerd.ts: GET /op?case=i&side=a|b&n=N runs N operations
// of one contender, and the driver times each request by the workerd process's CPU time
// (scripts/workerd-cpu.ts), contenders alternating batch by batch, one ratio per round.

import type { KemSubtle } from '../src/crypto/webcrypto.ts'
import { instantiateMlKem } from '../src/mlkem/instantiate.ts'
import scalarModule from '../src/mlkem/wasm/mlkem.wasm'
import * as mlkem from '../src/mlkem/workerd.ts'
import { type Case, pairWorker } from './pair-worker.ts'

const ALG = { name: 'ML-KEM-768' }

/** [operation, [contender a], [contender b]]: the driver reports a ÷ b, so with native as a, > 1 means
 *  pq-edge is faster by that factor. */
async function buildCases(): Promise<Case[]> {
  const subtle = crypto.subtle as unknown as KemSubtle
  const builds = { simd: mlkem.ml_kem768, scalar: instantiateMlKem(scalarModule, 'scalar').ml_kem768 }
  const { publicKey, secretKey } = builds.simd.keygen()
  const { cipherText } = builds.simd.encapsulate(publicKey)
  // Native's own key pair for decapsulation (its private key object, as a service would hold it) and
  // our public key imported once for its imported-key encapsulation.
  const nativePair = await subtle.generateKey(ALG, true, ['encapsulateBits', 'decapsulateBits'])
  const nativeCipherText = new Uint8Array((await subtle.encapsulateBits(ALG, nativePair.publicKey)).ciphertext)
  const nativeImported = await subtle.importKey('raw-public', publicKey, ALG, true, ['encapsulateBits'])
  const native = {
    keygen: () => subtle.generateKey(ALG, true, ['encapsulateBits', 'decapsulateBits']),
    // From raw bytes, like pq-edge's encapsulate(publicKey): the key is imported on every encapsulation.
    encaps: async () => subtle.encapsulateBits(ALG, await subtle.importKey('raw-public', publicKey, ALG, true, ['encapsulateBits'])),
    encapsImported: () => subtle.encapsulateBits(ALG, nativeImported),
    decaps: () => subtle.decapsulateBits(ALG, nativePair.privateKey, nativeCipherText),
  }
  // 16 key pairs used in turn: more than the wasm adapter remembers (4), so every operation meets a key it
  // has not expanded (the worst case for pq-edge's one-shot API; native imports every key anyway).
  const seeds = Array.from({ length: 16 }, () => crypto.getRandomValues(new Uint8Array(64)))
  const many = seeds.map((seed) => {
    const pair = builds.simd.keygen(seed)
    return { seed, ...pair, cipherText: builds.simd.encapsulate(pair.publicKey).cipherText }
  })
  let turn = 0
  const next = () => many[turn++ % many.length]!
  const nativeManyEncaps = async () => {
    const key = await subtle.importKey('raw-public', next().publicKey, ALG, true, ['encapsulateBits'])
    return subtle.encapsulateBits(ALG, key)
  }
  const nativeManyDecaps = async () => {
    const { seed, cipherText } = next()
    return subtle.decapsulateBits(ALG, await subtle.importKey('raw-seed', seed, ALG, true, ['decapsulateBits']), cipherText)
  }
  const cases: Case[] = []
  for (const [kind, kem] of Object.entries(builds)) {
    const importedEk = kem.importPublicKey(publicKey)
    const importedDk = kem.importSecretKey(secretKey)
    const ours = `pq-edge ${kind}`
    cases.push(
      ['keygen', ['native', native.keygen], [ours, () => kem.keygen()]],
      ['encaps (from key bytes)', ['native', native.encaps], [ours, () => kem.encapsulate(publicKey)]],
      ['encaps (key imported once)', ['native', native.encapsImported], [ours, () => importedEk.encapsulate()]],
      ['decaps (native key object; ours from bytes)', ['native', native.decaps], [ours, () => kem.decapsulate(cipherText, secretKey)]],
      ['decaps (key imported once)', ['native', native.decaps], [ours, () => importedDk.decapsulate(cipherText)]],
      ['encaps (16 keys in turn, from bytes)', ['native', nativeManyEncaps], [ours, () => kem.encapsulate(next().publicKey)]],
      [
        'decaps (16 keys in turn; native from the seed)',
        ['native', nativeManyDecaps],
        [
          ours,
          () => {
            const { cipherText, secretKey } = next()
            return kem.decapsulate(cipherText, secretKey)
          },
        ],
      ],
    )
  }
  const [importedEk, importedDk] = [builds.simd.importPublicKey(publicKey), builds.simd.importSecretKey(secretKey)]
  cases.push(
    [
      'encaps: key bytes vs imported key',
      ['pq-edge simd', () => builds.simd.encapsulate(publicKey)],
      ['imported', () => importedEk.encapsulate()],
    ],
    [
      'decaps: key bytes vs imported key',
      ['pq-edge simd', () => builds.simd.decapsulate(cipherText, secretKey)],
      ['imported', () => importedDk.decapsulate(cipherText)],
    ],
  )
  return cases
}

export default pairWorker(buildCases)
