// pq-edge-audit: ignore-file (the catalogue names what it looks for)
// Matches what parseWasm reads out of a module (imports, exports, function names, data strings)
// against the symbols of the crypto libraries commonly compiled to WebAssembly. One finding per
// rule and module, listing the first few pieces of evidence.
import { type Finding, makeFinding, severer } from './finding.ts'
import { type Context, crateProvides, kx, type Provided, pq, sig } from './rules.ts'
import { parseWasm, type WasmModuleInfo } from './wasm.ts'

interface Match {
  provides: Provided[]
  evidence: string
  offset?: number
  crate?: { name: string; version: string }
}

/** Exact C symbols (libsodium, OpenSSL/BoringSSL), with an optional leading underscore (Emscripten). */
const C_SYMBOLS: Array<[RegExp, Provided[]]> = [
  [/^crypto_box_seal/, [kx('x25519', 'at-rest')]],
  [/^crypto_(box|scalarmult|kx)(_|$)/, [kx('x25519')]],
  [/^crypto_sign(_|$)/, [sig('eddsa')]],
  [/^(ECDH_compute_key|ossl_ecdh_compute_key|ECDH_compute_key_fips|EC_POINT_mul_ecdh)$/, [kx('ecdh')]],
  [/^(X25519|X448|X25519_keypair|ossl_x25519|ossl_x448)$/, [kx('x25519')]],
  [/^(EVP_PKEY_derive|EVP_PKEY_derive_init|EVP_PKEY_derive_set_peer)$/, [kx('ecdh')]],
  [/^(DH_compute_key|DH_generate_key|ossl_dh_compute_key)$/, [kx('dh')]],
  [
    /^(RSA_public_encrypt|RSA_private_decrypt|EVP_PKEY_encrypt|EVP_PKEY_decrypt|RSA_padding_add_PKCS1_OAEP(_mgf1)?|RSA_encrypt|RSA_decrypt)$/,
    [kx('rsa', 'at-rest')],
  ],
  [/^(ECDSA_sign|ECDSA_do_sign|ECDSA_verify|ECDSA_do_verify|ossl_ecdsa_sign|ossl_ecdsa_verify)$/, [sig('ecdsa')]],
  [/^(RSA_sign|RSA_verify|RSA_sign_pss_mgf1|RSA_verify_pss_mgf1|RSA_padding_add_PKCS1_PSS(_mgf1)?)$/, [sig('rsa')]],
  [/^(ED25519_sign|ED25519_verify|ossl_ed25519_sign|ossl_ed25519_verify|ED448_sign)$/, [sig('eddsa')]],
  [/^(EVP_DigestSign|EVP_DigestSignInit|EVP_DigestVerify|EVP_DigestVerifyInit|EVP_PKEY_sign|EVP_PKEY_verify)$/, [sig('classical')]],
  [/^(SSL_CTX_new|SSL_connect|SSL_do_handshake)$/, [kx('tls')]],
]

/** Rust module paths that pick a primitive inside a crate that offers several (ring, p256, rsa...). */
const RUST_MODULES: Array<[string, Provided[]]> = [
  ['ring::agreement', [kx('x25519'), kx('ecdh')]],
  ['ring::ec::curve25519::x25519', [kx('x25519')]],
  ['ring::ec::curve25519::ed25519', [sig('eddsa')]],
  ['ring::ec::suite_b::ecdsa', [sig('ecdsa')]],
  ['ring::ec::suite_b::ecdh', [kx('ecdh')]],
  ['ring::rsa', [sig('rsa')]],
  ['ring::signature', [sig('classical')]],
  ['p256::ecdh', [kx('ecdh')]],
  ['p256::ecdsa', [sig('ecdsa')]],
  ['p384::ecdh', [kx('ecdh')]],
  ['p384::ecdsa', [sig('ecdsa')]],
  ['k256::ecdh', [kx('ecdh')]],
  ['k256::ecdsa', [sig('ecdsa')]],
  ['rsa::oaep', [kx('rsa', 'at-rest')]],
  ['rsa::pkcs1v15::encrypt', [kx('rsa', 'at-rest')]],
  ['rsa::pkcs1v15::signature', [sig('rsa')]],
  ['rsa::pss', [sig('rsa')]],
]
/** Crates whose name alone says too little (ring is mostly used for hashes and AEADs). */
const MODULE_ONLY = new Set(['ring', 'p256', 'p384', 'k256', 'rsa'])

