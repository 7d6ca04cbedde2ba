// What fromB64u must refuse, shared by the Node test (atob path) and the workerd test (native
// Uint8Array.fromBase64 path) of src/crypto/bytes.ts: [what, text, EncodingError code].
export const REJECTED_BASE64URL: readonly [string, string, 'invalid_encoding' | 'invalid_length'][] = [
  ['padding', 'AAA=', 'invalid_encoding'],
  ['standard alphabet', 'a+/b', 'invalid_encoding'],
  ['white space', 'AA AA', 'invalid_encoding'],
  ['a line break', 'AAAA\nAAAA', 'invalid_encoding'],
  ['impossible length', 'AAAAA', 'invalid_encoding'],
  ['unused bits set (2 chars)', 'AB', 'invalid_encoding'],
  ['unused bits set (3 chars)', 'AAB', 'invalid_encoding'],
]
