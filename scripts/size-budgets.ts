// The project's own size budgets: the one place they are set. Each is a byte count; override one
// for a single run with `npm run size -- --budget NAME=BYTES` (e.g. `--budget cloudflare-upload-gzip=200KiB`).
// Platform limits are facts, not budgets: they live in platform-limits.ts.

const KiB = 1024

export const SIZE_BUDGETS = {
  /** Everything wrangler uploads, gzip-compressed. The app plus crypto stays small so cold starts stay fast. */
  'cloudflare-upload-gzip': 128 * KiB,
  /** The scalar ML-KEM module (src/mlkem/wasm/mlkem.wasm): the size winner, raw and gzip. */
  'mlkem-wasm-raw': 16 * KiB,
  'mlkem-wasm-gzip': 7 * KiB,
  /** The simd128 ML-KEM module (src/mlkem/wasm/mlkem-simd.wasm), raw. */
  'mlkem-simd-wasm-raw': 24 * KiB,
  /** The Fastly package (.tar.gz) minus an empty js-compute app's package: what pq-edge adds on Fastly. */
  'fastly-package-over-empty': 150 * KiB,
} satisfies Record<string, number>

export type BudgetName = keyof typeof SIZE_BUDGETS
