// X-Wing, the hybrid KEM of draft-connolly-cfrg-xwing-kem-10: ML-KEM-768 and X25519 combined with
// SHA3-256. Written against its primitives (createXWing takes them), so the same code runs on the
// wasm ML-KEM core with WebCrypto or @noble X25519. Section numbers below are the draft's.

import { concat, constantTimeEqual, wipe } from '../crypto/bytes.ts'
import type { MlKem768, X25519, X25519SecretKey, XWingNative } from '../crypto/types.ts'

/** §5.3: XWingLabel = "\./" ‖ "/^\", hex 5c2e2f2f5e5c. */
const XWING_LABEL = new Uint8Array([0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c])

/** Sizes, §5.1 and FIPS 203 Table 3 for the ML-KEM-768 parts. */
export const XWING_LENGTHS = {
  /** decapsulation key: a 32-byte seed */
  secretKey: 32,
  /** encapsulation key pk_M (1184) ‖ pk_X (32) */
  publicKey: 1216,
  /** ct_M (1088) ‖ ct_X (32) */
  cipherText: 1120,
  sharedSecret: 32,
  /** keygen seed (= the secret key) */
  seed: 32,
  /** EncapsulateDerand eseed: m (32) ‖ ek_X (32), §5.4.1 */
  eseed: 64,
} as const
const MLKEM768_PUBLIC_KEY = 1184
const MLKEM768_CIPHERTEXT = 1088

export interface XWingPrimitives {
  mlkem768: MlKem768
  x25519: X25519
  /** FIPS 202 SHA3-256 */
  sha3_256(data: Uint8Array): Uint8Array
  /** FIPS 202 SHAKE256, output length in bytes */
  shake256(data: Uint8Array, outputBytes: number): Uint8Array
  /** The runtime's native X-Wing: serves the operations it has (chosen by measurement, select-core.ts). */
  xwing?: XWingNative
}

/**
 * The result of expandDecapsulationKey (§5.2), kept so a server decapsulates many ciphertexts
 * without re-deriving (§5.5.1). Opaque: it must never leave the process (§5.5.1, last paragraph).
 */
export interface XWingDecapsulationKey {
  readonly publicKey: Uint8Array
  /** Decapsulate (§5.5) with the cached expansion. */
  decapsulate(cipherText: Uint8Array): Promise<Uint8Array>
  /** Zeroes the cached ML-KEM decapsulation key (the X25519 part may be a non-extractable CryptoKey). */
  wipe(): void
}

export interface XWing {
  lengths: typeof XWING_LENGTHS
  /** GenerateKeyPair / GenerateKeyPairDerand (§5.2, §5.2.1): seed = sk, 32 bytes. */
  keygen(seed?: Uint8Array): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }>
  /** Encapsulate / EncapsulateDerand (§5.4, §5.4.1): eseed 64 bytes, for tests. */
  encapsulate(publicKey: Uint8Array, eseed?: Uint8Array): Promise<{ cipherText: Uint8Array; sharedSecret: Uint8Array }>
  /** Decapsulate (§5.5). */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>
  /**
   * expandDecapsulationKey once (§5.5.1) for repeated decapsulation with a static key. With the
   * key's `publicKey` already known (checked against the secret elsewhere, e.g. built into a Fastly
   * package), pk_X is taken from it rather than recomputed (a scalar multiplication), and pk_M,
   * which KeyGen_internal yields anyway, must equal it or the import throws. With an ML-KEM backend
   * offering KeyGen with a known encapsulation key (the TypeScript core), pk_M is not re-created
   * either: only its ρ (and §7.2 validity) is checked, not its t̂ part.
   */
  importSecretKey(secretKey: Uint8Array, publicKey?: Uint8Array): Promise<XWingDecapsulationKey>
}

function expectBytes(what: string, value: unknown, length: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`X-Wing: ${what} must be a Uint8Array`)
  if (value.length !== length) throw new RangeError(`X-Wing: ${what} must be ${length} bytes, got ${value.length}`)
  return value
}

