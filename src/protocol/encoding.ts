// Byte layouts shared by the protocol (docs/PROTOCOL.md §2): base64url without padding, UTF-8,
// big-endian integers and length-prefixed strings. Strict decoding: a value that is not the
// canonical encoding of some bytes is rejected, so one message has exactly one wire form.
import { concat } from '../crypto/bytes.ts'

export { concat }

export class EncodingError extends Error {
  readonly code: 'invalid_encoding' | 'invalid_length'
  constructor(code: EncodingError['code'], message: string) {
    super(message)
    this.name = 'EncodingError'
    this.code = code
  }
}

const B64U_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64U_TEXT = /^[A-Za-z0-9_-]*$/
/** Bytes per String.fromCharCode call (well under any engine's argument limit). */
const CHUNK = 8192

// Both directions go through the runtime's native btoa/atob (every target has them: Workers, Node,
// browsers, Fastly): per-character JavaScript is what costs in an interpreter (Fastly), where decoding
// a session request's 3 KiB of base64url character by character took about a millisecond.

/** base64url without padding (RFC 4648 §5). */
export function b64u(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Decodes base64url without padding, rejecting anything else: other alphabets, padding, white space,
 * an impossible length, or non-zero unused bits. `length`, when given, is the exact byte count expected.
 */
export function fromB64u(text: unknown, what: string, length?: number): Uint8Array {
  if (typeof text !== 'string') throw new EncodingError('invalid_encoding', `${what} must be a base64url string`)
  const tail = text.length % 4
  if (tail === 1 || !B64U_TEXT.test(text)) throw new EncodingError('invalid_encoding', `${what} is not base64url without padding`)
  // The last character of a 2- or 3-character group carries 4 or 2 unused bits, which must be zero.
  if (tail !== 0 && B64U_ALPHABET.indexOf(text[text.length - 1]!) & (tail === 2 ? 0x0f : 0x03)) {
    throw new EncodingError('invalid_encoding', `${what} is not canonical base64url (unused bits set)`)
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '=='.slice(0, (4 - tail) % 4))
  if (length !== undefined && binary.length !== length) {
    throw new EncodingError('invalid_length', `${what} must be ${length} bytes, got ${binary.length}`)
  }
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

const encoder = new TextEncoder()
export const utf8 = (text: string): Uint8Array => encoder.encode(text)


/** u16(n): 2 bytes, big-endian. */
export function u16(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`u16 out of range: ${n}`)
  return new Uint8Array([n >> 8, n & 0xff])
}

/** u64(n): 8 bytes, big-endian (n a safe integer). */
export function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`u64 out of range: ${n}`)
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** lp(x) = u16(len(x)) || x; strings are their UTF-8 bytes. */
export function lp(x: Uint8Array | string): Uint8Array {
  const bytes = typeof x === 'string' ? utf8(x) : x
  return concat(u16(bytes.length), bytes)
}

/** Constant-time equality: the time depends on the lengths only, never on where bytes differ. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
}
