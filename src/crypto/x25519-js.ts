// X25519 (RFC 7748) in plain TypeScript for engines with no WebCrypto X25519, tuned for an interpreter
// without a JIT (Fastly's StarlingMonkey). Field elements mod p = 2^255 − 19 are BigInts, so the limb
// arithmetic runs in native code; what costs is the number of BigInt operations (each allocates, ~0.1 µs
// in that engine; a 255-bit product ~0.35 µs, a `%` ~1 µs). So:
//  - products are reduced by folding with 2^255 ≡ 19, x ↦ (x & M) + 19·(x >> 255): four cheap operations
//    instead of a division. Folding once maps x < 2^(255+h) below 2^255 + 19·2^h, so a product of two
//    values below 2^257 folded once is below 2^265 and may feed one more product; every value carried
//    over to the next step (or used twice) is folded twice, which brings it below 2^255 + 2^60.
//  - sums and differences are left unreduced; a difference gets a multiple of p added so that every
//    value stays non-negative (`&` and `>>` on negative BigInts are several times slower).
//  - X25519(k, u) is RFC 7748 §5's Montgomery ladder written out inline, with no calls in the loop;
//    X25519(k, 9) (public keys) is the same scalar multiple computed on the birationally equivalent
//    Edwards curve (edwards25519, RFC 7748 §4.1) from a precomputed table of multiples of its base point,
//    then mapped to u = (1 + y)/(1 − y): ~2.3× faster than the ladder in js-compute.
//
// Constant time: NOT achievable here, and this code does not claim it. BigInt operations take time that
// depends on their operands' values and lengths, and the engine gives no control over that (the same
// caveat @noble/curves makes). Best effort only: the ladder never branches on a secret bit and selects
// with arithmetic (v + bit·(w − v)), the signed-digit recoding is branch-free; but the fixed-base table is
// indexed by secret digits (as noble's precomputed-point tables are). The clamped scalar copy and its digits
// are wiped after use; BigInts are immutable and cannot be. Where the runtime offers WebCrypto X25519,
// the backend selection (select-core.ts) uses that instead.

import { wipe } from './bytes.ts'
import type { X25519, X25519SecretKey } from './types.ts'

const P = (1n << 255n) - 19n
const M = (1n << 255n) - 1n
const P2 = 2n * P
/** A multiple of p (≈ 2^271) above every value ever subtracted (all below 2^266: once-folded products of
 * inputs below 2^258): added first, so that no intermediate is negative. */
const K = P << 16n
const A24 = 121665n // (486662 − 2) / 4, RFC 7748 §5

// ---- bytes ----

function checkBytes(what: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`X25519: ${what} must be a Uint8Array`)
  if (value.length !== 32) throw new RangeError(`X25519: ${what} must be 32 bytes, got ${value.length}`)
  return value
}

const HEX = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** decodeUCoordinate (RFC 7748 §5): little-endian, the top bit masked. The value may be ≥ p (non-canonical);
 * it is then used as is, and every product reduces it mod p, as §5 requires. */
function decodeU(u: Uint8Array): bigint {
  let hex = HEX[u[31]! & 127]!
  for (let i = 30; i >= 0; i--) hex += HEX[u[i]!]!
  return BigInt(`0x${hex}`)
}

/** encodeUCoordinate of a value in [0, p). */
function encodeU(x: bigint): Uint8Array {
  const out = new Uint8Array(32)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt.asUintN(64, x), true)
  view.setBigUint64(8, BigInt.asUintN(64, x >> 64n), true)
  view.setBigUint64(16, BigInt.asUintN(64, x >> 128n), true)
  view.setBigUint64(24, x >> 192n, true)
  return out
}

/** decodeScalar25519 (RFC 7748 §5) on a copy: bits 0-2 and 255 cleared, bit 254 set. The caller wipes it. */
function clamp(secretKey: Uint8Array): Uint8Array {
  const k = new Uint8Array(secretKey) // a copy even of a Buffer (whose slice() is a view)
  k[0]! &= 248
  k[31] = (k[31]! & 127) | 64
  return k
}

// ---- field ----

/** a·b folded twice: < 2^255 + 2^26, for non-negative a, b below 2^265. */
function mul(a: bigint, b: bigint): bigint {
  let x = a * b
  x = (x & M) + (x >> 255n) * 19n
  return (x & M) + (x >> 255n) * 19n
}

