// The audit's scanners on inputs built by the test: malformed wasm is a warning, not a crash;
// comments and unrelated strings never count; lockfile formats that no installed package ships
// (pnpm-lock.yaml, yarn berry, Cargo.lock, go.sum) are written here by hand; SARIF output is checked
// against the official SARIF 2.1.0 schema (shipped by @microsoft/jest-sarif); the CLI's exit codes.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { audit } from '../../src/audit/index.ts'
import { toJson, toSarif } from '../../src/audit/report.ts'
import { parseWasm, WasmFormatError } from '../../src/audit/wasm.ts'
import { demangle } from '../../src/audit/wasm-scan.ts'
import { main } from '../../src/cli/main.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function leb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    out.push(b)
  } while (n)
  return out
}
const str = (s: string) => [...leb(s.length), ...Buffer.from(s)]
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body]
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]

/** A module importing env.crypto_box_seal and exporting a function named by a Rust v0 symbol. */
function sampleModule(): Uint8Array<ArrayBuffer> {
  const types = section(1, [1, 0x60, 0, 0])
  const imports = section(2, [1, ...str('env'), ...str('crypto_box_seal'), 0x00, 0])
  const funcs = section(3, [1, 0])
  const memory = section(5, [1, 0x00, 1])
  const exports = section(7, [1, ...str('_RNvNtCs1a2b3c_12x25519_dalek6x2551914diffie_hellman'), 0x00, 1])
  const code = section(10, [1, 2, 0, 0x0b])
  const data = section(11, [1, 0, 0x41, 0, 0x0b, ...str('called `Result::unwrap()` on an ECDSA signature')])
  const producers = section(0, [...str('producers'), 1, ...str('language'), 1, ...str('Rust'), ...str('1.80')])
  return new Uint8Array([...HEADER, ...types, ...imports, ...funcs, ...memory, ...exports, ...code, ...data, ...producers])
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pq-edge-audit-'))
}

describe('wasm reader', () => {
  it('reads imports, exports, producers and data strings of a well-formed module', () => {
    const info = parseWasm(sampleModule())
    expect(info.imports).toEqual([{ module: 'env', name: 'crypto_box_seal', kind: 'func' }])
    expect(info.exports).toHaveLength(1)
    expect(info.producers).toEqual({ language: ['Rust 1.80'] })
    expect(info.strings.map((s) => s.text).join()).toContain('ECDSA')
    expect(() => new WebAssembly.Module(sampleModule())).not.toThrow() // the engine agrees it is valid
  })

  it('demangles Rust legacy and v0 symbols far enough to see the crate path', () => {
    expect(demangle('_ZN12x25519_dalek6x2551914diffie_hellman17h0123456789abcdefE')).toBe('x25519_dalek::x25519::diffie_hellman')
    expect(demangle('_RNvNtCs1a2b3c_12x25519_dalek6x2551914diffie_hellman')).toBe('x25519_dalek::x25519::diffie_hellman')
    expect(demangle('crypto_box_seal')).toBe('crypto_box_seal')
  })

  it('rejects malformed modules with WasmFormatError, and the audit reports them as warnings and goes on', async () => {
    const good = sampleModule()
    const truncated = good.subarray(0, good.length - 7)
    const badSection = new Uint8Array([...HEADER, 0x2a, 0x00])
    const longLeb = new Uint8Array([...HEADER, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    for (const bytes of [truncated, badSection, longLeb, new Uint8Array([0, 0x61, 0x73])])
      expect(() => parseWasm(bytes)).toThrow(WasmFormatError)
    const dir = tempDir()
    writeFileSync(join(dir, 'broken.wasm'), truncated)
    writeFileSync(join(dir, 'good.wasm'), good)
    const result = await audit([dir], { cwd: dir })
    expect(result.warnings).toEqual([{ file: 'broken.wasm', message: expect.stringMatching(/^malformed WebAssembly: /) }])
    const rules = result.findings.filter((f) => f.file === 'good.wasm').map((f) => `${f.ruleId} ${f.priority}`)
    expect(rules.sort()).toEqual(['kx-x25519 critical', 'sig-ecdsa low'])
  })
})

describe('source scanner', () => {
  it('counts calls and algorithm descriptors, never comments or unrelated strings', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'app.ts'),
      [
        "import { generateKeyPairSync, publicEncrypt } from 'node:crypto'",
        "import jwt from 'jsonwebtoken'",
        '// crypto.subtle.deriveBits({ name: "ECDH", public: k }, key, 256) in a comment does not count',
        "const label = 'we used to use X25519 and RS256 here'",
        "console.log('ECDSA', label)",
        "const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])",
        "const pair = generateKeyPairSync('x25519')",
        'publicEncrypt(pem, data)',
        "const token = jwt.sign(claims, privateKey, { algorithm: 'RS256' })",
        "const ALG = { name: 'RSA-OAEP', hash: 'SHA-256' }",
        'await crypto.subtle.wrapKey("raw", k, wrapping, ALG)',
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'quiet.js'),
      "// X25519 ECDH ECDSA Ed25519 RSA-OAEP RS256\nexport const doc = 'ECDH-ES and ES256 are JOSE names'\nconsole.log(doc)\n",
    )
    const { findings, warnings } = await audit([dir], { cwd: dir })
    expect(warnings).toEqual([])
    expect(findings.filter((f) => f.file === 'quiet.js')).toEqual([])
    const got = findings.map((f) => `${f.line} ${f.ruleId} ${f.priority}`).sort()
    expect(got).toEqual(
      ['10 kx-rsa critical', '11 kx-rsa critical', '6 sig-ecdsa low', '7 kx-x25519 high', '8 kx-rsa critical', '9 sig-rsa medium'].sort(),
    )
  })

  it('a file that is not JavaScript is a warning, not a crash', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'broken.js'), 'function ( {{{ ]]] \u0000')
    const result = await audit([join(dir, 'broken.js')], { cwd: dir })
    expect(result.findings).toEqual([])
    expect(result.warnings).toHaveLength(1)
  })
})

