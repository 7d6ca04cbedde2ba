// Builds the Cloudflare Workers upload exactly as `wrangler deploy` would, without uploading:
// `wrangler deploy --dry-run --outdir dist/cloudflare` (works offline, no account).
import { execFileSync } from 'node:child_process'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const CLOUDFLARE_OUTDIR = join(ROOT, 'dist/cloudflare')

/** Environment for wrangler runs that must work offline: no telemetry, no Request.cf download. */
export const OFFLINE_WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }

export function buildCloudflare(log: (line: string) => void = console.log): void {
  log('cloudflare: wrangler deploy --dry-run --outdir dist/cloudflare')
  rmSync(CLOUDFLARE_OUTDIR, { recursive: true, force: true }) // stale modules must not be counted
  execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', CLOUDFLARE_OUTDIR], {
    cwd: ROOT,
    env: OFFLINE_WRANGLER_ENV,
    stdio: ['ignore', 2, 'inherit'], // wrangler's report goes to stderr so `npm run size -- --json` stays parseable
  })
}

/**
 * The files wrangler uploads: every module it wrote. The README it adds is not uploaded, and
 * neither are source maps unless `upload_source_maps` is set (it is not).
 */
export function cloudflareModules(): string[] {
  return readdirSync(CLOUDFLARE_OUTDIR)
    .filter((name) => name !== 'README.md' && !name.endsWith('.map'))
    .sort()
    .map((name) => join(CLOUDFLARE_OUTDIR, name))
}

if (import.meta.url === `file://${process.argv[1]}`) buildCloudflare()