/** z^(p−2) = z^−1 mod p (Fermat), by the usual addition chain for 2^255 − 21: 254 squarings, 11 products. */
function invert(z: bigint): bigint {
  const sq = (x: bigint, n: number) => {
    for (let i = 0; i < n; i++) {
      x = x * x
      x = (x & M) + (x >> 255n) * 19n
      x = (x & M) + (x >> 255n) * 19n
    }
    return x
  }
  const z2 = mul(z, z)
  const z9 = mul(sq(z2, 2), z)
  const z11 = mul(z9, z2)
  const z2_5_0 = mul(mul(z11, z11), z9)
  const z2_10_0 = mul(sq(z2_5_0, 5), z2_5_0)
  const z2_20_0 = mul(sq(z2_10_0, 10), z2_10_0)
  const z2_40_0 = mul(sq(z2_20_0, 20), z2_20_0)
  const z2_50_0 = mul(sq(z2_40_0, 10), z2_10_0)
  const z2_100_0 = mul(sq(z2_50_0, 50), z2_50_0)
  const z2_200_0 = mul(sq(z2_100_0, 100), z2_100_0)
  const z2_250_0 = mul(sq(z2_200_0, 50), z2_50_0)
  return mul(sq(z2_250_0, 5), z11)
}

/** The canonical residue in [0, p) of a non-negative value. */
const canonical = (x: bigint) => x % P

// ---- X25519(k, u): the Montgomery ladder (RFC 7748 §5) ----

function ladder(secretKey: Uint8Array, u: bigint): bigint {
  const k = clamp(secretKey)
  const x1 = u
  let x2 = 1n
  let z2 = 0n
  let x3 = u
  let z3 = 1n
  let swap = 0
  // Deliberately inlined: every product is folded mod 2^255 − 19 in place ((w & M) + (w >> 255)·19, twice)
  // instead of through mul(); a call per product costs more than the BigInt arithmetic in an interpreter.
  for (let t = 254; t >= 0; t--) {
    const kt = (k[t >> 3]! >> (t & 7)) & 1
    // RFC 7748 swaps (x2, z2) and (x3, z3) when swap ^ k_t is 1, then computes the differential addition
    // (symmetric in the two points: swapping only changes the sign of DA − CB, which is squared) and
    // doubles the first point. So only the doubling's input is selected here, arithmetically.
    const s = BigInt(swap ^ kt)
    swap = kt
    const A = x2 + z2
    const B = x2 + P2 - z2
    const C = x3 + z3
    const D = x3 + P2 - z3
    let DA = D * A
    DA = (DA & M) + (DA >> 255n) * 19n
    let CB = C * B
    CB = (CB & M) + (CB >> 255n) * 19n
    const Ad = A + s * (C - A)
    const Bd = B + s * (D - B)
    let AA = Ad * Ad
    AA = (AA & M) + (AA >> 255n) * 19n
    let BB = Bd * Bd
    BB = (BB & M) + (BB >> 255n) * 19n
    const E = AA + K - BB
    let w = DA + CB
    w = w * w
    w = (w & M) + (w >> 255n) * 19n
    x3 = (w & M) + (w >> 255n) * 19n
    w = DA - CB
    w = w * w
    w = (w & M) + (w >> 255n) * 19n
    w = x1 * w
    w = (w & M) + (w >> 255n) * 19n
    z3 = (w & M) + (w >> 255n) * 19n
    w = AA * BB
    w = (w & M) + (w >> 255n) * 19n
    x2 = (w & M) + (w >> 255n) * 19n
    w = E * (AA + A24 * E)
    w = (w & M) + (w >> 255n) * 19n
    z2 = (w & M) + (w >> 255n) * 19n
  }
  wipe(k)
  const s = BigInt(swap)
  x2 += s * (x3 - x2)
  z2 += s * (z3 - z2)
  return canonical(mul(x2, invert(z2)))
}

// ---- X25519(k, 9): fixed base, on edwards25519 ----
// Extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z, on −x² + y² = 1 + d·x²·y² (RFC 8032
// §5.1). Formulas: Hisil–Wong–Carter–Dawson 2008 (the unified addition is complete on this curve).

type Ext = { X: bigint; Y: bigint; Z: bigint; T: bigint }

/** 2·Q (dbl-2008-hwcd with a = −1; every output negated, which is the same projective point). */
function double(q: Ext): Ext {
  const { X, Y, Z } = q
  let A = X * X
  A = (A & M) + (A >> 255n) * 19n
  let B = Y * Y
  B = (B & M) + (B >> 255n) * 19n
  let C = Z * Z
  C = (C & M) + (C >> 255n) * 19n
  C += C
  const H = A + B
  let E = X + Y
  E = E * E
  E = (E & M) + (E >> 255n) * 19n
  E = E + K - H // 2XY
  const G = B + K - A // Y² − X²
  const F = C + K - G // 2Z² − (Y² − X²)
  return { X: mul(E, F), Y: mul(G, H), Z: mul(F, G), T: mul(E, H) }
}

