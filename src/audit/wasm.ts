// A structural reader for WebAssembly binaries: walks the section table of a core module and
// decodes what names the code it holds (imports, exports, the "name" and "producers" custom
// sections, the other custom sections' names) plus the printable strings of its data segments.
// Function bodies are skipped by size, never decoded. Malformed input throws WasmFormatError,
// which the scanner reports as a warning for that file.

export class WasmFormatError extends Error {}

export interface WasmImport {
  module: string
  name: string
  kind: 'func' | 'table' | 'memory' | 'global' | 'tag'
}

export interface WasmModuleInfo {
  /** 'module' for a core module; 'component' for a component-model binary (only its strings are read). */
  layer: 'module' | 'component'
  imports: WasmImport[]
  exports: string[]
  moduleName?: string
  /** Function names from the "name" section (as written there: often mangled Rust/C++ symbols). */
  functionNames: string[]
  /** "producers" section: field (language, processed-by, sdk) -> "name version" entries. */
  producers: Record<string, string[]>
  customSections: string[]
  /** Printable ASCII runs (at least MIN_STRING bytes) of the data segments, with their file offset. */
  strings: Array<{ text: string; offset: number }>
  /** Byte range of the code section (function bodies), for constant fingerprints. */
  code?: { start: number; end: number }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d]
const MIN_STRING = 5
const EXTERNAL_KINDS = ['func', 'table', 'memory', 'global', 'tag'] as const

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b)
}

