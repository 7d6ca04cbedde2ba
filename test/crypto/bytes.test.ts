// The byte-utility module (src/crypto/bytes.ts), against node:crypto and Buffer as independent references.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  b64u,
  concat,
  constantTimeEqual,
  constantTimeEqualMask,
  EncodingError,
  fromB64u,
  fromHex,
  fromUtf8,
  i2osp,
  lp,
  pinnedCopy,
  sha256,
  toHex,
  u16,
  u64,
  utf8,
  wipe,
} from '../../src/crypto/bytes.ts'
import { REJECTED_BASE64URL } from '../support/base64url-cases.ts'
import { WIPE_CASES, wipeFailures } from '../support/wipe-cases.ts'

describe('concat', () => {
  it('joins in order into a fresh array', () => {
    const a = Uint8Array.of(1, 2)
    const out = concat(a, new Uint8Array(0), Uint8Array.of(3))
    expect([...out]).toEqual([1, 2, 3])
    out[0] = 9
    expect(a[0]).toBe(1)
  })
})

describe('constant-time equality', () => {
  it('is true exactly for equal bytes, at every position and length', () => {
    const a = randomBytes(64)
    expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true)
    for (let i = 0; i < a.length; i++) {
      for (const bit of [1, 0x80]) {
        const b = Uint8Array.from(a)
        b[i]! ^= bit
        expect(constantTimeEqual(a, b)).toBe(false)
      }
    }
    expect(constantTimeEqual(a, a.subarray(0, 63))).toBe(false)
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })

  it('the mask form compares slices at offsets and returns -1 or 0', () => {
    const a = Uint8Array.of(0, 0, 5, 6, 7)
    const b = Uint8Array.of(5, 6, 7, 9)
    expect(constantTimeEqualMask(a, 2, b, 0, 3)).toBe(-1)
    expect(constantTimeEqualMask(a, 2, b, 1, 3)).toBe(0)
    expect(constantTimeEqualMask(a, 0, b, 0, 0)).toBe(-1)
  })
})

describe('wipe', () => {
  it(`zeroes exactly the view it is given, of any integer element type and length (${WIPE_CASES} cases)`, () => {
    expect(wipeFailures(wipe)).toEqual([])
  })

  it('keeps zeroing after many calls (its zero source is never written)', () => {
    for (let round = 0; round < 3; round++) {
      const b = new Uint8Array(9000).fill(0xa5)
      wipe(b)
      expect(b.every((x) => x === 0)).toBe(true)
    }
  })
})

describe('sha256', () => {
  it('matches FIPS 180-4 "abc" and node:crypto on strings and bytes', async () => {
    expect(toHex(await sha256('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    for (const n of [0, 1, 55, 56, 64, 4095, 4096, 5000]) {
      const data = randomBytes(n)
      expect(toHex(await sha256(data))).toBe(createHash('sha256').update(data).digest('hex'))
    }
  })

  it('pinnedCopy copies into a buffer of at least 4 KiB and leaves the input alone', () => {
    const input = Uint8Array.of(1, 2, 3)
    const copy = pinnedCopy(input)
    expect([...copy]).toEqual([1, 2, 3])
    expect(copy.buffer.byteLength).toBeGreaterThanOrEqual(4096)
    copy.fill(0)
    expect([...input]).toEqual([1, 2, 3])
  })
})

describe('base64url', () => {
  it('round-trips every length against Buffer', () => {
    for (let n = 0; n < 70; n++) {
      const data = randomBytes(n)
      const text = b64u(data)
      expect(text).toBe(data.toString('base64url'))
      expect(Buffer.from(fromB64u(text, 'x', n))).toEqual(data)
    }
    const big = randomBytes(100_000) // more than one String.fromCharCode chunk
    expect(b64u(big)).toBe(big.toString('base64url'))
  })

  it('runs the atob path here (Node 22 has no Uint8Array.fromBase64; workerd runs the native one: test/crypto/workerd/bytes.test.ts)', () => {
    expect((Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBeUndefined()
  })

  it.each(REJECTED_BASE64URL)('rejects %s', (_, text, code) => {
    expect(() => fromB64u(text, 'field')).toThrow(EncodingError)
    try {
      fromB64u(text, 'field')
    } catch (error) {
      expect((error as EncodingError).code).toBe(code)
      expect((error as Error).message).toContain('field')
    }
  })

  it('rejects a non-string and a wrong length with their codes', () => {
    expect(() => fromB64u(42, 'n')).toThrow(/must be a base64url string/)
    try {
      fromB64u('AAAA', 'key', 4)
      expect.unreachable()
    } catch (error) {
      expect((error as EncodingError).code).toBe('invalid_length')
    }
  })
})

describe('hex and UTF-8', () => {
  it('hex round-trips and refuses odd lengths and other characters', () => {
    const data = randomBytes(33)
    expect(toHex(data)).toBe(data.toString('hex'))
    expect(fromHex(data.toString('hex').toUpperCase())).toEqual(new Uint8Array(data))
    // Every byte value, in lower, upper and mixed case, against Node's decoder.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const lower = all.toString('hex')
    const mixed = [...lower].map((c, i) => (i % 3 ? c : c.toUpperCase())).join('')
    for (const text of [lower, lower.toUpperCase(), mixed]) expect(fromHex(text)).toEqual(new Uint8Array(Buffer.from(text, 'hex')))
    expect(() => fromHex('abc')).toThrow(EncodingError)
    expect(() => fromHex('zz')).toThrow(EncodingError)
  })

  it('utf8 encodes; fromUtf8 decodes strictly', () => {
    expect([...utf8('é€')]).toEqual([...Buffer.from('é€', 'utf8')])
    expect(fromUtf8(utf8('pq-edge ✓'))).toBe('pq-edge ✓')
    expect(() => fromUtf8(Uint8Array.of(0xc3))).toThrow(TypeError)
    expect(() => fromUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toThrow(TypeError) // an encoded surrogate
  })
})

describe('integer encodings (RFC 9180 I2OSP) and length prefixes', () => {
  it('i2osp is big-endian at the width asked for', () => {
    expect([...i2osp(0x0102, 2)]).toEqual([1, 2])
    expect([...i2osp(0, 3)]).toEqual([0, 0, 0])
    expect([...i2osp(255, 1)]).toEqual([255])
    expect([...u64(Number.MAX_SAFE_INTEGER)]).toEqual([...Buffer.from('001fffffffffffff', 'hex')])
    expect([...i2osp(2 ** 40 + 5, 12)]).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5])
  })

  it('refuses values that do not fit, negatives and non-integers', () => {
    expect(() => u16(0x10000)).toThrow(RangeError)
    expect(() => i2osp(256, 1)).toThrow(RangeError)
    expect(() => u16(-1)).toThrow(RangeError)
    expect(() => u16(1.5)).toThrow(RangeError)
    expect(() => u64(2 ** 53)).toThrow(RangeError)
  })

  it('lp prefixes the UTF-8 length', () => {
    expect([...lp('é')]).toEqual([0, 2, 0xc3, 0xa9])
    expect([...lp(new Uint8Array(0))]).toEqual([0, 0])
  })
})
