// Emits the package's library entry points (`pq-edge/mlkem`, ...) into dist/ as ESM + .d.ts, one
// file per runtime where loading differs (node.js, workerd.js, browser.js), and copies the committed
// wasm modules beside them. What is compiled is listed in src/tsconfig.lib.json.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LIBRARIES = ['mlkem']

for (const lib of LIBRARIES) rmSync(join(ROOT, 'dist', lib), { recursive: true, force: true })
execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'src/tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' })
cpSync(join(ROOT, 'src/mlkem/wasm'), join(ROOT, 'dist/mlkem/wasm'), { recursive: true })
console.log(`lib: dist/{${LIBRARIES.join(',')}}/ (ESM + .d.ts), dist/mlkem/wasm/`)
