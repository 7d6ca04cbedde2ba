// The `pq-edge` CLI as users run it: built by scripts/build-lib.ts to dist/cli/pq-edge.js and spawned
// in a fresh Node process, against the protocol test double (./protocol-double.ts) served over HTTP.
// Checks output (--json and text), exit codes and that errors are one line on stderr.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64u, fromB64u } from '../../src/crypto/bytes.ts'
import { createProtocolDouble, listen, type ProtocolDouble } from '../client/protocol-double.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = join(ROOT, 'dist/cli/pq-edge.js')
const token = 'pqe_admin_test'
const client = { PQ_EDGE_CLIENT_ID: 'edge-app', PQ_EDGE_CLIENT_SECRET: 'pqe_client_test' }

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      // A clean environment: nothing from the developer's shell (PQ_EDGE_*) leaks into a test.
      { cwd: options.cwd ?? emptyDir, env: { PATH: process.env.PATH ?? '', ...options.env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    if (options.input !== undefined) child.stdin!.end(options.input)
  })
}

let server: ProtocolDouble
let http: Awaited<ReturnType<typeof listen>>
let tampered: Awaited<ReturnType<typeof listen>>
let emptyDir: string
let env: Record<string, string>

beforeAll(async () => {
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['scripts/build-lib.ts'], { cwd: ROOT }, (error) => (error ? reject(error) : resolve())),
  )
  server = await createProtocolDouble()
  http = await listen(server.handle)
  const bad = await createProtocolDouble({
    tamperSession: (r) => {
      const mac = fromB64u(r.confirmation, 'confirmation')
      mac[0]! ^= 1
      return { ...r, confirmation: b64u(mac) }
    },
  })
  tampered = await listen(bad.handle)
  emptyDir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
  env = { PQ_EDGE_URL: http.url, PQ_EDGE_ADMIN_TOKEN: token, ...client }
}, 180_000)

afterAll(async () => {
  await http?.close()
  await tampered?.close()
})

describe('usage', () => {
  it('the built bin is executable and starts with a shebang', () => {
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(statSync(CLI).mode & 0o111).not.toBe(0)
  })

  it("the package entry resolves: import { connect, admin, getKeys, PqEdgeError } from 'pq-edge/client'", async () => {
    const script = "import * as c from 'pq-edge/client'; console.log(Object.keys(c).sort().join(','))"
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }, (e, stdout) =>
        e ? reject(e) : resolve(stdout),
      ),
    )
    expect(out.trim()).toBe('PqEdgeError,admin,connect,createClient,getKeys')
  })

  it('--help exits 0; no command, unknown commands and flags, missing arguments exit 2 with one line on stderr', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('config put')
    const putHelp = await run(['config', 'put', '--help'])
    expect(putHelp).toMatchObject({ code: 0 })
    expect(putHelp.stdout).toContain('--if-match')
    expect((await run([])).code).toBe(2)
    for (const args of [
      ['frobnicate'],
      ['keys', '--nope'],
      ['config'],
      ['config', 'get'],
      ['config', 'put', 'app/x', '--value', 'v'],
      ['config', 'put', 'app/x', '--create'],
      ['config', 'put', 'app/x', '--value', 'v', '--if-match', 'two'],
    ]) {
      const r = await run(args, { env })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).toMatch(/^pq-edge: usage error: /)
    }
  })

  it('missing credentials are a usage error that says how to provide them', async () => {
    const r = await run(['config', 'list'], { env: { PQ_EDGE_URL: http.url } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('PQ_EDGE_ADMIN_TOKEN')
  })
})

