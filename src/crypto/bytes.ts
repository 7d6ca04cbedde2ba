// The one byte-utility module: concatenation, constant-time comparison, SHA-256, base64url, UTF-8,
// big-endian integer encodings (RFC 9180's I2OSP) and length prefixes. Every layer (ML-KEM, X-Wing,
// HPKE, the protocol, the service, the client and CLI) takes these from here.
//
// Decoding is strict: a value that is not the canonical encoding of some bytes is rejected, so one
// message has exactly one wire form (docs/PROTOCOL.md §2).

/** a ‖ b ‖ …: a fresh array the caller owns. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * All ones (-1) when the n bytes of a from aOff equal the n bytes of b from bOff, else 0. The time
 * depends on n only: OR of XORs, then a mask from the sign bit (no early exit, no data-dependent
 * branch), so a caller can select with it as FIPS 203's implicit rejection does.
 */
export function constantTimeEqualMask(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): number {
  let difference = 0
  for (let i = 0; i < n; i++) difference |= a[aOff + i]! ^ b[bOff + i]!
  // difference ≠ 0 ⇔ (difference | −difference) has its sign bit set.
  return ((difference | -difference) >> 31) ^ -1
}

/** Whether a and b hold the same bytes, in time that depends on the lengths only (lengths are public). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqualMask(a, 0, b, 0, a.length) === -1
}

/**
 * A copy of `b` in memory the garbage collector does not move. js-compute 3.46.0 (Fastly) keeps a
 * pointer into the bytes given to importKey('raw', …, HMAC) and reads them at sign time; a small
 * ArrayBuffer keeps its bytes inside the object, which a GC may move in between, and then the MAC
 * is wrong (measured: ~45 of 100 MACs under GC pressure; the Fastly engine suite checks it). Buffers of a
 * few KiB live in separately allocated memory that stays put. Elsewhere this is one extra copy.
 */
export function pinnedCopy(b: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(new ArrayBuffer(Math.max(PINNED_BUFFER_BYTES, b.length)), 0, b.length)
  copy.set(b)
  return copy
}
const PINNED_BUFFER_BYTES = 4096

/** The source of wipe(): zeros, never written. */
const ZEROS = new Uint8Array(4096)

/**
 * Overwrites `b` with zeros: how secrets and their temporaries are wiped. By TypedArray `set` from a
 * zero buffer (a memory copy in every engine) rather than `fill(0)`, which SpiderMonkey implements in
 * self-hosted JavaScript: Fastly's interpreter ran it at about 70 ns a byte (a 4 KiB fill cost 0.29 to
 * 0.36 ms of a request there, this 0.01 ms; temporary `performance.now()` marks in the artifact).
 */
export function wipe(array: Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array): void {
  const b = array instanceof Uint8Array ? array : new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
  for (let at = 0; at < b.length; at += ZEROS.length) {
    b.set(b.length - at >= ZEROS.length ? ZEROS : ZEROS.subarray(0, b.length - at), at)
  }
}

/** SHA-256 through the runtime's WebCrypto digest (every target has it, Fastly included). */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const pinned = pinnedCopy(typeof data === 'string' ? utf8(data) : data)
  try {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', pinned))
  } finally {
    wipe(pinned)
  }
}

// ---- base64url (RFC 4648 §5, no padding) ---------------------------------------------------------

/** A malformed encoding: `invalid_encoding` (not the canonical form) or `invalid_length` (wrong size). */
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

// Both directions run in native code: Uint8Array's toBase64/fromBase64 where the engine has them (workerd,
// current browsers), else btoa/atob (Workers, Node, browsers and Fastly all have them). Per-character
// JavaScript is what costs in an interpreter: Fastly's, where decoding a session request's 3 KiB of
// base64url character by character took about a millisecond, and V8's on a fresh isolate, before it
// compiles anything (`npm run bench:cold -- --trace`).
type NativeBase64 = {
  toBase64?: (this: Uint8Array, options: { alphabet: 'base64url'; omitPadding: true }) => string
  fromBase64?: (text: string, options: { alphabet: 'base64url'; lastChunkHandling: 'strict' }) => Uint8Array
}
const nativeToBase64 = (Uint8Array.prototype as NativeBase64).toBase64
const nativeFromBase64 = (Uint8Array as NativeBase64).fromBase64

/** base64url without padding (RFC 4648 §5). */
export function b64u(bytes: Uint8Array): string {
  if (nativeToBase64) return nativeToBase64.call(bytes, { alphabet: 'base64url', omitPadding: true })
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
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
  // The checks above leave only canonical unpadded base64url, which both decoders below read the same way.
  const padding = '=='.slice(0, (4 - tail) % 4)
  const decodedLength = ((text.length - tail) / 4) * 3 + (tail === 0 ? 0 : tail - 1)
  if (length !== undefined && decodedLength !== length) {
    throw new EncodingError('invalid_length', `${what} must be ${length} bytes, got ${decodedLength}`)
  }
  if (nativeFromBase64) return nativeFromBase64(text + padding, { alphabet: 'base64url', lastChunkHandling: 'strict' })
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + padding)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

// ---- hex, UTF-8 ---------------------------------------------------------------------------------

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

/** The value of each hex digit by character code ('0'-'9', 'A'-'F', 'a'-'f'); fromHex checks the text first. */
const HEX_DIGIT = /* @__PURE__ */ (() => {
  const values = new Uint8Array(128)
  for (let i = 0; i < 16; i++) values['0123456789abcdef'.charCodeAt(i)] = values['0123456789ABCDEF'.charCodeAt(i)] = i
  return values
})()

/**
 * Hex (either case, even length) to bytes; anything else throws EncodingError. Digit by digit from a
 * table rather than parseInt on two-character slices: Fastly parses the configured SHA-256s in every
 * fresh sandbox, and this took 0.05 ms off that parsing there (temporary marks, 10 requests).
 */
export function fromHex(text: string, what = 'hex'): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new EncodingError('invalid_encoding', `${what} is not hex`)
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = (HEX_DIGIT[text.charCodeAt(2 * i)]! << 4) | HEX_DIGIT[text.charCodeAt(2 * i + 1)]!
  return out
}

const encoder = new TextEncoder()
/** The UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

const strictDecoder = new TextDecoder('utf-8', { fatal: true })
/** The string UTF-8 bytes encode; malformed UTF-8 throws (TypeError) rather than decoding to U+FFFD. */
export const fromUtf8 = (bytes: Uint8Array): string => strictDecoder.decode(bytes)

// ---- integers and length prefixes ---------------------------------------------------------------

/** RFC 9180 §3 I2OSP(n, w): n as w bytes, big-endian (n a non-negative safe integer below 256^w). */
export function i2osp(n: number, w: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || (w < 7 && n >= 256 ** w)) throw new RangeError(`I2OSP(${n}, ${w}) out of range`)
  const out = new Uint8Array(w)
  for (let i = w - 1; i >= 0 && n > 0; i--) {
    out[i] = n % 256
    n = Math.floor(n / 256)
  }
  return out
}

/** u16(n) = I2OSP(n, 2). */
export const u16 = (n: number): Uint8Array => i2osp(n, 2)

/** u64(n) = I2OSP(n, 8). */
export const u64 = (n: number): Uint8Array => i2osp(n, 8)

/** lp(x) = u16(len(x)) ‖ x; strings are their UTF-8 bytes. */
export function lp(x: Uint8Array | string): Uint8Array {
  const bytes = typeof x === 'string' ? utf8(x) : x
  return concat(u16(bytes.length), bytes)
}