describe('lockfile formats (hand-written: no installed package ships these)', () => {
  it('pnpm-lock v9, yarn berry, Cargo.lock, go.sum, Cargo.toml: names, versions and lines', async () => {
    const dir = tempDir()
    for (const sub of ['pnpm', 'berry', 'cargo', 'go']) mkdirSync(join(dir, sub))
    writeFileSync(
      join(dir, 'pnpm/pnpm-lock.yaml'),
      "lockfileVersion: '9.0'\n\npackages:\n\n  tweetnacl@1.0.3:\n    resolution: {integrity: sha512-x}\n\n  '@noble/post-quantum@0.7.1':\n    resolution: {integrity: sha512-y}\n\n  left-pad@1.3.0:\n    resolution: {integrity: sha512-z}\n",
    )
    writeFileSync(
      join(dir, 'berry/yarn.lock'),
      '__metadata:\n  version: 8\n\n"jsonwebtoken@npm:^9.0.0":\n  version: 9.0.2\n  resolution: "jsonwebtoken@npm:9.0.2"\n\n"lodash@npm:^4.17.21":\n  version: 4.17.21\n  resolution: "lodash@npm:4.17.21"\n',
    )
    writeFileSync(
      join(dir, 'cargo/Cargo.lock'),
      'version = 3\n\n[[package]]\nname = "serde"\nversion = "1.0.200"\n\n[[package]]\nname = "x25519-dalek"\nversion = "2.0.1"\n\n[[package]]\nname = "ml-kem"\nversion = "0.2.1"\n',
    )
    writeFileSync(
      join(dir, 'cargo/Cargo.toml'),
      '[package]\nname = "demo"\n\n[dependencies]\ned25519-dalek = "2"\nserde = { version = "1" }\n',
    )
    writeFileSync(
      join(dir, 'go/go.sum'),
      'github.com/golang-jwt/jwt/v5 v5.2.1 h1:abc=\ngithub.com/golang-jwt/jwt/v5 v5.2.1/go.mod h1:def=\ngithub.com/cloudflare/circl v1.5.0 h1:ghi=\ngithub.com/pkg/errors v0.9.1 h1:jkl=\n',
    )
    const { findings, warnings } = await audit([dir], { cwd: dir })
    expect(warnings).toEqual([])
    const got = new Set(findings.map((f) => `${f.file}:${f.line} ${f.package!.name}@${f.package!.version} ${f.ruleId}`))
    for (const expected of [
      'pnpm/pnpm-lock.yaml:5 tweetnacl@1.0.3 kx-x25519',
      'pnpm/pnpm-lock.yaml:5 tweetnacl@1.0.3 sig-eddsa',
      'pnpm/pnpm-lock.yaml:8 @noble/post-quantum@0.7.1 pq-ml-kem',
      'berry/yarn.lock:4 jsonwebtoken@9.0.2 sig-rsa',
      'cargo/Cargo.lock:8 x25519-dalek@2.0.1 kx-x25519',
      'cargo/Cargo.lock:12 ml-kem@0.2.1 pq-ml-kem',
      'cargo/Cargo.toml:5 ed25519-dalek@2 sig-eddsa',
      'go/go.sum:1 github.com/golang-jwt/jwt/v5@v5.2.1 sig-rsa',
      'go/go.sum:3 github.com/cloudflare/circl@v1.5.0 pq-ml-kem',
    ])
      expect(got).toContain(expected)
    expect(findings.some((f) => /left-pad|lodash|serde|pkg\/errors/.test(f.package!.name))).toBe(false)
  })

  it('an unparsable lockfile is a warning', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'package-lock.json'), '{ "lockfileVersion": 3, ')
    writeFileSync(join(dir, 'go.sum'), 'not a go.sum line\n')
    const result = await audit([dir], { cwd: dir })
    expect(result.findings).toEqual([])
    expect(result.warnings.map((w) => w.file).sort()).toEqual(['go.sum', 'package-lock.json'])
  })
})

