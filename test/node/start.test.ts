// `npm start` as a new user runs it: offline, no account, .dev.vars generated when missing.
import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEV_VARS = `${ROOT}.dev.vars`

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

it('npm start serves GET /health as JSON within 60 s', { timeout: 90_000 }, async () => {
  const hadDevVars = existsSync(DEV_VARS)
  const port = await freePort()
  const inspector = await freePort()
  const child = spawn('npm', ['start', '--', '--port', String(port), '--inspector-port', String(inspector)], {
    cwd: ROOT,
    detached: true, // its own process group, so wrangler and workerd stop with it
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  try {
    const deadline = Date.now() + 60_000
    let res: Response | undefined
    while (Date.now() < deadline) {
      res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
      if (res) break
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(res, `npm start did not answer within 60 s:\n${output}`).toBeDefined()
    expect(res!.status).toBe(200)
    expect((await res!.json()) as object).toMatchObject({ status: 'ok', runtime: { name: 'cloudflare-workers' } })
    if (!hadDevVars) expect(output).toContain('generated a development key set')
    expect(existsSync(DEV_VARS)).toBe(true)
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
    await new Promise((r) => child.once('exit', r))
    if (!hadDevVars) rmSync(DEV_VARS, { force: true }) // leave the tree as it was
  }
})
