// pq-edge-audit: ignore-file (the catalogue names what it looks for)
// The audit's catalogue: the rules (one per primitive family), the priority rule, and the packages
// and crates that provide classical key exchange or signatures (or their post-quantum
// replacements). docs/AUDIT.md explains the rule and the false-positive policy.

export type Kind = 'key-exchange' | 'signature' | 'pq'
export type Priority = 'critical' | 'high' | 'medium' | 'low' | 'info'
/** Where a primitive is used, as far as the scanner can tell; it picks the priority within a kind. */
export type Context =
  /** key transport, key wrapping, sealed/anonymous encryption, JWE, HPKE: the output encrypts data that may be stored */
  | 'at-rest'
  /** JWT/JWS issuers, certificates, TLS server authentication, code signing */
  | 'long-lived-trust'
  | 'verify-only'
  | 'general'

export const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'info']

export interface Rule {
  id: string
  kind: Kind
  algorithm: string
  description: string
  replacement: string
}

const KX_REPLACEMENT = 'X-Wing (X25519 + ML-KEM-768, hybrid) via pq-edge/xwing or pq-edge/hpke'
const TRANSPORT_REPLACEMENT = 'encapsulate the key with X-Wing or ML-KEM-768 (pq-edge/hpke seal) instead of RSA-encrypting it'
const SIG_REPLACEMENT =
  'ML-DSA-65 (FIPS 204), or SLH-DSA (FIPS 205) for long-lived roots; a composite/hybrid signature during the transition'

const rules: Rule[] = [
  {
    id: 'kx-x25519',
    kind: 'key-exchange',
    algorithm: 'X25519/X448 (ECDH over Curve25519/Curve448)',
    description:
      'Classical elliptic-curve Diffie-Hellman over Curve25519 or Curve448: recorded traffic or sealed data can be decrypted later by a quantum computer (harvest now, decrypt later).',
    replacement: KX_REPLACEMENT,
  },
  {
    id: 'kx-ecdh',
    kind: 'key-exchange',
    algorithm: 'ECDH (P-256/P-384/P-521/secp256k1)',
    description: 'Classical elliptic-curve Diffie-Hellman over a Weierstrass curve: exposed to harvest-now-decrypt-later.',
    replacement: KX_REPLACEMENT,
  },
  {
    id: 'kx-dh',
    kind: 'key-exchange',
    algorithm: 'finite-field Diffie-Hellman',
    description: 'Classical finite-field Diffie-Hellman: exposed to harvest-now-decrypt-later.',
    replacement: KX_REPLACEMENT,
  },
  {
    id: 'kx-rsa',
    kind: 'key-exchange',
    algorithm: 'RSA key transport (RSA-OAEP, PKCS#1 v1.5 encryption)',
    description: 'A key or data encrypted to an RSA public key: whoever stores the ciphertext can recover it with a quantum computer.',
    replacement: TRANSPORT_REPLACEMENT,
  },
  {
    id: 'kx-tls',
    kind: 'key-exchange',
    algorithm: 'TLS handshake key exchange (ECDHE)',
    description:
      'A TLS implementation: its handshake uses classical ECDHE unless a hybrid post-quantum group (X25519MLKEM768) is negotiated.',
    replacement:
      'enable the X25519MLKEM768 hybrid group in the TLS library (or terminate TLS at an edge that offers it); X-Wing via pq-edge for application-level keys',
  },
  {
    id: 'sig-ecdsa',
    kind: 'signature',
    algorithm: 'ECDSA',
    description: 'Classical ECDSA signatures: forgeable once a quantum computer exists (not retroactively).',
    replacement: SIG_REPLACEMENT,
  },
  {
    id: 'sig-eddsa',
    kind: 'signature',
    algorithm: 'EdDSA (Ed25519/Ed448)',
    description: 'Classical EdDSA signatures: forgeable once a quantum computer exists (not retroactively).',
    replacement: SIG_REPLACEMENT,
  },
  {
    id: 'sig-rsa',
    kind: 'signature',
    algorithm: 'RSA signatures (PKCS#1 v1.5, PSS)',
    description: 'Classical RSA signatures: forgeable once a quantum computer exists (not retroactively).',
    replacement: SIG_REPLACEMENT,
  },
  {
    id: 'sig-dsa',
    kind: 'signature',
    algorithm: 'DSA',
    description: 'Classical finite-field DSA signatures: forgeable once a quantum computer exists.',
    replacement: SIG_REPLACEMENT,
  },
  {
    id: 'sig-classical',
    kind: 'signature',
    algorithm: 'classical signature (RSA/ECDSA/EdDSA, key type chosen at run time)',
    description: 'A signing API whose algorithm follows the key (RSA, ECDSA or EdDSA): classical unless the key is ML-DSA/SLH-DSA.',
    replacement: SIG_REPLACEMENT,
  },
  {
    id: 'pq-ml-kem',
    kind: 'pq',
    algorithm: 'ML-KEM (FIPS 203) / Kyber',
    description: 'Post-quantum key encapsulation: already migrated.',
    replacement: '',
  },
  {
    id: 'pq-x-wing',
    kind: 'pq',
    algorithm: 'X-Wing / hybrid X25519+ML-KEM',
    description: 'Hybrid post-quantum key encapsulation: already migrated (its X25519 half is intended).',
    replacement: '',
  },
  {
    id: 'pq-ml-dsa',
    kind: 'pq',
    algorithm: 'ML-DSA (FIPS 204) / Dilithium',
    description: 'Post-quantum signatures: already migrated.',
    replacement: '',
  },
  {
    id: 'pq-slh-dsa',
    kind: 'pq',
    algorithm: 'SLH-DSA (FIPS 205) / SPHINCS+',
    description: 'Post-quantum hash-based signatures: already migrated.',
    replacement: '',
  },
]

