// node:crypto's X25519 backend (src/crypto/node-x25519.ts, the Node entries' choice) against RFC 7748
// §5.2/§6.1 and @noble/curves, its rejection of low-order points, and the key generation that X-Wing's
// random encapsulation uses; the Node entries report it as their X25519.
import { x25519 as noble } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { nodeX25519 } from '../../src/crypto/node-x25519.ts'
import { getBackends as hpkeBackends } from '../../src/hpke/node.ts'
import { getBackends as xwingBackends } from '../../src/xwing/node.ts'

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

describe('node:crypto X25519', () => {
  it('RFC 7748 §6.1 Alice and Bob', async () => {
    const a = bytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const b = bytes('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
    const pa = await nodeX25519.publicKey(a)
    const pb = await nodeX25519.publicKey(b)
    expect(hex(pa)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
    expect(hex(pb)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
    expect(hex(await nodeX25519.sharedSecret(a, pb))).toBe(shared)
    expect(hex(await (await nodeX25519.importSecretKey(b)).sharedSecret(pa))).toBe(shared)
  })

  it('agrees with @noble/curves on 200 random keys', async () => {
    for (let i = 0; i < 200; i++) {
      const [sk, peer] = [random(32), noble.getPublicKey(random(32))]
      expect(hex(await nodeX25519.publicKey(sk))).toBe(hex(noble.getPublicKey(sk)))
      expect(hex(await nodeX25519.sharedSecret(sk, peer))).toBe(hex(noble.getSharedSecret(sk, peer)))
    }
  })

  it('rejects low-order public keys (all-zero shared secret) and wrong lengths', async () => {
    const sk = random(32)
    for (const u of [
      new Uint8Array(32),
      bytes(`01${'00'.repeat(31)}`),
      bytes(`e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800`),
    ])
      await expect(nodeX25519.sharedSecret(sk, u)).rejects.toThrow()
    await expect(nodeX25519.publicKey(random(31))).rejects.toThrow(RangeError)
    await expect(nodeX25519.sharedSecret(sk, random(33))).rejects.toThrow(RangeError)
  })

  it('generateKeyPair: a fresh key whose public key and DH agree with noble', async () => {
    const peerSecret = random(32)
    const peer = noble.getPublicKey(peerSecret)
    const a = await nodeX25519.generateKeyPair!()
    const b = await nodeX25519.generateKeyPair!()
    expect(hex(a.publicKey)).not.toBe(hex(b.publicKey))
    expect(hex(await a.sharedSecret(peer))).toBe(hex(noble.getSharedSecret(peerSecret, a.publicKey)))
  })

  it('is what the Node entries select', async () => {
    expect((await xwingBackends()).x25519).toBe('node-crypto')
    expect((await hpkeBackends()).x25519).toBe('node-crypto')
    // Node has no native X-Wing: every X-Wing operation is pq-edge's.
    expect(await xwingBackends()).toMatchObject({
      xwingKeygen: 'pq-edge',
      xwingEncaps: 'pq-edge',
      xwingDecaps: 'pq-edge',
      xwingImportedKey: 'pq-edge',
    })
  })
})
