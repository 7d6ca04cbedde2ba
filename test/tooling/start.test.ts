// README's path, as a new user follows it, against `npm start` (offline, no account): the server
// starts with a generated development key set, the CLI (URL and credentials from one file) stores a
// config over an admin session and pins the server key on first use, the client SDK reads it back over
// a post-quantum session pinned to that key, and the CLI lists and deletes it.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { freePort, startProcess, waitForHttp } from '../../scripts/local-server.ts'
import { connect } from '../../src/client/node.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEV_VARS = `${ROOT}.dev.vars`
const DEV_CREDENTIALS = `${ROOT}.dev.credentials.json`
const run = promisify(execFile)

it('npm start serves /health within 60 s; the CLI stores a config and the SDK reads it back', { timeout: 180_000 }, async () => {
  const hadDevVars = existsSync(DEV_VARS)
  const [port, inspector] = [await freePort(), await freePort()]
  const server = startProcess('npm', ['start', '--', '--port', String(port), '--inspector-port', String(inspector)], ROOT)
  const url = `http://127.0.0.1:${port}`
  const name = `app/e2e-${Date.now().toString(36)}`
  // The README runs the CLI next to .dev.credentials.json (baseUrl http://127.0.0.1:8787); this test's
  // server is on another port, so it uses a copy of the file with that port: still one source.
  const scratch = mkdtempSync(join(tmpdir(), 'pq-edge-start-'))
  const credentialsCopy = join(scratch, 'credentials.json')
  const knownKeys = join(scratch, 'known_keys.json')
  const cli = (...args: string[]) =>
    run('node', ['dist/cli/pq-edge.js', ...args, '--credentials', credentialsCopy], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PQ_EDGE_KNOWN_KEYS: knownKeys },
    })
  try {
    const res = await waitForHttp(`${url}/health`, 60_000)
    expect(res, `npm start did not answer within 60 s:\n${server.output()}`).toBeDefined()
    expect(res!.status).toBe(200)
    expect((await res!.json()) as object).toMatchObject({
      status: 'ok',
      runtime: { name: 'cloudflare-workers' },
      mlkem: { module: 'simd' },
    })
    if (!hadDevVars) expect(server.output()).toContain('generated a development key set')
    expect(
      existsSync(DEV_CREDENTIALS),
      'the development credentials (.dev.credentials.json) are missing: delete .dev.vars and run npm start again',
    ).toBe(true)

    const { clientId, clientSecret, ...rest } = JSON.parse(readFileSync(DEV_CREDENTIALS, 'utf8'))
    expect(rest.baseUrl).toBe('http://127.0.0.1:8787')
    writeFileSync(credentialsCopy, JSON.stringify({ ...rest, clientId, clientSecret, baseUrl: url }), { mode: 0o600 })

    // The CLI takes the URL and the admin token from the credentials file; the first use pins the key.
    const put = await cli('config', 'put', name, '--value', 'hello from the vault', '--create', '--json')
    expect(JSON.parse(put.stdout)).toMatchObject({ name, version: 1 })
    expect(put.stderr).toContain('pinned its hybrid server key')
    const pin = JSON.parse(readFileSync(knownKeys, 'utf8'))[url].hybrid

    const session = await connect(url, { credentials: { clientId, clientSecret }, pin })
    try {
      const config = await session.getConfig(name)
      expect(config.version).toBe(1)
      expect(config.text()).toBe('hello from the vault')
    } finally {
      session.close()
    }

    const list = JSON.parse((await cli('config', 'list', '--json')).stdout)
    expect(JSON.stringify(list)).toContain(name)
    await cli('config', 'delete', name, '--if-match', '1')
    const gone = await cli('config', 'get', name).catch((e) => e)
    expect(gone.code).toBe(3) // the server refused: 404 not_found
    expect(gone.stderr).toContain('not_found')
  } finally {
    await server.stop()
    if (!hadDevVars) rmSync(DEV_VARS, { force: true }) // leave the tree as it was
    if (!hadDevVars) rmSync(DEV_CREDENTIALS, { force: true })
    rmSync(scratch, { recursive: true, force: true })
  }
})
