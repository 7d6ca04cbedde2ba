// The finding record every scanner produces, and the one way to build it (so the kind, the
// algorithm, the replacement and the priority always come from the catalogue's rule).
import { type Context, type Kind, type Priority, priorityOf, rule } from './rules.ts'

export type Scanner = 'wasm' | 'lockfile' | 'source'

export interface Finding {
  ruleId: string
  kind: Kind
  algorithm: string
  priority: Priority
  context: Context
  /** Path relative to the working directory, with forward slashes. */
  file: string
  line?: number
  column?: number
  /** For binaries: the byte offset of the first evidence. */
  byteOffset?: number
  scanner: Scanner
  /** What was found, in one line. */
  message: string
  /** The symbols, strings, calls or package entries that matched (at most a few). */
  evidence: string[]
  package?: { ecosystem: 'npm' | 'cargo' | 'go'; name: string; version: string }
  replacement: string
}

export interface Warning {
  file: string
  message: string
}

export interface FindingInput {
  ruleId: string
  context?: Context | undefined
  file: string
  scanner: Scanner
  message: string
  evidence: string[]
  line?: number | undefined
  column?: number | undefined
  byteOffset?: number | undefined
  package?: Finding['package']
}

export function makeFinding(input: FindingInput): Finding {
  const r = rule(input.ruleId)
  const context = input.context ?? 'general'
  const finding: Finding = {
    ruleId: r.id,
    kind: r.kind,
    algorithm: r.algorithm,
    priority: priorityOf(r.kind, context),
    context,
    file: input.file,
    scanner: input.scanner,
    message: input.message,
    evidence: input.evidence,
    replacement: r.replacement,
  }
  if (input.line !== undefined) finding.line = input.line
  if (input.column !== undefined) finding.column = input.column
  if (input.byteOffset !== undefined) finding.byteOffset = input.byteOffset
  if (input.package) finding.package = input.package
  return finding
}

/** The more severe of two contexts for the same kind (at-rest > long-lived-trust > general > verify-only). */
export function severer(a: Context, b: Context): Context {
  const order: Context[] = ['at-rest', 'long-lived-trust', 'general', 'verify-only']
  return order.indexOf(a) <= order.indexOf(b) ? a : b
}
