// `npm run fastly:keys` (scripts/fastly-keys.ts) refuses weak secrets as the service does at run time
// (src/service/keys.ts), unless PQ_EDGE_DEV=1 marks local development (fastly.toml [local_server]).
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fastlyKeys } from '../../scripts/fastly-keys.ts'
import { TEST_SERVER_SECRET } from '../service/secrets.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ZERO = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' // fastly.toml [local_server]'s dummy
const REPEATED = Buffer.alloc(32, 7).toString('base64url')

function run(env: Record<string, string>) {
  const out = join(mkdtempSync(join(tmpdir(), 'pq-edge-fastly-keys-')), 'fastly-keys.json')
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env }
  for (const name of ['SERVER_SECRET', 'SERVER_SECRET_PREVIOUS', 'PQ_EDGE_DEV']) if (!(name in env)) delete childEnv[name]
  return new Promise<{ code: number; stderr: string; out: string }>((resolve) =>
    execFile(
      process.execPath,
      ['scripts/fastly-keys.ts', '--out', out],
      { cwd: ROOT, env: childEnv, encoding: 'utf8' },
      (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr, out }),
    ),
  )
}

describe('npm run fastly:keys and weak secrets', () => {
  it('refuses the all-zero dummy and a repeated byte, naming the variable and not the value', async () => {
    const cases: Record<string, string>[] = [
      { SERVER_SECRET: ZERO },
      { SERVER_SECRET: TEST_SERVER_SECRET, SERVER_SECRET_PREVIOUS: REPEATED },
    ]
    for (const env of cases) {
      const r = await run(env)
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(
        env.SERVER_SECRET === ZERO ? /SERVER_SECRET is one byte repeated/ : /SERVER_SECRET_PREVIOUS is one byte repeated/,
      )
      expect(r.stderr).not.toContain(ZERO)
      expect(r.stderr).not.toContain(REPEATED)
      expect(existsSync(r.out)).toBe(false)
    }
    await expect(fastlyKeys([{ variable: 'SERVER_SECRET', value: ZERO }])).rejects.toThrow(/SERVER_SECRET is one byte repeated/)
  }, 60_000)

  it('accepts them with PQ_EDGE_DEV=1 (local development), and random secrets always', async () => {
    const dev = await run({ SERVER_SECRET: ZERO, PQ_EDGE_DEV: '1' })
    expect(dev.code, dev.stderr).toBe(0)
    expect(JSON.parse(readFileSync(dev.out, 'utf8')).secrets).toHaveLength(1)
    const real = await run({ SERVER_SECRET: TEST_SERVER_SECRET })
    expect(real.code, real.stderr).toBe(0)
  }, 60_000)
})
