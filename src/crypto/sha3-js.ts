// SHA3-256 and SHAKE256 (FIPS 202) over the TypeScript ML-KEM core's Keccak (src/mlkem/js/keccak.ts:
// the permutation on 50 local 32-bit variables, generated with the wasm core's from the same tables).
// For engines without a JIT, where it is many times faster than @noble/hashes' permutation (Fastly;
// node scripts/fastly/bench.ts crypto). The sponge state is the core's scratch: every call leaves it zeroed.
import { DS_SHA3, DS_SHAKE, hashOnce, RATE_256, ST, ZERO_STATE } from '../mlkem/js/keccak.ts'
import type { Sha3 } from './types.ts'

function hash(ds: number, data: Uint8Array, outputBytes: number): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('SHA-3: data must be a Uint8Array')
  if (!Number.isSafeInteger(outputBytes) || outputBytes < 0)
    throw new RangeError('SHAKE256: the output length must be a whole number of bytes')
  const out = new Uint8Array(outputBytes)
  try {
    hashOnce(RATE_256, ds, data, 0, data.length, out, 0, outputBytes)
  } finally {
    ST.set(ZERO_STATE) // the input may be secret (seeds, shared secrets)
  }
  return out
}

export const jsSha3: Sha3 = {
  name: 'pq-edge-js',
  sha3_256: (data) => hash(DS_SHA3, data, 32),
  shake256: (data, outputBytes) => hash(DS_SHAKE, data, outputBytes),
}
