// HPKE (RFC 9180), base mode: single-shot Seal/Open, the context API and the secret exporter, for
// the KEMs X-Wing (0x647a) and ML-KEM-768 (0x0041) as draft-ietf-hpke-pq-04 defines them and, for
// the explicit classical fallback only, DHKEM(X25519, HKDF-SHA256) (0x0020); KDF HKDF-SHA256; AEADs
// AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305. Written against its primitives: createHpke takes
// the backends (src/crypto) or a function that resolves them once.

import { concat, constantTimeEqual, i2osp, utf8, wipe } from '../crypto/bytes.ts'
import { createHkdfSha256, type HkdfSha256 } from '../crypto/hkdf.ts'
import type { Aead, AeadKey, Backends, X25519SecretKey } from '../crypto/types.ts'
import { createXWing, type XWingDecapsulationKey } from '../xwing/xwing.ts'
import { HpkeError } from './errors.ts'

/** HPKE KEM identifiers: RFC 9180 §7.1 (0x0020), draft-ietf-hpke-pq-04 §3/§4 and X-Wing draft §7. */
export const KEM = { DhkemX25519HkdfSha256: 0x0020, MlKem768: 0x0041, XWing: 0x647a } as const
/** HPKE KDF identifiers, RFC 9180 §7.2. */
export const KDF = { HkdfSha256: 0x0001 } as const
/** HPKE AEAD identifiers, RFC 9180 §7.3. */
export const AEAD = { Aes128Gcm: 0x0001, Aes256Gcm: 0x0002, ChaCha20Poly1305: 0x0003 } as const

export type KemId = (typeof KEM)[keyof typeof KEM]
export type KdfId = (typeof KDF)[keyof typeof KDF]
export type AeadId = (typeof AEAD)[keyof typeof AEAD]

/** RFC 9180 §5: mode_base. (PSK and Auth modes are not implemented.) */
const MODE_BASE = 0x00
/** RFC 9180 §4: the "HPKE-v1" version label prefixed to every labeled input. */
const HPKE_V1 = utf8('HPKE-v1')
/** RFC 9180 §7.2 Nh for HKDF-SHA256. */
const NH = 32

const EMPTY = new Uint8Array(0)

function asBytes(what: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new HpkeError('invalid_argument', `HPKE: ${what} must be a Uint8Array`)
  return value
}
function expectLength(code: 'invalid_key' | 'invalid_enc' | 'invalid_argument', what: string, value: unknown, length: number): Uint8Array {
  const bytes = asBytes(what, value)
  if (bytes.length !== length) throw new HpkeError(code, `HPKE: ${what} must be ${length} bytes, got ${bytes.length}`)
  return bytes
}

// ---------- labeled KDF (RFC 9180 §4, draft-ietf-hpke-hpke §4 for LabeledDerive) ----------

/** Distinct info strings whose key_schedule_context a suite keeps, and the longest one kept (see KeySchedule). */
const MAX_SCHEDULE_CONTEXTS = 16
const MAX_MEMOISED_INFO = 256

/** LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). */
function LabeledExtract(kdf: HkdfSha256, suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Promise<Uint8Array> {
  const labeledIkm = concat(HPKE_V1, suiteId, utf8(label), ikm)
  return kdf.extract(salt, labeledIkm).finally(() => wipe(labeledIkm))
}

/** LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L). */
function LabeledExpand(
  kdf: HkdfSha256,
  suiteId: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  L: number,
): Promise<Uint8Array> {
  return kdf.expand(prk, concat(i2osp(L, 2), HPKE_V1, suiteId, utf8(label), info), L)
}

/**
 * SHAKE256.LabeledDerive(ikm, label, context, L) (draft-ietf-hpke-hpke §4, one-stage KDF, used by
 * draft-ietf-hpke-pq-04 §3/§4 DeriveKeyPair) = SHAKE256(ikm ‖ "HPKE-v1" ‖ suite_id ‖
 * I2OSP(len(label), 2) ‖ label ‖ I2OSP(L, 2) ‖ context, L).
 */
function LabeledDeriveShake256(
  shake256: Backends['shake256'],
  suiteId: Uint8Array,
  ikm: Uint8Array,
  label: string,
  context: Uint8Array,
  L: number,
): Uint8Array {
  const l = utf8(label)
  const labeledIkm = concat(ikm, HPKE_V1, suiteId, i2osp(l.length, 2), l, i2osp(L, 2), context)
  try {
    return shake256(labeledIkm, L)
  } finally {
    wipe(labeledIkm)
  }
}

// ---------- KEMs ----------

/** A recipient's private key imported once (expanded X-Wing/ML-KEM key, X25519 key object). */
export interface RecipientKey {
  readonly kemId: KemId
  readonly publicKey: Uint8Array
}
interface RecipientKeyInternal extends RecipientKey {
  /** KEM Decap(enc, skR) (RFC 9180 §4). */
  decap(enc: Uint8Array): Promise<Uint8Array>
}
const RECIPIENT_KEYS = new WeakSet<object>()

interface Kem {
  id: KemId
  name: string
  /** RFC 9180 §7.1 / draft-ietf-hpke-pq-04 Table 2 constants. */
  Nsecret: number
  Nenc: number
  Npk: number
  Nsk: number
  /** True for a KEM with no post-quantum component. */
  classical: boolean
  GenerateKeyPair(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }>
  DeriveKeyPair(ikm: Uint8Array): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }>
  /** DeriveKeyPair's private key alone (no public-key computation). */
  derivePrivateKey(ikm: Uint8Array): Promise<Uint8Array>
  /** `pk`, when given, is the key pair's public key, already checked against the secret by the caller. */
  importPrivateKey(sk: Uint8Array, pk?: Uint8Array): Promise<RecipientKeyInternal>
  /** Encap(pkR), or with `randomness` (ikmE in the test vectors) for a deterministic run. */
  Encap(pkR: Uint8Array, randomness?: Uint8Array): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }>
}

function kemSuiteId(id: KemId): Uint8Array {
  return concat(utf8('KEM'), i2osp(id, 2)) // RFC 9180 §4.1
}

/** Wraps a failed key check / decapsulation in an HpkeError without echoing inputs. */
async function guard<T>(code: 'invalid_key' | 'invalid_enc', message: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (cause) {
    if (cause instanceof HpkeError) throw cause
    throw new HpkeError(code, message, { cause })
  }
}

function xwingKem(b: Backends): Kem {
  const xwing = createXWing(b)
  const suiteId = kemSuiteId(KEM.XWing)
  // draft-ietf-hpke-pq-04 §4: seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32).
  const derivePrivateKey = (ikm: Uint8Array) => LabeledDeriveShake256(b.shake256, suiteId, asBytes('ikm', ikm), 'DeriveKeyPair', EMPTY, 32)
  const toRecipient = (key: XWingDecapsulationKey): RecipientKeyInternal => ({
    kemId: KEM.XWing,
    publicKey: key.publicKey,
    decap: (enc) => {
      expectLength('invalid_enc', 'enc', enc, 1120)
      return guard('invalid_enc', 'HPKE: X-Wing decapsulation failed (enc is not a valid X-Wing ciphertext)', () => key.decapsulate(enc))
    },
  })
  return {
    id: KEM.XWing,
    name: 'X-Wing',
    Nsecret: 32,
    Nenc: 1120,
    Npk: 1216,
    Nsk: 32,
    classical: false,
    async GenerateKeyPair() {
      const { publicKey, secretKey } = await xwing.keygen()
      return { publicKey, privateKey: secretKey }
    },
    // The seed, then the X-Wing GenerateKeyPairDerand(seed). (hpke-js 0.7 derives differently.)
    async DeriveKeyPair(ikm) {
      const seed = derivePrivateKey(ikm)
      const { publicKey, secretKey } = await xwing.keygen(seed)
      wipe(seed)
      return { publicKey, privateKey: secretKey }
    },
    derivePrivateKey: async (ikm) => derivePrivateKey(ikm),
    async importPrivateKey(sk, pk) {
      expectLength('invalid_key', 'X-Wing private key', sk, 32)
      if (pk !== undefined) expectLength('invalid_key', 'X-Wing public key', pk, 1216)
      return toRecipient(
        await guard('invalid_key', 'HPKE: the X-Wing public key given does not match the private key', () => xwing.importSecretKey(sk, pk)),
      )
    },
    async Encap(pkR, randomness) {
      expectLength('invalid_key', 'X-Wing public key', pkR, 1216)
      if (randomness !== undefined) expectLength('invalid_argument', 'X-Wing encapsulation randomness (eseed)', randomness, 64)
      const { cipherText, sharedSecret } = await guard(
        'invalid_key',
        'HPKE: X-Wing encapsulation failed (the public key fails the FIPS 203 §7.2 check or has a low-order X25519 part)',
        () => xwing.encapsulate(pkR, randomness),
      )
      return { sharedSecret, enc: cipherText }
    },
  }
}

