// Builds the Fastly Compute artifacts exactly as `fastly compute publish` uploads them:
//   bin/index.js        the app bundled for StarlingMonkey (esbuild)
//   bin/main.wasm       js-compute-runtime's output: the JS engine with the bundle snapshotted in
//   pkg/pq-edge.tar.gz  the package, laid out as `fastly compute pack` does: pq-edge/fastly.toml, pq-edge/bin/main.wasm
// Reproducible: the archive has fixed owners, order and mtimes; Node's gzip header has no name or time.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type BuildOptions } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGE_NAME = 'pq-edge'
export const FASTLY_BUNDLE = join(ROOT, 'bin/index.js')
export const FASTLY_WASM = join(ROOT, 'bin/main.wasm')
export const FASTLY_PACKAGE = join(ROOT, `pkg/${PACKAGE_NAME}.tar.gz`)

type Log = (line: string) => void

/** How every bundle for StarlingMonkey is built (the app, and the engine benchmarks). */
export const FASTLY_ESBUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['fastly', 'worker', 'browser'],
  external: ['fastly:*'],
  // The engine snapshots the parsed bundle into main.wasm: minifying shrinks the package.
  minify: true,
  logLevel: 'warning',
} satisfies BuildOptions

/**
 * Runs js-compute-runtime, which executes the script's top level and snapshots the heap into `wasm`.
 * Its output goes to this process's, or, with `capture`, is returned (the engine benchmarks parse it).
 */
export function compileJsCompute(script: string, wasm: string, options: { capture?: boolean } = {}): string {
  mkdirSync(dirname(wasm), { recursive: true })
  const bin = join(ROOT, 'node_modules/.bin/js-compute-runtime')
  if (!options.capture) {
    execFileSync(bin, [script, wasm], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT })
    return ''
  }
  return execFileSync(bin, [script, wasm], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 })
}

/** Writes the package archive `fastly compute publish` uploads for `wasm`. */
export function packFastly(wasm: string, archive: string): void {
  const stage = mkdtempSync(join(tmpdir(), 'pq-edge-pack-'))
  try {
    mkdirSync(join(stage, PACKAGE_NAME, 'bin'), { recursive: true })
    copyFileSync(join(ROOT, 'fastly.toml'), join(stage, PACKAGE_NAME, 'fastly.toml'))
    copyFileSync(wasm, join(stage, PACKAGE_NAME, 'bin/main.wasm'))
    const tar = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', stage, '-cf', '-', PACKAGE_NAME]
    const tarball = execFileSync('tar', tar, { maxBuffer: 1 << 30 })
    mkdirSync(dirname(archive), { recursive: true })
    writeFileSync(archive, gzipSync(tarball, { level: 9 }))
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

export async function buildFastly(log: Log = console.log): Promise<void> {
  log('fastly: bundling src/runtime/fastly.ts -> bin/index.js')
  await build({ ...FASTLY_ESBUILD_OPTIONS, entryPoints: [join(ROOT, 'src/runtime/fastly.ts')], outfile: FASTLY_BUNDLE })
  log('fastly: js-compute-runtime bin/index.js -> bin/main.wasm (module top level runs now, at build time)')
  compileJsCompute(FASTLY_BUNDLE, FASTLY_WASM)
  log(`fastly: packing -> pkg/${PACKAGE_NAME}.tar.gz`)
  packFastly(FASTLY_WASM, FASTLY_PACKAGE)
}

if (import.meta.url === `file://${process.argv[1]}`) await buildFastly()
