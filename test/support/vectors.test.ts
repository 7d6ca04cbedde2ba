// The vendored conformance vectors are the published ones: every file in test/vectors is listed in
// SHA256SUMS with its upstream (uncompressed) SHA-256, and matches it.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readVector, VECTORS_DIR } from './vectors.ts'

const NOT_DATA = new Set(['SHA256SUMS', 'README.md'])
const listed = new Map(
  readFileSync(`${VECTORS_DIR}SHA256SUMS`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [digest, path] = line.split(/ {2}/)
      return [path!, digest!] as const
    }),
)
const stored = readdirSync(VECTORS_DIR, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(VECTORS_DIR, join(entry.parentPath, entry.name)))
  .filter((path) => !NOT_DATA.has(path))
  .map((path) => (path.endsWith('.json.gz') ? path.slice(0, -3) : path))
  .sort()

describe('test/vectors', () => {
  it('lists every stored file in SHA256SUMS, and stores every listed file', () => {
    expect(stored).toEqual([...listed.keys()].sort())
    expect(stored.length).toBeGreaterThanOrEqual(31)
  })

  it.each([...listed])('%s matches its upstream SHA-256', (path, digest) => {
    expect(createHash('sha256').update(readVector(path)).digest('hex')).toBe(digest)
  })
})
