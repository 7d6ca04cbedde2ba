// The `pq-edge` CLI as users run it: built by scripts/build-lib.ts to dist/cli/pq-edge.js and spawned
// in a fresh Node process, against the protocol v2 test double (../client/protocol-double.ts) served
// over HTTP on loopback: output (--json and text), exit codes, errors on stderr, the one-source rule for
// URL and credentials, and the known-keys file (trust on first use, a changed key refused, the pin
// moved by an authenticated rotation). The CLI against the real app: ../client/real-app.test.ts.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
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
      {
        cwd: options.cwd ?? emptyDir,
        env: { PATH: process.env.PATH ?? '', PQ_EDGE_KNOWN_KEYS: knownKeys, HOME: emptyDir, ...options.env },
        encoding: 'utf8',
      },
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
/** The known-keys file of most tests (shared: the first test pins the double's key). */
let knownKeys: string

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
  knownKeys = join(emptyDir, 'known_keys.json')
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
      ['config', 'delete', 'app/x'],
      ['establish', '--pin-kid'],
      ['establish', '--pin-kid', '--json'],
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

  it('URL and credentials come from one source: mixing them, or credentials without a URL, is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    writeFileSync(join(dir, 'creds.json'), JSON.stringify({ baseUrl: http.url, adminToken: token }))
    for (const [args, extra, says] of [
      [['config', 'list', '--credentials', 'creds.json'], { PQ_EDGE_ADMIN_TOKEN: token }, 'PQ_EDGE_ADMIN_TOKEN'],
      [['config', 'list', '--credentials', 'creds.json', '--url', http.url], {}, '--url'],
      [['config', 'list'], { PQ_EDGE_CREDENTIALS: 'creds.json', PQ_EDGE_URL: http.url }, 'PQ_EDGE_URL'],
      [['config', 'list'], { PQ_EDGE_ADMIN_TOKEN: token }, 'no server URL'],
      [['establish'], client, 'no server URL'],
    ] as const) {
      const r = await run([...args], { cwd: dir, env: { PQ_EDGE_KNOWN_KEYS: join(dir, 'known.json'), ...extra } })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toContain(says)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    // The file alone, by flag or environment, is one source.
    const own = { PQ_EDGE_KNOWN_KEYS: join(dir, 'known.json') }
    expect((await run(['config', 'list', '--credentials', 'creds.json'], { cwd: dir, env: own })).code).toBe(0)
    expect((await run(['config', 'list'], { cwd: dir, env: { ...own, PQ_EDGE_CREDENTIALS: join(dir, 'creds.json') } })).code).toBe(0)
  })

  it('plain http: to a host that is not loopback is refused before any request (exit 5, insecure_transport)', async () => {
    for (const args of [
      ['keys', '--url', 'http://pq-edge.example'],
      ['config', 'list', '--url', 'http://192.0.2.1:8787'],
    ]) {
      const r = await run(args, { env: { PQ_EDGE_ADMIN_TOKEN: token } })
      expect(r.code, args.join(' ')).toBe(5)
      expect(r.stderr).toContain('insecure_transport')
    }
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
  it('trust on first use: the first session pins the key it used (noted on stderr), later ones use the pin', async () => {
    const first = await run(['establish', '--json'], { env })
    expect(first.code).toBe(0)
    expect(first.stderr).toContain(`pinned its hybrid server key ${server.keys[0]!.kid} in ${knownKeys}`)
    const file = JSON.parse(readFileSync(knownKeys, 'utf8'))
    expect(file).toEqual({ [http.url]: { hybrid: { kid: server.keys[0]!.kid, publicKey: b64u(server.keys[0]!.publicKey) } } })
    expect(statSync(knownKeys).mode & 0o777).toBe(0o600)
    const again = await run(['establish', '--json'], { env })
    expect(again).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(again.stdout).kid).toBe(server.keys[0]!.kid)
    const keys = JSON.parse((await run(['keys', '--json'], { env })).stdout)
    expect(keys.keys[0]).toMatchObject({ kid: server.keys[0]!.kid, pinned: true })
  })

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
    // A kid is base64url: one in 64 starts with "-", and is still a kid, not an option.
    const dashed = await run(['establish', '--pin-kid', '-AAAAAAAAAAAAAAA'], { env })
    expect(dashed.code, dashed.stderr).toBe(5)
    expect(dashed.stderr).toContain('pin_mismatch')
  })

  it('config put / get / list / delete with version preconditions; --out is 0600 even over an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    const created = await run(['config', 'put', 'app/db', '--value', 'postgres://one', '--create', '--json'], { env })
    expect(created).toMatchObject({ code: 0 })
    expect(JSON.parse(created.stdout)).toEqual({ name: 'app/db', version: 1 })
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
    // A value may start with a dash: it is the value, not an option.
    expect((await run(['config', 'put', 'app/dash', '--value', '-n 5', '--create'], { env })).code).toBe(0)
    expect(await run(['config', 'get', 'app/dash'], { env })).toMatchObject({ code: 0, stdout: '-n 5' })
    expect((await run(['config', 'delete', 'app/dash', '--if-match', '1'], { env })).code).toBe(0)
    expect(JSON.parse((await run(['config', 'get', 'app/db', '--json'], { env })).stdout)).toEqual({
      name: 'app/db',
      version: 3,
      value: 'postgres://three',
    })
    writeFileSync(join(dir, 'db.txt'), 'old', { mode: 0o644 })
    chmodSync(join(dir, 'db.txt'), 0o644)
    expect((await run(['config', 'get', 'app/db', '--out', 'db.txt'], { env, cwd: dir })).code).toBe(0)
    expect(readFileSync(join(dir, 'db.txt'), 'utf8')).toBe('postgres://three')
    expect(statSync(join(dir, 'db.txt')).mode & 0o777).toBe(0o600)
    expect((await run(['config', 'get', 'app/db', '--out', 'new.txt'], { env, cwd: dir })).code).toBe(0)
    expect(statSync(join(dir, 'new.txt')).mode & 0o777).toBe(0o600)

    const list = await run(['config', 'list', '--json'], { env })
    expect(JSON.parse(list.stdout)).toEqual({ items: [{ name: 'app/db', version: 3 }] })
    expect((await run(['config', 'list'], { env })).stdout).toMatch(/^NAME\s+VERSION\napp\/db\s+3\n$/)

    expect((await run(['config', 'delete', 'app/db', '--if-match', '2'], { env })).code).toBe(3)
    expect((await run(['config', 'delete', 'app/db', '--if-match', '3'], { env })).stdout).toBe('app/db: deleted\n')
    const missing = await run(['config', 'get', 'app/db'], { env })
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('not_found (HTTP 404)')
    await run(['config', 'put', 'app/db', '--value', 'again', '--create'], { env })
    expect((await run(['config', 'delete', 'app/db', '--if-match', '*'], { env })).code).toBe(0)
  })

  it('rewrap follows the cursor to the end, with progress on stderr', async () => {
    for (const n of ['r1', 'r2', 'r3']) await run(['config', 'put', `app/${n}`, '--value', n, '--create'], { env })
    const r = await run(['rewrap', '--json'], { env })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ updated: 3, pages: 2, conflicts: [], unreadable: [] })
    expect(r.stderr).toContain('rewrap page 1: 2 records so far')
    expect(r.stderr).toContain('rewrap page 2: 3 records so far')
    for (const n of ['r1', 'r2', 'r3']) await run(['config', 'delete', `app/${n}`, '--if-match', '1'], { env })
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

  it('a network failure exits 4; a failed key confirmation exits 5 and pins nothing', async () => {
    const down = await run(['keys', '--url', 'http://127.0.0.1:1'])
    expect(down.code).toBe(4)
    expect(down.stderr).toContain('network_error')
    expect(down.stderr.trim().split('\n')).toHaveLength(1)
    const bad = await run(['establish'], { env: { ...env, PQ_EDGE_URL: tampered.url } })
    expect(bad.code).toBe(5)
    expect(bad.stderr).toContain('confirmation_failed')
    expect(bad.stdout).toBe('')
    expect(JSON.parse(readFileSync(knownKeys, 'utf8'))[tampered.url]).toBeUndefined()
  })

  it('reads baseUrl and credentials together from ./.dev.credentials.json when nothing else is given', async () => {
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
    // A URL given explicitly is a source of its own: the file is not read (its token is not sent there).
    const elsewhere = await run(['config', 'list'], { cwd: dir, env: { PQ_EDGE_URL: 'http://127.0.0.1:1' } })
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.stderr).toContain('no admin token')
  })
})