function mlKem768Kem(b: Backends): Kem {
  const suiteId = kemSuiteId(KEM.MlKem768)
  const kem = b.mlkem768
  // draft-ietf-hpke-pq-04 §3: dk = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 64).
  const derivePrivateKey = (ikm: Uint8Array) => LabeledDeriveShake256(b.shake256, suiteId, asBytes('ikm', ikm), 'DeriveKeyPair', EMPTY, 64)
  // draft-ietf-hpke-pq-04 §3: the private key is the 64-byte seed d ‖ z; expandDecapsKey runs
  // ML-KEM.KeyGen_internal(d, z) for the expanded dk and ek. With pk given (already checked against the
  // secret by the caller) and a backend offering KeyGen with a known encapsulation key (the TypeScript
  // core), only dk is computed: pk's ρ and §7.2 validity are checked, its t̂ part is taken as given.
  // Otherwise KeyGen_internal re-creates ek and the whole of pk is compared with it.
  const MISMATCH = 'HPKE: the ML-KEM-768 public key given does not match the private key'
  const importPrivateKey = async (sk: Uint8Array, pk?: Uint8Array): Promise<RecipientKeyInternal> => {
    expectLength('invalid_key', 'ML-KEM-768 private key', sk, 64)
    if (pk !== undefined) expectLength('invalid_key', 'ML-KEM-768 public key', pk, 1184)
    let publicKey: Uint8Array, expanded: Uint8Array
    if (pk !== undefined && kem.expandDecapsulationKey) {
      publicKey = pk.slice()
      expanded = await guard('invalid_key', MISMATCH, () => kem.expandDecapsulationKey!(sk, publicKey))
    } else {
      const pair = await kem.keygen(sk)
      publicKey = pair.publicKey
      expanded = pair.secretKey
      if (pk !== undefined && !constantTimeEqual(pk, publicKey)) {
        wipe(expanded)
        throw new HpkeError('invalid_key', MISMATCH)
      }
    }
    return {
      kemId: KEM.MlKem768,
      publicKey,
      decap: (enc) => {
        expectLength('invalid_enc', 'enc', enc, 1088)
        return guard('invalid_enc', 'HPKE: ML-KEM-768 decapsulation failed', () => kem.decapsulate(enc, expanded))
      },
    }
  }
  return {
    id: KEM.MlKem768,
    name: 'ML-KEM-768',
    Nsecret: 32,
    Nenc: 1088,
    Npk: 1184,
    Nsk: 64,
    classical: false,
    async GenerateKeyPair() {
      const privateKey = globalThis.crypto.getRandomValues(new Uint8Array(64))
      const { publicKey, secretKey } = await kem.keygen(privateKey)
      wipe(secretKey)
      return { publicKey, privateKey }
    },
    async DeriveKeyPair(ikm) {
      const privateKey = derivePrivateKey(ikm)
      const { publicKey, secretKey } = await kem.keygen(privateKey)
      wipe(secretKey)
      return { publicKey, privateKey }
    },
    derivePrivateKey: async (ikm) => derivePrivateKey(ikm),
    importPrivateKey,
    async Encap(pkR, randomness) {
      expectLength('invalid_key', 'ML-KEM-768 public key', pkR, 1184)
      if (randomness !== undefined) expectLength('invalid_argument', 'ML-KEM-768 encapsulation randomness (m)', randomness, 32)
      // An encapsulation key check failure (FIPS 203 §7.2) is an HPKE EncapError (draft §3).
      const { cipherText, sharedSecret } = await guard(
        'invalid_key',
        'HPKE: ML-KEM-768 public key fails the FIPS 203 §7.2 modulus check',
        () => kem.encapsulate(pkR, randomness),
      )
      return { sharedSecret, enc: cipherText }
    },
  }
}

/** DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1 and §7.1. Classical: only behind `allowClassical`. */
function dhkemX25519(b: Backends, kdf: HkdfSha256): Kem {
  const suiteId = kemSuiteId(KEM.DhkemX25519HkdfSha256)
  const Nsecret = 32
  const x = b.x25519
  /** RFC 9180 §4.1 ExtractAndExpand(dh, kem_context). */
  async function ExtractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Promise<Uint8Array> {
    const eaePrk = await LabeledExtract(kdf, suiteId, EMPTY, 'eae_prk', dh)
    try {
      return await LabeledExpand(kdf, suiteId, eaePrk, 'shared_secret', kemContext, Nsecret)
    } finally {
      wipe(eaePrk)
    }
  }
  /** RFC 9180 §7.1.3 DeriveKeyPair for X25519: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", Nsk). */
  async function derivePrivateKey(ikm: Uint8Array) {
    const dkpPrk = await LabeledExtract(kdf, suiteId, EMPTY, 'dkp_prk', asBytes('ikm', ikm))
    try {
      return await LabeledExpand(kdf, suiteId, dkpPrk, 'sk', EMPTY, 32)
    } finally {
      wipe(dkpPrk)
    }
  }
  async function DeriveKeyPair(ikm: Uint8Array) {
    const privateKey = await derivePrivateKey(ikm)
    return { privateKey, publicKey: await x.publicKey(privateKey) }
  }
  async function importPrivateKey(sk: Uint8Array, pk?: Uint8Array): Promise<RecipientKeyInternal> {
    expectLength('invalid_key', 'X25519 private key', sk, 32)
    if (pk !== undefined) expectLength('invalid_key', 'X25519 public key', pk, 32)
    const key: X25519SecretKey = await guard('invalid_key', 'HPKE: invalid X25519 private key', () => x.importSecretKey(sk, pk))
    return {
      kemId: KEM.DhkemX25519HkdfSha256,
      publicKey: key.publicKey,
      async decap(enc) {
        expectLength('invalid_enc', 'enc', enc, 32)
        // RFC 9180 §7.1.4: an all-zero DH output is a ValidationError; both backends throw on it.
        const dh = await guard('invalid_enc', 'HPKE: enc is a low-order X25519 point', () => key.sharedSecret(enc))
        try {
          return await ExtractAndExpand(dh, concat(enc, key.publicKey))
        } finally {
          wipe(dh)
        }
      },
    }
  }
  return {
    id: KEM.DhkemX25519HkdfSha256,
    name: 'DHKEM(X25519, HKDF-SHA256)',
    Nsecret,
    Nenc: 32,
    Npk: 32,
    Nsk: 32,
    classical: true,
    GenerateKeyPair: () => DeriveKeyPair(globalThis.crypto.getRandomValues(new Uint8Array(32))),
    DeriveKeyPair,
    derivePrivateKey,
    importPrivateKey,
    async Encap(pkR, randomness) {
      expectLength('invalid_key', 'X25519 public key', pkR, 32)
      // RFC 9180 §4.1: (skE, pkE) = GenerateKeyPair(), i.e. DeriveKeyPair(random(Nsk)); ikmE in the vectors.
      const { privateKey: skE, publicKey: pkE } = await DeriveKeyPair(randomness ?? globalThis.crypto.getRandomValues(new Uint8Array(32)))
      try {
        const dh = await guard('invalid_key', 'HPKE: the recipient public key is a low-order X25519 point', () => x.sharedSecret(skE, pkR))
        try {
          return { sharedSecret: await ExtractAndExpand(dh, concat(pkE, pkR)), enc: pkE }
        } finally {
          wipe(dh)
        }
      } finally {
        wipe(skE)
      }
    },
  }
}

// ---------- AEAD and context (RFC 9180 §5.2, §5.3) ----------

interface AeadSpec {
  id: AeadId
  name: string
  /** RFC 9180 §7.3: key, nonce and tag lengths. */
  Nk: number
  Nn: number
  Nt: number
  impl: Aead
}

function aeadSpec(b: Backends, id: number): AeadSpec | undefined {
  if (id === AEAD.Aes128Gcm) return { id, name: 'AES-128-GCM', Nk: 16, Nn: 12, Nt: 16, impl: b.aes128Gcm }
  if (id === AEAD.Aes256Gcm) return { id, name: 'AES-256-GCM', Nk: 32, Nn: 12, Nt: 16, impl: b.aes256Gcm }
  if (id === AEAD.ChaCha20Poly1305) return { id, name: 'ChaCha20-Poly1305', Nk: 32, Nn: 12, Nt: 16, impl: b.chacha20poly1305 }
  return undefined
}