export const RULES: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]))

export function rule(id: string): Rule {
  const found = RULES.get(id)
  if (!found) throw new Error(`unknown audit rule ${id}`)
  return found
}

/**
 * The priority rule (docs/AUDIT.md, "Priority"): key exchange protecting data that may be stored is
 * critical (harvest now, decrypt later); other key exchange high; signatures behind long-lived trust
 * medium (forgeable only once a quantum computer exists, never retroactively); other signatures
 * and verification-only low; post-quantum primitives info.
 */
export function priorityOf(kind: Kind, context: Context): Priority {
  if (kind === 'pq') return 'info'
  if (kind === 'key-exchange') return context === 'at-rest' ? 'critical' : 'high'
  return context === 'long-lived-trust' ? 'medium' : 'low'
}

/** A rule as a package provides it, with the context the package's purpose implies. */
export interface Provided {
  rule: string
  context?: Context
}

export const kx = (id: string, context?: Context): Provided => (context ? { rule: `kx-${id}`, context } : { rule: `kx-${id}` })
export const sig = (id: string, context?: Context): Provided => (context ? { rule: `sig-${id}`, context } : { rule: `sig-${id}` })
export const pq = (id: string): Provided => ({ rule: `pq-${id}` })
const NACL = [kx('x25519'), sig('eddsa')]
const CURVES_ALL = [kx('x25519'), kx('ecdh'), sig('ecdsa'), sig('eddsa')]
const JWT_SIGS = [sig('rsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust'), sig('eddsa', 'long-lived-trust')]
const JOSE = [...JWT_SIGS, kx('ecdh', 'at-rest'), kx('rsa', 'at-rest')]
const OPENPGP = [
  kx('ecdh', 'at-rest'),
  kx('x25519', 'at-rest'),
  kx('rsa', 'at-rest'),
  sig('rsa', 'long-lived-trust'),
  sig('ecdsa', 'long-lived-trust'),
  sig('eddsa', 'long-lived-trust'),
]
const GENERAL_TLS = [kx('tls'), sig('rsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust')]
const GENERAL_LIB = [kx('ecdh'), kx('x25519'), kx('rsa'), sig('rsa'), sig('ecdsa'), sig('eddsa')]

