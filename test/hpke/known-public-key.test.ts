// derivePrivateKey and importRecipientKey(sk, pk): the path a Fastly package takes with public keys
// built in (the public parts are not recomputed; what the import computes anyway is compared), on two
// ML-KEM backends:
//   - wasm (pq-edge-wasm-*, as Node and Workers run it): no KeyGen with a known encapsulation key, so
//     the import runs ML-KEM keygen and compares the whole ML-KEM public key (ρ and t̂);
//   - typescript (pq-edge-js, as Fastly runs it): the backend's expandDecapsulationKey computes only the
//     decapsulation key; the ML-KEM public key's ρ (and §7.2 validity) is checked, its t̂ part is NOT
//     (documented: the service checks the built-in keys against the secret with a check value, keys.ts).
import { describe, expect, it } from 'vitest'
import { selectBackends } from '../../src/crypto/select.ts'
import type { Backends } from '../../src/crypto/types.ts'
import { AEAD, createHpke, HpkeError, KDF, KEM } from '../../src/hpke/node.ts'
import { createJsMlKem, getBackend as getJsBackend } from '../../src/mlkem/js/core.ts'
import * as mlkem from '../../src/mlkem/node.ts'
import { toHex } from '../mlkem/helpers.ts'

const SUITES = {
  'X-Wing': { kem: KEM.XWing, kdf: KDF.HkdfSha256, aead: AEAD.ChaCha20Poly1305 },
  'ML-KEM-768': { kem: KEM.MlKem768, kdf: KDF.HkdfSha256, aead: AEAD.Aes256Gcm },
  'DHKEM(X25519)': { kem: KEM.DhkemX25519HkdfSha256, kdf: KDF.HkdfSha256, aead: AEAD.Aes128Gcm, allowClassical: true },
}
type SuiteName = keyof typeof SUITES
const ikm = (n: number) => new Uint8Array(32).fill(n)
const pt = new TextEncoder().encode('known public key')
/** ML-KEM-768 ek = ByteEncode12(t̂) (1152 bytes) ‖ ρ (32 bytes); it leads an X-Wing public key. */
const RHO_AT = 1152

/** The backends with their ML-KEM keygen calls counted (the known-key path must not need keygen). */
async function counted(mlkemSource: Parameters<typeof selectBackends>[0]) {
  const backends: Backends = { ...(await selectBackends(mlkemSource)).backends }
  const counts = { keygen: 0 }
  const inner = backends.mlkem768
  backends.mlkem768 = { ...inner, keygen: (seed) => (counts.keygen++, inner.keygen(seed)) }
  return { hpke: createHpke(backends), backends, counts }
}

const BACKENDS = {
  wasm: () => counted(mlkem),
  typescript: () => counted({ ml_kem768: createJsMlKem().ml_kem768, getBackend: getJsBackend }),
}
type BackendName = keyof typeof BACKENDS

/** pk with t̂'s first coefficient changed by one (still below q: a valid ML-KEM key, another one). */
function alterTHat(pk: Uint8Array): Uint8Array {
  const out = Uint8Array.from(pk)
  const c = out[0]! | ((out[1]! & 15) << 8),
    c2 = c > 0 ? c - 1 : 1
  out[0] = c2 & 255
  out[1] = (out[1]! & 0xf0) | (c2 >> 8)
  return out
}

async function importError(p: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HpkeError)
  expect((error as HpkeError).code).toBe('invalid_key')
  expect((error as Error).message).toMatch(message)
}

