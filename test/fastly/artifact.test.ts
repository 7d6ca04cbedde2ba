// Request-level tests of the real Fastly artifact: bin/main.wasm (StarlingMonkey with our bundle
// snapshotted in) served through scripts/fastly/harness.ts, a test stand-in for Viceroy's host.
//
// Artifact freshness: bin/main.wasm is rebuilt (`npx node scripts/build-fastly.ts`, ~10 s) when it
// is missing or older than any file in src/, scripts/build-fastly.ts or package-lock.json;
// otherwise the existing build is reused. The tests then run against a private copy of it (read
// once, checked to compile), because other node tests (the size gate) rebuild bin/main.wasm
// concurrently and a half-written file must not be mistaken for a broken artifact.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FastlyTestRequest, type FastlyTestResponse, runFastlyRequest } from '../../scripts/fastly/harness.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const WASM = join(ROOT, 'bin/main.wasm')
const MAX_BODY_BYTES = 65536
const run = promisify(execFile)

function newestMtime(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function artifactIsFresh(): boolean {
  let built: number
  try {
    built = statSync(WASM).mtimeMs
  } catch {
    return false
  }
  const inputs = [join(ROOT, 'src'), join(ROOT, 'scripts/build-fastly.ts'), join(ROOT, 'package-lock.json')]
  return inputs.every((p) => newestMtime(p) <= built)
}

/** Reads bin/main.wasm until it compiles (a concurrent rebuild may be halfway through writing it). */
async function snapshotArtifact(dir: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const bytes = readFileSync(WASM)
    try {
      new WebAssembly.Module(bytes)
      const copy = join(dir, 'main.wasm')
      writeFileSync(copy, bytes)
      return copy
    } catch (error) {
      if (attempt >= 10) throw error
      await new Promise((resolve) => setTimeout(resolve, 3000))
    }
  }
}

let dir: string
let wasm: string
const send = (request: Omit<FastlyTestRequest, 'url'> & { path: string }): FastlyTestResponse =>
  runFastlyRequest(wasm, { ...request, url: `http://localhost${request.path}` })

beforeAll(async () => {
  if (!artifactIsFresh()) await run('npx', ['node', 'scripts/build-fastly.ts'], { cwd: ROOT, maxBuffer: 1 << 24 })
  dir = mkdtempSync(join(tmpdir(), 'pq-edge-fastly-artifact-'))
  wasm = await snapshotArtifact(dir)
}, 300_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('Fastly artifact (bin/main.wasm under the harness host)', () => {
  it('GET /health: 200 JSON from fastly-compute, no WebAssembly, and the WebCrypto StarlingMonkey offers', () => {
    const trace: string[] = []
    const res = runFastlyRequest(wasm, { method: 'GET', url: 'http://localhost/health' }, { trace })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/)
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({ status: 'ok', service: 'pq-edge', runtime: { name: 'fastly-compute' } })
    // js-compute 3.46's StarlingMonkey has no WebAssembly global and, in SubtleCrypto, no X25519
    // (no generateKey at all), no HKDF and no AES-GCM ("Supplied algorithm is not yet supported"),
    // no ML-KEM: every probe fails for real (HMAC and digest do work there, checked separately).
    expect(body.capabilities).toEqual({
      webAssembly: false,
      wasmSimd: false,
      webCrypto: { x25519: false, hkdf: false, aesGcm: false, chacha20poly1305: false, mlKem768: false, xwing: false },
    })
    // No WebAssembly: the TypeScript ML-KEM core serves ML-KEM-768.
    expect(body.mlkem).toMatchObject({ name: 'pq-edge-js', module: 'typescript' })
    expect(body.backends).toMatchObject({ mlkem768: 'pq-edge-js' })
    // The request really went through the engine and the host: downstream request in, one response out.
    expect(trace).toContain('fastly_http_req.body_downstream_get')
    expect(trace.filter((c) => c === 'fastly_http_resp.send_downstream')).toHaveLength(1)
    expect(res.stderr).toBe('')
  })

  it('unknown route: 404 problem+json with code not_found', () => {
    const res = send({ method: 'GET', path: '/no/such/route' })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/)
    expect(res.json()).toMatchObject({ status: 404, code: 'not_found', type: '/problems/not_found' })
  })

  // The service is wired in, but this host links no Secret Store (and a CI build has no fastly-keys.json):
  // the service refuses to start, saying what is missing (service.test.ts covers a configured one).
  it.each(['/v2/keys', '/v2/config/app/x', '/metrics'])('%s: 500 service_misconfigured when nothing is configured', (path) => {
    const res = send({ method: 'GET', path })
    expect(res.status).toBe(500)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/)
    const body = res.json() as { detail: string }
    expect(body).toMatchObject({ status: 500, code: 'service_misconfigured' })
    expect(body.detail).toMatch(/pq-edge-secrets|fastly:keys/)
  })

  it('DELETE /health: 405 method_not_allowed with Allow', () => {
    const res = send({ method: 'DELETE', path: '/health' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/)
    expect(res.json()).toMatchObject({ status: 405, code: 'method_not_allowed' })
  })

  it('POST with a body over 65536 bytes: 413 payload_too_large; exactly 65536 passes the limit', () => {
    const over = send({
      method: 'POST',
      path: '/health',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(MAX_BODY_BYTES + 1),
    })
    expect(over.status).toBe(413)
    expect(over.json()).toMatchObject({ status: 413, code: 'payload_too_large' })

    // At the limit the body is accepted, and routing answers: POST is not allowed on /health.
    const at = send({
      method: 'POST',
      path: '/health',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(MAX_BODY_BYTES),
    })
    expect(at.status).toBe(405)
    expect(at.json()).toMatchObject({ code: 'method_not_allowed' })
  })

  it('HEAD /health: 200 with an empty body', () => {
    const res = send({ method: 'HEAD', path: '/health' })
    expect(res.status).toBe(200)
    expect(res.body).toHaveLength(0)
  })

  it('each request gets a fresh instance: repeated requests answer the same', () => {
    const a = send({ method: 'GET', path: '/health' })
    const b = send({ method: 'GET', path: '/health' })
    expect(b.status).toBe(200)
    expect(b.json()).toEqual(a.json())
  })
})
