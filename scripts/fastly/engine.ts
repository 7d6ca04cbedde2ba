// Runs a program inside Fastly's real JS engine at build time: bundles a TypeScript entry for
// StarlingMonkey (the Fastly esbuild options), with a typed input handed in as the virtual module
// 'pq-edge-engine:input' (see engine-input.d.ts), compiles it with js-compute-runtime (which executes
// the entry's top level inside the engine, then snapshots the heap into a wasm), and returns the
// report the program printed after ENGINE_REPORT_MARK (engine-report.ts), with the engine's output.
// Used by the engine conformance suite (test/fastly/engine/run.ts) and the manual benches (bench.ts).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { FASTLY_ESBUILD_OPTIONS } from '../build-fastly.ts'
import { ENGINE_REPORT_MARK } from './engine-report.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface EngineProgram<Input> {
  /** The program's entry (a TypeScript module that runs at its top level in the engine). */
  entry: string
  /** What the program reads from 'pq-edge-engine:input' (JSON-serialisable). */
  input: Input
  /** Further virtual modules, by specifier (e.g. generated imports of files outside the tree). */
  modules?: Record<string, string>
  /** Keep the built wasm in `dir` (the caller removes it); default: a temporary directory removed here. */
  dir?: string
  /** The wasm's file name in `dir` (default program.wasm). */
  name?: string
  /** js-compute-runtime's --enable-experimental-top-level-await (default true; size measurements build without it). */
  topLevelAwait?: boolean
}

export interface EngineRun<Report> {
  /** js-compute-runtime's exit status (non-zero when the program threw at its top level). */
  status: number | null
  /** The report the program printed, or null. */
  report: Report | null
  /** The engine's stdout then stderr. */
  output: string
  /** The built artifact (only kept with `dir`). */
  wasm: string
}

/** The virtual modules: 'pq-edge-engine:input' (the input, parsed in the engine, timed) and `extra`. */
function virtualModules(input: unknown, extra: Record<string, string>): Plugin {
  const modules: Record<string, string> = {
    'pq-edge-engine:input': `export const startedAt = Date.now(); const input = JSON.parse(${JSON.stringify(JSON.stringify(input))}); export const parsedAt = Date.now(); export default input`,
    ...extra,
  }
  return {
    name: 'pq-edge-engine-modules',
    setup(b) {
      b.onResolve({ filter: /^pq-edge-engine:/ }, (args) => ({ path: args.path, namespace: 'pq-edge-engine' }))
      b.onLoad({ filter: /.*/, namespace: 'pq-edge-engine' }, (args) => {
        const contents = modules[args.path]
        if (contents === undefined) throw new Error(`no virtual module ${args.path}`)
        return { contents, loader: 'js', resolveDir: ROOT }
      })
    },
  }
}

/** js-compute-runtime: runs the script's top level in the engine and writes the wasm; its output captured. */
export function runJsComputeRuntime(
  script: string,
  wasm: string,
  topLevelAwait = true,
): Promise<{ status: number | null; output: string }> {
  const bin = join(ROOT, 'node_modules/.bin/js-compute-runtime')
  const args = [...(topLevelAwait ? ['--enable-experimental-top-level-await'] : []), script, wasm]
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, output: `${stdout}\n${stderr}` }))
  })
}

/** Bundles `program.entry` with its input, runs it in the engine at build time, parses its report. */
export async function runInEngine<Input, Report>(program: EngineProgram<Input>): Promise<EngineRun<Report>> {
  const dir = program.dir ?? mkdtempSync(join(tmpdir(), 'pq-edge-engine-'))
  try {
    const name = program.name ?? 'program'
    const bundle = join(dir, `${name}.js`)
    await build({
      ...FASTLY_ESBUILD_OPTIONS,
      entryPoints: [program.entry],
      outfile: bundle,
      plugins: [virtualModules(program.input, program.modules ?? {})],
    })
    const wasm = join(dir, `${name}.wasm`)
    const { status, output } = await runJsComputeRuntime(bundle, wasm, program.topLevelAwait ?? true)
    const line = output.split('\n').find((l) => l.startsWith(ENGINE_REPORT_MARK))
    const report = line ? (JSON.parse(line.slice(ENGINE_REPORT_MARK.length)) as Report) : null
    return { status, report, output, wasm }
  } finally {
    if (!program.dir) rmSync(dir, { recursive: true, force: true })
  }
}

/** As runInEngine, for programs that must report: throws with the engine's output when none came. */
export async function engineReport<Input, Report>(program: EngineProgram<Input>): Promise<Report> {
  const run = await runInEngine<Input, Report>(program)
  if (!run.report) throw new Error(`no report from the engine (status ${run.status}); its output:\n${run.output}`)
  return run.report
}