const PQ_SYMBOL: Array<[RegExp, Provided[]]> = [
  [/x_?wing/i, [pq('x-wing')]],
  [/ml_?kem|kyber/i, [pq('ml-kem')]],
  [/ml_?dsa|dilithium/i, [pq('ml-dsa')]],
  [/slh_?dsa|sphincs/i, [pq('slh-dsa')]],
]

/** Names in free text (data segments): case-sensitive, bounded, as libraries and specs spell them. */
const STRING_TOKENS: Array<[RegExp, Provided[]]> = [
  [/(?<![A-Za-z0-9])(X25519|x25519|X448|Curve25519|curve25519)(?![0-9])/, [kx('x25519')]],
  [/(?<![A-Za-z0-9])ECDH-ES(?![A-Za-z0-9])/, [kx('ecdh', 'at-rest')]],
  [/(?<![A-Za-z0-9])ECDH(?![A-Za-z0-9-])/, [kx('ecdh')]],
  [/(?<![A-Za-z0-9])(RSA-OAEP|RSAES-OAEP|RSA_PKCS1_OAEP)(?![A-Za-z])/, [kx('rsa', 'at-rest')]],
  [/(?<![A-Za-z0-9])ECDSA(?![a-z])/, [sig('ecdsa')]],
  [/(?<![A-Za-z0-9])(Ed25519|ED25519|ed25519|Ed448)(?![0-9])/, [sig('eddsa')]],
  [/(?<![A-Za-z0-9])(RSASSA-PKCS1-v1_5|RSA-PSS|RSASSA-PSS)(?![A-Za-z0-9])/, [sig('rsa')]],
  [/(?<![A-Za-z0-9])(RS|PS)(256|384|512)(?![A-Za-z0-9])/, [sig('rsa', 'long-lived-trust')]],
  [/(?<![A-Za-z0-9])ES(256K?|384|512)(?![A-Za-z0-9])/, [sig('ecdsa', 'long-lived-trust')]],
  [/(?<![A-Za-z0-9])X-?Wing(?![A-Za-z])/, [pq('x-wing')]],
  [/(?<![A-Za-z0-9])(ML-KEM|ML_KEM|MLKEM|Kyber(512|768|1024)?|KYBER)(?![a-z])/, [pq('ml-kem')]],
  [/(?<![A-Za-z0-9])(ML-DSA|ML_DSA|MLDSA|Dilithium|DILITHIUM)(?![a-z])/, [pq('ml-dsa')]],
  [/(?<![A-Za-z0-9])(SLH-DSA|SLH_DSA|SPHINCS)/, [pq('slh-dsa')]],
]

/** OpenSSL/BoringSSL source paths that survive in assertion and error strings. */
const C_SOURCE_PATHS: Array<[RegExp, Provided[]]> = [
  [/crypto\/(ec\/ecdh_ossl|ecdh_extra\/ecdh_extra|ec\/ecdh_kdf)\.c/, [kx('ecdh')]],
  [/crypto\/(ec\/ecx_meth|ec\/curve25519|curve25519\/curve25519)\.c/, [kx('x25519'), sig('eddsa')]],
  [/crypto\/rsa\/rsa_oaep\.c|crypto\/fipsmodule\/rsa\/padding\.c/, [kx('rsa', 'at-rest'), sig('rsa')]],
  [/crypto\/(ec\/ecdsa_ossl|fipsmodule\/ecdsa\/ecdsa)\.c/, [sig('ecdsa')]],
  [/crypto\/rsa\/rsa_(sign|pss|pmeth|ossl)\.c/, [sig('rsa')]],
  [/crypto\/dh\/dh_key\.c/, [kx('dh')]],
  [/ssl\/(statem\/statem_clnt|statem\/statem_srvr|handshake_client|handshake_server)\.c/, [kx('tls')]],
]