// The table: for j = 0..POSITIONS−1 and a = 0..8, the point a·2^(4·GROUP·j)·B in affine "Niels" form
// (y + x, y − x, 2d·x·y), all mod p; a = 0 is the identity (1, 1, 0), so that a zero digit is one more
// addition and nothing branches. Public constants, generated by test/crypto/x25519-table.ts
// (`node test/crypto/x25519-table.ts 8`), whose test checks them against that independent affine
// computation and against @noble/curves. BigInt literals, not a string decoded at run time: js-compute
// snapshots the heap at build time, and literals cost the least there (measured with
// node scripts/fastly/bench.ts crypto: +19.7 KB gzip for 8 positions, +37 KB for 16; a hex string decoded at top
// level cost more) and nothing per request (BigInt(string) per entry made publicKey ~2× slower).
// 8 positions: 72 points, 64 additions and 28 doublings per public key. 16 positions would be ~1.8× faster
// (in js-compute, ~1.0 vs ~1.8 ms) for the bytes above.
const POSITIONS = 8
const GROUP = 64 / POSITIONS
const BASE_TABLE: readonly bigint[] = [
  1n,
  1n,
  0n,
  0x7cf9d3a33d4ba65270b4898643d42c2cf932dc6fb8c0e192fbc93c6f58c3b85n,
  0x44fd2f9298f81267a5c18434688f8a09fd399f05d140beb39d103905d740913en,
  0x6f117b689f0c65a85a1b7dcbdd43598c26d9e823ccaac49eabc91205877aaa68n,
  0x590c063fa87d2e2e5aa69a65e1d607029f469d967a0ff5b59224e7fc933c71d7n,
  0x6bb595a669c92555e09e236bb16e37aa8f2b810c4e60acf68a99a56042b4d5a8n,
  0x701af5b13ea50b73500fa0840b3d6a3136c16bdd5d9acf7843faa8b3a59b7a5fn,
  0x7a164e1b9a80f8f4c11b50029f016732025a8430e8864b8aaf25b0a84cee9730n,
  0x2ab91587555bda628131f31a214bd6bd3bd353fde5c1ba7d56611fe8a4fcd265n,
  0x5a2826af12b9b4c6d170e5458cf2db4c589423221c35da6214ae933f0dd0d889n,
  0x680e910321e58727ca348d3dfb0a92656765c6f47dfd2538287351b98efc099fn,
  0x27933f4c7445a49ac3e8e3cd06a05073327e89715660faa995fe050a056818bfn,
  0x7f9d0cbf63553e2b5ddbdcf9102b44946e9e39457b5cc1725a13fbe9c476ff09n,
  0x2945ccf146e206ebdd1beb0c5abfec448d5048c3c75eed02a212bc4408a5bb33n,
  0x154a7e73eb1b55f3e33cf11cb864a087d50014d14b2729b77f9182c3a447d6ban,
  0x43aabe696b3bb69ab41b670b1bbda72d270e0807d0bdd1fcbcbbdbf1812a8285n,
  0x51e57bb6a2cc38bd8065b668da59a7369b27158900c8af883a0ceeeb77157131n,
  0x38b64c41ae417884bb085ce7204553b9575be28427d22739499806b67b7d8ca4n,
  0x10b8e91a9f0d61e353e4a24b083bc144be70e00341a1bb0185ac326702ea4b71n,
  0x461bea69283c927e71b2528228542e497470353ab39dc0d26b1a5cd0944ea3bfn,
  0x1d6edd5d2e5317e09dea764f92192c3a6ca021533bba23a7ba6f2c9aaa3221b1n,
  0x7a9fbb1c6a0f90a7529c41ba5877adf3b3035f47053ea49af1836dc801b8b3a2n,
  0x915e76061bce52fb1339c665ed9c3236cb30377e288702c59b7596604dd3e8fn,
  0x3a9024a1320e01c32c2741ac6e3c23fb963d7680e1b558f9e2a75dedf39234d9n,
  0x26907c5c2ecc4e95636412190eb62a32b8a371788bcca7d7e7c1f5d9c9a2911an,
  1n,
  1n,
  0n,
  0x3a5f6d51b0af8e7c3a70e77c1d330f9b6ff0678bd168bab28765b69f7b85c5e8n,
  0x20234a7789ecdcf07f193f2d4cce0f7d17e02f6aebabdc5761368756a60dac5fn,
  0x7cd682353cffe366f62a4a20b3e41170071c34f9d51ed16076d20db67178b252n,
  0x3ef0253b2b2cd8ff5759389d336025d942d92d183cd7e3d3a665cd6068acf4f3n,
  0x2838c8863bdc0943d9921012e96e60002a846a32ba403b6e0be1a45bd887fab6n,
  0x21dcb8a606a8281282cfae8af4ab419dfa496b4115c577abd16bb0cf4a465030n,
  0x5d840dbf6c6f678bb2cc023743f3d97f8203607e629e18899a8d00fabe7731ban,
  0xbc3d08194a31dab125b4d4c12ee2f9c2540096ed42aa3cb5c6004468c9d9fc8n,
  0x3a4276232ac196dd57bbba997dae20ab6eb02da6b9e165c7706e380d309fe18bn,
  0x770c9e824e1a9f980acffc075aa15fe5fcfc41fc6282dbd3bf8c172db447ecbn,
  0x1ff177cea16debd1be9f00219c58e45d898a19e3dfb9e5454b42432c8a7084fan,
  0x39f264fd41500b1ee7300919303e3e89860984e91b3a7924cf61d99a45b5b5fdn,
  0x65c621272c35f14ec3c908942ca6f1ffa46dfce1dfe01929d19b4aabfe097be1n,
  0x1712d73468889840a0e91b8e93597ba9bd94376a2b9c139ca7ad3417dbe7e29cn,
  0x22f9800ab19ce2720419a93d2e1cfe834d103356a125c0bbe72b89f8ce3193ddn,
  0x4171a4d38598cab4640f64b987bdf37bb912cebe34a5494142029fdd9a6efdacn,
  0x13f416cd647626e5553d48b05f24248fe3e9c022a5504715605a368a3e9ef8cbn,
  0x508214fa574bd1abfbd291ddadda539223006f6fb000b807fa2758aa99c94c8cn,
  0x3a7758a4c86cb44727c576756c683a5ab2102888bcf3c965461a15bb53d003d6n,
  0x22f960ec6faba74bcbde26462c14af94a65a6739511d77c4c20269153ed6fe4bn,
  0x5d9fd15f8de7f49412248c90f3115e651dae21df1dfd54a6548111f693ae5076n,
  0x3bc187fa47eb98d8e164ba772e9c16d48e3a9028432e96153f244d2aeed7521en,
  0x332f35914f8fbed3a9e18fc5ccaee24b6a379aefd7c7b533031408d36d63727fn,
  0x450d81ce906fba03d77832b53a660188998ab7cb6c46d1256d470115ea86c20cn,
  1n,
  1n,
  0n,
  0x654878cba97cc9fbb1b73bbcdabc06e5548991878faa60f1cd2a65e777d1f515n,
  0x2102fdba2b20d65009207a1d717af1b95397da89e575f51b51138ec78df6b0fen,
  0xad725db29ecb2ba3a1af517aa7da41536bca7681251ad29969ee405055ce6a1n,
  0x4f675f5302399fd977afc6624312aefa537d5268e7f5ffd7fec7bc0c9b056f85n,
  0x4aefcffb71a036501af07a0bf7d15ed7b67544b570ce1bc5dc4267b1834e2457n,
  0xbccbb72a2a86561870a6eadd0945110cd2bef118998483bc32d36360415171en,
  0x6678fd69108f37c23bc7f6c5507031b0e0397b82fee89f7e186d5e4c50fe1296n,
  0x4024f0ab59d6b73eb092e031bb5b6df286e7e63565147dcd185e962feab1a9c8n,
  0x2d42e2108ead47014f73cc9f789eaefc07f68c48572d33f21586fa31636863c2n,
  0x420bf3a79b423c6e1bb687ae752ae09f914e690b131e064c21717b0d0f537593n,
  0x676b2608b8d2d322eba13f07084550106155985d313f4c6a97f5131594dfd29bn,
  0x745d2ffa9c0cf1e07bff0cb1bc3135b08671b6ec311b1b808138ba651c5b2b47n,
  0x6e15be54c1dc839d3c209c3c8756afab1db8827997bb3d06036df5721d34e6an,
  0x1ae23ceb960cf5d0d511c70edf0155dbea5b260826479d81bf525a1e2bc9c8bdn,
  0x58ded861278ec1f77dc41549dab7ca0532351cb5ceb1dab05b725d871932994an,
  0x8ba696b531d5bd833809107f12d157348eeef8ef52c598c2dfb5ba8b6c2c9a8n,
  0x2ff39de85485f6f95ce382f8bc26c3a8c8c976c5cc454e49d8173793f266c55cn,
  0x120633b4947cfe54ea3d7a3ff1a671cb04e05517d4ff481177ed3eeec3efc57an,
  0x7433be3cb393bdee11e761911ea79c6de237b6d7e6fbe0682bd31474912100an,
  0x35d30a99b4d5918570be739594f0a4c04ee7b13cecebfae80b94987891610042n,
  0x2d873ede7af6da9f583381fd5a76847c575d3de4b05c51a3ff7944c05ce997f4n,
  0x543618a0160025318a275d3bae21d6ca20d59175015e1f5aa6202e14e5df981n,
  0x2e773654707fa7b6b093fee6f5a64806fab8b7eef4aa81d9157a316443373409n,
  0x4b1443362d07960d04202cb8a29aba2caa6f0a259dce46930deabdf4974c23c1n,
  1n,
  1n,
  0n,
  0x7a195152e095e8ad17c2f0358fce460a5d19f30c024866bd598639c12ddb0a4n,
  0x63b795fc7ad3255d1c7706d917a8f908bc8b61bf4f84f3cb296fa9c59c2ec4den,
  0x3e8fe83d032f0137afa1fd5dc541264390433b02cf8de43ba8368f02389e5fc8n,
  0x22d60899a6258c86a59d5da51260cde3dfc51a8e33e0373108704c8de8efd13cn,
  0x75ba3b797fac4007de1c5ae161bbfd8494f24270670845492f8b15b90570a294n,
  0x904d07b87779e5eb38847bceb40126060fe8a8b6c7d8a9a6239dbc070cdd196n,
  0x6240aacebaf72a6c167697ada081f93106952f0cbd2d0c39f4322d6648f940b9n,
  0x43e2143fbc1dde072c63cc63ad86cc51cf31db3ec74c8daab4ce1fd4ddba919cn,
  0x56bdaf238db40cac66f13ba7e7c9316ad6947c5bca37d25af834749c5ba295a0n,
  0x3aa31507e1e57547c9b8591d7a14f5c062a6bb7622386b91310d36cc19d3bb2n,
  0x1d24a86d837413189e0e14521d5a5572338568d56eb93d40362ab9e3f53533ebn,
  0x43b261dc9aeb485988d225821d09357ce045eaf054ac8c1cf4ec7648ffd4ce1fn,
  0x2b4d5e242940964028d10ddd54f956794fe7126000bf47b19513d8b6c951364n,
  0x326055cf5b276bc2b02c2ee2603dea33a09ed07dc17a359de55b1e1988bb79bbn,
  0x27a6c809ae5d3410c49cf4936c824389eacc4646186ce508b4a155cb28d18df2n,
  0x221503603d8c259979fa592469d7036cdd4a3e576a66cab2cd2c270ac43d6954n,
  0x2cb67174ff60a17ef22edfa315f5585a37d3d73a675a5be88ba6ebcd1f0db188n,
  0x7b1df4b73890f43682891c667a94f0f4a9422044728ce3f159eecdf9390be1d0n,
  0x68698245d352e03db2aaa88d1fb6a630e3555c9fd49409d45f2e221807f8f58cn,
  0x61fcef2658fc599215eb8fe20d7f7b0e7c6c9e062b551160e492f2e0b3b2a224n,
  0x46cf4c473daf01cf44bae2810ff6c482f3e4aad386ddacd7dbb15d852a18187an,
  0x1065aae50d8cc5bb2488c38c5629ceba7c1e7ef8392b4854213c6ea7f1498140n,
  0x29387bcd14eb5f4072b1a7f2cbe5cadc0e5eda0116903303426525ed9ec4e5f9n,
  0x69a198e64f1ce7160a07e7b1e18340305c3b2dd6bfca674a1c2c4525df200d57n,
  1n,
  1n,
  0n,
  0x2b5449e58eb3bbaa2b1e583b0810c5db29b743e8148be884583b04bfacad8ea2n,
  0x1304e9e71627d55100c3e53145747299f7ea38548ebda0b85f3a7562eb3dbe47n,
  0x4468de2d7c2dd693da0fe1fff979c60a3c1bab3f8b48dd0b789814d26adc9cfen,
  0x5da6427e63247352d4a866c5657a772c21113531435d0c284b9ad8c6f86307cen,
  0x6cce7c6ffb44bd6393a5b6d6447f996233e6dc4c23ddc75451bb355e9419469en,
  0x58f29abfe79f2ca888ad8c388d59580fb9066ef7bbae1ff81a94c688deac22can,
  0x6af93724185b48703643d056d50b3ab9b14ce538462c293c4b5a64bf710ecdf6n,
  0x577629c4a7f41e36f0495b0bbe01598254036f9f377e76a5e90ecfab8de73e68n,
  0x701f25bb0caec18f83e236233c33289fd2e036134b5589733220024509c6a888n,
  0x720a5bc050955e5120f5b522ac4e60d6844a06e674bfdbe49d18f6d97cbec113n,
  0x2e0c92bfbdc40be961e3061ff4bca59cf700660e9e25a87dc3a8b0f8e4616cedn,
  0xe9b9cbb144ef0ec691417f35c229346e84e8b376242abfc0c3f09439b805a35n,
  0x366d44191cfd3cde44a8f1bf1c68d791c9c3ab370a723fb98dee9bd55db1beeen,
  0x221104eb3f337bd8d4813152635543bfee81916bdbf90d0efbbad48ffb5720adn,
  0x4167a4e6bc593244ccb82f0e68a7fb972eda26fcb5856c3b9e3c1743f2bc8c14n,
  0x34b33370cb7ed2f6f12e6e7e2f364eeee967ff14e880d62cc2be2665f8ce8feen,
  0x7938bb7e2255246a1b4b430321fc06845d1d9d400e7668eb643b9d2876f62700n,
  0x1176fc6e2dfe65e4ed7485c158808883ce02109ced85a753cdc591ee8681d6ccn,
  0x1f6a3e54f26906b621354ffeded7879b98fbcc2aacf440a3db90e28949770eb8n,
  0x8fc3a4c677d5f343d4fa502ebe94dc42ddfc9f4b2a58480b4af6cd05b9c619bn,
  0x4f2fad0116b900d1e2333e23f759829540c085b631165cd660a4c199d30734ean,
  0x3451995f2944ee816f619b39f3b61689e60577aafc129c08962cd91db73bb638n,
  0x445484a4972ef7aba61e6b2d368d04985f541c511857ef6c44beb24194ae4e54n,
  0x10b89ca6042893b7258e9aaa47285c404a816c94b0935cf69152fcd09fea7d7cn,
  1n,
  1n,
  0n,
  0x57968290bb3a0095f0f52dc746d5dd25d3f938ad889596b896eebffb305b2f51n,
  0x2f1b78fab143a8a6e185d956e980718ab9ef22fbabf041a44637974e8c58aedcn,
  0x7dc43e35dc2aa3e1cf7509a86ee2eed1f393658d24f0ec47f71ab8430a20e101n,
  0x44fb81d82d50a990f2ed8051f237d3e3576c6995e4efd945a782a5c273e9718n,
  0x7ef72016758cc12fc6e08df8ef2079b1c90f9b314bb0535585966665887dd9c3n,
  0x7f79823f9c30dd2eca704534b201bb4957b3371dce4c6359c1df18c5a907e3d9n,
  0x64a9b0431c06d6f03cbf99557ded5be70827894e0050c8de6a9c1ff068f587ban,
  0xa4e0373d784d9b412b54136f590bd33c13670d4b91fa8d88334d239a3b513e8n,
  0x71a7d0ace18346c7156ce4389a45d47b0b4f6a0d53a82352eb3d6a15b7d2919n,
  0x7c69bcf7617755d39af5621b209d5f360d65950709b15141cc0c355220e14431n,
  0x2c3bcc7146ea7e9ccf543002c0ef768b01262905bfa562eed3072daac887ba0bn,
  0x6f5a9a7322aca51de951a9a3171798d710db18252f50f37d07f0d7eb04e8295fn,
  0x2ab9680ee8d3b244525567a47869c038d9e09408078af9ee729d4eba3d944ben,
  0x494e21a2e147afca4efa47703cc51c9fc49f79c10cfefb9b8ba1000c2f41c6c5n,
  0x6b5d76cbea46bb34fa091f1dd91ef6d9219a224e0fb9a249efa48a85dde50d9an,
  0x16fb869c03dd313e408b3ea2d0fcc746f1e6ae74036936d3e0f941171e782522n,
  0xae333f685277354af0169148f42b4776472dc6f5cd01dba8857556cec0cd994n,
  0x3f81e38b8f70d0754811f7ed0991d03e24fc72b4d8abe133288e199733b60962n,
  0xad3e2d34cdedc3dd57c3e8bcbf8eaf774b923c3d74299a40adb7f355f17c824n,
  0x50510fc104f50993a8397ed24b0c4704545cb8a12465874b7f910fcc7ed9affen,
  0x127c158bf0fa1ebef2d6fd0009eefe1c745ede19c331cfd96f0c0fc5336e249dn,
  0x4ed82479d167df956240680b873848a81d9973d3744dfe96dea28fc4ae51b974n,
  0x354ef87d07ef4f689b413fc14b4eaccba44addd452ca3647f6197c422e9879a2n,
  0x302d92d20539236d8808ac30a9f6653c50352efceb41b0b8fee3b52260c5d975n,
  1n,
  1n,
  0n,
  0x7da0b8f68d7e7daba7ebf3be95dbd7c697a05cf41b38a436a66dcc9dc80c1ac0n,
  0x46115aba1d4dc0b34cd1eb505cdfa8cba2649f30aafda9e8ef782014385675a6n,
  0x5a5f887e83674b4b03cc6021feb259601dac6f7321119e9bd40f1953c3b5da76n,
  0x43e37ae2d5d1c70c9b5302897c2dec32b5c3cb00e6c320649e9628d3a0a643b9n,
  0x3669b656e44d1434f70297d4a4bca47ecfceb815350dd0c48f6301cf70a13d11n,
  0x6a21e6cd4fd5e9bebd5ad8f83626381167301d5199a13ac0387e3f06eda6e133n,
  0x45371b07001e8b36325432d01182b0bd71d30847708d1301ef4129126699b2e3n,
  0x586bf9f1a195ff5769dbbd3c8c82b75558712a2a00d23524f1c6170a3046e65fn,
  0xeafb03790e52179ac0349d261a16eb85278f0dc610937e5a6db088d5ef8790bn,
  0x44ae3344c5435bb32cebdf1eea92396dec02fbe32662cc305140805e0f75ae1dn,
  0x309acc675a02c6611c81f73873486d0c219a41e6820baa11960555c13748042fn,
  0x62d5221b7f94678f1d82e5c64f9360aaf3760e9d5ac971429cf289b9bba543een,
  0x14f29a5383922037a506708059f7193ddfae7b11fee9144d7585d4263af77a3cn,
  0x5c0efde4bc754562a375052edb4a8631c86bb56c8a0c1a0c524c299c18d0936dn,
  0x5e72365c7bee093eda9234b7c3ed4c6221f970db99b53040df717edc25b2d7f5n,
  0x70b20555cb7349b7acff3dad1f9ebdfd5b9659e5df9f32be7d9339062f08b33en,
  0x77f1104c47b4eabc9a0a37bbf4191e333779675d0694d95b575bfc074571217fn,
  0xe34398f4a06404a446677855e503b476688423a9a881fcdbe5113c555112c4cn,
  0x6f8aded6ca379c3ef43217da73395d6f7de3e10e73f3f64018930b093e4b1928n,
  0x5e5405368a362372743fa61fb05b6d8d09b3e84127822f07b67d22d93ecebde8n,
  0x780de72ec8d3de97f9967d02fde6949e487b97e1a21ab291e340123dfdb7b29an,
  0x1defc6ad32b587a629a17fd7973732928f72eb2a2a8c41aa671feaf300f42772n,
  0xeb28bf671928ce438ac15510a4811b8388ddecf1c7f4d060ae28545089ae7bcn,
  0x467d201bf8dd28672991f7fb7ae5da2e148c1277917b15edaf5bbe1aef5195a7n,
  1n,
  1n,
  0n,
  0x5f46040898de9e1aecf3b7c036de649fece3a890e0dc506bbb2e00c9193b877fn,
  0x73937e8814bce45e32bc0dcab74ffef7fa38d6c9ae6bf863739d8845832fcedbn,
  0x2cf8a4e891d5e835e19715574696bdc6a9d13b22d4f06834b9037116297bf48dn,
  0x7a6f7f2891d6a4f6d7659c8185978a3024d2381c3950196b2cb5487e17d06ba2n,
  0x2049bd6e58252a097cb16a4cc2736a86dd4c09d37c38b5496d93fd8707110f67n,
  0x6011aadfc545941d4c21b52c519ebfd4f0ee60be5b3db90b7d09fd8d6a9aef49n,
  0x69ce18b779340b1e624d0afdb9b6ed99fbd098ca0dff6aaa63ded0c802cbf890n,
  0x6fc5cc1b0b62f9e0d6a1e7f3998f7a5b7c7e8561712890715f67926dcf95f83cn,
  0x15596b3ae57101f1127e0442189f2352dd1aae3cd47e9092d1ef5528b29879cbn,
  0x3aa4e241afb6d138292b7d227ef556e50be4158bd9c745df09ff31167e5124can,
  0xd2237687b5f4dda1307deb553f2148aff83123197d6ddcf462739d23f9179a2n,
  0x32fcaa6e4687a36c083ab1a25549d2eb48583f8fa2e926c32cc138bf2a3305f5n,
  0x746f6336c2600be9d5b2ecd7f60d964e17e31908f213e3f83207a4732787ccdfn,
  0x4627e9cefebd6a5caac014de22efe4a33e0bd2ed9df0bdf27bc56e8dc57d9af5n,
  0x7b4917007ed6629333596a8a0344186de288eb729943731f3f4af345ab6c971cn,
  0x1d03620fe08cd37d0ff592d94dd2f8f4aa17905bdf42fc3f54341b28dd53a2ddn,
  0x122ba376f844fd7b476adc447b15ce0c497810d289f3bc142d85fb5cab84b064n,
  0x2c70bf52b68ec4c2eabb4be7dd479d99ed0fd42115d187fc20232cda2b4e554n,
  0x6b0697e3feb43a0356cf7d94ee8bbde75be768e07cb73cb5ace532bf458d72e1n,
  0x26334f0a409ef5e0e044a61ec1d0815c415c5790074882caa287ec4b5d0b2fbbn,
  0x1cc37f43441b2fae9c9cb95849f0d2a93ef000ef076da45db6c8f04adf62a3c0n,
  0x3a346f772f19683826e72832844c23341c5b15f818e5656ad76656f1c9ceaeb9n,
  0x6c6809c10380314afb18abdb5c45ac19d061c4c0e506a922508f565a5cc7324fn,
  0x5911b9f6ef7c5d0960746dd8ec67262e9bd0331b1e851edd2d55112e2da6ac8n,
]

