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
const B64U_VALUE = new Int16Array(128).fill(-1)
for (let i = 0; i < B64U_ALPHABET.length; i++) B64U_VALUE[B64U_ALPHABET.charCodeAt(i)] = i

/** base64url without padding (RFC 4648 §5). */
export function b64u(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) out += B64U_ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

/**
 * Decodes base64url without padding, rejecting anything else: other alphabets, padding, white space,
 * an impossible length, or non-zero unused bits. `length`, when given, is the exact byte count expected.
 */
export function fromB64u(text: unknown, what: string, length?: number): Uint8Array {
  if (typeof text !== 'string') throw new EncodingError('invalid_encoding', `${what} must be a base64url string`)
  if (text.length % 4 === 1) throw new EncodingError('invalid_encoding', `${what} is not base64url without padding`)
  const out = new Uint8Array(Math.floor((text.length * 6) / 8))
  let acc = 0
  let bits = 0
  let at = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const v = code < 128 ? B64U_VALUE[code]! : -1
    if (v < 0) throw new EncodingError('invalid_encoding', `${what} is not base64url without padding`)
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[at++] = (acc >> bits) & 0xff
    }
    acc &= (1 << bits) - 1
  }
  if (acc !== 0) throw new EncodingError('invalid_encoding', `${what} is not canonical base64url (unused bits set)`)
  if (length !== undefined && out.length !== length) {
    throw new EncodingError('invalid_length', `${what} must be ${length} bytes, got ${out.length}`)
  }
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
