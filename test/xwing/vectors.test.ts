// X-Wing against the draft-connolly-cfrg-xwing-kem-10 vectors (read in place from
// test/vectors/xwing), with every backend combination this project can select.
import { describe, expect, it } from 'vitest'
import { nobleBackends, selectBackends } from '../../src/crypto/select.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { xwing } from '../../src/xwing/node.ts'
import { createXWing } from '../../src/xwing/xwing.ts'
import { hex, readVectorJson, toHex } from '../mlkem/helpers.ts'

interface XWingVector {
  seed: string
  sk: string
  pk: string
  eseed: string
  ct: string
  ss: string
}
const vectors: XWingVector[] = readVectorJson('xwing/test-vectors.json')

const implementations = {
  'package entry (selected backends)': async () => xwing,
  'all-noble backends': async () => createXWing(nobleBackends(mlkem)),
  'WebCrypto backends': async () => createXWing((await selectBackends(mlkem)).backends),
}

describe.each(Object.keys(implementations) as (keyof typeof implementations)[])('X-Wing draft-10 vectors: %s', (name) => {
  it('has the 3 published vectors', () => {
    expect(vectors).toHaveLength(3)
  })
  it.each([0, 1, 2])('vector %i: keygen, encapsulate(eseed), decapsulate', async (i) => {
    const v = vectors[i]!
    const x = await implementations[name]()
    const { publicKey, secretKey } = await x.keygen(hex(v.seed))
    expect(toHex(secretKey)).toBe(v.sk)
    expect(toHex(publicKey)).toBe(v.pk)
    const { cipherText, sharedSecret } = await x.encapsulate(hex(v.pk), hex(v.eseed))
    expect(toHex(cipherText)).toBe(v.ct)
    expect(toHex(sharedSecret)).toBe(v.ss)
    expect(toHex(await x.decapsulate(hex(v.ct), hex(v.sk)))).toBe(v.ss)
    const key = await x.importSecretKey(hex(v.sk))
    expect(toHex(key.publicKey)).toBe(v.pk)
    expect(toHex(await key.decapsulate(hex(v.ct)))).toBe(v.ss)
  })
})

describe('X-Wing lengths and input checks', () => {
  it('exposes the draft §5.1 sizes', () => {
    expect(xwing.lengths).toMatchObject({ secretKey: 32, publicKey: 1216, cipherText: 1120, sharedSecret: 32, eseed: 64 })
  })
  it('rejects wrong lengths with a clear message', async () => {
    await expect(xwing.keygen(new Uint8Array(31))).rejects.toThrow('X-Wing: seed must be 32 bytes, got 31')
    await expect(xwing.encapsulate(new Uint8Array(1215))).rejects.toThrow('X-Wing: publicKey must be 1216 bytes, got 1215')
    const { publicKey } = await xwing.keygen()
    await expect(xwing.encapsulate(publicKey, new Uint8Array(63))).rejects.toThrow('X-Wing: eseed must be 64 bytes, got 63')
    await expect(xwing.decapsulate(new Uint8Array(1119), new Uint8Array(32))).rejects.toThrow(
      'X-Wing: cipherText must be 1120 bytes, got 1119',
    )
    await expect(xwing.decapsulate(new Uint8Array(1120), new Uint8Array(33))).rejects.toThrow('X-Wing: secretKey must be 32 bytes, got 33')
  })
  it('runs the FIPS 203 §7.2 key check in encapsulation', async () => {
    const { publicKey } = await xwing.keygen()
    const bad = publicKey.slice()
    bad[0] = 0xff // coefficient 0 becomes ≥ q = 3329 (12-bit little-endian: 0x?ff with the next nibble)
    bad[1] = 0x0f
    await expect(xwing.encapsulate(bad)).rejects.toThrow('§7.2')
  })
  it('rejects a low-order X25519 ciphertext half instead of returning a weak secret', async () => {
    const { publicKey, secretKey } = await xwing.keygen()
    const { cipherText } = await xwing.encapsulate(publicKey)
    cipherText.fill(0, 1088) // ct_X = 0, a point of order dividing the cofactor
    await expect(xwing.decapsulate(cipherText, secretKey)).rejects.toThrow()
  })
})