/** `name-1.2.3/src/...` (cargo registry) or `.cargo/git/checkouts/name-<hash>/.../src/...`. */
const CRATE_PATH = /(?:^|[/\\])([A-Za-z0-9_][A-Za-z0-9_-]*?)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)[/\\]src[/\\]([A-Za-z0-9_/\\]*)/g
const CRATE_GIT_PATH = /checkouts[/\\]([A-Za-z0-9_-]+?)-[0-9a-f]{16}[/\\][0-9a-f]+[/\\](?:[A-Za-z0-9_-]+[/\\])*src[/\\]([A-Za-z0-9_/\\]*)/g
const RUST_PATH = /(?<![A-Za-z0-9_])([a-z][a-z0-9_]*)::([A-Za-z0-9_:]+)/g

/**
 * Turns a mangled Rust symbol (legacy `_ZN...E` or v0 `_R...`) into its `a::b::c` path segments,
 * enough to see the crate and module; C++ `_ZN` names come out the same way. Other names pass through.
 */
export function demangle(symbol: string): string {
  let body: string
  if (symbol.startsWith('_ZN')) body = symbol.slice(3)
  else if (symbol.startsWith('_R')) body = symbol.slice(2).replace(/s[0-9A-Za-z]*_(?=\d)/g, '')
  else return symbol
  const parts: string[] = []
  let i = 0
  while (i < body.length) {
    const digits = /^\d+/.exec(body.slice(i, i + 12))
    if (!digits) {
      i++
      continue
    }
    let start = i + digits[0].length
    if (body[start] === '_' && symbol.startsWith('_R')) start++
    const length = Number(digits[0])
    const ident = body.slice(start, start + length)
    if (length > 0 && ident.length === length && /^[A-Za-z0-9_$.]+$/.test(ident)) {
      if (!/^h[0-9a-f]{16}$/.test(ident)) parts.push(ident.replace(/\$LT\$|\$GT\$|\$u20\$|\$C\$|\.\./g, '_'))
      i = start + length
    } else i = start
  }
  return parts.length ? parts.join('::') : symbol
}

function matchRustPath(path: string): Provided[] {
  for (const [prefix, provides] of RUST_MODULES) if (path.startsWith(prefix)) return provides
  const crate = path.split('::')[0]!
  if (MODULE_ONLY.has(crate)) return []
  return crateProvides(crate.replace(/_/g, '-')) ?? []
}

function matchSymbol(raw: string): Provided[] {
  const name = raw.replace(/^_+/, '')
  for (const [re, provides] of C_SYMBOLS) if (re.test(name)) return provides
  // wasm-bindgen writes already-demangled v0 names with crate hashes: `vodozemac[ca573d02dffc3a77]::...`.
  const path = demangle(raw).replace(/\[[0-9a-f]{8,}\]/g, '')
  if (path.includes('::')) {
    // A path names its crate first; look at every segment so generic code instantiated with a
    // crypto type (e.g. `core::ptr::drop_in_place<x25519_dalek::...>`) counts too.
    for (const m of path.matchAll(RUST_PATH)) {
      const provides = matchRustPath(`${m[1]}::${m[2]}`)
      if (provides.length) return provides
    }
    const segments = path.split('::')
    for (let i = 0; i < segments.length; i++) {
      const provides = matchRustPath(segments.slice(i).join('::'))
      if (provides.length) return provides
    }
  }
  for (const [re, provides] of PQ_SYMBOL) if (re.test(name)) return provides
  return []
}

