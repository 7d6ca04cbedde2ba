import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { failures, judge, parseBudgetOverrides, parseBytes, renderTable, UsageError } from '../../scripts/size.ts'
import { SIZE_BUDGETS } from '../../scripts/size-budgets.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)

describe('size gate arithmetic', () => {
  it('parses byte counts with units', () => {
    expect(parseBytes('1')).toBe(1)
    expect(parseBytes('7KiB')).toBe(7 * 1024)
    expect(parseBytes('1.5 MiB')).toBe(1.5 * 1024 * 1024)
    expect(parseBytes('100MB')).toBe(100_000_000)
    expect(() => parseBytes('lots')).toThrow(UsageError)
  })

  it('overrides one budget and keeps the others', () => {
    const budgets = parseBudgetOverrides(['cloudflare-upload-gzip=1'])
    expect(budgets['cloudflare-upload-gzip']).toBe(1)
    expect(budgets['fastly-package-over-empty']).toBe(SIZE_BUDGETS['fastly-package-over-empty'])
    expect(() => parseBudgetOverrides(['no-such-budget=1'])).toThrow(/NAME one of/)
    expect(() => parseBudgetOverrides(['cloudflare-upload-gzip'])).toThrow(UsageError)
  })

  it('judges each check against the size it measures and names what is over', () => {
    const verdicts = judge([
      {
        artifact: 'a',
        raw: 1000,
        gzip: 300,
        checks: [
          { kind: 'limit', name: 'L', bytes: 2000, measure: 'raw' },
          { kind: 'budget', name: 'B', bytes: 250, measure: 'gzip' },
        ],
      },
      { artifact: 'b', raw: 10, checks: [] },
    ])
    expect(verdicts[0]!.headroom).toBe(-50)
    expect(verdicts[0]!.over.map((c) => c.name)).toEqual(['B'])
    expect(verdicts[1]!.headroom).toBeUndefined()
    expect(failures(verdicts)).toEqual(['a: gzip size 300 B exceeds budget B (250 B)'])
    expect(renderTable(verdicts)).toMatch(/^a .*OVER 50 B$/m)
  })
})

describe('npm run size (real builds of both platforms)', () => {
  it('passes with the committed budgets and prints every artifact', async () => {
    const { stdout } = await run('node', ['scripts/size.ts', '--json'], { cwd: ROOT, maxBuffer: 1 << 24 })
    const report = JSON.parse(stdout)
    expect(report.ok).toBe(true)
    const names = report.artifacts.map((a: { artifact: string }) => a.artifact)
    expect(names).toContain('cloudflare upload (all modules)')
    expect(names).toContain('fastly pkg/pq-edge.tar.gz')
    expect(names).toContain('fastly package over empty js-compute app')
    for (const a of report.artifacts) expect(a.raw).toBeGreaterThan(0)
  })

  it('fails with a 1-byte budget, naming the artifact', async () => {
    const failure = await run('node', ['scripts/size.ts', '--budget', 'cloudflare-upload-gzip=1'], { cwd: ROOT, maxBuffer: 1 << 24 }).then(
      () => {
        throw new Error('size gate passed with a 1-byte budget')
      },
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure.code).toBe(1)
    expect(failure.stderr).toMatch(
      /size gate FAILED: cloudflare upload \(all modules\): gzip size \d+ B exceeds budget cloudflare-upload-gzip \(1 B\)/,
    )
  })

  it('applies the legacy Free plan profile: 3 MiB measured after gzip', async () => {
    // The plan profile changes which limit applies: legacy-free measures gzip, current measures raw.
    const { stdout } = await run('node', ['scripts/size.ts', '--json', '--plan', 'legacy-free'], { cwd: ROOT, maxBuffer: 1 << 24 })
    const upload = JSON.parse(stdout).artifacts.find((a: { artifact: string }) => a.artifact === 'cloudflare upload (all modules)')
    expect(upload.checks[0]).toMatchObject({ kind: 'limit', bytes: 3 * 1024 * 1024, measure: 'gzip' })
  })

  it('rejects an unknown plan with a usage error', async () => {
    const failure = await run('node', ['scripts/size.ts', '--plan', 'enterprise'], { cwd: ROOT }).catch((e) => e)
    expect(failure.code).toBe(2)
    expect(failure.stderr).toContain('--plan must be one of: current, legacy-free, legacy-paid')
  })
})
