// The CLI's known-keys file (src/cli/known-keys.ts) in-process: where it lives, how entries are keyed,
// that writes are owner-only and keep the other entries, and that a malformed file is never replaced.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KnownKeysError, knownKeysPath, loadKnownKeys, lookup, originOf, remember } from '../../src/cli/known-keys.ts'

const scratch = () => mkdtempSync(join(tmpdir(), 'pq-edge-known-'))

describe('known keys', () => {
  it('lives at $PQ_EDGE_KNOWN_KEYS, else ~/.config/pq-edge/known_keys.json', () => {
    expect(knownKeysPath({ PQ_EDGE_KNOWN_KEYS: '/tmp/k.json', HOME: '/home/u' })).toBe('/tmp/k.json')
    expect(knownKeysPath({ HOME: '/home/u' })).toBe('/home/u/.config/pq-edge/known_keys.json')
  })

  it('keys entries by origin: scheme, host and port, the path and a default port ignored', () => {
    expect(originOf('https://pq-edge.example/base/')).toBe('https://pq-edge.example')
    expect(originOf('https://pq-edge.example:443')).toBe('https://pq-edge.example')
    expect(originOf('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787')
    expect(originOf('HTTPS://PQ-EDGE.example')).toBe('https://pq-edge.example')
  })

  it('a missing file is empty; remember creates it (and its folder) owner-only and keeps other entries', () => {
    const dir = scratch()
    const path = join(dir, 'nested', 'known_keys.json')
    expect(loadKnownKeys(path)).toEqual({})
    remember(path, 'https://a.example', { kid: 'kidA', publicKey: 'AAAA', mode: 'hybrid' })
    remember(path, 'https://a.example', { kid: 'kidP', publicKey: 'BBBB', mode: 'pq' })
    remember(path, 'https://b.example', { kid: 'kidB', publicKey: 'CCCC', mode: 'hybrid' })
    remember(path, 'https://a.example', { kid: 'kidA2', publicKey: 'DDDD', mode: 'hybrid' }) // moved pin
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'nested')).mode & 0o077).toBe(0)
    const known = loadKnownKeys(path)
    expect(known).toEqual({
      'https://a.example': { hybrid: { kid: 'kidA2', publicKey: 'DDDD' }, pq: { kid: 'kidP', publicKey: 'BBBB' } },
      'https://b.example': { hybrid: { kid: 'kidB', publicKey: 'CCCC' } },
    })
    expect(lookup(known, 'https://b.example', 'hybrid')?.kid).toBe('kidB')
    expect(lookup(known, 'https://b.example', 'pq')).toBeUndefined()
    expect(lookup(known, 'constructor', 'hybrid')).toBeUndefined()
  })

  it('"__proto__" is an origin like any other', () => {
    const path = join(scratch(), 'known.json')
    writeFileSync(path, '{"__proto__": {"hybrid": {"kid": "k", "publicKey": "AAAA"}}}')
    const known = loadKnownKeys(path)
    expect(lookup(known, '__proto__', 'hybrid')).toEqual({ kid: 'k', publicKey: 'AAAA' })
    expect(({} as Record<string, unknown>).hybrid).toBeUndefined()
  })

  it('a malformed file is an error naming it, and remember does not overwrite it', () => {
    const dir = scratch()
    for (const text of ['{', '[]', '{"https://a.example": 1}', '{"https://a.example": {"quantum": {}}}', '{"o": {"hybrid": {"kid": 1}}}']) {
      const path = join(dir, 'known.json')
      writeFileSync(path, text)
      expect(() => loadKnownKeys(path), text).toThrow(KnownKeysError)
      expect(() => loadKnownKeys(path), text).toThrow(path)
      expect(() => remember(path, 'https://a.example', { kid: 'k', publicKey: 'AAAA', mode: 'hybrid' })).toThrow(KnownKeysError)
      expect(readFileSync(path, 'utf8')).toBe(text)
    }
  })
})
