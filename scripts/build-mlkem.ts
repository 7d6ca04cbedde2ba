// Builds the two shipped ML-KEM modules from src/mlkem/assembly with AssemblyScript:
//   src/mlkem/wasm/mlkem.wasm       scalar (-O3: 2-5% faster than -Oz and still well inside its size budget)
//   src/mlkem/wasm/mlkem-simd.wasm  simd128 (-O3)
// and records their SHA-256 in src/mlkem/wasm/manifest.json. The modules and the manifest are
// committed: `npm test` rebuilds from source and fails unless the result is byte-identical.
//
//   npm run build:mlkem            rebuild and rewrite the manifest
//   npm run build:mlkem -- --check rebuild into a temp dir; exit 1 if anything differs from what is committed
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The compiler's bundled typings declare AssemblyScript's own globals (console, i32, ...) and would
// clash with Node's, so it is loaded untyped and described here by the part this script uses.
interface AssemblyScriptCompiler {
  version: string
  main(argv: string[], options: { stderr: { write(text: string | Uint8Array): boolean } }): Promise<{ error: Error | null }>
}
const asc: AssemblyScriptCompiler = (await import('assemblyscript/asc' as string)).default

const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const WASM_DIR = join(ROOT, 'src/mlkem/wasm')
const ENTRY = join(ROOT, 'src/mlkem/assembly/internal.ts')

// One 64 KiB page, fixed: the module's static layout fits in it and nothing allocates.
const COMMON = ['--runtime', 'stub', '--noAssert', '--initialMemory', '1', '--maximumMemory', '1', '--converge']
export const MODULES = {
  'mlkem.wasm': [...COMMON, '-O3'],
  'mlkem-simd.wasm': [...COMMON, '-O3', '--enable', 'simd'],
} as const
export type ModuleFile = keyof typeof MODULES

export interface Manifest {
  assemblyscript: string
  modules: Record<ModuleFile, { bytes: number; sha256: string }>
}

async function compile(file: ModuleFile, outDir: string): Promise<Buffer> {
  const out = join(outDir, file)
  let stderr = ''
  const { error } = await asc.main([ENTRY, ...MODULES[file], '-o', out], {
    stderr: {
      write: (text) => {
        stderr += String(text)
        return true
      },
    },
  })
  if (error) throw new Error(`asc failed for ${file}: ${error.message}\n${stderr}`)
  return readFileSync(out)
}

export async function buildModules(outDir: string): Promise<Manifest> {
  const modules = {} as Manifest['modules']
  for (const file of Object.keys(MODULES) as ModuleFile[]) {
    const bytes = await compile(file, outDir)
    modules[file] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
  }
  return { assemblyscript: asc.version, modules }
}

export function committedManifest(): Manifest {
  return JSON.parse(readFileSync(join(WASM_DIR, 'manifest.json'), 'utf8'))
}

/** Rebuilds in a temp dir and lists every way the result differs from what is committed. */
export async function checkReproducible(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pq-edge-mlkem-'))
  try {
    const built = await buildModules(dir)
    const committed = committedManifest()
    const problems: string[] = []
    for (const file of Object.keys(MODULES) as ModuleFile[]) {
      const want = committed.modules[file]?.sha256
      if (built.modules[file].sha256 !== want)
        problems.push(`${file}: a clean build has sha256 ${built.modules[file].sha256}, manifest says ${want}`)
      const onDisk = createHash('sha256')
        .update(readFileSync(join(WASM_DIR, file)))
        .digest('hex')
      if (onDisk !== want) problems.push(`${file}: the committed module has sha256 ${onDisk}, manifest says ${want}`)
    }
    return problems
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const problems = await checkReproducible()
    for (const p of problems) console.error(`build:mlkem --check: ${p}`)
    if (problems.length) console.error('Run `npm run build:mlkem` and commit src/mlkem/wasm/.')
    else console.log('build:mlkem --check: both modules rebuild byte-identical to the committed ones')
    process.exitCode = problems.length ? 1 : 0
  } else {
    const manifest = await buildModules(WASM_DIR)
    writeFileSync(join(WASM_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    for (const [file, m] of Object.entries(manifest.modules)) console.log(`${file}: ${m.bytes} B, sha256 ${m.sha256}`)
  }
}
