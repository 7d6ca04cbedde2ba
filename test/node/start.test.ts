// `npm start` as a new user runs it: offline, no account, .dev.vars generated when missing.
import { existsSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { freePort, startProcess, waitForHttp } from '../../scripts/local-server.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEV_VARS = `${ROOT}.dev.vars`

it('npm start serves GET /health as JSON within 60 s', { timeout: 90_000 }, async () => {
  const hadDevVars = existsSync(DEV_VARS)
  const [port, inspector] = [await freePort(), await freePort()]
  const server = startProcess('npm', ['start', '--', '--port', String(port), '--inspector-port', String(inspector)], ROOT)
  try {
    const res = await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000)
    expect(res, `npm start did not answer within 60 s:\n${server.output()}`).toBeDefined()
    expect(res!.status).toBe(200)
    expect((await res!.json()) as object).toMatchObject({ status: 'ok', runtime: { name: 'cloudflare-workers' }, mlkem: { module: 'simd' } })
    if (!hadDevVars) expect(server.output()).toContain('generated a development key set')
    expect(existsSync(DEV_VARS)).toBe(true)
  } finally {
    await server.stop()
    if (!hadDevVars) rmSync(DEV_VARS, { force: true }) // leave the tree as it was
  }
})
