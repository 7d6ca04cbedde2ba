// HMAC-SHA256 over the SHA-256 digest (src/crypto/hmac-digest.ts): RFC 4231's test cases (keys shorter
// than, equal to and longer than the block) and random keys and data against node:crypto.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { digestHmacSha256 } from '../../src/crypto/hmac-digest.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const text = (s: string) => new TextEncoder().encode(s)

describe('HMAC-SHA256 over the digest', () => {
  // RFC 4231 §4.2, §4.3, §4.7 (HMAC-SHA-256 results).
  it.each([
    ['0b'.repeat(20), text('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [hex(text('Jefe')), text('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [
      'aa'.repeat(131),
      text(
        'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('RFC 4231 key %s', async (key, data, mac) => {
    expect(hex(await digestHmacSha256.mac(fromHex(key), data))).toBe(mac)
  })

  it('equals node:crypto for 300 random keys (0–150 bytes) and data (0–300 bytes)', async () => {
    for (let i = 0; i < 300; i++) {
      const key = crypto.getRandomValues(new Uint8Array((i * 7) % 151))
      const data = crypto.getRandomValues(new Uint8Array((i * 13) % 301))
      expect(hex(await digestHmacSha256.mac(key, data))).toBe(createHmac('sha256', key).update(data).digest('hex'))
    }
  })

  it('leaves the caller’s key and data as they were', async () => {
    const key = new Uint8Array(32).fill(7)
    const data = new Uint8Array(40).fill(9)
    await digestHmacSha256.mac(key, data)
    expect(key.every((b) => b === 7) && data.every((b) => b === 9)).toBe(true)
  })
})