function cratePathToModule(name: string, file: string): string {
  const module = file
    .replace(/\\/g, '/')
    .replace(/\.rs$/, '')
    .replace(/\/(mod|lib)$/, '')
    .replace(/\//g, '::')
  return module ? `${name.replace(/-/g, '_')}::${module}` : name.replace(/-/g, '_')
}

function matchString(text: string, offset: number, out: Match[]): void {
  for (const m of text.matchAll(CRATE_PATH)) {
    const [, name, version, file] = m
    const provides = MODULE_ONLY.has(name!) ? matchRustPath(cratePathToModule(name!, file!)) : (crateProvides(name!) ?? [])
    if (provides.length)
      out.push({
        provides,
        evidence: `${name} ${version} (${m[0].replace(/^[/\\]/, '').slice(0, 80)})`,
        offset: offset + m.index!,
        crate: { name: name!, version: version! },
      })
  }
  for (const m of text.matchAll(CRATE_GIT_PATH)) {
    const [, name, file] = m
    const provides = MODULE_ONLY.has(name!) ? matchRustPath(cratePathToModule(name!, file!)) : (crateProvides(name!) ?? [])
    if (provides.length) out.push({ provides, evidence: `${name} (git checkout, ${file})`, offset: offset + m.index! })
  }
  for (const m of text.matchAll(RUST_PATH)) {
    const provides = matchRustPath(`${m[1]}::${m[2]}`)
    if (provides.length) out.push({ provides, evidence: m[0].slice(0, 80), offset: offset + m.index! })
  }
  for (const [re, provides] of C_SOURCE_PATHS) {
    const m = re.exec(text)
    if (m) out.push({ provides, evidence: m[0], offset: offset + m.index })
  }
  for (const [re, provides] of STRING_TOKENS) {
    const m = re.exec(text)
    if (m) out.push({ provides, evidence: JSON.stringify(snippet(text, m.index, m[0].length)), offset: offset + m.index })
  }
}

function snippet(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 20)
  return `${start > 0 ? '…' : ''}${text.slice(start, index + length + 20)}${index + length + 20 < text.length ? '…' : ''}`
}

export interface WasmScanResult {
  findings: Finding[]
  info: WasmModuleInfo
}

/** Scans one module's bytes; `where` is added to the evidence when the module is embedded in another file. */
export function scanWasmBytes(bytes: Uint8Array, file: string, options: { line?: number; where?: string } = {}): WasmScanResult {
  const info = parseWasm(bytes)
  const matches: Match[] = []
  for (const imp of info.imports) {
    if (imp.module.startsWith('wasi_ephemeral_crypto')) {
      const provides = imp.module.includes('kx') ? [kx('ecdh')] : imp.module.includes('signatures') ? [sig('classical')] : []
      if (provides.length) matches.push({ provides, evidence: `import ${imp.module}.${imp.name}` })
      continue
    }
    const provides = matchSymbol(imp.name)
    if (provides.length) matches.push({ provides, evidence: `import ${imp.module}.${imp.name}` })
  }
  for (const name of info.exports) {
    const provides = matchSymbol(name)
    if (provides.length) matches.push({ provides, evidence: `export ${name}` })
  }
  for (const name of info.functionNames) {
    const provides = matchSymbol(name)
    if (provides.length) matches.push({ provides, evidence: `function ${demangle(name).slice(0, 100)}` })
  }
  for (const { text, offset } of info.strings) matchString(text, offset, matches)
  const kem = kemFingerprint(bytes, info)
  if (kem) matches.push(kem)
  return { findings: aggregate(matches, file, info, options), info }
}

const KEM_EXPORT = /(^|_)(encaps|decaps|encapsulate|decapsulate)($|_)/i
// i32.const 3329 (signed LEB128 0x81 0x1a), and 3329 as a 16-bit lane (01 0d 01 0d) of a v128 constant.
const MLKEM_Q_I32 = [0x41, 0x81, 0x1a]
const MLKEM_Q_LANES = [0x01, 0x0d, 0x01, 0x0d]

