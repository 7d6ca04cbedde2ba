// `audit(paths, options)`: the inventory of classical key exchange and signatures (and of
// post-quantum primitives already in place) in WebAssembly binaries, lockfiles/manifests and
// JavaScript/TypeScript sources. docs/AUDIT.md describes what is detected and the priority rule.
import { readFileSync } from 'node:fs'
import { basename, relative, sep } from 'node:path'
import type { Finding, Warning } from './finding.ts'
import { scanLockfile } from './lockfiles.ts'
import { PRIORITIES, type Priority } from './rules.ts'
import { scanSource } from './source.ts'
import { collectFiles, type WalkOptions } from './walk.ts'
import { isWasm, WasmFormatError } from './wasm.ts'
import { scanWasmBytes } from './wasm-scan.ts'

export type { Finding, Warning } from './finding.ts'
export { PRIORITIES, type Priority, RULES } from './rules.ts'
export { PathError } from './walk.ts'

export interface AuditOptions extends WalkOptions {
  cwd?: string
  /** Called after each file (for progress on large trees). */
  onProgress?: (done: number, total: number, file: string) => void
}

export interface AuditResult {
  findings: Finding[]
  warnings: Warning[]
  filesScanned: number
  durationMs: number
}

/** Source files above this size are skipped with a warning (generated bundles of that size are rare). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024

export async function audit(paths: string[], options: AuditOptions = {}): Promise<AuditResult> {
  const started = performance.now()
  const cwd = options.cwd ?? process.cwd()
  const files = collectFiles(paths.length ? paths : ['.'], cwd, options)
  const findings: Finding[] = []
  const warnings: Warning[] = []
  for (let i = 0; i < files.length; i++) {
    const { path, kind } = files[i]!
    const file = relative(cwd, path).split(sep).join('/') || basename(path)
    try {
      const bytes = readFileSync(path)
      if (kind === 'wasm' || isWasm(bytes)) {
        findings.push(...scanWasmBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file).findings)
      } else if (kind === 'lockfile') {
        findings.push(...scanLockfile(bytes.toString('utf8'), file, basename(path)))
      } else if (bytes.length > MAX_SOURCE_BYTES) {
        warnings.push({ file, message: `skipped: ${bytes.length} bytes is over the ${MAX_SOURCE_BYTES}-byte limit for sources` })
      } else {
        const result = scanSource(bytes.toString('utf8'), file)
        findings.push(...result.findings)
        for (const message of result.warnings) warnings.push({ file, message })
      }
    } catch (error) {
      const message =
        error instanceof WasmFormatError ? `malformed WebAssembly: ${error.message}` : `not scanned: ${(error as Error).message}`
      warnings.push({ file, message })
    }
    options.onProgress?.(i + 1, files.length, file)
    // Let the event loop breathe on large trees (progress output, signals).
    if (i % 64 === 63) await new Promise((r) => setImmediate(r))
  }
  findings.sort(compareFindings)
  return { findings, warnings, filesScanned: files.length, durationMs: performance.now() - started }
}

export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority)
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    priorityRank(a.priority) - priorityRank(b.priority) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.ruleId < b.ruleId ? -1 : 1)
  )
}

/** Findings at or above `level` (post-quantum `info` findings never count). */
export function failing(findings: Finding[], level: Exclude<Priority, 'info'>): Finding[] {
  return findings.filter((f) => f.priority !== 'info' && priorityRank(f.priority) <= priorityRank(level))
}
