// Emits the package's library entry points (`pq-edge/mlkem`, `pq-edge/xwing`, `pq-edge/hpke`,
// `pq-edge/client`) and the `pq-edge` CLI into dist/ as ESM + .d.ts, one file per runtime where
// loading differs (node.js, workerd.js, browser.js), and copies the committed wasm modules beside them. What is compiled is listed in
// src/tsconfig.lib.json. The build goes to a fresh temporary directory and each dist/<lib> is then
// swapped in by rename, so a concurrent build (two package tests in parallel) never leaves another
// process importing from a half-deleted dist/.
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// crypto/ and protocol/ are not package entries; they are emitted because xwing/, hpke/ and client/
// import them. cli/ is the `pq-edge` bin (dist/cli/pq-edge.js); service/ holds only what it imports
// (auth.ts and names.ts, for `keygen`); audit/ is the `audit` command's scanner.
const LIBRARIES = ['mlkem', 'crypto', 'xwing', 'hpke', 'protocol', 'client', 'service', 'cli', 'audit']
/** Emitted with a shebang by tsc; made executable here so `npx pq-edge` and ./dist/cli/pq-edge.js run. */
const EXECUTABLES = ['cli/pq-edge.js']

mkdirSync(join(ROOT, 'dist'), { recursive: true })
const staging = mkdtempSync(join(ROOT, 'dist', '.lib-'))
try {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'src/tsconfig.lib.json', '--outDir', staging], { cwd: ROOT, stdio: 'inherit' })
  cpSync(join(ROOT, 'src/mlkem/wasm'), join(staging, 'mlkem/wasm'), { recursive: true })
  for (const file of EXECUTABLES) chmodSync(join(staging, file), 0o755)
  for (const lib of LIBRARIES) {
    const target = join(ROOT, 'dist', lib)
    const old = `${staging}-old-${lib}`
    if (existsSync(target)) renameSync(target, old)
    renameSync(join(staging, lib), target)
    rmSync(old, { recursive: true, force: true })
  }
} finally {
  rmSync(staging, { recursive: true, force: true })
}
console.log(`lib: dist/{${LIBRARIES.join(',')}}/ (ESM + .d.ts), dist/mlkem/wasm/, bin dist/${EXECUTABLES.join(', dist/')}`)
