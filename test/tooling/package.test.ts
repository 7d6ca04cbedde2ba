// `npm run build` emits dist/ and the package exports map makes `pq-edge/mlkem` resolve in Node
// from the repo itself, with no set-up call.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)

beforeAll(async () => {
  await run('node', ['scripts/build-lib.ts'], { cwd: ROOT })
}, 120_000)

it("import { ml_kem768 } from 'pq-edge/mlkem' works in a fresh Node process and interoperates with noble", async () => {
  const script = `
    import { ml_kem512, ml_kem768, ml_kem1024, getBackend, init } from 'pq-edge/mlkem'
    import * as noble from '@noble/post-quantum/ml-kem.js'
    await init() // a no-op in Node, kept for code shared with browsers
    const { publicKey, secretKey } = ml_kem768.keygen()
    const { cipherText, sharedSecret } = noble.ml_kem768.encapsulate(publicKey)
    const ok = Buffer.from(ml_kem768.decapsulate(cipherText, secretKey)).equals(sharedSecret)
    console.log(JSON.stringify({ ok, backend: getBackend(), lengths: [ml_kem512, ml_kem768, ml_kem1024].map((k) => k.lengths.publicKey) }))
  `
  const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: ROOT })
  const result = JSON.parse(stdout)
  expect(result.ok).toBe(true)
  expect(result.backend.module).toBe('simd')
  expect(result.lengths).toEqual([800, 1184, 1568])
})

it('the browser entry needs init() and says so before it', async () => {
  const script = `
    import { ml_kem768, getBackend } from '${ROOT}dist/mlkem/browser.js'
    let message
    try { ml_kem768.keygen() } catch (e) { message = e.message }
    console.log(JSON.stringify({ message, backend: getBackend() ?? null, lengths: ml_kem768.lengths }))
  `
  const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: ROOT })
  const result = JSON.parse(stdout)
  expect(result.message).toBe('pq-edge/mlkem: call `await init()` before using ML-KEM in this runtime')
  expect(result.backend).toBeNull()
  expect(result.lengths.cipherText).toBe(1088)
})