/** The u-coordinate of [k]B: k recoded into 64 signed radix-16 digits d_i ∈ [−8, 8] (branch-free); digit
 * i = GROUP·j + r is added as ±|d_i|·2^(4·GROUP·j)·B from the table, the groups r = GROUP−1 … 0 separated by
 * 4 doublings (a comb: 64 mixed additions and 4·(GROUP−1) doublings, vs 255 ladder steps). Deliberately
 * inlined like the ladder: the additions and doublings fold each product in place. */
function fixedBase(secretKey: Uint8Array): bigint {
  const k = clamp(secretKey)
  const digits = new Int8Array(64)
  let carry = 0
  for (let i = 0; i < 63; i++) {
    const e = ((k[i >> 1]! >> ((i & 1) << 2)) & 15) + carry
    carry = (e + 8) >> 4
    digits[i] = e - (carry << 4)
  }
  digits[63] = (k[31]! >> 4) + carry // ≤ 8: bit 255 is clear
  wipe(k)

  const table = BASE_TABLE
  let X = 0n
  let Y = 1n
  let Z = 1n
  let T = 0n
  for (let r = GROUP - 1; r >= 0; r--) {
    if (r < GROUP - 1) {
      let q: Ext = { X, Y, Z, T }
      for (let i = 0; i < 4; i++) q = double(q)
      ;({ X, Y, Z, T } = q)
    }
    for (let j = 0; j < POSITIONS; j++) {
      const d = digits[GROUP * j + r]!
      const neg = (d >> 31) & 1
      const at = 3 * (9 * j + ((d ^ -neg) + neg))
      // −(x, y) = (−x, y): y + x and y − x trade places and 2dxy changes sign (F and G below trade
      // places). Selected arithmetically by n ∈ {0, 1}.
      const n = BigInt(neg)
      let ypx = table[at]!
      let ymx = table[at + 1]!
      const sw = n * (ymx - ypx)
      ypx += sw
      ymx -= sw
      let A = (Y + P2 - X) * ymx
      A = (A & M) + (A >> 255n) * 19n
      let B = (Y + X) * ypx
      B = (B & M) + (B >> 255n) * 19n
      let C = T * table[at + 2]!
      C = (C & M) + (C >> 255n) * 19n
      const D = Z + Z
      const E = B + K - A
      let F = D + K - C
      let G = D + C
      const fg = n * (G - F)
      F += fg
      G -= fg
      const H = B + A
      let w = E * F
      w = (w & M) + (w >> 255n) * 19n
      X = (w & M) + (w >> 255n) * 19n
      w = G * H
      w = (w & M) + (w >> 255n) * 19n
      Y = (w & M) + (w >> 255n) * 19n
      w = F * G
      w = (w & M) + (w >> 255n) * 19n
      Z = (w & M) + (w >> 255n) * 19n
      w = E * H
      w = (w & M) + (w >> 255n) * 19n
      T = (w & M) + (w >> 255n) * 19n
    }
  }
  wipe(digits)
  // u = (1 + y)/(1 − y) = (Z + Y)/(Z − Y) (RFC 7748 §4.1).
  return canonical(mul(Z + Y, invert(Z + P2 - Y)))
}

