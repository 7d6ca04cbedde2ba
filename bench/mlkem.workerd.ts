// ML-KEM-768 inside workerd: pq-edge (SIMD and scalar builds, loaded as the worker loads them) and
// workerd's native WebCrypto ML-KEM-768. workerd's clock moves in coarse steps, so each sample times
// a batch of operations; implementations are interleaved batch by batch so noise hits all alike.
import type { KemSubtle } from '../src/crypto/webcrypto.ts'
import { instantiateMlKem } from '../src/mlkem/instantiate.ts'
import scalarModule from '../src/mlkem/wasm/mlkem.wasm'
import * as mlkem from '../src/mlkem/workerd.ts'

const ALG = { name: 'ML-KEM-768' }
type Op = () => unknown

async function timeBatch(op: Op, n: number): Promise<number> {
  const start = performance.now()
  for (let i = 0; i < n; i++) await op()
  return ((performance.now() - start) * 1000) / n // µs per operation
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/ping') return new Response('ready')
    const batches = Number(url.searchParams.get('batches') ?? 11)
    const perBatch = Number(url.searchParams.get('n') ?? 1000)
    const subtle = crypto.subtle as unknown as KemSubtle
    const simd = mlkem.ml_kem768
    const scalar = instantiateMlKem(scalarModule, 'scalar').ml_kem768

    const { publicKey, secretKey } = simd.keygen()
    const { cipherText } = simd.encapsulate(publicKey)
    const nativePair = await subtle.generateKey(ALG, true, ['encapsulateBits', 'decapsulateBits'])
    const nativePublic = new Uint8Array(await subtle.exportKey('raw-public', nativePair.publicKey))
    const nativeCipherText = new Uint8Array((await subtle.encapsulateBits(ALG, nativePair.publicKey)).ciphertext)

    const cases: Record<string, Record<string, Op>> = {
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
      // From raw bytes, like pq-edge's API: the public key is imported on every encapsulation.
      'workerd native': {
        keygen: () => subtle.generateKey(ALG, true, ['encapsulateBits', 'decapsulateBits']),
        encaps: async () => subtle.encapsulateBits(ALG, await subtle.importKey('raw-public', nativePublic, ALG, true, ['encapsulateBits'])),
        decaps: () => subtle.decapsulateBits(ALG, nativePair.privateKey, nativeCipherText),
      },
      // The native encapsulation alone, with the key object ready (decaps above already is).
      'workerd native (key imported once)': { encaps: () => subtle.encapsulateBits(ALG, nativePair.publicKey) },
    }
    const samples: Record<string, Record<string, number[]>> = {}
    for (let b = 0; b < batches; b++) {
      for (const [name, ops] of Object.entries(cases)) {
        for (const [op, fn] of Object.entries(ops)) ((samples[name] ??= {})[op] ??= []).push(await timeBatch(fn, perBatch))
      }
    }
    const medians = Object.fromEntries(
      Object.entries(samples).map(([name, ops]) => [name, Object.fromEntries(Object.entries(ops).map(([op, xs]) => [op, median(xs)]))]),
    )
    return Response.json({ batches, perBatch, backend: mlkem.getBackend(), medians })
  },
}
