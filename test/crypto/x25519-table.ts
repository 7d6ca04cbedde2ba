// Computes the fixed-base table of src/crypto/x25519-js.ts (BASE_TABLE) from the edwards25519 base point
// (RFC 8032 §5.1) with straightforward affine arithmetic, independent of the module's own formulas: for
// j = 0..positions−1 and a = 0..8, the point a·2^(4·(64/positions)·j)·B (a = 0: the identity (0, 1)), in
// Niels form (y + x, y − x, 2d·x·y) mod p. `node test/crypto/x25519-table.ts [positions]` (default 8)
// prints the BigInt literals; the test checks the module's against them and against @noble/curves.
const P = (1n << 255n) - 19n
const mod = (x: bigint) => ((x % P) + P) % P
function pow(b: bigint, e: bigint): bigint {
  let r = 1n
  for (b = mod(b); e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P
  return r
}
const inv = (x: bigint) => pow(x, P - 2n)
const D = mod(-121665n * inv(121666n))
export const BASE = {
  x: 15112221349535400772501151409588531511454012693041857206046113283949847762202n,
  y: 46316835694926478169428394003475163141307993866256225615783033603165251855960n,
}
type Affine = { x: bigint; y: bigint }

/** The twisted Edwards addition law (a = −1): complete on edwards25519. */
function add(p: Affine, q: Affine): Affine {
  const t = mod(D * p.x * q.x * p.y * q.y)
  return { x: mod((p.x * q.y + p.y * q.x) * inv(1n + t)), y: mod((p.y * q.y + p.x * q.x) * inv(1n - t)) }
}

export function computeBaseTable(positions = 8): Affine[] {
  const points: Affine[] = []
  let pj: Affine = BASE
  for (let j = 0; j < positions; j++) {
    let m: Affine = { x: 0n, y: 1n }
    for (let a = 0; a <= 8; a++) {
      points.push(m)
      m = add(m, pj)
    }
    for (let i = 0; i < 4 * (64 / positions); i++) pj = add(pj, pj)
  }
  return points
}

const D2 = mod(2n * D)
/** The Niels form (y + x mod p, y − x mod p, 2d·x·y mod p) of each point. */
export const niels = (points: Affine[]) => points.flatMap((p) => [mod(p.y + p.x), mod(p.y - p.x), mod(D2 * p.x * p.y)])

if (import.meta.url === `file://${process.argv[1]}`) {
  const values = niels(computeBaseTable(Number(process.argv[2] ?? 8)))
  // BigInt literals, one point (y + x, y − x, 2dxy) a line.
  const lit = (v: bigint) => (v < 10n ? `${v}n` : `0x${v.toString(16)}n`)
  const lines: string[] = []
  for (let i = 0; i < values.length; i += 3)
    lines.push(
      `  ${values
        .slice(i, i + 3)
        .map(lit)
        .join(', ')},`,
    )
  console.log(lines.join('\n'))
}