describe('known keys', () => {
  it('a changed server key is refused loudly (exit 5), naming the file and the entry to delete; nothing is sent', async () => {
    const other = await createProtocolDouble()
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    const file = join(dir, 'known.json')
    writeFileSync(file, JSON.stringify({ [http.url]: { hybrid: { kid: other.keys[0]!.kid, publicKey: b64u(other.keys[0]!.publicKey) } } }))
    const before = server.seen.filter((r) => r.path === '/v2/sessions').length
    for (const args of [['establish'], ['config', 'get', 'app/x'], ['config', 'list']]) {
      const r = await run(args, { env: { ...env, PQ_EDGE_KNOWN_KEYS: file } })
      expect(r.code, args.join(' ')).toBe(5)
      expect(r.stderr).toContain('WARNING: THE SERVER KEY OF')
      expect(r.stderr).toContain('man in the middle')
      expect(r.stderr).toContain(`delete the entry "${http.url}" -> "hybrid" from ${file}`)
    }
    expect(server.seen.filter((r) => r.path === '/v2/sessions').length).toBe(before)
    // The file is left as it was: refusing never re-pins.
    expect(JSON.parse(readFileSync(file, 'utf8'))[http.url].hybrid.kid).toBe(other.keys[0]!.kid)
  })

  it('a substituted GET /v2/keys (MITM) is refused against the pin', async () => {
    const honest = await createProtocolDouble()
    const mitm = await createProtocolDouble()
    const proxy = await listen((req) => (new URL(req.url).pathname === '/v2/keys' ? mitm.handle(req) : honest.handle(req)))
    try {
      const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
      const file = join(dir, 'known.json')
      const key = honest.keys[0]!
      writeFileSync(file, JSON.stringify({ [proxy.url]: { hybrid: { kid: key.kid, publicKey: b64u(key.publicKey) } } }))
      const r = await run(['establish'], { env: { ...client, PQ_EDGE_URL: proxy.url, PQ_EDGE_KNOWN_KEYS: file } })
      expect(r.code).toBe(5)
      expect(r.stderr).toContain('HAS CHANGED')
      expect(honest.seen.filter((s) => s.path === '/v2/sessions')).toHaveLength(0)
    } finally {
      await proxy.close()
    }
  })

  it('an authenticated rotation moves the pin: established with the pinned retiring key, the file now pins the new one', async () => {
    const rotating = await createProtocolDouble()
    const served = await listen(rotating.handle)
    try {
      const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
      const file = join(dir, 'known.json')
      const local = { ...client, PQ_EDGE_ADMIN_TOKEN: token, PQ_EDGE_URL: served.url, PQ_EDGE_KNOWN_KEYS: file }
      expect((await run(['establish'], { env: local })).code).toBe(0) // first use
      const old = rotating.keys[0]!
      await rotating.rotate('hybrid')
      const fresh = rotating.keys[0]!
      const r = await run(['establish', '--json'], { env: local })
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).kid).toBe(old.kid) // established with the pinned key…
      expect(r.stderr).toContain(`rotated its hybrid key ${old.kid} -> ${fresh.kid}`)
      expect(JSON.parse(readFileSync(file, 'utf8'))[served.url].hybrid).toEqual({ kid: fresh.kid, publicKey: b64u(fresh.publicKey) })
      // …and once the old key is gone, the moved pin is what works (admin too).
      rotating.keys.splice(rotating.keys.indexOf(old), 1)
      expect(JSON.parse((await run(['establish', '--json'], { env: local })).stdout).kid).toBe(fresh.kid)
      expect((await run(['config', 'list'], { env: local })).code).toBe(0)
    } finally {
      await served.close()
    }
  })

  it('a malformed known-keys file is an error, never silently replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-edge-cli-'))
    const file = join(dir, 'known.json')
    writeFileSync(file, '{"oops"')
    const r = await run(['establish'], { env: { ...env, PQ_EDGE_KNOWN_KEYS: file } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('malformed')
    expect(readFileSync(file, 'utf8')).toBe('{"oops"')
  })
})
