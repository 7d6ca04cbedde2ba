// KeyGen with a known encapsulation key (src/mlkem/js: expandDecapsulationKey(seed, publicKey)): the
// decapsulation key of keygen(seed) computed from the seed and the known ek, without re-creating ek.
// Byte-identical to keygen(seed).secretKey, with the public caches cold, warm and primed; ρ is checked
// (a mismatch throws), t̂ is not (documented: the caller checks ek by other means); input validation;
// scratch wiped after every call, failed ones included. (That no secret stays in the public caches is
// checked with the other operations in cache.test.ts.)
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PARAMETER_SET_IDS, PARAMETER_SETS } from '../../../src/mlkem/api.ts'
import { clearCaches } from '../../../src/mlkem/js/cache.ts'
import { createJsMlKem, primeMlKemPublicKey } from '../../../src/mlkem/js/core.ts'
import { ARENA_BYTES } from '../../../src/mlkem/js/scratch.ts'
import { toHex } from '../../support/accumulated.ts'
import { loadBuild } from '../helpers.ts'

const js = createJsMlKem()
const wasm = loadBuild('simd').kem

function expectScratchWiped(step: string): void {
  for (let i = 0; i < ARENA_BYTES.length; i++) if (ARENA_BYTES[i] !== 0) expect.fail(`${step}: scratch not wiped (arena byte ${i})`)
}

describe.each(PARAMETER_SET_IDS)('%s', (set) => {
  const kem = js[set]
  const { k } = PARAMETER_SETS[set]
  const rhoAt = 384 * k

  it('equals keygen(seed).secretKey (and the wasm core’s) for many seeds, caches cold and warm', () => {
    for (let i = 0; i < 60; i++) {
      const seed = randomBytes(64)
      const { publicKey, secretKey } = wasm[set].keygen(seed)
      if (i % 3 === 0) clearCaches() // cold: H(ek) computed, the FIPS 203 §7.2 check run
      const dk = kem.expandDecapsulationKey(seed, publicKey)
      expect(toHex(dk)).toBe(toHex(secretKey))
      expect(toHex(kem.expandDecapsulationKey(seed, publicKey))).toBe(toHex(secretKey)) // warm: ek cached
      expect(toHex(dk)).toBe(toHex(kem.keygen(seed).secretKey))
      expectScratchWiped(`${set} seed ${i}`)
    }
  })

  it('equals keygen(seed).secretKey for a primed key; the result decapsulates', () => {
    const seed = randomBytes(64)
    const { publicKey, secretKey } = kem.keygen(seed)
    clearCaches()
    primeMlKemPublicKey(publicKey)
    const dk = kem.expandDecapsulationKey(seed, publicKey)
    expect(toHex(dk)).toBe(toHex(secretKey))
    const { cipherText, sharedSecret } = wasm[set].encapsulate(publicKey, randomBytes(32))
    expect(toHex(kem.decapsulate(cipherText, dk))).toBe(toHex(sharedSecret))
    clearCaches()
  })

  it('throws when ρ differs (every byte of it), and for another key pair’s ek; scratch wiped', () => {
    const seed = randomBytes(64)
    const { publicKey } = kem.keygen(seed)
    for (let i = 0; i < 32; i++) {
      const ek = Uint8Array.from(publicKey)
      ek[rhoAt + i]! ^= 1 << (i & 7)
      expect(() => kem.expandDecapsulationKey(seed, ek)).toThrow(/ρ differs/)
      expectScratchWiped(`${set} ρ byte ${i}`)
    }
    const other = kem.keygen(randomBytes(64)).publicKey
    expect(() => kem.expandDecapsulationKey(seed, other)).toThrow(/does not belong to this seed/)
    // the same ek with another d (same z): another ρ
    const seed2 = Uint8Array.from(seed)
    seed2[0]! ^= 1
    expect(() => kem.expandDecapsulationKey(seed2, publicKey)).toThrow(/ρ differs/)
    expectScratchWiped(`${set} other key`)
  })

  it('does NOT re-check t̂ (documented): an altered t̂ byte is embedded as given, and decapsulation then rejects implicitly', () => {
    const seed = randomBytes(64)
    const { publicKey, secretKey } = kem.keygen(seed)
    const ek = Uint8Array.from(publicKey)
    // t̂'s first coefficient (12 bits of ek[0..1]) changed by one, still below q: a valid key
    const c = ek[0]! | ((ek[1]! & 15) << 8),
      c2 = c > 0 ? c - 1 : 1
    ek[0] = c2 & 255
    ek[1] = (ek[1]! & 0xf0) | (c2 >> 8)
    const dk = kem.expandDecapsulationKey(seed, ek)
    // dk_PKE and z are the seed's; the embedded ek and H(ek) are the given ones
    expect(toHex(dk.subarray(0, rhoAt))).toBe(toHex(secretKey.subarray(0, rhoAt)))
    expect(toHex(dk.subarray(rhoAt, rhoAt + ek.length))).toBe(toHex(ek))
    expect(toHex(dk.subarray(dk.length - 32))).toBe(toHex(secretKey.subarray(secretKey.length - 32)))
    const { cipherText, sharedSecret } = wasm[set].encapsulate(publicKey, randomBytes(32))
    expect(toHex(kem.decapsulate(cipherText, dk))).not.toBe(toHex(sharedSecret))
  })

  it('runs the FIPS 203 §7.2 modulus check on publicKey', () => {
    const seed = randomBytes(64)
    const { publicKey } = kem.keygen(seed)
    const ek = Uint8Array.from(publicKey)
    ek[0] = 0xff
    ek[1]! |= 0x0f // first coefficient 4095 ≥ q
    clearCaches()
    expect(() => kem.expandDecapsulationKey(seed, ek)).toThrow(/§7\.2/)
    expect(() => kem.expandDecapsulationKey(seed, ek)).toThrow(/§7\.2/) // not cached as valid
    expectScratchWiped(`${set} FIPS 203 §7.2`)
  })

  it('validates types and lengths like the other operations', () => {
    const seed = randomBytes(64)
    const { publicKey } = kem.keygen(seed)
    expect(() => kem.expandDecapsulationKey(seed.subarray(0, 63), publicKey)).toThrow(RangeError)
    expect(() => kem.expandDecapsulationKey(new Uint8Array(65), publicKey)).toThrow(/seed must be 64 bytes, got 65/)
    expect(() => kem.expandDecapsulationKey(seed, publicKey.subarray(1))).toThrow(RangeError)
    expect(() => kem.expandDecapsulationKey(seed, new Uint8Array(publicKey.length + 1))).toThrow(/publicKey must be \d+ bytes/)
    expect(() => kem.expandDecapsulationKey([...seed] as unknown as Uint8Array, publicKey)).toThrow(TypeError)
    expect(() => kem.expandDecapsulationKey(seed, 'ek' as unknown as Uint8Array)).toThrow(TypeError)
    expectScratchWiped(`${set} validation`)
  })
})