/** RFC 9180 §5.2: sequence numbers are Nn bytes wide; a JS number is exact up to 2^53 − 1, far below. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER

// Plain fields (no TypeScript parameter properties): the sources also run under Node's type stripping.
class ExporterContextImpl {
  protected readonly kdf: HkdfSha256
  protected readonly suiteId: Uint8Array
  private readonly exporterSecret: Uint8Array
  constructor(kdf: HkdfSha256, suiteId: Uint8Array, exporterSecret: Uint8Array) {
    this.kdf = kdf
    this.suiteId = suiteId
    this.exporterSecret = exporterSecret
  }
  /** RFC 9180 §5.3 Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L). */
  async export(exporterContext: Uint8Array, L: number): Promise<Uint8Array> {
    asBytes('exporter_context', exporterContext)
    if (!Number.isInteger(L) || L < 0 || L > 255 * NH)
      throw new HpkeError('invalid_argument', `HPKE: export length must be an integer in [0, ${255 * NH}]`)
    return LabeledExpand(this.kdf, this.suiteId, this.exporterSecret, 'sec', exporterContext, L)
  }
}

class ContextImpl extends ExporterContextImpl {
  protected seq = 0
  protected readonly key: AeadKey
  private readonly baseNonce: Uint8Array
  constructor(kdf: HkdfSha256, suiteId: Uint8Array, exporterSecret: Uint8Array, key: AeadKey, baseNonce: Uint8Array) {
    super(kdf, suiteId, exporterSecret)
    this.key = key
    this.baseNonce = baseNonce
  }
  /** RFC 9180 §5.2 ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn). */
  protected ComputeNonce(seq: number): Uint8Array {
    const seqBytes = i2osp(seq, this.baseNonce.length)
    return this.baseNonce.map((b, i) => b ^ seqBytes[i]!)
  }
  /** RFC 9180 §5.2 IncrementSeq: refuses to wrap. */
  protected nextSeq(): number {
    if (this.seq >= MAX_SEQ) throw new HpkeError('message_limit_reached', 'HPKE: message limit reached for this context')
    return this.seq++
  }
}

