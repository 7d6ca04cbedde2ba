import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureDevVars } from '../../scripts/dev-vars.ts'
import { parseAuthConfig } from '../../src/service/auth.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-devvars-'))
  return { path: join(dir, '.dev.vars'), credentials: join(dir, '.dev.credentials.json') }
}
/** .dev.vars as wrangler reads it (dotenv: NAME=value, optionally single-quoted). */
function parseDevVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (m) vars[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1')
  }
  return vars
}

describe('development key set (.dev.vars, .dev.credentials.json)', () => {
  it('is generated when missing: owner-only; a 32-byte secret, the admin token hash and CLIENTS', async () => {
    const { path, credentials } = fresh()
    expect(await ensureDevVars(path, credentials)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(credentials).mode & 0o777).toBe(0o600)
    const vars = parseDevVars(readFileSync(path, 'utf8'))
    expect(Object.keys(vars).sort()).toEqual(['ADMIN_TOKEN_SHA256', 'CLIENTS', 'SERVER_SECRET'])
    expect(Buffer.from(vars.SERVER_SECRET!, 'base64url')).toHaveLength(32)
    const auth = parseAuthConfig(vars) // the service accepts them

    const creds = JSON.parse(readFileSync(credentials, 'utf8'))
    expect(Object.keys(creds).sort()).toEqual(['adminToken', 'baseUrl', 'clientId', 'clientSecret'])
    expect(creds.baseUrl).toBe('http://127.0.0.1:8787')
    // The plaintexts match the configured hashes, and only the hashes are in .dev.vars.
    expect(vars.ADMIN_TOKEN_SHA256).toBe(sha256(creds.adminToken))
    expect(Buffer.from(auth.clients.get(creds.clientId)!.secretSha256).toString('hex')).toBe(sha256(creds.clientSecret))
    expect(readFileSync(path, 'utf8')).not.toContain(creds.adminToken)
    expect(readFileSync(path, 'utf8')).not.toContain(creds.clientSecret)

    const other = fresh()
    await ensureDevVars(other.path, other.credentials)
    expect(readFileSync(other.path, 'utf8')).not.toBe(readFileSync(path, 'utf8'))
  })

  it('never overwrites an existing .dev.vars (nor writes credentials for it)', async () => {
    const { path, credentials } = fresh()
    writeFileSync(path, 'SERVER_SECRET=mine\n')
    expect(await ensureDevVars(path, credentials)).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('SERVER_SECRET=mine\n')
    expect(() => statSync(credentials)).toThrow()
  })
})
