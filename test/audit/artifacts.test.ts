import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { audit, type Finding } from '../../src/audit/index.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function scan(...paths: string[]) {
  const result = await audit(paths, { cwd: ROOT })
  return { ...result, rules: new Set(result.findings.map((f) => f.ruleId)), classical: result.findings.filter((f) => f.kind !== 'pq') }
}

const byRule = (findings: Finding[], ruleId: string) => findings.filter((f) => f.ruleId === ruleId)

describe('WebAssembly from published packages', () => {
  it('libsodium 0.8.4: X25519 (crypto_box, crypto_box_seal, crypto_kx) and Ed25519 (crypto_sign), wasm embedded as base64', async () => {
    // libsodium documentation: "Authenticated encryption ... Key exchange: X25519" (crypto_box),
    // "Sealed boxes ... X25519" (crypto_box_seal), "Public-key signatures ... Single-part signature:
    // Ed25519" (crypto_sign) - doc.libsodium.org, public-key_cryptography/*.
    const { findings, rules, warnings } = await scan('node_modules/libsodium/dist/modules-esm/libsodium.mjs')
    expect(warnings).toEqual([])
    expect(rules).toContain('kx-x25519')
    expect(rules).toContain('sig-eddsa')
    // crypto_box_seal encrypts to a recipient's key for later reading: harvest-now-decrypt-later, critical.
    expect(byRule(findings, 'kx-x25519').some((f) => f.priority === 'critical' && /crypto_box_seal/.test(f.message))).toBe(true)
    // The embedded module itself is decoded and parsed (its exports are minified; its strings are not).
    expect(findings.some((f) => f.scanner === 'wasm' && /embedded as base64/.test(f.message))).toBe(true)
    expect([...rules].every((r) => ['kx-x25519', 'sig-eddsa'].includes(r))).toBe(true)
  })

  it('@matrix-org/matrix-sdk-crypto-wasm 18.9.0: vodozemac X25519 and Ed25519 (Rust, name section)', async () => {
    // vodozemac (the Olm/Megolm implementation this package wraps) documents: "Olm ... uses
    // Curve25519 for the triple Diffie-Hellman ... Ed25519 for signing" (vodozemac README / docs.rs),
    // and matrix-sdk-crypto-wasm's README: "bindings to the Rust matrix-sdk-crypto (vodozemac)".
    const { findings, rules } = await scan('node_modules/@matrix-org/matrix-sdk-crypto-wasm/pkg/matrix_sdk_crypto_wasm_bg.wasm')
    expect(rules).toContain('kx-x25519')
    expect(rules).toContain('sig-eddsa')
    const kx = byRule(findings, 'kx-x25519')[0]!
    expect(kx.message).toMatch(/vodozemac/)
    expect(kx.kind).toBe('key-exchange')
    // E2EE message keys protect stored history: critical.
    expect(kx.priority).toBe('critical')
    expect(kx.byteOffset).toBeTypeOf('number')
    expect(rules.has('pq-ml-kem')).toBe(false)
  })

  it('@matrix-org/olm 3.2.15: olm.wasm (Emscripten, minified) still shows Curve25519 and Ed25519 keys', async () => {
    // Olm specification (matrix-org/olm docs/olm.md): "Olm uses ... Curve25519 ... triple
    // Diffie-Hellman"; identity keys are "ed25519" and "curve25519" (its JSON key names).
    const { rules, classical } = await scan('node_modules/@matrix-org/olm/olm.wasm')
    expect([...rules].sort()).toEqual(['kx-x25519', 'sig-eddsa'])
    expect(classical.every((f) => f.scanner === 'wasm')).toBe(true)
  })

  it('@oqs/liboqs-js 0.15.1 ML-KEM-768 build: post-quantum only, no classical finding', async () => {
    // liboqs-js README: per-algorithm builds of liboqs' KEMs and signatures (ML-KEM, ML-DSA, SLH-DSA...);
    // the ml-kem-768 module carries its wasm as an Emscripten binary string.
    const { rules, classical, findings } = await scan('node_modules/@oqs/liboqs-js/dist/ml-kem-768.min.js')
    expect(classical).toEqual([])
    expect(rules).toContain('pq-ml-kem')
    expect(findings.every((f) => f.priority === 'info')).toBe(true)
  })

  it('@fastly/js-compute 3.46.0 runtime: its WebCrypto (OpenSSL) signatures and key agreement', async () => {
    // js-compute reference docs, SubtleCrypto: sign()/verify() support "ECDSA", "RSASSA-PKCS1-v1_5"
    // and "HMAC"; the runtime embeds OpenSSL (its wasm keeps OpenSSL's source paths and names).
    const { rules } = await scan('node_modules/@fastly/js-compute/fastly.wasm')
    expect(rules).toContain('sig-ecdsa')
    expect(rules).toContain('sig-rsa')
  })

  it('wasm with no public-key crypto: blake3-wasm (a hash), the WASI preview1 adapter, wasm-tools, an HTML-to-markdown module', async () => {
    // blake3-wasm README: "BLAKE3 hashing for JavaScript"; the WASI adapter translates syscalls;
    // wasm-tools (jco-transpile's vendor build) is a binary toolkit; miniflare's mdream converts HTML.
    const files = [
      'node_modules/blake3-wasm/dist/wasm/nodejs/blake3_js_bg.wasm',
      'node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm',
      'node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.core.wasm',
      'node_modules/miniflare/dist/src/mdream_edge_bg.wasm',
    ]
    const { findings, warnings, filesScanned } = await scan(...files)
    expect(filesScanned).toBe(files.length)
    expect(warnings).toEqual([])
    expect(findings).toEqual([])
  })

  it('our own ML-KEM wasm is reported as post-quantum (it has no names: recognised by its exports and q = 3329)', async () => {
    const { findings } = await scan('src/mlkem/wasm/mlkem.wasm', 'src/mlkem/wasm/mlkem-simd.wasm')
    expect(findings.map((f) => `${f.file} ${f.ruleId} ${f.priority}`).sort()).toEqual([
      'src/mlkem/wasm/mlkem-simd.wasm pq-ml-kem info',
      'src/mlkem/wasm/mlkem.wasm pq-ml-kem info',
    ])
  })
})