/**
 * A module without names or strings (our own ML-KEM wasm is one) is still recognisable as ML-KEM:
 * it exports a KEM's operations and its code uses the ML-KEM modulus q = 3329 (FIPS 203, 2) as a constant.
 */
function kemFingerprint(bytes: Uint8Array, info: WasmModuleInfo): Match | undefined {
  const kemExports = info.exports.filter((name) => KEM_EXPORT.test(name))
  if (kemExports.length < 2 || !info.code) return undefined
  const code = bytes.subarray(info.code.start, info.code.end)
  const offset = indexOf(code, MLKEM_Q_I32)
  const at = offset >= 0 ? offset : indexOf(code, MLKEM_Q_LANES)
  if (at < 0) return undefined
  return {
    provides: [pq('ml-kem')],
    evidence: `exports ${kemExports.join(', ')} and the ML-KEM modulus q = 3329 in code`,
    offset: info.code.start + at,
  }
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  const first = needle[0]!
  for (let i = haystack.indexOf(first); i >= 0 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    if (needle.every((b, j) => haystack[i + j] === b)) return i
  }
  return -1
}

/** Most telling first: a crate with its version, an import/export, a string, then a function name. */
function evidenceRank(evidence: string): number {
  return / \d+\.\d+\.\d+ \(/.test(evidence) ? 0 : /^(import|export) /.test(evidence) ? 1 : evidence.startsWith('function ') ? 3 : 2
}

function aggregate(matches: Match[], file: string, info: WasmModuleInfo, options: { line?: number; where?: string }): Finding[] {
  const byRule = new Map<string, { context: Context; evidence: string[]; count: number; offset?: number; crates: Map<string, string> }>()
  for (const match of matches) {
    for (const provided of match.provides) {
      let entry = byRule.get(provided.rule)
      if (!entry) {
        entry = { context: provided.context ?? 'general', evidence: [], count: 0, crates: new Map() }
        if (match.offset !== undefined) entry.offset = match.offset
        byRule.set(provided.rule, entry)
      }
      if (entry.offset === undefined && match.offset !== undefined) entry.offset = match.offset
      entry.context = severer(entry.context, provided.context ?? 'general')
      entry.count++
      // Keep a few of each sort of evidence, so a crate path found late is not crowded out by names.
      const sameRank = entry.evidence.filter((e) => evidenceRank(e) === evidenceRank(match.evidence)).length
      if (sameRank < 5 && !entry.evidence.includes(match.evidence)) entry.evidence.push(match.evidence)
      if (match.crate) entry.crates.set(match.crate.name, match.crate.version)
    }
  }
  const language = info.producers.language?.join(', ')
  const producedBy = [language, info.producers['processed-by']?.slice(0, 2).join(', ')].filter(Boolean).join('; ')
  return [...byRule].map(([ruleId, entry]) => {
    const crates = [...entry.crates].map(([n, v]) => `${n} ${v}`).join(', ')
    const kindOf = info.layer === 'component' ? 'component' : 'module'
    const message = `${options.where ?? `wasm ${kindOf}`}: ${entry.count} match${entry.count === 1 ? '' : 'es'}${crates ? ` (crates ${crates})` : ''}${producedBy ? ` [${producedBy}]` : ''}`
    const evidence = entry.evidence
      .map((e, i) => [e, i] as const)
      .sort((a, b) => evidenceRank(a[0]) - evidenceRank(b[0]) || a[1] - b[1])
      .slice(0, 5)
      .map(([e]) => e)
    return makeFinding({
      ruleId,
      context: entry.context,
      file,
      scanner: 'wasm',
      message,
      evidence,
      line: options.line,
      byteOffset: options.line === undefined ? entry.offset : undefined,
    })
  })
}
