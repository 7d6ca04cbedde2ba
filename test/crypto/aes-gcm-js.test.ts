// The TypeScript AES-GCM (src/crypto/aes-gcm-js.ts) against FIPS 197 Appendix C (the block cipher) and the
// test cases of McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (the 96-bit-IV cases 1–4 for
// AES-128 and 13–16 for AES-256; cases 5–6 and 17–18 use other IV lengths, which must be refused), and
// differentially against two independent implementations, node:crypto (OpenSSL) and @noble/ciphers, in
// both directions; then tampering (every single-bit flip of tag, ciphertext, AAD and nonce) and input errors.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto'
import { gcm } from '@noble/ciphers/aes.js'
import { describe, expect, it } from 'vitest'
import { aesEncryptBlock, jsAes128Gcm, jsAes256Gcm, primeAesGcmTables } from '../../src/crypto/aes-gcm-js.ts'
import type { Aead } from '../../src/crypto/types.ts'

const CASES = Number(process.env.PQ_EDGE_DIFF_CASES ?? 1000)
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const aeadFor = (keyLength: number): Aead => (keyLength === 16 ? jsAes128Gcm : jsAes256Gcm)

function nodeSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv)
  c.setAAD(aad)
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]))
}
function nodeOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const d = createDecipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv)
  d.setAAD(aad)
  d.setAuthTag(ct.subarray(ct.length - 16))
  return new Uint8Array(Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]))
}