describe('keygen', () => {
  it('--json prints the values to configure and the plaintext to hand out (hashes match); the warning goes to stderr', async () => {
    const r = await run(['keygen', '--json', '--client-id', 'billing', '--scope', 'billing/', '--scope', 'shared/flags'])
    expect(r.code).toBe(0)
    const { vars, plaintext } = JSON.parse(r.stdout)
    expect(plaintext.adminToken).toMatch(/^pqe_admin_/)
    expect(plaintext.client).toMatchObject({ id: 'billing' })
    expect(vars.ADMIN_TOKEN_SHA256).toBe(createHash('sha256').update(plaintext.adminToken).digest('hex'))
    expect(JSON.parse(vars.CLIENTS)).toEqual([
      {
        id: 'billing',
        secretSha256: createHash('sha256').update(plaintext.client.secret).digest('hex'),
        scopes: ['billing/', 'shared/flags'],
      },
    ])
    expect(vars.SERVER_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(r.stderr).toContain('WARNING')
  })

  it('text output is env lines; a bad scope is a usage error', async () => {
    const r = await run(['keygen'])
    expect(r.stdout).toMatch(/^SERVER_SECRET=/m)
    expect(r.stdout).toMatch(/^PQ_EDGE_ADMIN_TOKEN=pqe_admin_/m)
    expect((await run(['keygen', '--scope', '../x'])).code).toBe(2)
  })
})

describe('against a server', () => {
  it('keys: table and --json', async () => {
    const json = await run(['keys', '--json'], { env })
    expect(json.code).toBe(0)
    const keySet = JSON.parse(json.stdout)
    expect(keySet.keys[0]).toMatchObject({ kid: server.keys[0]!.kid, mode: 'hybrid', kemId: 0x647a, status: 'current' })
    const text = await run(['keys', '--url', http.url])
    expect(text.stdout).toContain(server.keys[0]!.kid)
    expect(text.stdout).toContain('0x647a')
  })

  it('establish prints the session (never its key); --pin-kid of another key exits 5', async () => {
    const r = await run(['establish', '--json'], { env })
    expect(r.code).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(Object.keys(info).sort()).toEqual(['aead', 'expiresAt', 'kid', 'mode', 'scopes', 'sessionId'])
    expect(info.scopes).toEqual(['app/'])
    expect((await run(['establish', '--pin-kid', server.keys[0]!.kid], { env })).code).toBe(0)
    const pinned = await run(['establish', '--pin-kid', 'AAAAAAAAAAAAAAAA'], { env })
    expect(pinned.code).toBe(5)
    expect(pinned.stderr).toContain('pin_mismatch')
  })

  it('config put / get / list / delete with version preconditions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    const created = await run(['config', 'put', 'app/db', '--value', 'postgres://one', '--create', '--json'], { env })
    expect(created).toMatchObject({ code: 0 })
    expect(JSON.parse(created.stdout)).toEqual({ name: 'app/db', version: 1 })
    // Creating again, or replacing a stale version: the server's 412, exit 3, code and detail printed.
    const again = await run(['config', 'put', 'app/db', '--value', 'x', '--create'], { env })
    expect(again.code).toBe(3)
    expect(again.stderr).toMatch(/^pq-edge: version_mismatch \(HTTP 412\)/)
    writeFileSync(join(dir, 'value.bin'), 'postgres://two')
    expect((await run(['config', 'put', 'app/db', '--file', 'value.bin', '--if-match', '1'], { env, cwd: dir })).stdout).toBe(
      'app/db: version 2\n',
    )
    expect((await run(['config', 'put', 'app/db', '--value', 'stale', '--if-match', '1'], { env })).code).toBe(3)
    expect((await run(['config', 'put', 'app/db', '--file', '-', '--if-match', '*'], { env, input: 'postgres://three' })).stdout).toBe(
      'app/db: version 3\n',
    )

    const got = await run(['config', 'get', 'app/db'], { env })
    expect(got).toMatchObject({ code: 0, stdout: 'postgres://three' })
    expect(JSON.parse((await run(['config', 'get', 'app/db', '--json'], { env })).stdout)).toEqual({
      name: 'app/db',
      version: 3,
      value: 'postgres://three',
    })
    expect((await run(['config', 'get', 'app/db', '--out', 'db.txt'], { env, cwd: dir })).code).toBe(0)
    expect(readFileSync(join(dir, 'db.txt'), 'utf8')).toBe('postgres://three')
    expect(statSync(join(dir, 'db.txt')).mode & 0o077).toBe(0)

    const list = await run(['config', 'list', '--json'], { env })
    expect(JSON.parse(list.stdout)).toEqual({ items: [{ name: 'app/db', version: 3 }] })
    expect((await run(['config', 'list'], { env })).stdout).toMatch(/^NAME\s+VERSION\napp\/db\s+3\n$/)

    expect((await run(['config', 'delete', 'app/db', '--if-match', '2'], { env })).code).toBe(3)
    expect((await run(['config', 'delete', 'app/db', '--if-match', '3'], { env })).stdout).toBe('app/db: deleted\n')
    const missing = await run(['config', 'get', 'app/db'], { env })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('not_found (HTTP 404)')
  })

  it('server refusals exit 3 with the problem code; secrets are not printed', async () => {
    const wrongToken = await run(['config', 'list'], { env: { ...env, PQ_EDGE_ADMIN_TOKEN: 'pqe_admin_SECRETVALUE' } })
    expect(wrongToken.code).toBe(3)
    expect(wrongToken.stderr).toContain('invalid_credentials')
    expect(wrongToken.stderr).not.toContain('SECRETVALUE')
    const scope = await run(['config', 'get', 'other/x'], { env })
    expect(scope.code).toBe(3)
    expect(scope.stderr).toContain('scope_denied')
    const creds = await run(['establish'], { env: { ...env, PQ_EDGE_CLIENT_SECRET: 'pqe_client_SECRETVALUE' } })
    expect(creds.code).toBe(3)
    expect(creds.stderr).not.toContain('SECRETVALUE')
  })

  it('a network failure exits 4; a failed key confirmation exits 5', async () => {
    const down = await run(['keys', '--url', 'http://127.0.0.1:1'])
    expect(down.code).toBe(4)
    expect(down.stderr).toContain('network_error')
    expect(down.stderr.trim().split('\n')).toHaveLength(1)
    const bad = await run(['establish'], { env: { ...env, PQ_EDGE_URL: tampered.url } })
    expect(bad.code).toBe(5)
    expect(bad.stderr).toContain('confirmation_failed')
    expect(bad.stdout).toBe('')
  })

  it('reads baseUrl and credentials from ./.dev.credentials.json when the environment has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    writeFileSync(
      join(dir, '.dev.credentials.json'),
      JSON.stringify({
        baseUrl: http.url,
        adminToken: token,
        clientId: client.PQ_EDGE_CLIENT_ID,
        clientSecret: client.PQ_EDGE_CLIENT_SECRET,
      }),
    )
    expect((await run(['config', 'put', 'app/file', '--value', 'from-file', '--create'], { cwd: dir })).code).toBe(0)
    expect((await run(['config', 'get', 'app/file'], { cwd: dir })).stdout).toBe('from-file')
    // The environment wins over the file.
    expect((await run(['keys'], { cwd: dir, env: { PQ_EDGE_URL: 'http://127.0.0.1:1' } })).code).toBe(4)
  })
})