describe('reports and the CLI', () => {
  it('SARIF output validates against the official SARIF 2.1.0 schema', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'))
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's patterns predate the u flag
    addFormats(ajv)
    const validate = ajv.compile(schema)
    const result = await audit(['node_modules/jose/dist/webapi/lib', 'package-lock.json', 'node_modules/@matrix-org/olm/olm.wasm'], {
      cwd: ROOT,
    })
    const sarif = toSarif(result, ROOT) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: unknown[] }> }> }
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)
    expect(sarif.version).toBe('2.1.0')
    expect(sarif.runs[0]!.results).toHaveLength(result.findings.length)
    // A broken document must fail the same validator (the check is not vacuous).
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false)
    const json = toJson(result) as { schema: string; findings: unknown[] }
    expect(json.schema).toBe('pq-edge-audit/1')
  })

  it('pq-edge audit: --json on stdout, progress only on stderr, --fail-on exit codes', async () => {
    const out: string[] = []
    const err: string[] = []
    const io = { env: {}, cwd: ROOT, stdout: (c: string | Uint8Array) => void out.push(String(c)), stderr: (t: string) => void err.push(t) }
    expect(await main(['audit', 'src/crypto', '--json', '--progress'], io)).toBe(0)
    const parsed = JSON.parse(out.join('')) as { findings: Array<{ ruleId: string }> }
    expect(parsed.findings.some((f) => f.ruleId === 'kx-x25519')).toBe(true)
    expect(err.some((line) => /^audit: \d+\/\d+ files/.test(line))).toBe(true)
    out.length = 0
    expect(await main(['audit', 'src/crypto', '--fail-on', 'high'], io)).toBe(6)
    expect(out.join('')).toMatch(/Summary: \d+ classical findings/)
    expect(await main(['audit', 'src/crypto', '--fail-on', 'critical'], io)).toBe(0)
    expect(await main(['audit', 'src/mlkem/wasm', '--fail-on', 'low'], io)).toBe(0) // PQ findings never fail a gate
    expect(await main(['audit', 'src/crypto', '--fail-on', 'severe'], io)).toBe(2)
    expect(await main(['audit', 'no/such/path'], io)).toBe(2)
  })

  it('the built bin (dist/cli/pq-edge.js, from npm run build:lib) includes the audit command', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist/cli/pq-edge.js'), 'audit', 'src/mlkem/wasm', '--sarif'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
    const sarif = JSON.parse(out) as { runs: Array<{ results: Array<{ ruleId: string; level: string }> }> }
    expect(sarif.runs[0]!.results.map((r) => `${r.ruleId} ${r.level}`)).toEqual(['pq-ml-kem note', 'pq-ml-kem note'])
  })
})