class Reader {
  readonly bytes: Uint8Array
  readonly end: number
  offset: number
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes
    this.end = end
    this.offset = start
  }
  fail(what: string): never {
    throw new WasmFormatError(`${what} at byte ${this.offset}`)
  }
  byte(): number {
    if (this.offset >= this.end) this.fail('unexpected end of section')
    return this.bytes[this.offset++]!
  }
  /** Unsigned LEB128 up to 64 bits (returned as a number; values past 2^53 only occur in limits we skip). */
  u(maxBits = 32): number {
    let result = 0
    let scale = 1
    for (let shift = 0; ; shift += 7) {
      if (shift >= maxBits + 7) this.fail('LEB128 too long')
      const b = this.byte()
      result += (b & 0x7f) * scale
      scale *= 128
      if ((b & 0x80) === 0) return result
    }
  }
  /** Signed LEB128: skipped, only its length matters here. */
  skipS(maxBits: number): void {
    for (let shift = 0; ; shift += 7) {
      if (shift >= maxBits + 7) this.fail('LEB128 too long')
      if ((this.byte() & 0x80) === 0) return
    }
  }
  skip(n: number): void {
    if (n < 0 || this.offset + n > this.end) this.fail('length past the end of its section')
    this.offset += n
  }
  name(): string {
    const length = this.u()
    const start = this.offset
    this.skip(length)
    try {
      return UTF8.decode(this.bytes.subarray(start, start + length))
    } catch {
      this.fail('name that is not UTF-8')
    }
  }
  limits(): void {
    const flags = this.byte()
    if (flags > 0x07) this.fail(`unknown limits flags 0x${flags.toString(16)}`)
    const bits = flags & 0x04 ? 64 : 32
    this.u(bits)
    if (flags & 0x01) this.u(bits)
  }
  refType(): void {
    const type = this.byte()
    // (ref null ht) / (ref ht) from the typed function references and GC proposals carry a heap type.
    if (type === 0x63 || type === 0x64) this.skipS(33)
  }
  /** A constant expression: the few instructions allowed there, up to `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte()
      if (op === 0x0b) return
      if (op === 0x41) this.skipS(32)
      else if (op === 0x42) this.skipS(64)
      else if (op === 0x43) this.skip(4)
      else if (op === 0x44) this.skip(8)
      else if (op === 0x23 || op === 0xd2) this.u()
      else if (op === 0xd0) this.refType()
      else if (op === 0xfd && this.u() === 12)
        this.skip(16) // v128.const
      else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op))
        this.fail(`unsupported instruction 0x${op.toString(16)} in a constant expression`)
    }
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

export function parseWasm(bytes: Uint8Array): WasmModuleInfo {
  if (!isWasm(bytes)) throw new WasmFormatError('not a WebAssembly binary (no \\0asm magic)')
  const info: WasmModuleInfo = {
    layer: 'module',
    imports: [],
    exports: [],
    functionNames: [],
    producers: {},
    customSections: [],
    strings: [],
  }
  const version = bytes[4]! | (bytes[5]! << 8)
  const layer = bytes[6]! | (bytes[7]! << 8)
  if (layer === 1) {
    // Component model: nested core modules and a different section space; read its strings only.
    info.layer = 'component'
    collectStrings(bytes, 8, bytes.length, info.strings)
    return info
  }
  if (version !== 1 || layer !== 0) throw new WasmFormatError(`unsupported WebAssembly version ${version}`)
  const top = new Reader(bytes, 8, bytes.length)
  while (top.offset < bytes.length) {
    const id = top.byte()
    const size = top.u()
    const start = top.offset
    top.skip(size)
    const section = new Reader(bytes, start, start + size)
    switch (id) {
      case 0:
        readCustom(section, info)
        break
      case 2:
        readImports(section, info)
        break
      case 7:
        readExports(section, info)
        break
      case 10:
        info.code = { start, end: start + size }
        break
      case 11:
        readData(section, info)
        break
      default:
        if (id > 13) throw new WasmFormatError(`unknown section id ${id} at byte ${start - 1}`)
    }
  }
  return info
}

function readImports(r: Reader, info: WasmModuleInfo): void {
  for (let count = r.u(); count > 0; count--) {
    const module = r.name()
    const name = r.name()
    const kind = r.byte()
    if (kind === 0x00) r.u()
    else if (kind === 0x01) {
      r.refType()
      r.limits()
    } else if (kind === 0x02) r.limits()
    else if (kind === 0x03) {
      r.refType() // value type: one byte, or a reference type with its heap type
      r.byte()
    } else if (kind === 0x04) {
      r.byte()
      r.u()
    } else r.fail(`unknown import kind ${kind}`)
    info.imports.push({ module, name, kind: EXTERNAL_KINDS[kind]! })
  }
}

function readExports(r: Reader, info: WasmModuleInfo): void {
  for (let count = r.u(); count > 0; count--) {
    info.exports.push(r.name())
    if (r.byte() > 4) r.fail('unknown export kind')
    r.u()
  }
}

function readData(r: Reader, info: WasmModuleInfo): void {
  for (let count = r.u(); count > 0; count--) {
    const flags = r.u()
    if (flags === 0) r.constExpr()
    else if (flags === 2) {
      r.u()
      r.constExpr()
    } else if (flags !== 1) r.fail(`unknown data segment flags ${flags}`)
    const length = r.u()
    const start = r.offset
    r.skip(length)
    collectStrings(r.bytes, start, start + length, info.strings)
  }
}

function readCustom(r: Reader, info: WasmModuleInfo): void {
  const name = r.name()
  info.customSections.push(name)
  // A malformed name/producers section is tolerated by engines (it is only debug info); so here too.
  try {
    if (name === 'name') readNames(r, info)
    else if (name === 'producers') readProducers(r, info)
  } catch (error) {
    if (!(error instanceof WasmFormatError)) throw error
  }
}

function readNames(r: Reader, info: WasmModuleInfo): void {
  while (r.offset < r.end) {
    const id = r.byte()
    const size = r.u()
    const sub = new Reader(r.bytes, r.offset, r.offset + size)
    r.skip(size)
    if (id === 0) info.moduleName = sub.name()
    else if (id === 1) {
      for (let count = sub.u(); count > 0; count--) {
        sub.u()
        info.functionNames.push(sub.name())
      }
    }
  }
}

function readProducers(r: Reader, info: WasmModuleInfo): void {
  for (let fields = r.u(); fields > 0; fields--) {
    const field = r.name()
    const values: string[] = []
    for (let count = r.u(); count > 0; count--) values.push(`${r.name()} ${r.name()}`.trim())
    info.producers[field] = values
  }
}

function collectStrings(bytes: Uint8Array, start: number, end: number, out: WasmModuleInfo['strings']): void {
  let runStart = -1
  for (let i = start; i <= end; i++) {
    const b = i < end ? bytes[i]! : 0
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09
    if (printable) {
      if (runStart < 0) runStart = i
    } else if (runStart >= 0) {
      if (i - runStart >= MIN_STRING) out.push({ text: latin1(bytes, runStart, i), offset: runStart })
      runStart = -1
    }
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end; i += 8192) text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 8192)))
  return text
}
