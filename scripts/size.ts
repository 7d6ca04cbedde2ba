// The size gate (`npm run size`): builds each platform's artifact exactly as deploy would, measures
// raw and gzip size of every artifact and module (with size-limit), prints one table, and exits 1
// naming each artifact over a platform limit or a project budget.
//
//   npm run size                                  table; exit 1 if anything is over
//   npm run size -- --json                        the same as JSON on stdout
//   npm run size -- --plan legacy-free            Cloudflare plan profile: current | legacy-free | legacy-paid
//   npm run size -- --budget NAME=BYTES           override a budget for this run (repeatable; 1, 7KiB, 2MiB)
//
// Progress and build logs go to stderr, so stdout carries only the table or the JSON.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import filePlugin from '@size-limit/file'
import sizeLimit from 'size-limit'
import { buildCloudflare, cloudflareModules } from './build-cloudflare.ts'
import { buildFastly, compileJsCompute, FASTLY_PACKAGE, FASTLY_WASM, packFastly } from './build-fastly.ts'
import { WASM_DIR } from './build-mlkem.ts'
import { CLOUDFLARE_PLANS, type CloudflarePlan, FASTLY_PACKAGE_LIMIT } from './platform-limits.ts'
import { type BudgetName, SIZE_BUDGETS } from './size-budgets.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** A bound on one row: a platform limit or a project budget. */
interface Check {
  kind: 'limit' | 'budget'
  name: string
  bytes: number
  measure: 'raw' | 'gzip'
}

interface Row {
  artifact: string
  raw: number
  /** Absent where gzip is meaningless (an archive that is already gzip). */
  gzip?: number
  checks: Check[]
}

interface Verdict extends Row {
  headroom?: number
  over: Check[]
}

export class UsageError extends Error {}

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, kb: 1000, mb: 1000 ** 2 }

export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined
  if (!match || unit === undefined) throw new UsageError(`not a size: "${text}" (use bytes, or a number with B, KiB, MiB, kB, MB)`)
  return Math.round(Number(match[1]) * unit)
}

export function parseBudgetOverrides(specs: string[]): Record<BudgetName, number> {
  const budgets = { ...SIZE_BUDGETS }
  for (const spec of specs) {
    const [name, value] = spec.split('=')
    if (!name || value === undefined || !(name in budgets)) {
      throw new UsageError(`--budget takes NAME=BYTES with NAME one of: ${Object.keys(budgets).join(', ')} (got "${spec}")`)
    }
    budgets[name as BudgetName] = parseBytes(value)
  }
  return budgets
}

/** Raw and gzip (level 9) size of a set of files, summed, measured by size-limit's file plugin. */
async function measure(files: string[]): Promise<{ raw: number; gzip: number }> {
  // size-limit's API is typed as returning `object`; it returns one `{ size }` per check, in order.
  const results = await sizeLimit([filePlugin], {
    checks: [
      { files, gzip: true },
      { files, brotli: false },
    ],
  })
  const [gzip, raw] = results as [{ size: number }, { size: number }]
  return { raw: raw.size, gzip: gzip.size }
}