describe('JavaScript from published packages', () => {
  it('jose 6.2.19: JWS RS256/ES256/EdDSA signatures and JWE RSA-OAEP/ECDH-ES key management', async () => {
    // jose README, "Supported algorithms": JWS RS256..PS512, ES256..ES512, EdDSA/Ed25519; JWE key
    // management RSA-OAEP(-256/384/512), ECDH-ES(+A128KW...); and ML-DSA-44/65/87.
    const { findings, rules } = await scan('node_modules/jose/dist/webapi')
    for (const r of ['sig-rsa', 'sig-ecdsa', 'sig-eddsa', 'kx-rsa', 'kx-ecdh', 'pq-ml-dsa']) expect(rules).toContain(r)
    expect(byRule(findings, 'kx-rsa').some((f) => f.priority === 'critical')).toBe(true)
    expect(byRule(findings, 'sig-rsa').some((f) => f.priority === 'medium' && f.message.includes('RS256'))).toBe(true)
    // Every finding points at code: a line and column in a .js file of the package.
    expect(
      findings.every((f) => f.line !== undefined && f.file.startsWith('node_modules/jose/dist/webapi/') && f.file.endsWith('.js')),
    ).toBe(true)
    // Files with no asymmetric crypto (claims validation, base64url) report nothing.
    const quiet = new Set(['node_modules/jose/dist/webapi/lib/jwt_claims_set.js', 'node_modules/jose/dist/webapi/util/base64url.js'])
    expect(findings.filter((f) => quiet.has(f.file))).toEqual([])
  })
})