/** npm packages (exact names). */
export const NPM_PACKAGES: Record<string, Provided[]> = {
  '@noble/curves': CURVES_ALL,
  '@noble/ed25519': [sig('eddsa')],
  '@noble/secp256k1': [kx('ecdh'), sig('ecdsa')],
  tweetnacl: NACL,
  'tweetnacl-ts': NACL,
  elliptic: [kx('ecdh'), sig('ecdsa'), sig('eddsa')],
  'node-forge': [kx('rsa', 'at-rest'), sig('rsa', 'long-lived-trust'), sig('eddsa')],
  'node-rsa': [kx('rsa', 'at-rest'), sig('rsa')],
  jsonwebtoken: JWT_SIGS.slice(0, 2),
  jws: JWT_SIGS.slice(0, 2),
  jwa: JWT_SIGS.slice(0, 2),
  jose: JOSE,
  'node-jose': JOSE,
  libsodium: NACL,
  'libsodium-sumo': NACL,
  'libsodium-wrappers': NACL,
  'libsodium-wrappers-sumo': NACL,
  'sodium-native': NACL,
  'sodium-universal': NACL,
  'sodium-plus': NACL,
  secp256k1: [kx('ecdh'), sig('ecdsa')],
  'tiny-secp256k1': [sig('ecdsa')],
  '@stablelib/x25519': [kx('x25519')],
  '@stablelib/ed25519': [sig('eddsa')],
  ed25519: [sig('eddsa')],
  'ed25519-supercop': [sig('eddsa')],
  'curve25519-js': [kx('x25519'), sig('eddsa')],
  '@hpke/dhkem-x25519': [kx('x25519', 'at-rest')],
  '@hpke/dhkem-x448': [kx('x25519', 'at-rest')],
  '@hpke/core': [kx('ecdh', 'at-rest')],
  'hpke-js': [kx('ecdh', 'at-rest'), kx('x25519', 'at-rest')],
  openpgp: OPENPGP,
  eccrypto: [kx('ecdh', 'at-rest'), sig('ecdsa')],
  eciesjs: [kx('ecdh', 'at-rest'), kx('x25519', 'at-rest')],
  'web-push': [kx('ecdh', 'at-rest'), sig('ecdsa')],
  pkijs: [kx('rsa', 'at-rest'), kx('ecdh', 'at-rest'), sig('rsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust')],
  '@peculiar/x509': [sig('rsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust'), sig('eddsa', 'long-lived-trust')],
  ssh2: [
    kx('x25519'),
    kx('ecdh'),
    kx('dh'),
    sig('rsa', 'long-lived-trust'),
    sig('ecdsa', 'long-lived-trust'),
    sig('eddsa', 'long-lived-trust'),
  ],
  paseto: [sig('eddsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust')],
  '@matrix-org/matrix-sdk-crypto-wasm': [kx('x25519', 'at-rest'), sig('eddsa', 'long-lived-trust')],
  '@matrix-org/olm': [kx('x25519', 'at-rest'), sig('eddsa', 'long-lived-trust')],
  '@noble/post-quantum': [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa')],
  '@oqs/liboqs-js': [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa')],
  mlkem: [pq('ml-kem')],
  'crystals-kyber': [pq('ml-kem')],
  'crystals-kyber-js': [pq('ml-kem')],
  '@hpke/ml-kem': [pq('ml-kem')],
  '@hpke/hybridkem-x-wing': [pq('x-wing')],
  '@hpke/hybridkem-x25519-kyber768': [pq('x-wing')],
  '@dashlane/pqc-kem-kyber768-node': [pq('ml-kem')],
  'pq-edge': [pq('x-wing'), pq('ml-kem')],
}

/** Rust crates (exact names; pqcrypto-* by prefix below). */
export const CRATES: Record<string, Provided[]> = {
  'x25519-dalek': [kx('x25519')],
  'ed25519-dalek': [sig('eddsa')],
  ed25519: [sig('eddsa')],
  'ed448-goldilocks': [kx('x25519'), sig('eddsa')],
  x448: [kx('x25519')],
  p256: [kx('ecdh'), sig('ecdsa')],
  p384: [kx('ecdh'), sig('ecdsa')],
  p521: [kx('ecdh'), sig('ecdsa')],
  k256: [kx('ecdh'), sig('ecdsa')],
  ecdsa: [sig('ecdsa')],
  rsa: [kx('rsa', 'at-rest'), sig('rsa')],
  ring: [kx('x25519'), kx('ecdh'), sig('ecdsa'), sig('eddsa'), sig('rsa')],
  'aws-lc-rs': GENERAL_LIB,
  rustls: GENERAL_TLS,
  'rustls-webpki': [sig('rsa', 'verify-only'), sig('ecdsa', 'verify-only')],
  webpki: [sig('rsa', 'verify-only'), sig('ecdsa', 'verify-only')],
  openssl: [...GENERAL_LIB, kx('tls')],
  'openssl-sys': [...GENERAL_LIB, kx('tls')],
  boring: [...GENERAL_LIB, kx('tls')],
  'native-tls': GENERAL_TLS,
  sodiumoxide: NACL,
  'libsodium-sys': NACL,
  'libsodium-sys-stable': NACL,
  crypto_box: [kx('x25519', 'at-rest')],
  vodozemac: [kx('x25519', 'at-rest'), sig('eddsa', 'long-lived-trust')],
  'olm-sys': [kx('x25519', 'at-rest'), sig('eddsa', 'long-lived-trust')],
  snow: [kx('x25519')],
  hpke: [kx('x25519', 'at-rest'), kx('ecdh', 'at-rest')],
  age: [kx('x25519', 'at-rest')],
  jsonwebtoken: JWT_SIGS,
  josekit: JOSE,
  'ssh-key': [sig('rsa', 'long-lived-trust'), sig('ecdsa', 'long-lived-trust'), sig('eddsa', 'long-lived-trust')],
  russh: [kx('x25519'), kx('ecdh'), sig('eddsa'), sig('rsa')],
  'ml-kem': [pq('ml-kem')],
  'ml-dsa': [pq('ml-dsa')],
  'slh-dsa': [pq('slh-dsa')],
  'x-wing': [pq('x-wing')],
  'libcrux-ml-kem': [pq('ml-kem')],
  'libcrux-ml-dsa': [pq('ml-dsa')],
  'libcrux-kem': [pq('ml-kem'), pq('x-wing')],
  oqs: [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa')],
  'oqs-sys': [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa')],
  pqc_kyber: [pq('ml-kem')],
  kyber: [pq('ml-kem')],
  fips203: [pq('ml-kem')],
  fips204: [pq('ml-dsa')],
  fips205: [pq('slh-dsa')],
}

export function crateProvides(name: string): Provided[] | undefined {
  const exact = CRATES[name]
  if (exact) return exact
  if (name.startsWith('pqcrypto-')) {
    if (/kyber|mlkem/.test(name)) return [pq('ml-kem')]
    if (/dilithium|mldsa/.test(name)) return [pq('ml-dsa')]
    if (/sphincs|slhdsa/.test(name)) return [pq('slh-dsa')]
    if (name === 'pqcrypto-traits' || name === 'pqcrypto-internals') return undefined
    return [pq('ml-kem')]
  }
  return undefined
}

/** Go modules (path without a /vN major-version suffix). */
export const GO_MODULES: Record<string, Provided[]> = {
  'golang.org/x/crypto': [kx('x25519'), sig('eddsa')],
  'filippo.io/edwards25519': [sig('eddsa')],
  'filippo.io/age': [kx('x25519', 'at-rest')],
  'github.com/golang-jwt/jwt': JWT_SIGS,
  'github.com/dgrijalva/jwt-go': JWT_SIGS,
  'github.com/lestrrat-go/jwx': JOSE,
  'github.com/go-jose/go-jose': JOSE,
  'gopkg.in/square/go-jose.v2': JOSE,
  'github.com/protonmail/go-crypto': OPENPGP,
  'github.com/decred/dcrd/dcrec/secp256k1': [kx('ecdh'), sig('ecdsa')],
  'github.com/btcsuite/btcd/btcec': [sig('ecdsa')],
  'github.com/cloudflare/circl': [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa'), pq('x-wing')],
  'filippo.io/mlkem768': [pq('ml-kem')],
  'github.com/open-quantum-safe/liboqs-go': [pq('ml-kem'), pq('ml-dsa'), pq('slh-dsa')],
}

export function goModuleProvides(path: string): Provided[] | undefined {
  const base = path.replace(/\/v\d+$/, '')
  return GO_MODULES[base] ?? GO_MODULES[base.toLowerCase()]
}
