// scripts/perfetto.ts, the trace reader behind `npm run bench:cold -- --trace`: slices rebuilt from a
// hand-encoded trace (interned names, an incremental clock, nesting, a literal name on an absolute
// clock), self times, and a loud error where the trace lost its start instead of wrong numbers.
import { describe, expect, it } from 'vitest'
import { readSlices, selfTimes } from '../../scripts/perfetto.ts'

// A minimal protobuf writer: varints, and length-delimited fields (messages, strings).
const varint = (n: number): number[] => {
  const out: number[] = []
  while (n >= 128) {
    out.push((n % 128) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const num = (field: number, n: number) => [...varint(field * 8), ...varint(n)]
const bytes = (field: number, body: number[] | string) => {
  const b = typeof body === 'string' ? [...new TextEncoder().encode(body)] : body
  return [...varint(field * 8 + 2), ...varint(b.length), ...b]
}
const packet = (...fields: number[][]) => bytes(1, fields.flat()) // Trace.packet
const event = (type: number, more: number[] = []) => bytes(11, [...num(9, type), ...more]) // TracePacket.track_event

// Sequence 1: names interned, timestamps as deltas on incremental clock 64 (from 1000), default track 7.
const setup = packet(
  num(10, 1),
  num(13, 1), // incremental state cleared
  bytes(59, [...num(58, 64), ...bytes(11, num(11, 7))]), // defaults: clock 64, track 7
  bytes(6, bytes(1, [...num(1, 64), ...num(2, 1000), ...num(3, 1)])), // clock 64 starts at 1000, incremental
  bytes(12, [...bytes(2, [...num(1, 1), ...bytes(2, 'outer')]), ...bytes(2, [...num(1, 2), ...bytes(2, 'inner')])]),
)
const onSequence1 = (delta: number, e: number[]) => packet(num(10, 1), num(8, delta), e)
const trace = new Uint8Array([
  ...setup,
  ...onSequence1(10, event(1, [...num(10, 1), ...bytes(4, bytes(6, 'http://host/run/app/id-1'))])), // 1010 begin outer
  ...onSequence1(5, event(1, num(10, 2))), // 1015 begin inner
  ...onSequence1(20, event(2)), // 1035 end inner
  ...onSequence1(65, event(2)), // 1100 end outer
  // Sequence 2: no defaults, so absolute timestamps; a literal name.
  ...packet(num(10, 2), num(8, 5000), event(1, bytes(23, 'literal'))),
  ...packet(num(10, 2), num(8, 5300), event(2)),
])

describe('scripts/perfetto.ts', () => {
  it('rebuilds nested slices with names, annotations, times and self times', () => {
    const [outer, literal, ...rest] = readSlices(trace)
    expect(rest).toEqual([])
    expect(outer).toMatchObject({ name: 'outer', start: 1010, end: 1100, selfNs: 70, annotations: ['http://host/run/app/id-1'] })
    expect(outer!.children).toMatchObject([{ name: 'inner', start: 1015, end: 1035, selfNs: 20, children: [] }])
    expect(literal).toMatchObject({ name: 'literal', start: 5000, end: 5300, selfNs: 300 })
    expect(Object.fromEntries(selfTimes(outer!))).toEqual({ outer: 70, inner: 20 })
  })

  it('refuses a trace whose start is gone (names or clock lost) instead of reporting nonsense', () => {
    const withoutSetup = trace.subarray(setup.length)
    expect(() => readSlices(withoutSetup)).toThrow(/lost its start/)
  })
})
