// base64url in src/crypto/bytes.ts inside workerd, where it runs on the engine's native
// Uint8Array.prototype.toBase64 / Uint8Array.fromBase64: the same results as btoa/atob (the path Node 22
// runs, test/crypto/bytes.test.ts) and the same refusals, so one message keeps one wire form.
import { describe, expect, it } from 'vitest'
import { b64u, EncodingError, fromB64u } from '../../../src/crypto/bytes.ts'
import { REJECTED_BASE64URL } from '../../support/base64url-cases.ts'

/** base64url by the platform's btoa, independent of toBase64. */
const reference = (bytes: Uint8Array) => {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

describe('base64url in workerd (native toBase64 / fromBase64)', () => {
  it('has the native methods, so this file tests that path', () => {
    expect(typeof (Uint8Array.prototype as unknown as { toBase64?: unknown }).toBase64).toBe('function')
    expect(typeof (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64).toBe('function')
  })

  it('round-trips every length, and agrees with btoa', () => {
    for (let n = 0; n < 70; n++) {
      const data = crypto.getRandomValues(new Uint8Array(n))
      const text = b64u(data)
      expect(text).toBe(reference(data))
      expect(fromB64u(text, 'x', n)).toEqual(data)
    }
    const big = crypto.getRandomValues(new Uint8Array(60_000))
    expect(fromB64u(b64u(big), 'big')).toEqual(big)
    expect(b64u(big.subarray(7, 4000))).toBe(reference(big.subarray(7, 4000))) // a view, not its whole buffer
  })

  it.each(REJECTED_BASE64URL)('rejects %s', (_, text, code) => {
    try {
      fromB64u(text, 'field')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(EncodingError)
      expect((error as EncodingError).code).toBe(code)
      expect((error as Error).message).toContain('field')
    }
  })

  it('refuses a wrong length before decoding, with its code', () => {
    expect(() => fromB64u('AAAA', 'key', 4)).toThrow(/key must be 4 bytes, got 3/)
  })
})
