// The cases wipe() (src/crypto/bytes.ts) must get right, in one list for every runtime that runs it:
// Node (test/crypto/bytes.test.ts) and Fastly's engine (the engine suite), where it exists because
// fill(0) is slow there. Each case fills a buffer with non-zero bytes, wipes a view of it, and
// returns what is wrong: a byte of the view not zero, or a byte outside it changed.

import type { wipe } from '../../src/crypto/bytes.ts'

type Wipe = typeof wipe

/** [name, buffer length, view kind, view offset in elements, view length in elements]. */
const CASES: [string, number, 'u8' | 'i8' | 'i16' | 'i32' | 'u32', number, number][] = [
  ['empty', 16, 'u8', 3, 0],
  ['one byte', 16, 'u8', 5, 1],
  ['32 bytes, whole buffer', 32, 'u8', 0, 32],
  ['a view inside a larger buffer', 300, 'u8', 17, 200],
  ['exactly the zero source (4096)', 4096, 'u8', 0, 4096],
  ['one past the zero source (4097)', 5000, 'u8', 1, 4097],
  ['several times the zero source', 20_000, 'u8', 9, 12_289],
  ['Int8Array view', 64, 'i8', 3, 40],
  ['Int16Array view', 1024, 'i16', 5, 256],
  ['Int32Array view', 8192, 'i32', 7, 1800],
  ['Uint32Array view', 64, 'u32', 2, 9],
]

export const WIPE_CASES = CASES.length

const VIEWS = { u8: Uint8Array, i8: Int8Array, i16: Int16Array, i32: Int32Array, u32: Uint32Array } as const

/** Runs every case; returns one line per case that failed (none: all passed). */
export function wipeFailures(wipe: Wipe): string[] {
  const failures: string[] = []
  for (const [name, bufferBytes, kind, offset, length] of CASES) {
    const View = VIEWS[kind]
    const buffer = new ArrayBuffer(bufferBytes)
    const bytes = new Uint8Array(buffer)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i % 255) + 1 // never 0
    const view = new View(buffer, offset * View.BYTES_PER_ELEMENT, length)
    wipe(view)
    const from = view.byteOffset
    const to = from + view.byteLength
    for (let i = 0; i < bytes.length; i++) {
      const expected = i >= from && i < to ? 0 : (i % 255) + 1
      if (bytes[i] !== expected) {
        failures.push(`${name}: byte ${i} is ${bytes[i]}, expected ${expected}`)
        break
      }
    }
  }
  return failures
}
