// The audit's three outputs: a table with a summary (people), JSON with a stable schema (scripts),
// and SARIF 2.1.0 (code-scanning tools). docs/AUDIT.md documents the JSON and SARIF shapes.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Finding } from './finding.ts'
import type { AuditResult } from './index.ts'
import { PRIORITIES, type Priority, RULES, type Rule } from './rules.ts'

export const JSON_SCHEMA_ID = 'pq-edge-audit/1'
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'
const INFORMATION_URI = 'https://github.com/pq-edge/pq-edge/blob/main/docs/AUDIT.md'

export function toolVersion(): string {
  try {
    // src/audit and dist/audit are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export function summarize(result: AuditResult): Record<Priority, number> {
  const counts = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>
  for (const f of result.findings) counts[f.priority]++
  return counts
}

function location(f: Finding): string {
  if (f.line !== undefined) return `${f.file}:${f.line}${f.column !== undefined ? `:${f.column}` : ''}`
  if (f.byteOffset !== undefined) return `${f.file}@0x${f.byteOffset.toString(16)}`
  return f.file
}

const KIND_LABEL = { 'key-exchange': 'key exchange', signature: 'signature', pq: 'post-quantum' } as const

export function formatTable(result: AuditResult): string {
  const lines: string[] = []
  if (result.findings.length) {
    const rows = result.findings.map((f) => [f.priority.toUpperCase(), KIND_LABEL[f.kind], location(f), `${f.ruleId}: ${f.message}`])
    const header = ['PRIORITY', 'KIND', 'LOCATION', 'FINDING']
    const widths = header.map((h, i) => Math.min(i === 2 ? 60 : 200, Math.max(h.length, ...rows.map((r) => r[i]!.length))))
    for (const row of [header, ...rows])
      lines.push(
        row
          .map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell))
          .join('  ')
          .trimEnd(),
      )
    const used = [...new Set(result.findings.filter((f) => f.kind !== 'pq').map((f) => f.ruleId))]
    if (used.length) {
      lines.push('', 'Replacements:')
      for (const id of used) {
        const r = RULES.get(id)!
        lines.push(`  ${id} (${r.algorithm}): ${r.replacement}`)
      }
    }
  } else lines.push('No classical key exchange or signatures found.')
  if (result.warnings.length) {
    lines.push('', `Warnings (${result.warnings.length}):`)
    for (const w of result.warnings) lines.push(`  ${w.file}: ${w.message}`)
  }
  const c = summarize(result)
  const classical = result.findings.length - c.info
  lines.push(
    '',
    `Summary: ${classical} classical finding${classical === 1 ? '' : 's'} (${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low), ${c.info} post-quantum (info); ${result.filesScanned} file${result.filesScanned === 1 ? '' : 's'} scanned in ${(result.durationMs / 1000).toFixed(1)} s${result.warnings.length ? `, ${result.warnings.length} warning(s)` : ''}.`,
  )
  return lines.join('\n')
}

export function toJson(result: AuditResult): unknown {
  return {
    schema: JSON_SCHEMA_ID,
    tool: { name: 'pq-edge audit', version: toolVersion() },
    summary: {
      filesScanned: result.filesScanned,
      findings: result.findings.length,
      byPriority: summarize(result),
      warnings: result.warnings.length,
    },
    findings: result.findings,
    warnings: result.warnings,
  }
}

const SARIF_LEVEL: Record<Priority, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
}
/** GitHub code scanning reads a 0-10 `security-severity` to rank security results. */
const SECURITY_SEVERITY: Record<Priority, string> = { critical: '9.0', high: '7.5', medium: '5.0', low: '2.0', info: '0.0' }

function defaultPriority(rule: Rule): Priority {
  return rule.kind === 'pq' ? 'info' : rule.kind === 'key-exchange' ? 'high' : 'low'
}

function encodeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

export function toSarif(result: AuditResult, cwd: string): unknown {
  const rules = [...RULES.values()]
  const index = new Map(rules.map((r, i) => [r.id, i]))
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pq-edge audit',
            version: toolVersion(),
            informationUri: INFORMATION_URI,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: {
                text: `${r.kind === 'pq' ? 'Post-quantum' : 'Classical'} ${KIND_LABEL[r.kind] === 'post-quantum' ? 'primitive' : KIND_LABEL[r.kind]}: ${r.algorithm}`,
              },
              fullDescription: { text: r.description },
              help: { text: r.replacement ? `${r.description} Replace with: ${r.replacement}.` : r.description },
              defaultConfiguration: { level: SARIF_LEVEL[defaultPriority(r)] },
              properties: {
                kind: r.kind,
                algorithm: r.algorithm,
                tags: ['security', 'cryptography', r.kind === 'pq' ? 'post-quantum' : 'quantum-vulnerable'],
                'security-severity': SECURITY_SEVERITY[defaultPriority(r)],
              },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(cwd.endsWith('/') ? cwd : `${cwd}/`).href } },
        results: result.findings.map((f) => {
          const region =
            f.line !== undefined
              ? { startLine: f.line, ...(f.column !== undefined ? { startColumn: f.column } : {}) }
              : f.byteOffset !== undefined
                ? { byteOffset: f.byteOffset }
                : undefined
          return {
            ruleId: f.ruleId,
            ruleIndex: index.get(f.ruleId),
            level: SARIF_LEVEL[f.priority],
            message: { text: `${f.algorithm}: ${f.message}.${f.replacement ? ` Replace with: ${f.replacement}.` : ''}` },
            locations: [
              { physicalLocation: { artifactLocation: { uri: encodeUri(f.file), uriBaseId: 'SRCROOT' }, ...(region ? { region } : {}) } },
            ],
            properties: {
              priority: f.priority,
              kind: f.kind,
              context: f.context,
              scanner: f.scanner,
              evidence: f.evidence,
              'security-severity': SECURITY_SEVERITY[f.priority],
              ...(f.package ? { package: f.package } : {}),
            },
          }
        }),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: result.warnings.map((w) => ({
              level: 'warning',
              message: { text: w.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodeUri(w.file), uriBaseId: 'SRCROOT' } } }],
            })),
          },
        ],
      },
    ],
  }
}