describe("the noble libraries (this project's runtime dependencies)", () => {
  it('@noble/curves: X25519, ECDH, ECDSA and EdDSA in its own sources', async () => {
    // noble-curves README: "ed25519, ed448, x25519, x448 ... p256, p384, p521, secp256k1 ... ECDH, ECDSA, EdDSA".
    const { rules } = await scan('node_modules/@noble/curves')
    for (const r of ['kx-x25519', 'kx-ecdh', 'sig-ecdsa', 'sig-eddsa']) expect(rules).toContain(r)
  })

  it('@noble/post-quantum: ML-KEM, ML-DSA, SLH-DSA; its hybrids import X25519 from @noble/curves', async () => {
    // noble-post-quantum README: "ML-KEM, ML-DSA, SLH-DSA ... hybrid KEMs (X-Wing, ML-KEM + X25519/P-256)".
    const { findings, rules } = await scan('node_modules/@noble/post-quantum')
    for (const r of ['pq-ml-kem', 'pq-ml-dsa', 'pq-slh-dsa']) expect(rules).toContain(r)
    expect(byRule(findings, 'kx-x25519').some((f) => /^imports x25519 from @noble\/curves/.test(f.message))).toBe(true)
  })

  it('@noble/hashes and @noble/ciphers (hashes, symmetric ciphers) report nothing', async () => {
    // Their READMEs: "hash functions, MACs and KDFs"; "symmetric ciphers" - no public-key crypto.
    const { findings, warnings, filesScanned } = await scan('node_modules/@noble/hashes', 'node_modules/@noble/ciphers')
    expect(filesScanned).toBeGreaterThan(20)
    expect(warnings).toEqual([])
    expect(findings).toEqual([])
  })
})

describe('lockfiles', () => {
  it("this project's package-lock.json (v3): @noble/curves, libsodium, jose with versions; @noble/post-quantum as PQ", async () => {
    const { findings } = await scan('package-lock.json')
    const curves = findings.filter((f) => f.package?.name === '@noble/curves')
    // @noble/curves README: "x25519, ed25519, p256 ... ECDH, ECDSA, EdDSA".
    expect(new Set(curves.map((f) => f.ruleId))).toEqual(new Set(['kx-x25519', 'kx-ecdh', 'sig-ecdsa', 'sig-eddsa']))
    expect(curves[0]!.package!.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(curves[0]!.line).toBeGreaterThan(1)
    expect(findings.some((f) => f.package?.name === '@noble/post-quantum' && f.ruleId === 'pq-ml-kem' && f.priority === 'info')).toBe(true)
    expect(findings.some((f) => f.package?.name === 'libsodium' && f.ruleId === 'kx-x25519')).toBe(true)
  })

  it('yarn.lock v1 files shipped inside published packages (uri-js, combined-stream) have no crypto packages', async () => {
    const { findings, warnings, filesScanned } = await scan('node_modules/uri-js/yarn.lock', 'node_modules/combined-stream/yarn.lock')
    expect(filesScanned).toBe(2)
    expect(warnings).toEqual([])
    expect(findings).toEqual([])
  })
})

describe('this project', () => {
  it('reports its own X25519 fallback in src/crypto honestly, and its ML-KEM as post-quantum', async () => {
    const { findings, warnings } = await scan('src')
    expect(warnings).toEqual([])
    const x25519 = byRule(findings, 'kx-x25519')
    // The noble fallback, the WebCrypto X25519 path and the plain-JS ladder (file names may move; the kinds may not).
    expect(x25519.some((f) => f.file.startsWith('src/crypto/') && /@noble\/curves x25519/.test(f.message))).toBe(true)
    expect(x25519.some((f) => f.file.startsWith('src/crypto/') && /WebCrypto.*X25519/.test(f.message))).toBe(true)
    expect(x25519.some((f) => f.file.startsWith('src/crypto/') && /declares .*X25519/i.test(f.message))).toBe(true)
    expect(x25519.every((f) => f.priority === 'high' && f.kind === 'key-exchange' && /X-Wing/.test(f.replacement))).toBe(true)
    expect(findings.some((f) => f.ruleId === 'pq-ml-kem' && f.file.endsWith('.wasm'))).toBe(true)
    // The wire protocol code encodes bytes and names; it performs no key exchange itself.
    expect(findings.filter((f) => f.file.startsWith('src/protocol/'))).toEqual([])
  })
})