/** The package of an app that does nothing, built with the same js-compute: the Fastly baseline. */
function emptyFastlyPackageBytes(log: (line: string) => void): number {
  log('fastly: building an empty js-compute app for the baseline')
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-empty-'))
  try {
    writeFileSync(join(dir, 'index.js'), "addEventListener('fetch', (event) => event.respondWith(new Response('')))\n")
    compileJsCompute(join(dir, 'index.js'), join(dir, 'main.wasm'))
    packFastly(join(dir, 'main.wasm'), join(dir, 'empty.tar.gz'))
    return statSync(join(dir, 'empty.tar.gz')).size
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function collectRows(plan: CloudflarePlan, budgets: Record<BudgetName, number>, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = []

  // The ML-KEM modules as committed (wrangler uploads these bytes under hashed names).
  const budget = (name: BudgetName, measure: Check['measure']): Check => ({ kind: 'budget', name, bytes: budgets[name], measure })
  rows.push({
    artifact: 'mlkem src/mlkem/wasm/mlkem.wasm',
    ...(await measure([join(WASM_DIR, 'mlkem.wasm')])),
    checks: [budget('mlkem-wasm-raw', 'raw'), budget('mlkem-wasm-gzip', 'gzip')],
  })
  rows.push({
    artifact: 'mlkem src/mlkem/wasm/mlkem-simd.wasm',
    ...(await measure([join(WASM_DIR, 'mlkem-simd.wasm')])),
    checks: [budget('mlkem-simd-wasm-raw', 'raw')],
  })

  buildCloudflare(log)
  const modules = cloudflareModules()
  for (const file of modules) {
    // wrangler prefixes each wasm module with its content hash; the table names the source file.
    const name = basename(file).replace(/^[0-9a-f]{40}-/, '')
    rows.push({ artifact: `cloudflare ${name}`, ...(await measure([file])), checks: [] })
  }
  const limit = CLOUDFLARE_PLANS[plan]
  rows.push({
    artifact: 'cloudflare upload (all modules)',
    ...(await measure(modules)),
    checks: [
      { kind: 'limit', name: `cloudflare ${plan}: ${limit.source}`, bytes: limit.bytes, measure: limit.measure },
      budget('cloudflare-upload-gzip', 'gzip'),
    ],
  })

  await buildFastly({ log })
  rows.push({ artifact: `fastly ${relative(ROOT, FASTLY_WASM)}`, ...(await measure([FASTLY_WASM])), checks: [] })
  const packageBytes = statSync(FASTLY_PACKAGE).size
  rows.push({
    artifact: `fastly ${relative(ROOT, FASTLY_PACKAGE)}`,
    raw: packageBytes,
    checks: [{ kind: 'limit', name: `fastly: ${FASTLY_PACKAGE_LIMIT.source}`, bytes: FASTLY_PACKAGE_LIMIT.bytes, measure: 'raw' }],
  })
  rows.push({
    artifact: 'fastly package over empty js-compute app',
    raw: packageBytes - emptyFastlyPackageBytes(log),
    checks: [budget('fastly-package-over-empty', 'raw')],
  })
  return rows
}

export function judge(rows: Row[]): Verdict[] {
  return rows.map((row) => {
    const slack = row.checks.map((check) => check.bytes - (check.measure === 'gzip' ? row.gzip! : row.raw))
    return {
      ...row,
      ...(slack.length ? { headroom: Math.min(...slack) } : {}),
      over: row.checks.filter((_, i) => slack[i]! < 0),
    }
  })
}

function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-'
  const abs = Math.abs(n)
  if (abs < 1024) return `${n} B`
  if (abs < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 ** 2).toFixed(2)} MiB`
}

function formatChecks(checks: Check[]): string {
  return checks.length ? checks.map((c) => `${formatBytes(c.bytes)} ${c.measure}`).join(' / ') : '-'
}

export function renderTable(verdicts: Verdict[]): string {
  const header = ['artifact', 'raw', 'gzip', 'limit', 'budget', 'headroom']
  const lines = verdicts.map((v) => [
    v.artifact,
    formatBytes(v.raw),
    formatBytes(v.gzip),
    formatChecks(v.checks.filter((c) => c.kind === 'limit')),
    formatChecks(v.checks.filter((c) => c.kind === 'budget')),
    v.headroom === undefined ? '-' : v.over.length ? `OVER ${formatBytes(-v.headroom)}` : formatBytes(v.headroom),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const pad = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
  return [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(pad)].join('\n')
}

export function failures(verdicts: Verdict[]): string[] {
  return verdicts.flatMap((v) =>
    v.over.map((check) => {
      const measured = check.measure === 'gzip' ? v.gzip! : v.raw
      return `${v.artifact}: ${check.measure} size ${measured} B exceeds ${check.kind} ${check.name} (${check.bytes} B)`
    }),
  )
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      plan: { type: 'string', default: process.env.PQ_EDGE_CLOUDFLARE_PLAN ?? 'current' },
      budget: { type: 'string', multiple: true, default: [] },
    },
  })
  if (!(values.plan in CLOUDFLARE_PLANS)) {
    throw new UsageError(`--plan must be one of: ${Object.keys(CLOUDFLARE_PLANS).join(', ')} (got "${values.plan}")`)
  }
  const plan = values.plan as CloudflarePlan
  const budgets = parseBudgetOverrides(values.budget)
  const log = (line: string) => console.error(line)

  const verdicts = judge(await collectRows(plan, budgets, log))
  const failed = failures(verdicts)
  if (values.json) {
    console.log(JSON.stringify({ plan, budgets, ok: failed.length === 0, failures: failed, artifacts: verdicts }, null, 2))
  } else {
    console.log(renderTable(verdicts))
  }
  for (const line of failed) console.error(`size gate FAILED: ${line}`)
  if (!failed.length) console.error('size gate: every artifact is within its platform limit and budget')
  return failed.length ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = await main(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(`size: ${error.message}`)
    process.exitCode = 2
  }
}