export interface SenderContext {
  /** RFC 9180 §5.2 ContextS.Seal(aad, pt). */
  seal(plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>
  export(exporterContext: Uint8Array, L: number): Promise<Uint8Array>
}
export interface RecipientContext {
  /** RFC 9180 §5.2 ContextR.Open(aad, ct): throws HpkeError 'open_failed', never returns wrong plaintext. */
  open(ciphertext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>
  export(exporterContext: Uint8Array, L: number): Promise<Uint8Array>
}

class SenderContextImpl extends ContextImpl implements SenderContext {
  async seal(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    asBytes('plaintext', plaintext)
    asBytes('aad', aad)
    // The nonce is taken and the counter advanced before awaiting, so concurrent seals never share one.
    const nonce = this.ComputeNonce(this.nextSeq())
    return this.key.seal(nonce, aad, plaintext)
  }
}

class RecipientContextImpl extends ContextImpl implements RecipientContext {
  private queue: Promise<unknown> = Promise.resolve()
  private readonly Nt: number
  constructor(kdf: HkdfSha256, suiteId: Uint8Array, exporterSecret: Uint8Array, key: AeadKey, baseNonce: Uint8Array, Nt: number) {
    super(kdf, suiteId, exporterSecret, key, baseNonce)
    this.Nt = Nt
  }
  open(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    asBytes('ciphertext', ciphertext)
    asBytes('aad', aad)
    // Opens run one at a time: the counter advances only after a successful open (RFC 9180 §5.2).
    const run = this.queue.then(async () => {
      if (ciphertext.length < this.Nt) throw new HpkeError('open_failed', 'HPKE: ciphertext is shorter than the AEAD tag')
      if (this.seq >= MAX_SEQ) throw new HpkeError('message_limit_reached', 'HPKE: message limit reached for this context')
      let plaintext: Uint8Array
      try {
        plaintext = await this.key.open(this.ComputeNonce(this.seq), aad, ciphertext)
      } catch (cause) {
        throw new HpkeError('open_failed', 'HPKE: open failed (authentication tag mismatch)', { cause })
      }
      this.seq++
      return plaintext
    })
    this.queue = run.catch(() => {})
    return run
  }
}

// ---------- suites ----------

export interface SuiteParams {
  kem: number
  kdf: number
  aead: number
  /** Required for a classical-only KEM (DHKEM(X25519)): the fallback is never picked silently. */
  allowClassical?: boolean
}

export interface KeyPair {
  publicKey: Uint8Array
  privateKey: Uint8Array
}

export interface SuiteInfo {
  kem: { id: number; name: string; Nsecret: number; Nenc: number; Npk: number; Nsk: number }
  kdf: { id: number; name: 'HKDF-SHA256'; Nh: number }
  aead: { id: number; name: string; Nk: number; Nn: number; Nt: number }
  /** True when the KEM has no post-quantum component (the explicit classical fallback). */
  classical: boolean
}

/** Only for reproducing test vectors: the ephemeral randomness of Encap (ikmE). */
export interface SetupOptions {
  ikmE?: Uint8Array
}

export interface Suite {
  info: SuiteInfo
  GenerateKeyPair(): Promise<KeyPair>
  DeriveKeyPair(ikm: Uint8Array): Promise<KeyPair>
  /** DeriveKeyPair(ikm)'s private key alone: no public-key computation (keygen, scalar multiplication). */
  derivePrivateKey(ikm: Uint8Array): Promise<Uint8Array>
  /**
   * Imports skR once (expanding X-Wing/ML-KEM keys, importing X25519) for reuse across requests.
   * `publicKey`, when the caller already holds pkR from a source checked against the secret, saves
   * recomputing its costly parts; the parts the import computes anyway are compared with it.
   */
  importRecipientKey(privateKey: Uint8Array, publicKey?: Uint8Array): Promise<RecipientKey>
  /** RFC 9180 §5.1.1 SetupBaseS(pkR, info) → (enc, ctx). */
  SetupBaseS(pkR: Uint8Array, info?: Uint8Array, options?: SetupOptions): Promise<{ enc: Uint8Array; context: SenderContext }>
  /** RFC 9180 §5.1.1 SetupBaseR(enc, skR, info) → ctx. skR may be raw bytes or an imported RecipientKey. */
  SetupBaseR(enc: Uint8Array, skR: Uint8Array | RecipientKey, info?: Uint8Array): Promise<RecipientContext>
  /** RFC 9180 §6.1 SealBase(pkR, info, aad, pt) → (enc, ct). */
  Seal(
    pkR: Uint8Array,
    plaintext: Uint8Array,
    params?: { info?: Uint8Array; aad?: Uint8Array } & SetupOptions,
  ): Promise<{ enc: Uint8Array; ciphertext: Uint8Array }>
  /** RFC 9180 §6.1 OpenBase(enc, skR, info, aad, ct) → pt. */
  Open(
    enc: Uint8Array,
    skR: Uint8Array | RecipientKey,
    ciphertext: Uint8Array,
    params?: { info?: Uint8Array; aad?: Uint8Array },
  ): Promise<Uint8Array>
  /** RFC 9180 §6.2 SendExportBase(pkR, info, exporter_context, L) → (enc, exported). */
  SendExport(
    pkR: Uint8Array,
    exporterContext: Uint8Array,
    L: number,
    params?: { info?: Uint8Array } & SetupOptions,
  ): Promise<{ enc: Uint8Array; exported: Uint8Array }>
  /** RFC 9180 §6.2 ReceiveExportBase(enc, skR, info, exporter_context, L). */
  ReceiveExport(
    enc: Uint8Array,
    skR: Uint8Array | RecipientKey,
    exporterContext: Uint8Array,
    L: number,
    params?: { info?: Uint8Array },
  ): Promise<Uint8Array>
}

export interface Hpke {
  /** A cipher suite; throws HpkeError 'unsupported_suite' / 'classical_not_allowed' at once. */
  suite(params: SuiteParams): Suite
}

type BackendSource = Backends | (() => Promise<Backends>)

interface Resolved {
  kdf: HkdfSha256
  kem: Kem
  aead: AeadSpec
}

const KEM_NAMES: Record<number, string> = {
  [KEM.XWing]: 'X-Wing',
  [KEM.MlKem768]: 'ML-KEM-768',
  [KEM.DhkemX25519HkdfSha256]: 'DHKEM(X25519, HKDF-SHA256)',
}
const KEM_SIZES: Record<number, SuiteInfo['kem']> = {
  [KEM.XWing]: { id: KEM.XWing, name: 'X-Wing', Nsecret: 32, Nenc: 1120, Npk: 1216, Nsk: 32 },
  [KEM.MlKem768]: { id: KEM.MlKem768, name: 'ML-KEM-768', Nsecret: 32, Nenc: 1088, Npk: 1184, Nsk: 64 },
  [KEM.DhkemX25519HkdfSha256]: {
    id: KEM.DhkemX25519HkdfSha256,
    name: 'DHKEM(X25519, HKDF-SHA256)',
    Nsecret: 32,
    Nenc: 32,
    Npk: 32,
    Nsk: 32,
  },
}
const AEAD_SIZES: Record<number, SuiteInfo['aead']> = {
  [AEAD.Aes128Gcm]: { id: AEAD.Aes128Gcm, name: 'AES-128-GCM', Nk: 16, Nn: 12, Nt: 16 },
  [AEAD.Aes256Gcm]: { id: AEAD.Aes256Gcm, name: 'AES-256-GCM', Nk: 32, Nn: 12, Nt: 16 },
  [AEAD.ChaCha20Poly1305]: { id: AEAD.ChaCha20Poly1305, name: 'ChaCha20-Poly1305', Nk: 32, Nn: 12, Nt: 16 },
}

export function createHpke(source: BackendSource): Hpke {
  let backends: Promise<Backends> | undefined
  const getBackends = () => (backends ??= typeof source === 'function' ? source() : Promise.resolve(source))

  function suite(params: SuiteParams): Suite {
    const kemSizes = KEM_SIZES[params.kem]
    const aeadSizes = AEAD_SIZES[params.aead]
    if (!kemSizes || params.kdf !== KDF.HkdfSha256 || !aeadSizes) {
      const hex = (n: number) => `0x${Number(n).toString(16).padStart(4, '0')}`
      throw new HpkeError(
        'unsupported_suite',
        `HPKE: suite kem=${hex(params.kem)} kdf=${hex(params.kdf)} aead=${hex(params.aead)} is not implemented (KEMs 0x647a, 0x0041, 0x0020; KDF 0x0001; AEADs 0x0001-0x0003)`,
      )
    }
    const classical = params.kem === KEM.DhkemX25519HkdfSha256
    if (classical && params.allowClassical !== true) {
      throw new HpkeError(
        'classical_not_allowed',
        `HPKE: ${KEM_NAMES[params.kem]} has no post-quantum protection; pass allowClassical: true to use it as an explicit fallback`,
      )
    }
    const info: SuiteInfo = { kem: kemSizes, kdf: { id: KDF.HkdfSha256, name: 'HKDF-SHA256', Nh: NH }, aead: aeadSizes, classical }
    // RFC 9180 §5.1: suite_id = "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2).
    const suiteId = concat(utf8('HPKE'), i2osp(params.kem, 2), i2osp(params.kdf, 2), i2osp(params.aead, 2))

    let resolved: Promise<Resolved> | undefined
    const resolve = () =>
      (resolved ??= getBackends().then((b) => {
        const kdf = createHkdfSha256(b.hmacSha256)
        const kem = params.kem === KEM.XWing ? xwingKem(b) : params.kem === KEM.MlKem768 ? mlKem768Kem(b) : dhkemX25519(b, kdf)
        return { kdf, kem, aead: aeadSpec(b, params.aead)! }
      }))

    // key_schedule_context depends only on the suite and info, both public: computed once per info
    // (a protocol uses a few short ones), which saves two of KeySchedule's six HMACs per setup.
    const scheduleContexts = new Map<string, Promise<Uint8Array>>()
    async function computeScheduleContext(kdf: HkdfSha256, info: Uint8Array): Promise<Uint8Array> {
      const pskIdHash = await LabeledExtract(kdf, suiteId, EMPTY, 'psk_id_hash', EMPTY)
      const infoHash = await LabeledExtract(kdf, suiteId, EMPTY, 'info_hash', info)
      return concat(new Uint8Array([MODE_BASE]), pskIdHash, infoHash)
    }
    function keyScheduleContextOf(kdf: HkdfSha256, info: Uint8Array): Promise<Uint8Array> {
      if (info.length > MAX_MEMOISED_INFO) return computeScheduleContext(kdf, info)
      const id = String.fromCharCode(...info)
      let context = scheduleContexts.get(id)
      if (!context) {
        context = computeScheduleContext(kdf, info)
        context.catch(() => scheduleContexts.delete(id))
        if (scheduleContexts.size >= MAX_SCHEDULE_CONTEXTS) scheduleContexts.clear()
        scheduleContexts.set(id, context)
      }
      return context
    }

    /** RFC 9180 §5.1 KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = ""). */
    async function KeySchedule(r: Resolved, sharedSecret: Uint8Array, infoBytes: Uint8Array) {
      const { kdf, aead } = r
      const keyScheduleContext = await keyScheduleContextOf(kdf, infoBytes)
      const secret = await LabeledExtract(kdf, suiteId, sharedSecret, 'secret', EMPTY)
      try {
        const key = await LabeledExpand(kdf, suiteId, secret, 'key', keyScheduleContext, aead.Nk)
        const baseNonce = await LabeledExpand(kdf, suiteId, secret, 'base_nonce', keyScheduleContext, aead.Nn)
        const exporterSecret = await LabeledExpand(kdf, suiteId, secret, 'exp', keyScheduleContext, NH)
        const aeadKey = await aead.impl.importKey(key)
        wipe(key)
        return { aeadKey, baseNonce, exporterSecret }
      } finally {
        wipe(secret)
      }
    }

    async function recipientKey(r: Resolved, skR: Uint8Array | RecipientKey): Promise<RecipientKeyInternal> {
      if (skR instanceof Uint8Array) return r.kem.importPrivateKey(skR)
      if (!RECIPIENT_KEYS.has(skR)) throw new HpkeError('invalid_key', 'HPKE: skR must be a Uint8Array or a key from importRecipientKey()')
      if (skR.kemId !== params.kem)
        throw new HpkeError('invalid_key', `HPKE: this recipient key is for KEM 0x${skR.kemId.toString(16)}, not this suite's`)
      return skR as RecipientKeyInternal
    }

    async function SetupBaseS(pkR: Uint8Array, infoBytes: Uint8Array = EMPTY, options: SetupOptions = {}) {
      const info = asBytes('info', infoBytes).slice() // as passed: the caller may reuse its array meanwhile
      const r = await resolve()
      const { sharedSecret, enc } = await r.kem.Encap(asBytes('pkR', pkR), options.ikmE)
      try {
        const { aeadKey, baseNonce, exporterSecret } = await KeySchedule(r, sharedSecret, info)
        return { enc, context: new SenderContextImpl(r.kdf, suiteId, exporterSecret, aeadKey, baseNonce) as SenderContext }
      } finally {
        wipe(sharedSecret)
      }
    }

    async function SetupBaseR(enc: Uint8Array, skR: Uint8Array | RecipientKey, infoBytes: Uint8Array = EMPTY): Promise<RecipientContext> {
      asBytes('enc', enc)
      const info = asBytes('info', infoBytes).slice() // as passed: the caller may reuse its array meanwhile
      const r = await resolve()
      const key = await recipientKey(r, skR)
      const sharedSecret = await key.decap(enc)
      try {
        const { aeadKey, baseNonce, exporterSecret } = await KeySchedule(r, sharedSecret, info)
        return new RecipientContextImpl(r.kdf, suiteId, exporterSecret, aeadKey, baseNonce, r.aead.Nt)
      } finally {
        wipe(sharedSecret)
      }
    }

    return {
      info,
      GenerateKeyPair: async () => (await resolve()).kem.GenerateKeyPair(),
      DeriveKeyPair: async (ikm) => (await resolve()).kem.DeriveKeyPair(ikm),
      derivePrivateKey: async (ikm) => (await resolve()).kem.derivePrivateKey(ikm),
      async importRecipientKey(privateKey, publicKey) {
        const key = await (await resolve()).kem.importPrivateKey(
          asBytes('privateKey', privateKey),
          publicKey === undefined ? undefined : asBytes('publicKey', publicKey),
        )
        RECIPIENT_KEYS.add(key)
        return key
      },
      SetupBaseS,
      SetupBaseR,
      async Seal(pkR, plaintext, p = {}) {
        const { enc, context } = await SetupBaseS(pkR, p.info, p)
        return { enc, ciphertext: await context.seal(plaintext, p.aad) }
      },
      async Open(enc, skR, ciphertext, p = {}) {
        const context = await SetupBaseR(enc, skR, p.info)
        return context.open(ciphertext, p.aad)
      },
      async SendExport(pkR, exporterContext, L, p = {}) {
        const { enc, context } = await SetupBaseS(pkR, p.info, p)
        return { enc, exported: await context.export(exporterContext, L) }
      },
      async ReceiveExport(enc, skR, exporterContext, L, p = {}) {
        return (await SetupBaseR(enc, skR, p.info)).export(exporterContext, L)
      },
    }
  }

  return { suite }
}
