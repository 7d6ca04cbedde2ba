import { shake128 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS } from '../../src/mlkem/api.ts'
import { ACCUMULATED_10K, accumulate, toHex } from '../support/accumulated.ts'
import { KEM_KINDS, loadKem } from './helpers.ts'

it('the random stream is SHAKE128 of the empty string', () => {
  expect(toHex(shake128.create({}).xof(16))).toBe('7f9c2ba4e88f827d616045507605853e')
})

describe.each(KEM_KINDS)('%s build: CCTV accumulated, 10,000 iterations', (kind) => {
  const kem = loadKem(kind)
  it.each(PARAMETER_SET_IDS)('%s', (set) => {
    expect(accumulate(kem[set], 10_000)).toBe(ACCUMULATED_10K[set])
  })
})