// ---- the interface ----

function shared(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const r = ladder(secretKey, decodeU(publicKey))
  // RFC 7748 §6.1: an all-zero result means a low-order public key; the protocol must abort.
  if (r === 0n) throw new Error('X25519: the shared secret is all zero (low-order public key)')
  return encodeU(r)
}

const publicKeyOf = (secretKey: Uint8Array) => encodeU(fixedBase(secretKey))

/** X25519 on the interface the rest of pq-edge uses (async, like the WebCrypto backend). */
export const jsX25519: X25519 = {
  name: 'pq-edge-js',
  publicKey: async (secretKey) => publicKeyOf(checkBytes('secretKey', secretKey)),
  sharedSecret: async (secretKey, publicKey) => shared(checkBytes('secretKey', secretKey), checkBytes('publicKey', publicKey)),
  async importSecretKey(secretKey, knownPublicKey): Promise<X25519SecretKey> {
    const sk = new Uint8Array(checkBytes('secretKey', secretKey)) // a copy: the caller may wipe theirs
    // A known public key (built into a Fastly package, checked against the secret by keys.ts) is
    // taken as is: recomputing it would run the secret-indexed fixed-base table (~1.8 ms) per request.
    const publicKey = knownPublicKey === undefined ? publicKeyOf(sk) : checkBytes('publicKey', knownPublicKey).slice()
    return { publicKey, sharedSecret: async (pk) => shared(sk, checkBytes('publicKey', pk)) }
  },
}

/** The synchronous core (tests, benchmarks). */
export const x25519Sync = {
  /** X25519(k, 9) from the fixed-base table. */
  publicKey: (secretKey: Uint8Array): Uint8Array => publicKeyOf(checkBytes('secretKey', secretKey)),
  /** X25519(k, u) with the RFC 7748 §6.1 all-zero check. */
  sharedSecret: (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array =>
    shared(checkBytes('secretKey', secretKey), checkBytes('publicKey', publicKey)),
  /** X25519(k, u) by the ladder, with no all-zero check (RFC 7748 §5.2's vectors and iteration test). */
  scalarMult: (secretKey: Uint8Array, u: Uint8Array): Uint8Array =>
    encodeU(ladder(checkBytes('secretKey', secretKey), decodeU(checkBytes('u', u)))),
}
