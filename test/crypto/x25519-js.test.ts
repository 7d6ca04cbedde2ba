// The TypeScript X25519 (src/crypto/x25519-js.ts) against RFC 7748 (§5.2 vectors and iteration test, §6.1
// Alice/Bob, the all-zero check on low-order points, non-canonical u), and differentially against two
// independent implementations: @noble/curves and node:crypto (OpenSSL).
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ed25519, x25519 as noble } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { jsX25519, x25519Sync } from '../../src/crypto/x25519-js.ts'
import { computeBaseTable, niels } from './x25519-table.ts'

const CASES = Number(process.env.PQ_EDGE_DIFF_CASES ?? 1000)
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))
const BASE = bytes(`09${'00'.repeat(31)}`)

// node:crypto takes X25519 private keys as PKCS#8: this DER prefix (RFC 8410) followed by the 32 bytes.
const PKCS8_PREFIX = bytes('302e020100300506032b656e04220420')
function nodeDh(sk: Uint8Array, pk: Uint8Array): Uint8Array {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, sk]), format: 'der', type: 'pkcs8' })
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(pk).toString('base64url') }, format: 'jwk' })
  return new Uint8Array(diffieHellman({ privateKey, publicKey }))
}
function nodePublicKey(sk: Uint8Array): Uint8Array {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, sk]), format: 'der', type: 'pkcs8' })
  return new Uint8Array(Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'))
}

