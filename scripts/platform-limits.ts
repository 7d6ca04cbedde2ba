// Platform size limits, each with its source and the date it was read. These are the hard limits a
// deploy would hit; the project's own, tighter budgets are in size-budgets.ts.

const MiB = 1024 * 1024

export interface Limit {
  bytes: number
  /** Which size the platform measures. */
  measure: 'raw' | 'gzip'
  source: string
}

/**
 * Cloudflare Workers "Worker size": the upload (all modules) per Worker.
 * Source: https://developers.cloudflare.com/workers/platform/limits/#worker-size
 */
export const CLOUDFLARE_PLANS = {
  // 64 MiB uncompressed on every plan since 2026-09-04.
  current: { bytes: 64 * MiB, measure: 'raw', source: 'Workers limits, all plans, since 2026-09-04' },
  // The limits before 2026-09-04, still cited by many accounts and docs: 3 MiB / 10 MiB after gzip.
  'legacy-free': { bytes: 3 * MiB, measure: 'gzip', source: 'Workers limits, Free plan, before 2026-09-04' },
  'legacy-paid': { bytes: 10 * MiB, measure: 'gzip', source: 'Workers limits, Paid plan, before 2026-09-04' },
} satisfies Record<string, Limit>

export type CloudflarePlan = keyof typeof CLOUDFLARE_PLANS

/**
 * Fastly Compute: the compiled package (.tar.gz) `fastly compute publish` uploads.
 * Source: https://docs.fastly.com/products/compute-resource-limits ("Maximum compiled package size:
 * 100MB per service"; page last updated 2025-10-09, read 2026-11-27). The CLI checks 100,000,000 bytes.
 */
export const FASTLY_PACKAGE_LIMIT: Limit = { bytes: 100_000_000, measure: 'raw', source: 'Compute resource limits, 2025-10-09' }

/**
 * Fastly Compute: CPU time per request. Source: https://docs.fastly.com/products/compute-resource-limits
 * ("50 ms of CPU time per request", read 2026-11-27). test/fastly/engine/run.ts reports each
 * establishment mode's cost in the engine against it.
 */
export const FASTLY_CPU_MS_PER_REQUEST = 50
