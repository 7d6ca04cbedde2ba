// Reads the slices of a Perfetto trace (`workerd serve --perfetto-trace`), enough for bench:cold --trace:
// TrackEvent begin/end pairs per track, with their interned names and string debug annotations, nested
// into trees. Only what workerd writes is handled: the protobuf wire format, interned event names
// (InternedData), per-sequence incremental timestamps (ClockSnapshot, TracePacketDefaults). Field numbers
// are those of Perfetto's published protos (trace_packet.proto, track_event.proto, interned_data.proto,
// clock_snapshot.proto).

/** One slice: a begin/end pair on one track, with the slices that began and ended inside it. */
export interface Slice {
  name: string
  /** start and end in ns on its sequence's clock */
  start: number
  end: number
  /** its duration less its children's */
  selfNs: number
  /** string values of its debug annotations (workerd puts the request URL there) */
  annotations: string[]
  children: Slice[]
}

const INCOMPLETE =
  'perfetto: an event names an unknown interned name or ends before it begins: the trace lost its start (a ring buffer that wrapped); trace less per file'

type Field = { field: number; wire: number; value: number | Uint8Array }

function readVarint(b: Uint8Array, at: number): [number, number] {
  let value = 0
  let scale = 1
  for (;;) {
    const byte = b[at++]!
    value += (byte & 0x7f) * scale // not bitwise: values exceed 2^31 (timestamps in ns)
    scale *= 128
    if (byte < 0x80) return [value, at]
  }
}

function* fieldsOf(b: Uint8Array): Generator<Field> {
  let at = 0
  while (at < b.length) {
    const [key, next] = readVarint(b, at)
    at = next
    const [field, wire] = [Math.floor(key / 8), key % 8]
    if (wire === 0) {
      const [value, after] = readVarint(b, at)
      at = after
      yield { field, wire, value }
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4
      let value = 0
      for (let i = n - 1; i >= 0; i--) value = value * 256 + b[at + i]!
      at += n
      yield { field, wire, value }
    } else if (wire === 2) {
      const [length, after] = readVarint(b, at)
      yield { field, wire, value: b.subarray(after, after + length) }
      at = after + length
    } else throw new Error(`perfetto: unsupported wire type ${wire}`)
  }
}

/** The fields of a message grouped by number (repeated fields keep their order). */
function messageOf(b: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const m = new Map<number, (number | Uint8Array)[]>()
  for (const { field, value } of fieldsOf(b)) m.set(field, [...(m.get(field) ?? []), value])
  return m
}
const text = new TextDecoder()
const first = (m: Map<number, (number | Uint8Array)[]>, f: number) => m.get(f)?.[0]

interface Sequence {
  names: Map<number, string>
  incrementalClocks: Set<number>
  clock?: number
  track?: number
  last: number
}

/** The top-level slices of every track, each with its tree of nested slices. */
export function readSlices(trace: Uint8Array): Slice[] {
  const sequences = new Map<number, Sequence>()
  const open = new Map<string, Slice[]>()
  const roots: Slice[] = []
  for (const { field, value } of fieldsOf(trace)) {
    if (field !== 1 || !(value instanceof Uint8Array)) continue // Trace.packet
    const packet = messageOf(value)
    const sequenceId = (first(packet, 10) as number | undefined) ?? 0 // trusted_packet_sequence_id
    let seq = sequences.get(sequenceId)
    if (!seq) sequences.set(sequenceId, (seq = { names: new Map(), incrementalClocks: new Set(), last: 0 }))
    if (((first(packet, 13) as number | undefined) ?? 0) & 1) seq.names = new Map() // SEQ_INCREMENTAL_STATE_CLEARED
    for (const defaults of (packet.get(59) ?? []) as Uint8Array[]) {
      const d = messageOf(defaults) // TracePacketDefaults
      if (d.has(58)) seq.clock = first(d, 58) as number
      const trackDefaults = first(d, 11) as Uint8Array | undefined
      if (trackDefaults) seq.track = first(messageOf(trackDefaults), 11) as number | undefined
    }
    for (const snapshot of (packet.get(6) ?? []) as Uint8Array[]) {
      for (const clock of (messageOf(snapshot).get(1) ?? []) as Uint8Array[]) {
        const c = messageOf(clock) // ClockSnapshot.Clock: clock_id 1, timestamp 2, is_incremental 3
        if (first(c, 3)) {
          seq.incrementalClocks.add(first(c, 1) as number)
          seq.last = (first(c, 2) as number | undefined) ?? 0
        }
      }
    }
    for (const interned of (packet.get(12) ?? []) as Uint8Array[]) {
      for (const name of (messageOf(interned).get(2) ?? []) as Uint8Array[]) {
        const n = messageOf(name) // EventName: iid 1, name 2
        seq.names.set(first(n, 1) as number, text.decode(first(n, 2) as Uint8Array))
      }
    }
    const eventBytes = first(packet, 11) as Uint8Array | undefined // track_event
    if (!eventBytes) continue
    let ts = (first(packet, 8) as number | undefined) ?? 0
    const clock = (first(packet, 58) as number | undefined) ?? seq.clock
    if (clock !== undefined && seq.incrementalClocks.has(clock)) ts = seq.last += ts
    const event = messageOf(eventBytes)
    const type = first(event, 9) // 1 begin, 2 end
    const track = `${sequenceId}:${(first(event, 11) as number | undefined) ?? seq.track ?? 0}`
    const stack = open.get(track) ?? []
    open.set(track, stack)
    if (type === 1) {
      const name = event.has(23) ? text.decode(first(event, 23) as Uint8Array) : seq.names.get(first(event, 10) as number)
      if (name === undefined) throw new Error(INCOMPLETE)
      const annotations: string[] = []
      for (const a of (event.get(4) ?? []) as Uint8Array[]) {
        const s = first(messageOf(a), 6) // DebugAnnotation.string_value
        if (s instanceof Uint8Array) annotations.push(text.decode(s))
      }
      stack.push({ name, start: ts, end: ts, selfNs: 0, annotations, children: [] })
    } else if (type === 2) {
      const slice = stack.pop()
      if (!slice) continue
      slice.end = ts
      if (slice.end < slice.start) throw new Error(INCOMPLETE)
      slice.selfNs = slice.end - slice.start - slice.children.reduce((n, c) => n + (c.end - c.start), 0)
      const parent = stack.at(-1)
      if (parent) parent.children.push(slice)
      else roots.push(slice)
    }
  }
  return roots
}

/** Self time by slice name over a slice and everything nested in it. */
export function selfTimes(slice: Slice, into = new Map<string, number>()): Map<string, number> {
  into.set(slice.name, (into.get(slice.name) ?? 0) + slice.selfNs)
  for (const c of slice.children) selfTimes(c, into)
  return into
}