describe('RFC 7748 §5.2', () => {
  it('matches the two test vectors', () => {
    const vectors = [
      [
        'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
        'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
        'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      ],
      [
        '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
        'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
        '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      ],
    ] as const
    for (const [k, u, out] of vectors) {
      expect(hex(x25519Sync.scalarMult(bytes(k), bytes(u)))).toBe(out)
      expect(hex(x25519Sync.sharedSecret(bytes(k), bytes(u)))).toBe(out)
    }
  })

  it('matches the iterated results after 1 and 1,000 iterations', () => {
    let k: Uint8Array = BASE
    let u: Uint8Array = BASE
    const after: Record<number, string> = {}
    for (let i = 1; i <= 1000; i++) {
      const r = x25519Sync.scalarMult(k, u)
      u = k
      k = r
      if (i === 1 || i === 1000) after[i] = hex(k)
    }
    expect(after[1]).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079')
    expect(after[1000]).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51')
  })
})

describe('RFC 7748 §6.1', () => {
  const a = bytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
  const b = bytes('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
  const A = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'
  const B = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'
  const K = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'

  it('computes Alice and Bob public keys (fixed-base table and ladder) and their shared secret', async () => {
    expect(hex(await jsX25519.publicKey(a))).toBe(A)
    expect(hex(await jsX25519.publicKey(b))).toBe(B)
    expect(hex(x25519Sync.scalarMult(a, BASE))).toBe(A)
    expect(hex(x25519Sync.scalarMult(b, BASE))).toBe(B)
    expect(hex(await jsX25519.sharedSecret(a, bytes(B)))).toBe(K)
    expect(hex(await jsX25519.sharedSecret(b, bytes(A)))).toBe(K)
  })

  it('importSecretKey keeps its own copy of the key', async () => {
    const sk = a.slice()
    const imported = await jsX25519.importSecretKey(sk)
    sk.fill(0)
    expect(hex(imported.publicKey)).toBe(A)
    expect(hex(await imported.sharedSecret(bytes(B)))).toBe(K)
  })

  it('importSecretKey takes a known public key as given, without the fixed-base computation (Fastly built-in keys)', async () => {
    // A stand-in that is not X25519(a, 9): only a backend that skips the recomputation returns it.
    const known = bytes(B)
    const imported = await jsX25519.importSecretKey(a, known)
    expect(hex(imported.publicKey)).toBe(B)
    known.fill(0) // its own copy
    expect(hex(imported.publicKey)).toBe(B)
    expect(hex(await imported.sharedSecret(bytes(B)))).toBe(K)
    // and it is much cheaper than deriving it (the fixed-base table costs ~1.8 ms in js-compute)
    const t0 = performance.now()
    for (let i = 0; i < 50; i++) await jsX25519.importSecretKey(a, bytes(A))
    const known50 = performance.now() - t0
    const t1 = performance.now()
    for (let i = 0; i < 50; i++) await jsX25519.importSecretKey(a)
    expect(known50).toBeLessThan(performance.now() - t1)
    await expect(jsX25519.importSecretKey(a, new Uint8Array(31))).rejects.toThrow('X25519: publicKey must be 32 bytes, got 31')
  })

  it('never modifies the caller’s secret key (also when it is a Buffer, whose slice() is a view)', async () => {
    const sk = Buffer.from(a)
    await jsX25519.publicKey(sk)
    await jsX25519.sharedSecret(sk, bytes(B))
    expect(hex(sk)).toBe(hex(a))
  })
})

// The u-coordinates of points of order 1, 2, 4 and 8 (and their non-canonical encodings, u + p), with
// which every X25519 output is all zero. Checked below against both reference implementations.
const P = (1n << 255n) - 19n
const encode = (x: bigint) => bytes(x.toString(16).padStart(64, '0')).reverse()
const LOW_ORDER: Uint8Array[] = [
  encode(0n),
  encode(1n),
  encode(P - 1n),
  bytes('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'),
  bytes('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157'),
  encode(P), // ≡ 0
  encode(P + 1n), // ≡ 1
]

describe('the all-zero check (RFC 7748 §6.1)', () => {
  it('throws on every low-order u, as noble and node:crypto do', async () => {
    const sk = randomBytes(32)
    for (const u of LOW_ORDER) {
      for (const uu of [u, u.map((v, i) => (i === 31 ? v | 0x80 : v))]) {
        // the raw ladder output is all zero …
        expect(hex(x25519Sync.scalarMult(sk, uu))).toBe('00'.repeat(32))
        // … so the shared secret is refused, with a message that names the cause and no key bytes
        await expect(jsX25519.sharedSecret(sk, uu)).rejects.toThrow('X25519: the shared secret is all zero (low-order public key)')
        expect(() => noble.getSharedSecret(sk, uu)).toThrow()
        expect(() => nodeDh(sk, uu)).toThrow()
      }
    }
  })
})

describe('non-canonical u (RFC 7748 §5)', () => {
  it('masks the top bit and reduces values ≥ p, like noble and node:crypto', () => {
    const sk = randomBytes(32)
    const cases: bigint[] = [P, P + 1n, P + 9n, P + 18n, (1n << 255n) - 1n, (1n << 255n) - 2n]
    for (const v of cases) {
      const u = encode(v)
      const reduced = encode(v % P)
      const topBit = u.map((b, i) => (i === 31 ? b | 0x80 : b))
      const want = hex(x25519Sync.scalarMult(sk, reduced))
      expect(hex(x25519Sync.scalarMult(sk, u))).toBe(want)
      expect(hex(x25519Sync.scalarMult(sk, topBit))).toBe(want)
      if (v % P > 1n) {
        expect(hex(noble.getSharedSecret(sk, u))).toBe(want)
        expect(hex(nodeDh(sk, topBit))).toBe(want)
      }
    }
    // a random u with the top bit set equals the same u with it cleared
    for (let i = 0; i < 20; i++) {
      const u = randomBytes(32)
      u[31]! |= 0x80
      const cleared = Uint8Array.from(u)
      cleared[31]! &= 0x7f
      expect(hex(x25519Sync.sharedSecret(sk, u))).toBe(hex(x25519Sync.sharedSecret(sk, cleared)))
    }
  })
})

describe(`differential: ${CASES} random cases`, () => {
  it('agrees with @noble/curves and node:crypto on public keys and shared secrets', () => {
    let mismatches = 0
    for (let i = 0; i < CASES; i++) {
      const sk = randomBytes(32)
      const pk = randomBytes(32) // random u, top bit included half the time: any 32 bytes are a valid input
      const ours = [x25519Sync.publicKey(sk), x25519Sync.sharedSecret(sk, pk)].map(hex)
      const fromNoble = [noble.getPublicKey(sk), noble.getSharedSecret(sk, pk)].map(hex)
      const fromNode = [nodePublicKey(sk), nodeDh(sk, pk)].map(hex)
      if (ours.join() !== fromNoble.join() || ours.join() !== fromNode.join()) mismatches++
    }
    expect(mismatches).toBe(0)
  })

  it('publicKey(sk) equals the ladder on u = 9, and DH commutes', () => {
    for (let i = 0; i < Math.min(CASES, 200); i++) {
      const a = randomBytes(32)
      const b = randomBytes(32)
      const A = x25519Sync.publicKey(a)
      expect(hex(A)).toBe(hex(x25519Sync.scalarMult(a, BASE)))
      expect(hex(x25519Sync.sharedSecret(a, x25519Sync.publicKey(b)))).toBe(hex(x25519Sync.sharedSecret(b, A)))
    }
  })
})

describe('the fixed-base table (BASE_TABLE)', () => {
  it('equals an independent affine computation and @noble/curves, point by point', () => {
    const source = readFileSync(new URL('../../src/crypto/x25519-js.ts', import.meta.url), 'utf8')
    const positions = Number(/const POSITIONS = (\d+)/.exec(source)![1])
    const block = /const BASE_TABLE: readonly bigint\[\] = \[\n([^\]]*)\]/.exec(source)![1]!
    const literal = [...block.matchAll(/(0x[0-9a-f]+|\d+)n/g)].map((m) => BigInt(m[1]!))
    const points = computeBaseTable(positions)
    expect(points).toHaveLength(9 * positions)
    expect(literal).toEqual(niels(points))
    const group = 64 / positions
    points.forEach((p, i) => {
      const a = BigInt(i % 9)
      const q = a === 0n ? { x: 0n, y: 1n } : ed25519.Point.BASE.multiply(a << BigInt(4 * group * Math.floor(i / 9))).toAffine()
      expect([p.x, p.y]).toEqual([q.x, q.y])
    })
  })
})

describe('input validation', () => {
  const secret = bytes(`${'aa'.repeat(31)}bb`) // recognisable bytes: must never appear in a message
  const messageOf = async (f: () => Promise<unknown>) => {
    try {
      await f()
    } catch (error) {
      return error as Error
    }
    throw new Error('did not throw')
  }

  it('rejects wrong types and lengths with clear errors that never echo the key', async () => {
    const cases: [() => Promise<unknown>, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, string][] = [
      [() => jsX25519.publicKey(secret.subarray(0, 31)), RangeError, 'X25519: secretKey must be 32 bytes, got 31'],
      [() => jsX25519.publicKey(new Uint8Array(33)), RangeError, 'X25519: secretKey must be 32 bytes, got 33'],
      [() => jsX25519.publicKey(Array.from(secret) as unknown as Uint8Array), TypeError, 'X25519: secretKey must be a Uint8Array'],
      [() => jsX25519.publicKey('aa'.repeat(32) as unknown as Uint8Array), TypeError, 'X25519: secretKey must be a Uint8Array'],
      [() => jsX25519.sharedSecret(secret, new Uint8Array(31)), RangeError, 'X25519: publicKey must be 32 bytes, got 31'],
      [() => jsX25519.sharedSecret(secret.subarray(1), BASE), RangeError, 'X25519: secretKey must be 32 bytes, got 31'],
      [() => jsX25519.sharedSecret(secret, undefined as unknown as Uint8Array), TypeError, 'X25519: publicKey must be a Uint8Array'],
      [() => jsX25519.importSecretKey(new Uint8Array(0)), RangeError, 'X25519: secretKey must be 32 bytes, got 0'],
      [
        async () => (await jsX25519.importSecretKey(secret)).sharedSecret(new Uint8Array(64)),
        RangeError,
        'X25519: publicKey must be 32 bytes, got 64',
      ],
    ]
    for (const [f, type, message] of cases) {
      const error = await messageOf(f)
      expect(error).toBeInstanceOf(type)
      expect(error.message).toBe(message)
      expect(error.message).not.toMatch(/aa|170|187/i)
    }
  })
})