describe.each(Object.keys(BACKENDS) as BackendName[])('%s ML-KEM backend', (backend) => {
  it('offers KeyGen with a known encapsulation key exactly on the TypeScript core', async () => {
    const { backends } = await BACKENDS[backend]()
    expect(typeof backends.mlkem768.expandDecapsulationKey).toBe(backend === 'typescript' ? 'function' : 'undefined')
    expect(backends.mlkem768.name).toBe(backend === 'typescript' ? 'pq-edge-js' : 'pq-edge-wasm-simd')
  })

  describe.each(Object.keys(SUITES) as SuiteName[])('%s', (name) => {
    it('derivePrivateKey gives DeriveKeyPair’s private key', async () => {
      const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
      const pair = await suite.DeriveKeyPair(ikm(1))
      expect(toHex(await suite.derivePrivateKey(ikm(1)))).toBe(toHex(pair.privateKey))
      expect(toHex(await suite.derivePrivateKey(ikm(2)))).not.toBe(toHex(pair.privateKey))
    })

    it('a key imported with its public key opens what was sealed to it and reports that key', async () => {
      const { hpke, counts } = await BACKENDS[backend]()
      const suite = hpke.suite(SUITES[name])
      const { publicKey, privateKey } = await suite.DeriveKeyPair(ikm(3))
      const sk = await suite.derivePrivateKey(ikm(3))
      counts.keygen = 0
      const key = await suite.importRecipientKey(sk, publicKey)
      // the TypeScript core computes only the decapsulation key: no ML-KEM keygen
      expect(counts.keygen).toBe(name === 'DHKEM(X25519)' || backend === 'typescript' ? 0 : 1)
      expect(toHex(key.publicKey)).toBe(toHex(publicKey))
      const { enc, ciphertext } = await suite.Seal(publicKey, pt)
      expect(new TextDecoder().decode(await suite.Open(enc, key, ciphertext))).toBe('known public key')
      expect(toHex(await suite.Open(enc, privateKey, ciphertext))).toBe(toHex(pt))
      // the same secret imported without the public key (keygen) decapsulates the same
      expect(toHex(await suite.Open(enc, await suite.importRecipientKey(sk), ciphertext))).toBe(toHex(pt))
    })

    it('a public key of the wrong length is refused', async () => {
      const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
      const sk = await suite.derivePrivateKey(ikm(4))
      await importError(suite.importRecipientKey(sk, new Uint8Array(7)), /./)
    })
  })

  describe.each(['X-Wing', 'ML-KEM-768'] as const)('%s: the ML-KEM part is checked', (name) => {
    it('another key pair’s public key is refused with invalid_key (its ρ differs)', async () => {
      const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
      const other = await suite.DeriveKeyPair(ikm(6))
      await importError(suite.importRecipientKey(await suite.derivePrivateKey(ikm(5)), other.publicKey), /does not match/)
    })

    it('a public key with any ρ byte altered is refused', async () => {
      const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
      const { publicKey } = await suite.DeriveKeyPair(ikm(7))
      const sk = await suite.derivePrivateKey(ikm(7))
      for (let i = 0; i < 32; i += 5) {
        const pk = Uint8Array.from(publicKey)
        pk[RHO_AT + i]! ^= 0x80 >> (i & 7)
        await importError(suite.importRecipientKey(sk, pk), /does not match/)
      }
    })

    if (backend === 'wasm') {
      it('a public key with a t̂ byte altered is refused (keygen re-creates the whole ek and compares)', async () => {
        const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
        const { publicKey } = await suite.DeriveKeyPair(ikm(8))
        await importError(suite.importRecipientKey(await suite.derivePrivateKey(ikm(8)), alterTHat(publicKey)), /does not match/)
      })
    } else {
      it('a public key with a t̂ byte altered is NOT re-checked on this path (documented): the key imports, reports the given key and opens nothing', async () => {
        const suite = (await BACKENDS[backend]()).hpke.suite(SUITES[name])
        const { publicKey } = await suite.DeriveKeyPair(ikm(8))
        const altered = alterTHat(publicKey)
        const key = await suite.importRecipientKey(await suite.derivePrivateKey(ikm(8)), altered)
        expect(toHex(key.publicKey)).toBe(toHex(altered))
        // ML-KEM decapsulation with a dk embedding the wrong t̂ rejects implicitly: another shared secret
        const sealed = await suite.Seal(publicKey, pt)
        await expect(suite.Open(sealed.enc, key, sealed.ciphertext)).rejects.toThrow()
        const sealedToAltered = await suite.Seal(altered, pt)
        await expect(suite.Open(sealedToAltered.enc, key, sealedToAltered.ciphertext)).rejects.toThrow()
      })
    }
  })
})
