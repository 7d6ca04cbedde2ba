// The `pq-edge audit` command's body, kept here so src/cli/main.ts only wires it in.
// Exit codes: 0 done (findings or not), 6 a finding at or above --fail-on; usage errors (a bad
// --fail-on, a path that does not exist) are thrown as AuditUsageError and exit 2 in main.ts.
import { type AuditResult, audit, failing, PathError } from './index.ts'
import { formatTable, toJson, toSarif } from './report.ts'

export class AuditUsageError extends Error {}

export const AUDIT_FINDINGS_EXIT = 6
const LEVELS = ['critical', 'high', 'medium', 'low'] as const

export interface AuditIo {
  cwd: string
  json: boolean
  stdout: (chunk: string) => void
  stderr: (text: string) => void
  stderrIsTTY?: boolean
}

export async function runAudit(paths: string[], values: Record<string, unknown>, io: AuditIo): Promise<number> {
  const sarif = values.sarif === true
  if (sarif && io.json) throw new AuditUsageError('give one of --json or --sarif')
  const failOn = values['fail-on'] as string | undefined
  if (failOn !== undefined && !(LEVELS as readonly string[]).includes(failOn))
    throw new AuditUsageError(`--fail-on must be one of ${LEVELS.join(', ')}`)
  const showProgress = values.progress === true || io.stderrIsTTY === true
  let lastReport = 0
  let result: AuditResult
  try {
    result = await audit(paths, {
      cwd: io.cwd,
      includeDeps: values['include-deps'] === true,
      onProgress: showProgress
        ? (done, total, file) => {
            const now = Date.now()
            // Progress goes to stderr only, at most twice a second, so stdout stays clean JSON/SARIF.
            if (done === total || now - lastReport >= 500) {
              lastReport = now
              io.stderr(`audit: ${done}/${total} files${done === total ? '' : ` (${file})`}`)
            }
          }
        : undefined,
    })
  } catch (error) {
    if (error instanceof PathError) throw new AuditUsageError(error.message)
    throw error
  }
  if (sarif) io.stdout(`${JSON.stringify(toSarif(result, io.cwd), null, 2)}\n`)
  else if (io.json) io.stdout(`${JSON.stringify(toJson(result))}\n`)
  else io.stdout(`${formatTable(result)}\n`)
  if (failOn !== undefined) {
    const failed = failing(result.findings, failOn as (typeof LEVELS)[number])
    if (failed.length) {
      io.stderr(`pq-edge audit: ${failed.length} finding(s) at or above ${failOn}`)
      return AUDIT_FINDINGS_EXIT
    }
  }
  return 0
}
