// The WebCrypto HMAC backend (src/crypto/webcrypto.ts) wipes the copies of the key and the data it
// hands to SubtleCrypto once the MAC is computed (the data is often secret: HKDF-Expand inputs carry
// the previous block, HKDF-Extract's is the IKM), and never touches the caller's buffers.
import { createHmac } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { webCryptoHmacSha256 } from '../../src/crypto/webcrypto.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('webCryptoHmacSha256', () => {
  it('wipes its copies of the key and the data after signing; the caller’s stay as they were', async () => {
    const seen: Uint8Array[] = []
    const subtle = globalThis.crypto.subtle
    const importKey = subtle.importKey.bind(subtle)
    const sign = subtle.sign.bind(subtle)
    vi.spyOn(subtle, 'importKey').mockImplementation(((format: 'raw', keyData: Uint8Array, ...rest: unknown[]) => {
      seen.push(keyData)
      return (importKey as (...args: unknown[]) => Promise<CryptoKey>)(format, keyData, ...rest)
    }) as typeof subtle.importKey)
    vi.spyOn(subtle, 'sign').mockImplementation(((algorithm: string, key: CryptoKey, data: Uint8Array) => {
      seen.push(data)
      return sign(algorithm, key, data as Uint8Array<ArrayBuffer>)
    }) as typeof subtle.sign)

    const key = crypto.getRandomValues(new Uint8Array(32))
    const data = crypto.getRandomValues(new Uint8Array(100))
    const [keyBefore, dataBefore] = [key.slice(), data.slice()]
    const mac = await webCryptoHmacSha256.mac(key, data)

    expect(Buffer.from(mac).toString('hex')).toBe(createHmac('sha256', key).update(data).digest('hex'))
    expect(seen).toHaveLength(2)
    const [keyCopy, dataCopy] = seen as [Uint8Array, Uint8Array]
    expect(keyCopy.buffer).not.toBe(key.buffer)
    expect(dataCopy.buffer).not.toBe(data.buffer)
    expect(keyCopy).toEqual(new Uint8Array(32))
    expect(dataCopy).toEqual(new Uint8Array(100))
    expect(key).toEqual(keyBefore)
    expect(data).toEqual(dataBefore)
  })
})
