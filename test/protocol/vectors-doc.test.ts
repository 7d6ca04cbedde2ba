// docs/PROTOCOL.md §8 holds exactly the vectors the project's code produces today: regenerate them
// (scripts/protocol-vectors.ts) and compare with the document's block.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { protocolVectors, VECTORS_BEGIN, VECTORS_END } from '../../scripts/protocol-vectors.ts'

const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8')

describe('docs/PROTOCOL.md §8 test vectors', () => {
  it('are exactly what scripts/protocol-vectors.ts generates (a working handshake)', async () => {
    const begin = doc.indexOf(VECTORS_BEGIN)
    const end = doc.indexOf(VECTORS_END)
    expect(begin, 'the vectors block markers are in the document').toBeGreaterThan(0)
    expect(end).toBeGreaterThan(begin)
    expect(doc.indexOf(VECTORS_BEGIN, begin + 1), 'one block only').toBe(-1)
    expect(doc.slice(begin, end + VECTORS_END.length)).toBe(await protocolVectors())
  })

  it('are deterministic', async () => {
    expect(await protocolVectors()).toBe(await protocolVectors())
  })
})
