import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureDevVars } from '../../scripts/dev-vars.ts'

describe('development key set (.dev.vars)', () => {
  it('is generated when missing: owner-only, one fresh 32-byte base64url secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-devvars-'))
    const path = join(dir, '.dev.vars')
    expect(ensureDevVars(path)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const secret = /^SERVER_SECRET=([A-Za-z0-9_-]+)$/m.exec(readFileSync(path, 'utf8'))?.[1]
    expect(Buffer.from(secret!, 'base64url')).toHaveLength(32)

    const other = join(mkdtempSync(join(tmpdir(), 'pq-edge-devvars-')), '.dev.vars')
    ensureDevVars(other)
    expect(readFileSync(other, 'utf8')).not.toBe(readFileSync(path, 'utf8'))
  })

  it('never overwrites an existing file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pq-edge-devvars-')), '.dev.vars')
    writeFileSync(path, 'SERVER_SECRET=mine\n')
    expect(ensureDevVars(path)).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('SERVER_SECRET=mine\n')
  })
})
