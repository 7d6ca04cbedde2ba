// Emits the `pq-edge/mlkem` package entry points into dist/mlkem/ (ESM + .d.ts, one per runtime:
// node.js, workerd.js, browser.js) and copies the committed wasm modules beside them.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist/mlkem')

rmSync(OUT, { recursive: true, force: true })
execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'src/mlkem/tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
cpSync(join(ROOT, 'src/mlkem/wasm'), join(OUT, 'wasm'), { recursive: true })
console.log('lib: dist/mlkem/{node,workerd,browser}.js + .d.ts, wasm/')
