// Native X-Wing through WebCrypto: workerd with `webcrypto_modern_algorithms` offers it as
// {name: 'MLKEM768-X25519'}, which is draft-connolly-cfrg-xwing-kem-10 (the draft's vectors pass on
// it, test/xwing/workerd/native.test.ts). Formats: 'raw-seed' (the 32-byte X-Wing secret key),
// 'raw-public' (1216 bytes); encapsulateBits draws its own randomness (no EncapsulateDerand), so
// a derandomised encapsulation always stays with pq-edge's X-Wing. Used only where its probe passed
// and only for the operations select-core.ts picked by measurement.
import { constantTimeEqual } from './bytes.ts'
import type { XWingNative, XWingNativeKey } from './types.ts'
import type { KemSubtle } from './webcrypto.ts'

const ALG = { name: 'MLKEM768-X25519' }

const subtle = () => globalThis.crypto.subtle as unknown as KemSubtle
const bytes = (b: ArrayBuffer) => new Uint8Array(b)

function expectLength(what: string, value: Uint8Array, length: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`X-Wing: ${what} must be a Uint8Array`)
  if (value.length !== length) throw new RangeError(`X-Wing: ${what} must be ${length} bytes, got ${value.length}`)
}

async function importSeed(secretKey: Uint8Array): Promise<CryptoKey> {
  expectLength('secretKey', secretKey, 32)
  return subtle().importKey('raw-seed', secretKey, ALG, false, ['decapsulateBits'])
}

async function publicOf(privateKey: CryptoKey): Promise<Uint8Array> {
  return bytes(await subtle().exportKey('raw-public', await subtle().getPublicKey(privateKey, ['encapsulateBits'])))
}

// The last encapsulation key as a key object: a client encapsulating to the same server key again and
// again imports it once. Public data only; one entry, compared in full.
let lastPeer: { bytes: Uint8Array; key: Promise<CryptoKey> } | undefined
function peerKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (lastPeer && lastPeer.bytes.length === publicKey.length && lastPeer.bytes.every((b, i) => b === publicKey[i])) return lastPeer.key
  const key = subtle().importKey('raw-public', publicKey, ALG, true, ['encapsulateBits'])
  const entry = { bytes: publicKey.slice(), key }
  lastPeer = entry
  key.catch(() => {
    if (lastPeer === entry) lastPeer = undefined
  })
  return key
}

export const webCryptoXWing: Required<XWingNative> = {
  name: 'webcrypto',
  async keygen(seed) {
    if (seed === undefined) {
      const pair = await subtle().generateKey(ALG, true, ['encapsulateBits', 'decapsulateBits'])
      const [publicKey, secretKey] = await Promise.all([
        subtle().exportKey('raw-public', pair.publicKey),
        subtle().exportKey('raw-seed', pair.privateKey),
      ])
      return { publicKey: bytes(publicKey), secretKey: bytes(secretKey) }
    }
    return { publicKey: await publicOf(await importSeed(seed)), secretKey: seed.slice() }
  },
  async encapsulate(publicKey) {
    expectLength('publicKey', publicKey, 1216)
    // Throws when pk_M fails the FIPS 203 §7.2 modulus check, as pq-edge's does.
    const { ciphertext, sharedKey } = await subtle().encapsulateBits(ALG, await peerKey(publicKey))
    return { cipherText: bytes(ciphertext), sharedSecret: bytes(sharedKey) }
  },
  async decapsulate(cipherText, secretKey) {
    expectLength('cipherText', cipherText, 1120)
    return bytes(await subtle().decapsulateBits(ALG, await importSeed(secretKey), cipherText))
  },
  async importSecretKey(secretKey, knownPublicKey): Promise<XWingNativeKey> {
    const key = await importSeed(secretKey)
    const publicKey = await publicOf(key)
    if (knownPublicKey !== undefined && !constantTimeEqual(publicKey, knownPublicKey))
      throw new Error('X-Wing: the public key given does not belong to this secret key')
    return {
      publicKey,
      async decapsulate(cipherText) {
        expectLength('cipherText', cipherText, 1120)
        return bytes(await subtle().decapsulateBits(ALG, key, cipherText))
      },
      wipe() {}, // a non-extractable CryptoKey: nothing of it in JS memory
    }
  },
}

let probed: Promise<boolean> | undefined
/** One real round trip on a fresh key, once per isolate (first call); false where the runtime lacks native X-Wing. */
export const probeWebCryptoXWing = (): Promise<boolean> => (probed ??= probeOnce())
async function probeOnce(): Promise<boolean> {
  try {
    const { publicKey, secretKey } = await webCryptoXWing.keygen()
    const { cipherText, sharedSecret } = await webCryptoXWing.encapsulate(publicKey)
    const key = await webCryptoXWing.importSecretKey(secretKey, publicKey)
    return constantTimeEqual(await key.decapsulate(cipherText), sharedSecret)
  } catch {
    return false
  }
}
