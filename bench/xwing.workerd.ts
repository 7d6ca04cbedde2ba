// X-Wing inside workerd: workerd's native X-Wing (WebCrypto `MLKEM768-X25519`) against pq-edge's
// X-Wing on the same isolate's selected primitives (SIMD wasm ML-KEM, WebCrypto X25519), per operation,
// as pq-edge/xwing and the service call them (bytes in, bytes out). This is the measurement behind
// NATIVE_XWING_OPERATIONS (src/crypto/select-core.ts); scripts/bench.ts drives it.
//
// The worker only runs batches: GET /op?case=i&side=a|b&n=N runs N operations of one contender. The
// driver times each request by the workerd process's CPU time (/proc/<pid>/task/*/schedstat, ns), not
// by a clock inside workerd: that clock moves in 1 ms steps and, on a shared machine, wall time
// includes whatever else ran. Contenders alternate batch by batch, and each round gives one ratio.

import { selectBackends } from '../src/crypto/select.ts'
import { webCryptoX25519 } from '../src/crypto/webcrypto.ts'
import { webCryptoXWing as native } from '../src/crypto/webcrypto-xwing.ts'
import * as mlkem from '../src/mlkem/workerd.ts'
import { createXWing } from '../src/xwing/xwing.ts'
import { type Case, pairWorker } from './pair-worker.ts'

/** [operation, [contender a], [contender b]]: the driver reports a ÷ b (> 1: b is faster). */
async function buildCases(): Promise<Case[]> {
  await mlkem.init()
  const { xwing: _native, ...primitives } = (await selectBackends(mlkem)).backends
  const ours = createXWing(primitives)
  // pq-edge before ek_X came from generateKey: a PKCS#8 import + a deriveBits against u = 9.
  const oursImportedEkX = createXWing({ ...primitives, x25519: { ...webCryptoX25519, generateKeyPair: undefined } })
  const { publicKey, secretKey } = await ours.keygen()
  const { cipherText } = await ours.encapsulate(publicKey)
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const oursKey = await ours.importSecretKey(secretKey)
  const nativeKey = await native.importSecretKey(secretKey)
  return [
    ['keygen (random)', ['pq-edge', () => ours.keygen()], ['native', () => native.keygen()]],
    ['keygen (seed)', ['pq-edge', () => ours.keygen(seed)], ['native', () => native.keygen(seed)]],
    ['encaps', ['pq-edge', () => ours.encapsulate(publicKey)], ['native', () => native.encapsulate(publicKey)]],
    [
      'decaps (from the 32-byte key)',
      ['pq-edge', () => ours.decapsulate(cipherText, secretKey)],
      ['native', () => native.importSecretKey(secretKey).then((k) => k.decapsulate(cipherText))],
    ],
    ['decaps (key imported once)', ['pq-edge', () => oursKey.decapsulate(cipherText)], ['native', () => nativeKey.decapsulate(cipherText)]],
    ['importSecretKey', ['pq-edge', () => ours.importSecretKey(secretKey)], ['native', () => native.importSecretKey(secretKey)]],
    [
      'encaps: pq-edge ek_X by import vs generateKey',
      ['import', () => oursImportedEkX.encapsulate(publicKey)],
      ['generateKey', () => ours.encapsulate(publicKey)],
    ],
  ]
}

export default pairWorker(buildCases)