describe('FIPS 197 Appendix C', () => {
  const pt = bytes('00112233445566778899aabbccddeeff')
  it('C.1 AES-128', () => {
    expect(hex(aesEncryptBlock(bytes('000102030405060708090a0b0c0d0e0f'), pt))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a')
  })
  it('C.3 AES-256', () => {
    const key = bytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
    expect(hex(aesEncryptBlock(key, pt))).toBe('8ea2b7ca516745bfeafc49904b496089')
  })
  it('agrees with node:crypto AES-ECB on random blocks', () => {
    for (let i = 0; i < 200; i++) {
      const key = new Uint8Array(randomBytes(i & 1 ? 32 : 16))
      const block = new Uint8Array(randomBytes(16))
      const c = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(false)
      expect(hex(aesEncryptBlock(key, block))).toBe(hex(Buffer.concat([c.update(block), c.final()])))
    }
  })
})

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B, test cases with 96-bit IVs.
const P60 = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39'
const P64 = `${P60}1aafd255`
const AAD20 = 'feedfacedeadbeeffeedfacedeadbeefabaddad2'
const K128 = 'feffe9928665731c6d6a8f9467308308'
const K256 = K128 + K128
const IV = 'cafebabefacedbaddecaf888'
const Z12 = '00'.repeat(12)
const GCM_SPEC = [
  { tc: 1, key: '00'.repeat(16), iv: Z12, pt: '', aad: '', ct: '', tag: '58e2fccefa7e3061367f1d57a4e7455a' },
  {
    tc: 2,
    key: '00'.repeat(16),
    iv: Z12,
    pt: '00'.repeat(16),
    aad: '',
    ct: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    tc: 3,
    key: K128,
    iv: IV,
    pt: P64,
    aad: '',
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
    tag: '4d5c2af327cd64a62cf35abd2ba6fab4',
  },
  {
    tc: 4,
    key: K128,
    iv: IV,
    pt: P60,
    aad: AAD20,
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  { tc: 13, key: '00'.repeat(32), iv: Z12, pt: '', aad: '', ct: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  {
    tc: 14,
    key: '00'.repeat(32),
    iv: Z12,
    pt: '00'.repeat(16),
    aad: '',
    ct: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    tc: 15,
    key: K256,
    iv: IV,
    pt: P64,
    aad: '',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    tc: 16,
    key: K256,
    iv: IV,
    pt: P60,
    aad: AAD20,
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
]
// Cases 5/6 (AES-128) and 17/18 (AES-256): the same inputs as 4 and 16 with a 64-bit and a 480-bit IV.
const OTHER_IVS = [
  { tc: 5, key: K128, iv: 'cafebabefacedbad' },
  {
    tc: 6,
    key: K128,
    iv: '9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b',
  },
  { tc: 17, key: K256, iv: 'cafebabefacedbad' },
  {
    tc: 18,
    key: K256,
    iv: '9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b',
  },
]

describe('GCM specification test cases (McGrew & Viega, 96-bit IVs)', () => {
  for (const v of GCM_SPEC) {
    it(`test case ${v.tc} (AES-${v.key.length * 4})`, async () => {
      const key = await aeadFor(v.key.length / 2).importKey(bytes(v.key))
      const sealed = await key.seal(bytes(v.iv), bytes(v.aad), bytes(v.pt))
      expect(hex(sealed)).toBe(v.ct + v.tag)
      expect(hex(await key.open(bytes(v.iv), bytes(v.aad), sealed))).toBe(v.pt)
      // the transcription is checked too: OpenSSL gives the same
      expect(hex(nodeSeal(bytes(v.key), bytes(v.iv), bytes(v.aad), bytes(v.pt)))).toBe(v.ct + v.tag)
    })
  }
  for (const v of OTHER_IVS) {
    it(`test case ${v.tc} (a ${v.iv.length * 4}-bit IV) is refused`, async () => {
      const key = await aeadFor(v.key.length / 2).importKey(bytes(v.key))
      await expect(key.seal(bytes(v.iv), bytes(AAD20), bytes(P60))).rejects.toThrow(/nonce must be 12 bytes \(only 96-bit IVs/)
      await expect(key.open(bytes(v.iv), bytes(AAD20), new Uint8Array(76))).rejects.toThrow(RangeError)
    })
  }
})

describe('differential against node:crypto and @noble/ciphers', () => {
  it(`${CASES} random cases, key sizes 16/32, lengths 0..1100, random AAD, both directions`, async () => {
    // every length class near block boundaries first, then random ones
    const fixedLengths = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1023, 1024, 1025, 1100]
    for (let i = 0; i < CASES; i++) {
      const keyLength = i & 1 ? 32 : 16
      const len = i < 2 * fixedLengths.length ? fixedLengths[i >> 1]! : randomInt(0, 1101)
      const aadLength = i % 5 === 0 ? 0 : randomInt(0, i % 7 === 0 ? 300 : 48)
      const key = new Uint8Array(randomBytes(keyLength))
      const iv = new Uint8Array(randomBytes(12))
      const aad = new Uint8Array(randomBytes(aadLength))
      const pt = new Uint8Array(randomBytes(len))
      const ours = await aeadFor(keyLength).importKey(key)
      const sealed = await ours.seal(iv, aad, pt)
      const reference = nodeSeal(key, iv, aad, pt)
      const context = `case ${i}: key ${keyLength} B, pt ${len} B, aad ${aadLength} B`
      expect(hex(sealed), context).toBe(hex(reference))
      expect(hex(gcm(key, iv, aad).encrypt(pt)), context).toBe(hex(reference))
      // ours → theirs, theirs → ours
      expect(hex(nodeOpen(key, iv, aad, sealed)), context).toBe(hex(pt))
      expect(hex(gcm(key, iv, aad).decrypt(sealed)), context).toBe(hex(pt))
      expect(hex(await ours.open(iv, aad, reference)), context).toBe(hex(pt))
    }
  })

  it('one imported key seals many messages (no state carried between calls)', async () => {
    const key = new Uint8Array(randomBytes(32))
    const ours = await jsAes256Gcm.importKey(key)
    for (let i = 0; i < 50; i++) {
      const iv = new Uint8Array(randomBytes(12))
      const aad = new Uint8Array(randomBytes(i))
      const pt = new Uint8Array(randomBytes(i * 7))
      expect(hex(await ours.seal(iv, aad, pt))).toBe(hex(nodeSeal(key, iv, aad, pt)))
    }
  })
})

describe('tampering: every single-bit flip is rejected', () => {
  for (const keyLength of [16, 32]) {
    it(`AES-${keyLength * 8}-GCM: tag, ciphertext, AAD, nonce`, async () => {
      const key = new Uint8Array(randomBytes(keyLength))
      const iv = new Uint8Array(randomBytes(12))
      const aad = new Uint8Array(randomBytes(21))
      const pt = new Uint8Array(randomBytes(37)) // a partial final block
      const ours = await aeadFor(keyLength).importKey(key)
      const sealed = await ours.seal(iv, aad, pt)
      expect(hex(await ours.open(iv, aad, sealed))).toBe(hex(pt))
      const flips: Array<[string, Uint8Array, Uint8Array, Uint8Array]> = []
      for (let bit = 0; bit < sealed.length * 8; bit++) {
        const c = sealed.slice()
        c[bit >> 3]! ^= 1 << (bit & 7)
        flips.push([bit >= pt.length * 8 ? `tag bit ${bit - pt.length * 8}` : `ciphertext bit ${bit}`, iv, aad, c])
      }
      for (let bit = 0; bit < aad.length * 8; bit++) {
        const a = aad.slice()
        a[bit >> 3]! ^= 1 << (bit & 7)
        flips.push([`aad bit ${bit}`, iv, a, sealed])
      }
      for (let bit = 0; bit < 96; bit++) {
        const n = iv.slice()
        n[bit >> 3]! ^= 1 << (bit & 7)
        flips.push([`nonce bit ${bit}`, n, aad, sealed])
      }
      expect(flips.length).toBe(53 * 8 + 21 * 8 + 96)
      for (const [what, n, a, c] of flips) {
        let result: Uint8Array | undefined
        let error: unknown
        try {
          result = await ours.open(n, a, c)
        } catch (e) {
          error = e
        }
        expect(result, what).toBeUndefined()
        expect((error as Error).message, what).toBe('AES-GCM: authentication failed (tag mismatch)')
      }
      // a dropped or an extra byte, and an AAD moved into the ciphertext, fail too
      await expect(ours.open(iv, aad, sealed.subarray(0, sealed.length - 1))).rejects.toThrow(/authentication failed/)
      await expect(ours.open(iv, aad, new Uint8Array([...sealed, 0]))).rejects.toThrow(/authentication failed/)
      await expect(ours.open(iv, new Uint8Array(0), sealed)).rejects.toThrow(/authentication failed/)
    })
  }
})

describe('inputs and key handling', () => {
  // A distinctive key: an error message must not contain it in any usual rendering.
  const marker = (n: number) => new Uint8Array(n).map((_, i) => 0xa5 ^ (i * 29))
  const leaks = (message: string, key: Uint8Array) =>
    [hex(key), hex(key.subarray(0, 4)), Array.from(key.subarray(0, 4)).join(','), Buffer.from(key).toString('base64').slice(0, 8)]
      .filter((s) => s.length > 0) // an empty key has nothing to leak
      .some((s) => message.toLowerCase().includes(s.toLowerCase()))

  it('wrong key lengths are refused with a clear error that never echoes the key', async () => {
    for (const [aead, want] of [
      [jsAes128Gcm, 16],
      [jsAes256Gcm, 32],
    ] as const) {
      for (const n of [0, 1, 15, 17, 24, 31, 33, 64]) {
        if (n === want) continue
        const key = marker(n)
        const error = await aead.importKey(key).then(
          () => undefined,
          (e: unknown) => e as Error,
        )
        expect(error, `${want}: ${n}`).toBeInstanceOf(RangeError)
        expect(error!.message).toBe(`AES-GCM key must be ${want} bytes, got ${n}`)
        expect(leaks(error!.message, key)).toBe(false)
      }
    }
    await expect(jsAes128Gcm.importKey('0123456789abcdef' as unknown as Uint8Array)).rejects.toThrow(TypeError)
    expect(() => aesEncryptBlock(marker(24), new Uint8Array(16))).toThrow('AES key must be 16 or 32 bytes, got 24')
  })

  it('wrong nonce lengths are refused on seal and open, naming the 96-bit requirement', async () => {
    const key = marker(16)
    const ours = await jsAes128Gcm.importKey(key)
    const sealed = await ours.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(5))
    for (const n of [0, 1, 8, 11, 13, 16, 60]) {
      for (const op of [
        () => ours.seal(new Uint8Array(n), new Uint8Array(0), new Uint8Array(5)),
        () => ours.open(new Uint8Array(n), new Uint8Array(0), sealed),
      ]) {
        const error = await op().then(
          () => undefined,
          (e: unknown) => e as Error,
        )
        expect(error).toBeInstanceOf(RangeError)
        expect(error!.message).toBe(`AES-GCM: nonce must be 12 bytes (only 96-bit IVs are supported), got ${n}`)
        expect(leaks(error!.message, key)).toBe(false)
      }
    }
  })

  it('ciphertexts shorter than the tag and non-byte inputs are refused', async () => {
    const ours = await jsAes256Gcm.importKey(marker(32))
    for (const n of [0, 1, 15]) {
      await expect(ours.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(n))).rejects.toThrow(
        `AES-GCM: ciphertext must be at least 16 bytes (the tag), got ${n}`,
      )
    }
    await expect(ours.seal(new Uint8Array(12), [] as unknown as Uint8Array, new Uint8Array(1))).rejects.toThrow(
      'AES-GCM: aad must be a Uint8Array',
    )
    await expect(ours.seal(new Uint8Array(12), new Uint8Array(0), 'x' as unknown as Uint8Array)).rejects.toThrow(
      'AES-GCM: plaintext must be a Uint8Array',
    )
  })

  it('the imported key is a copy, and the AeadKey exposes nothing but seal and open', async () => {
    primeAesGcmTables() // idempotent
    const key = new Uint8Array(randomBytes(32))
    const saved = key.slice()
    const ours = await jsAes256Gcm.importKey(key)
    key.fill(0)
    const iv = new Uint8Array(12)
    const pt = new Uint8Array(40).fill(7)
    expect(hex(await ours.seal(iv, new Uint8Array(0), pt))).toBe(hex(nodeSeal(saved, iv, new Uint8Array(0), pt)))
    expect(Object.keys(ours).sort()).toEqual(['open', 'seal'])
    expect(Object.getOwnPropertySymbols(ours)).toEqual([])
    expect(JSON.stringify(ours)).toBe('{}')
    expect(jsAes128Gcm.name).toBe('pq-edge-js')
    expect(jsAes256Gcm.name).toBe('pq-edge-js')
  })

  it('subarray views (non-zero byteOffset) are read correctly', async () => {
    const key = new Uint8Array(randomBytes(16))
    const buf = new Uint8Array(randomBytes(200))
    const iv = buf.subarray(3, 15)
    const aad = buf.subarray(17, 40)
    const pt = buf.subarray(41, 141)
    const ours = await jsAes128Gcm.importKey(key)
    const sealed = await ours.seal(iv, aad, pt)
    expect(hex(sealed)).toBe(hex(nodeSeal(key, iv, aad, pt)))
    const padded = new Uint8Array(sealed.length + 9)
    padded.set(sealed, 5)
    expect(hex(await ours.open(iv, aad, padded.subarray(5, 5 + sealed.length)))).toBe(hex(pt))
  })
})