export function createXWing(p: XWingPrimitives): XWing {
  /** §5.3 Combiner(ss_M, ss_X, ct_X, pk_X) = SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ XWingLabel). */
  function Combiner(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
    const input = concat(ssM, ssX, ctX, pkX, XWING_LABEL)
    try {
      return p.sha3_256(input)
    } finally {
      wipe(input)
    }
  }

  /**
   * §5.2 expandDecapsulationKey(sk): SHAKE256(sk, 96) = d ‖ z ‖ sk_X; (pk_M, sk_M) = KeyGen_internal(d, z).
   * With the key's public key known (checked against the secret by the caller) and an ML-KEM backend
   * offering KeyGen with a known encapsulation key (the TypeScript core), only sk_M is computed from
   * d ‖ z and the known pk_M: its ρ and §7.2 validity are checked, its t̂ part is taken as given.
   * Otherwise KeyGen_internal re-creates pk_M and the known one must equal it.
   */
  async function expandDecapsulationKey(sk: Uint8Array, knownPublicKey?: Uint8Array) {
    const expanded = p.shake256(sk, 96)
    try {
      const known = knownPublicKey?.subarray(0, MLKEM768_PUBLIC_KEY)
      let pkM: Uint8Array, skM: Uint8Array
      if (known && p.mlkem768.expandDecapsulationKey) {
        pkM = known.slice()
        try {
          skM = await p.mlkem768.expandDecapsulationKey(expanded.subarray(0, 64), pkM)
        } catch (cause) {
          throw new Error(
            'X-Wing: the public key given does not belong to this secret key (pk_M: ρ differs or it fails the FIPS 203 §7.2 check)',
            { cause },
          )
        }
      } else {
        const pair = await p.mlkem768.keygen(expanded.subarray(0, 64))
        pkM = pair.publicKey
        skM = pair.secretKey
        if (known && !constantTimeEqual(pkM, known)) {
          wipe(skM)
          throw new Error('X-Wing: the public key given does not belong to this secret key (pk_M differs)')
        }
      }
      const skX = await p.x25519.importSecretKey(expanded.subarray(64, 96), knownPublicKey?.subarray(MLKEM768_PUBLIC_KEY))
      return { skM, skX, pkM, pkX: skX.publicKey }
    } finally {
      wipe(expanded)
    }
  }

  /** §5.5 with an expanded key: ss_M = Decaps(sk_M, ct_M); ss_X = X25519(sk_X, ct_X). */
  async function decapsulateExpanded(ct: Uint8Array, skM: Uint8Array, skX: X25519SecretKey, pkX: Uint8Array): Promise<Uint8Array> {
    expectBytes('cipherText', ct, XWING_LENGTHS.cipherText)
    const ctM = ct.subarray(0, MLKEM768_CIPHERTEXT)
    const ctX = ct.subarray(MLKEM768_CIPHERTEXT)
    const [ssM, ssX] = await Promise.all([p.mlkem768.decapsulate(ctM, skM), skX.sharedSecret(ctX)])
    try {
      return Combiner(ssM, ssX, ctX, pkX)
    } finally {
      wipe(ssM)
      wipe(ssX)
    }
  }

  async function importSecretKey(secretKey: Uint8Array, publicKey?: Uint8Array): Promise<XWingDecapsulationKey> {
    expectBytes('secretKey', secretKey, XWING_LENGTHS.secretKey)
    if (publicKey !== undefined) expectBytes('publicKey', publicKey, XWING_LENGTHS.publicKey)
    if (p.xwing?.importSecretKey) return p.xwing.importSecretKey(secretKey, publicKey)
    const { skM, skX, pkM, pkX } = await expandDecapsulationKey(secretKey, publicKey)
    return {
      publicKey: concat(pkM, pkX),
      decapsulate: (cipherText) => decapsulateExpanded(cipherText, skM, skX, pkX),
      wipe: () => wipe(skM),
    }
  }

  return {
    lengths: XWING_LENGTHS,
    async keygen(seed) {
      if (seed !== undefined) expectBytes('seed', seed, XWING_LENGTHS.seed)
      if (p.xwing?.keygen) return p.xwing.keygen(seed)
      const sk = seed === undefined ? globalThis.crypto.getRandomValues(new Uint8Array(32)) : seed.slice()
      const { skM, pkM, pkX } = await expandDecapsulationKey(sk)
      wipe(skM)
      return { publicKey: concat(pkM, pkX), secretKey: sk }
    },
    async encapsulate(publicKey, eseed) {
      expectBytes('publicKey', publicKey, XWING_LENGTHS.publicKey)
      if (eseed !== undefined) expectBytes('eseed', eseed, XWING_LENGTHS.eseed)
      else if (p.xwing?.encapsulate) return p.xwing.encapsulate(publicKey)
      // §5.4.1: m = eseed[0:32], ek_X = eseed[32:64]. Without eseed (§5.4), ek_X = random(32) and
      // the ML-KEM backend draws m itself (so a native Encaps may serve it).
      // A random ek_X comes from the backend's key generation where it has one (cheaper than
      // importing random bytes and multiplying by the base point).
      const m = eseed?.subarray(0, 32)
      const generate = eseed === undefined ? p.x25519.generateKeyPair?.bind(p.x25519) : undefined
      const ekXBytes =
        eseed !== undefined ? eseed.subarray(32, 64) : generate ? new Uint8Array(0) : globalThis.crypto.getRandomValues(new Uint8Array(32))
      const pkM = publicKey.subarray(0, MLKEM768_PUBLIC_KEY)
      const pkX = publicKey.subarray(MLKEM768_PUBLIC_KEY)
      try {
        const ekX = generate ? await generate() : await p.x25519.importSecretKey(ekXBytes)
        const ctX = ekX.publicKey
        // Encaps runs the FIPS 203 §7.2 modulus check on pk_M and throws if it fails.
        const [{ cipherText: ctM, sharedSecret: ssM }, ssX] = await Promise.all([p.mlkem768.encapsulate(pkM, m), ekX.sharedSecret(pkX)])
        try {
          return { cipherText: concat(ctM, ctX), sharedSecret: Combiner(ssM, ssX, ctX, pkX) }
        } finally {
          wipe(ssM)
          wipe(ssX)
        }
      } finally {
        if (eseed === undefined) wipe(ekXBytes)
      }
    },
    async decapsulate(cipherText, secretKey) {
      expectBytes('cipherText', cipherText, XWING_LENGTHS.cipherText)
      if (p.xwing?.decapsulate) return p.xwing.decapsulate(cipherText, expectBytes('secretKey', secretKey, XWING_LENGTHS.secretKey))
      const key = await importSecretKey(secretKey)
      try {
        return await key.decapsulate(cipherText)
      } finally {
        key.wipe()
      }
    },
    importSecretKey,
  }
}
