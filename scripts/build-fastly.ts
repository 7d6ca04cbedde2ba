// Builds the Fastly Compute artifacts exactly as `fastly compute publish` uploads them:
//   bin/index.js        the app bundled for StarlingMonkey (esbuild)
//   bin/main.wasm       js-compute-runtime's output: the JS engine with the bundle snapshotted in
//   pkg/pq-edge.tar.gz  the package, laid out as `fastly compute pack` does: pq-edge/fastly.toml, pq-edge/bin/main.wasm
// Reproducible: the archive has fixed owners, order and mtimes; Node's gzip header has no name or time.
//
// Public keys: fastly-keys.json (`npm run fastly:keys`, or the file named by PQ_EDGE_FASTLY_KEYS) is
// built into the bundle as PQ_EDGE_KNOWN_PUBLIC_KEYS (see src/runtime/fastly.ts for why). Without it
// the package builds, but its /v2/* endpoints answer 500 service_misconfigured saying so.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { type BuildOptions, build } from 'esbuild'
import { FASTLY_KEYS_FILE, readFastlyKeys } from './fastly-keys.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGE_NAME = 'pq-edge'
export const FASTLY_BUNDLE = join(ROOT, 'bin/index.js')
export const FASTLY_WASM = join(ROOT, 'bin/main.wasm')
export const FASTLY_PACKAGE = join(ROOT, `pkg/${PACKAGE_NAME}.tar.gz`)

type Log = (line: string) => void

/** How every bundle for StarlingMonkey is built (the app, and the engine programs of scripts/fastly/engine.ts). */
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
 * Its output goes to this process's, or, with `capture`, is returned.
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

export interface FastlyBuildOptions {
  log?: Log
  /** The public keys file; null builds without one. Default: $PQ_EDGE_FASTLY_KEYS, else fastly-keys.json if present. */
  keysFile?: string | null
  /** Where the bundle and the wasm go (default bin/index.js, bin/main.wasm); the package is packed only for the defaults. */
  bundle?: string
  wasm?: string
  /**
   * Requests one sandbox may serve in a row (Fastly's reusable sandboxes; 1: a fresh sandbox per
   * request, 0: no maximum). Default: $PQ_EDGE_FASTLY_SANDBOX_REQUESTS, else DEFAULT_SANDBOX_REQUESTS.
   */
  sandboxRequests?: number
}

/** Requests a sandbox serves before Fastly recycles it, unless the build says otherwise (docs/FASTLY.md). */
export const DEFAULT_SANDBOX_REQUESTS = 100

/** The sandbox request limit from the option or the environment, refused unless a whole number ≥ 0. */
export function sandboxRequestsOf(option: number | undefined, env = process.env.PQ_EDGE_FASTLY_SANDBOX_REQUESTS): number {
  const value = option ?? (env === undefined || env === '' ? DEFAULT_SANDBOX_REQUESTS : /^\d+$/.test(env) ? Number(env) : Number.NaN)
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `fastly: PQ_EDGE_FASTLY_SANDBOX_REQUESTS must be a whole number of requests per sandbox (1: a fresh sandbox per request, 0: no maximum), got ${JSON.stringify(option ?? env)}`,
    )
  }
  return value
}

function defaultKeysFile(): string | null {
  const fromEnv = process.env.PQ_EDGE_FASTLY_KEYS
  if (fromEnv) return fromEnv
  return existsSync(FASTLY_KEYS_FILE) ? FASTLY_KEYS_FILE : null
}

export async function buildFastly(options: FastlyBuildOptions = {}): Promise<void> {
  const log = options.log ?? console.log
  const bundle = options.bundle ?? FASTLY_BUNDLE
  const wasm = options.wasm ?? FASTLY_WASM
  const keysFile = options.keysFile === undefined ? defaultKeysFile() : options.keysFile
  const keys = keysFile ? readFastlyKeys(keysFile).secrets : null
  const sandboxRequests = sandboxRequestsOf(options.sandboxRequests)
  if (keysFile) log(`fastly: public keys of ${keys!.length} secret(s) from ${relative(ROOT, keysFile) || keysFile}`)
  else
    log(
      'fastly: no fastly-keys.json: the package builds, but /v2/* will answer 500 service_misconfigured until `npm run fastly:keys` and a rebuild',
    )
  log(
    `fastly: ${sandboxRequests === 1 ? 'a fresh sandbox per request' : `a sandbox serves up to ${sandboxRequests || 'any number of'} requests`} (PQ_EDGE_FASTLY_SANDBOX_REQUESTS)`,
  )
  log(`fastly: bundling src/runtime/fastly.ts -> ${relative(ROOT, bundle)}`)
  await build({
    ...FASTLY_ESBUILD_OPTIONS,
    entryPoints: [join(ROOT, 'src/runtime/fastly.ts')],
    outfile: bundle,
    define: { PQ_EDGE_KNOWN_PUBLIC_KEYS: JSON.stringify(keys), PQ_EDGE_SANDBOX_REQUESTS: String(sandboxRequests) },
  })
  log(`fastly: js-compute-runtime ${relative(ROOT, bundle)} -> ${relative(ROOT, wasm)} (module top level runs now, at build time)`)
  compileJsCompute(bundle, wasm)
  if (wasm !== FASTLY_WASM) return
  log(`fastly: packing -> pkg/${PACKAGE_NAME}.tar.gz`)
  packFastly(FASTLY_WASM, FASTLY_PACKAGE)
}

if (import.meta.url === `file://${process.argv[1]}`) await buildFastly()
