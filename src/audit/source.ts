// pq-edge-audit: ignore-file (this file holds the algorithm names it looks for)
// JavaScript/TypeScript scanner: parses the file (@babel/parser: JS, TS, JSX, with error recovery)
// and looks at code only: WebCrypto calls and algorithm descriptors, node:crypto calls, calls on
// bindings imported from known crypto packages, libsodium functions, JOSE/JWT algorithm names
// where they are passed to code (call arguments, `alg`/`algorithm(s)` options, switch cases,
// comparisons). Comments and unrelated strings never count. Long string literals holding a wasm
// binary (Emscripten SINGLE_FILE builds, base64 data URLs) are decoded and scanned as wasm.
import { type ParserPlugin, parse } from '@babel/parser'
import { type Finding, makeFinding } from './finding.ts'
import { type Context, NPM_PACKAGES } from './rules.ts'
import { scanWasmBytes } from './wasm-scan.ts'

/** The parts of a Babel AST node this scanner reads. */
interface AstNode {
  type: string
  loc?: { start: { line: number; column: number } } | null
  [key: string]: unknown
}

interface Binding {
  pkg: string
  /** The imported name, or '*' for a namespace/default import. */
  name: string
}

interface Classified {
  ruleId: string
  context: Context
}

const SUBTLE_METHODS: Record<string, number[]> = {
  generateKey: [0],
  importKey: [2],
  deriveBits: [0],
  deriveKey: [0],
  sign: [0],
  verify: [0],
  encrypt: [0],
  decrypt: [0],
  wrapKey: [3],
  unwrapKey: [3, 4],
  encapsulateKey: [0],
  encapsulateBits: [0],
  decapsulateKey: [0],
  decapsulateBits: [0],
}

/** WebCrypto algorithm names (compared case-insensitively, as WebCrypto does). */
function classifyWebCrypto(name: string, method?: string): Classified | undefined {
  const n = name.toUpperCase()
  const verifyOnly = method === 'verify'
  if (n === 'ECDH') return { ruleId: 'kx-ecdh', context: 'general' }
  if (n === 'X25519' || n === 'X448') return { ruleId: 'kx-x25519', context: 'general' }
  if (n === 'RSA-OAEP') return { ruleId: 'kx-rsa', context: 'at-rest' }
  if (n === 'ECDSA') return { ruleId: 'sig-ecdsa', context: verifyOnly ? 'verify-only' : 'general' }
  if (n === 'ED25519' || n === 'ED448') return { ruleId: 'sig-eddsa', context: verifyOnly ? 'verify-only' : 'general' }
  if (n === 'RSASSA-PKCS1-V1_5' || n === 'RSA-PSS') return { ruleId: 'sig-rsa', context: verifyOnly ? 'verify-only' : 'general' }
  if (/^ML-KEM-(512|768|1024)$/.test(n)) return { ruleId: 'pq-ml-kem', context: 'general' }
  if (/^ML-DSA-(44|65|87)$/.test(n)) return { ruleId: 'pq-ml-dsa', context: 'general' }
  if (/^SLH-DSA-/.test(n)) return { ruleId: 'pq-slh-dsa', context: 'general' }
  return undefined
}

/** JOSE algorithm names (RFC 7518, RFC 8037): signatures behind JWT trust, key management for JWE. */
function classifyJose(name: string): Classified | undefined {
  if (/^(RS|PS)(256|384|512)$/.test(name)) return { ruleId: 'sig-rsa', context: 'long-lived-trust' }
  if (/^ES(256|384|512|256K)$/.test(name)) return { ruleId: 'sig-ecdsa', context: 'long-lived-trust' }
  if (name === 'EdDSA' || name === 'Ed25519' || name === 'Ed448') return { ruleId: 'sig-eddsa', context: 'long-lived-trust' }
  if (/^(RSA-OAEP(-256|-384|-512)?|RSA1_5)$/.test(name)) return { ruleId: 'kx-rsa', context: 'at-rest' }
  if (/^ECDH-ES(\+A(128|192|256)KW)?$/.test(name)) return { ruleId: 'kx-ecdh', context: 'at-rest' }
  if (/^ML-DSA-(44|65|87)$/.test(name)) return { ruleId: 'pq-ml-dsa', context: 'general' }
  return undefined
}

/** A comment holding this excludes the file (documented; used by the audit's own catalogue code). */
export const IGNORE_FILE = 'pq-edge-audit: ignore-file'
/** A name that is the primitive itself (`x25519`, `ed25519`, `ml_kem768`), for values built by a call. */
const EXACT_PRIMITIVE =
  /^(x25519|x448|curve25519|ed25519|ed448|ed25519ph|ed25519ctx|ecdh|ml_?kem(512|768|1024)?|ml_?dsa(44|65|87)?|slh_?dsa\w*|x_?wing|kyber(512|768|1024)?)$/i

/** Classifies an identifier by the primitive it names (post-quantum first: hybrids name both). */
function primitiveOfName(name: string): Classified | undefined {
  if (/x_?wing/i.test(name)) return { ruleId: 'pq-x-wing', context: 'general' }
  if (/ml_?kem|kyber/i.test(name)) return { ruleId: 'pq-ml-kem', context: 'general' }
  if (/ml_?dsa|dilithium/i.test(name)) return { ruleId: 'pq-ml-dsa', context: 'general' }
  if (/slh_?dsa|sphincs/i.test(name)) return { ruleId: 'pq-slh-dsa', context: 'general' }
  if (/x25519|x448|curve25519/i.test(name)) return { ruleId: 'kx-x25519', context: 'general' }
  if (/ecdh|dhkemp(256|384|521)/i.test(name)) return { ruleId: 'kx-ecdh', context: 'general' }
  if (/ed25519|ed448|eddsa/i.test(name)) return { ruleId: 'sig-eddsa', context: 'general' }
  if (/ecdsa/i.test(name)) return { ruleId: 'sig-ecdsa', context: 'general' }
  return undefined
}

const JOSE_OPTION_KEYS = new Set(['alg', 'algorithm', 'algorithms'])
const NODE_CRYPTO = new Set(['crypto', 'node:crypto'])
const SKIP_KEYS = new Set([
  'loc',
  'start',
  'end',
  'extra',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'range',
  'typeAnnotation',
  'typeParameters',
  'returnType',
])

export interface SourceScanResult {
  findings: Finding[]
  warnings: string[]
}

export function scanSource(text: string, file: string): SourceScanResult {
  const warnings: string[] = []
  let ast: AstNode
  try {
    ast = parse(text, parserOptions(file, true)) as unknown as AstNode
  } catch (error) {
    try {
      // Plain JS that JSX parsing trips over (`a < b > c`), or AssemblyScript's decorators on functions
      // (`@inline`), blanked to spaces so positions hold: once more without the JSX plugin.
      ast = parse(
        text.replace(/@(inline|global|lazy|unmanaged|final|external|builtin|unsafe|operator(\.\w+)?)\b(\([^)\n]*\))?/g, (m) =>
          ' '.repeat(m.length),
        ),
        parserOptions(file, false),
      ) as unknown as AstNode
    } catch {
      return { findings: [], warnings: [`not parsed as JavaScript/TypeScript: ${(error as Error).message}`] }
    }
  }
  const comments = (ast as { comments?: Array<{ value: string }> }).comments ?? []
  if (comments.some((c) => c.value.includes(IGNORE_FILE))) return { findings: [], warnings: [] }
  const errors = (ast as { errors?: Array<{ message: string }> }).errors
  if (errors?.length) warnings.push(`parsed with ${errors.length} recovered syntax error(s), first: ${errors[0]!.message}`)
  const scanner = new SourceScanner(file, text, warnings)
  scanner.collect(ast)
  scanner.scan(ast)
  return { findings: scanner.findings, warnings }
}

function parserOptions(file: string, jsx: boolean) {
  const ts = /\.(c|m)?tsx?$/.test(file)
  // decorators-legacy: AssemblyScript sources (`@inline`) are TypeScript with decorators on functions.
  const plugins: ParserPlugin[] = ts
    ? file.endsWith('x')
      ? ['typescript', 'jsx']
      : ['typescript', 'decorators-legacy']
    : jsx
      ? ['jsx']
      : []
  return {
    sourceType: 'unambiguous' as const,
    plugins,
    errorRecovery: true,
    allowReturnOutsideFunction: true,
    allowImportExportEverywhere: true,
    allowAwaitOutsideFunction: true,
    allowUndeclaredExports: true,
    attachComment: false,
  }
}

function children(node: AstNode): AstNode[] {
  const out: AstNode[] = []
  for (const key in node) {
    if (SKIP_KEYS.has(key)) continue
    const value = node[key]
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item)
    } else if (isNode(value)) out.push(value)
  }
  return out
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string'
}

function unwrap(node: AstNode | undefined): AstNode | undefined {
  while (node && /^(TSAsExpression|TSSatisfiesExpression|TSNonNullExpression|TSTypeAssertion|ParenthesizedExpression)$/.test(node.type))
    node = node.expression as AstNode
  return node
}

function stringValue(node: AstNode | undefined): string | undefined {
  const n = unwrap(node)
  if (!n) return undefined
  if (n.type === 'StringLiteral') return n.value as string
  if (n.type === 'TemplateLiteral' && (n.expressions as unknown[]).length === 0)
    return ((n.quasis as AstNode[])[0]!.value as { cooked: string }).cooked
  return undefined
}

/** The strings a value can take: a literal, or either branch of `c ? 'A' : 'B'` / `x || 'A'`. */
function branches(node: AstNode | undefined): string[] {
  const n = unwrap(node)
  if (!n) return []
  if (n.type === 'ConditionalExpression') return [...branches(n.consequent as AstNode), ...branches(n.alternate as AstNode)]
  if (n.type === 'LogicalExpression') return [...branches(n.left as AstNode), ...branches(n.right as AstNode)]
  const value = stringValue(n)
  return value === undefined ? [] : [value]
}

function propertyName(prop: AstNode): string | undefined {
  const key = prop.key as AstNode | undefined
  if (!key) return undefined
  if (key.type === 'Identifier' && !prop.computed) return key.name as string
  return stringValue(key)
}

/** `a.b.c` -> { root: 'a', path: ['b', 'c'] }; `x` -> { root: 'x', path: [] }. */
function memberChain(node: AstNode | undefined): { root?: string; path: string[] } {
  const path: string[] = []
  let n = unwrap(node)
  while (n && (n.type === 'MemberExpression' || n.type === 'OptionalMemberExpression')) {
    const prop = n.property as AstNode
    const name = !n.computed && prop.type === 'Identifier' ? (prop.name as string) : stringValue(prop)
    path.unshift(name ?? '?')
    n = unwrap(n.object as AstNode)
  }
  if (n?.type === 'Identifier') return { root: n.name as string, path }
  if (n?.type === 'ThisExpression') return { root: 'this', path }
  return { path }
}

function requiredModule(node: AstNode | undefined): string | undefined {
  let n = unwrap(node)
  if (n?.type === 'AwaitExpression') n = unwrap(n.argument as AstNode)
  if (!n) return undefined
  if (n.type === 'CallExpression' && (n.callee as AstNode).type === 'Identifier' && (n.callee as AstNode).name === 'require')
    return stringValue((n.arguments as AstNode[])[0])
  if (n.type === 'ImportExpression') return stringValue(n.source as AstNode)
  if (n.type === 'CallExpression' && (n.callee as AstNode).type === 'Import') return stringValue((n.arguments as AstNode[])[0])
  return undefined
}

function packageOf(specifier: string): string {
  const parts = specifier.replace(/^node:/, '').split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

class SourceScanner {
  readonly findings: Finding[] = []
  private readonly bindings = new Map<string, Binding>()
  private readonly constants = new Map<string, AstNode>()
  private readonly subtleAliases = new Set<string>(['subtle'])
  private readonly seen = new Set<string>()
  private readonly file: string
  private readonly text: string
  private readonly warnings: string[]

  constructor(file: string, text: string, warnings: string[]) {
    this.file = file
    this.text = text
    this.warnings = warnings
  }

  /** First pass: imports/requires of crypto modules, simple constants, aliases of `crypto.subtle`. */
  collect(root: AstNode): void {
    const stack = [root]
    while (stack.length) {
      const node = stack.pop()!
      if (node.type === 'ImportDeclaration') {
        const source = (node.source as AstNode).value as string
        for (const spec of node.specifiers as AstNode[]) {
          const local = (spec.local as AstNode).name as string
          if (spec.type === 'ImportSpecifier') {
            const imported = spec.imported as AstNode
            const name = (imported.name ?? imported.value) as string
            this.bind(local, source, name)
          } else this.bind(local, source, '*')
        }
      } else if (node.type === 'VariableDeclarator') {
        const id = node.id as AstNode
        const init = unwrap(node.init as AstNode | undefined)
        const required = requiredModule(init)
        if (required !== undefined) {
          if (id.type === 'Identifier') this.bind(id.name as string, required, '*')
          else if (id.type === 'ObjectPattern') this.bindPattern(id, required)
        } else if (init?.type === 'MemberExpression' && requiredModule(init.object as AstNode) !== undefined && id.type === 'Identifier') {
          const chain = memberChain(init)
          if (chain.path.length) this.bind(id.name as string, requiredModule(init.object as AstNode)!, chain.path[chain.path.length - 1]!)
        } else if (init && id.type === 'Identifier') {
          const chain = memberChain(init)
          if (chain.path[chain.path.length - 1] === 'subtle') this.subtleAliases.add(id.name as string)
          else if (init.type === 'StringLiteral' || init.type === 'ObjectExpression' || init.type === 'TemplateLiteral')
            this.constants.set(id.name as string, init)
          else if (init.type === 'Identifier' && this.bindings.has(init.name as string))
            this.bindings.set(id.name as string, this.bindings.get(init.name as string)!)
        } else if (init && id.type === 'ObjectPattern') {
          // const { subtle } = crypto / globalThis.crypto
          for (const prop of id.properties as AstNode[]) {
            if (prop.type === 'ObjectProperty' && propertyName(prop) === 'subtle' && (prop.value as AstNode).type === 'Identifier')
              this.subtleAliases.add((prop.value as AstNode).name as string)
          }
          if (init.type === 'Identifier' && this.bindings.get(init.name as string)?.name === '*')
            this.bindPattern(id, this.bindings.get(init.name as string)!.pkg)
        }
      }
      stack.push(...children(node))
    }
  }

  private bind(local: string, source: string, name: string): void {
    this.bindings.set(local, { pkg: NODE_CRYPTO.has(source) ? 'node:crypto' : source, name })
    if (NODE_CRYPTO.has(source) && name === 'subtle') this.subtleAliases.add(local)
  }

  private bindPattern(pattern: AstNode, source: string): void {
    for (const prop of pattern.properties as AstNode[]) {
      const name = prop.type === 'ObjectProperty' ? propertyName(prop) : undefined
      const value = prop.value as AstNode | undefined
      if (name && value?.type === 'Identifier') this.bind(value.name as string, source, name)
    }
  }

  /** Second pass: calls, algorithm descriptors, JOSE names, embedded wasm. */
  scan(root: AstNode): void {
    const stack: Array<[AstNode, AstNode | undefined, AstNode | undefined]> = [[root, undefined, undefined]]
    while (stack.length) {
      const [node, parent, grandparent] = stack.pop()!
      switch (node.type) {
        case 'CallExpression':
        case 'OptionalCallExpression':
        case 'NewExpression':
          this.call(node)
          break
        case 'ObjectExpression':
          this.descriptor(node)
          break
        case 'AssignmentExpression':
          this.assignment(node)
          break
        case 'FunctionDeclaration':
        case 'ClassDeclaration':
        case 'VariableDeclarator':
          this.declaration(node)
          break
        case 'ImportDeclaration':
        case 'ExportNamedDeclaration':
          this.importSpecifier(node)
          break
        case 'StringLiteral':
        case 'TemplateLiteral':
          this.literal(node, parent, grandparent)
          break
      }
      for (const child of children(node)) stack.push([child, node, parent])
    }
  }

  private add(node: AstNode, c: Classified, message: string, evidence: string): void {
    const line = node.loc?.start.line
    const column = node.loc ? node.loc.start.column + 1 : undefined
    const key = `${c.ruleId}:${c.context}:${line}`
    if (this.seen.has(key)) return
    this.seen.add(key)
    this.findings.push(
      makeFinding({
        ruleId: c.ruleId,
        context: c.context,
        file: this.file,
        scanner: 'source',
        message,
        evidence: [evidence],
        line,
        column,
      }),
    )
  }

  private resolve(node: AstNode | undefined): AstNode | undefined {
    const n = unwrap(node)
    if (n?.type === 'Identifier') return this.constants.get(n.name as string)
    return n
  }

  /** An algorithm argument: 'X25519', { name: 'ECDH', ... }, or a constant holding one. */
  private algorithmName(node: AstNode | undefined): string | undefined {
    const n = this.resolve(node)
    if (!n) return undefined
    const direct = stringValue(n)
    if (direct !== undefined) return direct
    if (n.type === 'ObjectExpression') {
      for (const prop of n.properties as AstNode[])
        if (prop.type === 'ObjectProperty' && propertyName(prop) === 'name') return stringValue(this.resolve(prop.value as AstNode))
    }
    return undefined
  }

  private call(node: AstNode): void {
    const callee = unwrap(node.callee as AstNode)
    const args = (node.arguments as AstNode[]) ?? []
    const { root, path } = memberChain(callee)
    const method = path.length ? path[path.length - 1]! : root
    if (!method) return
    const code = this.text.slice((callee as unknown as { start: number }).start, (callee as unknown as { end: number }).end).slice(0, 60)

    // WebCrypto: crypto.subtle.X(...), or an alias of crypto.subtle.
    const viaSubtle =
      (path.length >= 2 && path[path.length - 2] === 'subtle') || (path.length === 1 && root !== undefined && this.subtleAliases.has(root))
    if (viaSubtle && SUBTLE_METHODS[method]) {
      for (const index of SUBTLE_METHODS[method]!) {
        const name = this.algorithmName(args[index])
        const c = name && classifyWebCrypto(name, method)
        if (c) this.add(node, c, `WebCrypto ${method}(${name})`, `${code}(… '${name}' …)`)
      }
      return
    }

    // libsodium's function names are unambiguous whatever object they are called on.
    const sodium = /^_?crypto_(box|scalarmult|kx|sign)(_\w*)?$/.exec(method)
    if (sodium) {
      const c: Classified =
        sodium[1] === 'sign'
          ? { ruleId: 'sig-eddsa', context: /verify/.test(method) ? 'verify-only' : 'general' }
          : { ruleId: 'kx-x25519', context: /seal/.test(method) ? 'at-rest' : 'general' }
      this.add(node, c, `libsodium ${method.replace(/^_/, '')}`, code)
      return
    }

    const binding = root !== undefined ? this.bindings.get(root) : undefined
    if (!binding) return
    // The exported name used: `x25519.getSharedSecret` -> export x25519; `nacl.box.keyPair` -> export * with path box.
    const exported = binding.name === '*' ? path[0] : binding.name
    const rest = binding.name === '*' ? path.slice(1) : path
    if (binding.pkg === 'node:crypto') this.nodeCrypto(node, exported ?? '', args, code)
    else this.packageCall(node, packageOf(binding.pkg), exported, rest, code)
  }

  private nodeCrypto(node: AstNode, fn: string, args: AstNode[], code: string): void {
    const c = (ruleId: string, context: Context = 'general'): Classified => ({ ruleId, context })
    switch (fn) {
      case 'generateKeyPair':
      case 'generateKeyPairSync': {
        const type = stringValue(this.resolve(args[0]))
        const byType: Record<string, Classified[]> = {
          x25519: [c('kx-x25519')],
          x448: [c('kx-x25519')],
          ec: [c('kx-ecdh'), c('sig-ecdsa')],
          rsa: [c('kx-rsa', 'at-rest'), c('sig-rsa')],
          'rsa-pss': [c('sig-rsa')],
          ed25519: [c('sig-eddsa')],
          ed448: [c('sig-eddsa')],
          dh: [c('kx-dh')],
          dsa: [c('sig-dsa')],
        }
        for (const found of (type && byType[type]) || []) this.add(node, found, `node:crypto ${fn}('${type}')`, `${code}('${type}', …)`)
        return
      }
      case 'createECDH':
        this.add(node, c('kx-ecdh'), `node:crypto createECDH(${stringValue(args[0]) ?? '…'})`, code)
        return
      case 'createDiffieHellman':
      case 'createDiffieHellmanGroup':
      case 'getDiffieHellman':
        this.add(node, c('kx-dh'), `node:crypto ${fn}`, code)
        return
      case 'diffieHellman':
        this.add(node, c('kx-ecdh'), 'node:crypto diffieHellman (ECDH, X25519 or DH by key type)', code)
        return
      case 'publicEncrypt':
      case 'privateDecrypt':
        this.add(node, c('kx-rsa', 'at-rest'), `node:crypto ${fn} (RSA key transport)`, code)
        return
      case 'privateEncrypt':
      case 'publicDecrypt':
        this.add(node, c('sig-rsa'), `node:crypto ${fn} (raw RSA signature)`, code)
        return
      case 'createSign':
      case 'sign':
      case 'createVerify':
      case 'verify': {
        const alg = stringValue(this.resolve(args[0])) ?? ''
        const context: Context = fn.includes('erify') ? 'verify-only' : 'general'
        const ruleId = /^RSA-/i.test(alg) ? 'sig-rsa' : /^(ecdsa|ecdsa-with)/i.test(alg) ? 'sig-ecdsa' : 'sig-classical'
        this.add(node, c(ruleId, context), `node:crypto ${fn}${alg ? `('${alg}')` : ''}`, code)
        return
      }
    }
  }

  private packageCall(node: AstNode, pkg: string, exported: string | undefined, rest: string[], code: string): void {
    const method = rest[rest.length - 1] ?? exported ?? ''
    const sigContext: Context = /verify/i.test(method) ? 'verify-only' : 'general'
    const classes: Classified[] = []
    if (pkg === '@noble/curves' || pkg === '@noble/secp256k1' || pkg === '@noble/ed25519' || pkg.startsWith('@stablelib/')) {
      const curve =
        pkg === '@noble/secp256k1'
          ? 'secp256k1'
          : pkg === '@noble/ed25519'
            ? 'ed25519'
            : pkg.startsWith('@stablelib/')
              ? pkg.slice(11)
              : (exported ?? '')
      if (/^x(25519|448)$/.test(curve)) classes.push({ ruleId: 'kx-x25519', context: 'general' })
      else if (/^ed(25519|448)/.test(curve)) classes.push({ ruleId: 'sig-eddsa', context: sigContext })
      else if (/^(p256|p384|p521|secp256k1|secp256r1|secp384r1|secp521r1)$/.test(curve)) {
        if (/sharedsecret|ecdh/i.test(rest.join('.'))) classes.push({ ruleId: 'kx-ecdh', context: 'general' })
        else if (/sign|verify/i.test(method)) classes.push({ ruleId: 'sig-ecdsa', context: sigContext })
      }
    } else if (pkg === 'tweetnacl' || pkg === 'tweetnacl-ts') {
      const area = exported ?? ''
      if (area === 'box' || area === 'scalarMult') classes.push({ ruleId: 'kx-x25519', context: 'general' })
      else if (area === 'sign') classes.push({ ruleId: 'sig-eddsa', context: sigContext })
    } else if (pkg === 'elliptic') {
      if (/^ec$/i.test(exported ?? '')) classes.push({ ruleId: 'kx-ecdh', context: 'general' }, { ruleId: 'sig-ecdsa', context: 'general' })
      else if (/^eddsa$/i.test(exported ?? '')) classes.push({ ruleId: 'sig-eddsa', context: 'general' })
    } else if (pkg === 'node-forge') {
      const chain = [exported, ...rest].join('.')
      if (/ed25519/.test(chain)) classes.push({ ruleId: 'sig-eddsa', context: sigContext })
      else if (/\brsa\b/.test(chain)) {
        if (/encrypt|decrypt/i.test(method)) classes.push({ ruleId: 'kx-rsa', context: 'at-rest' })
        else if (/generateKeyPair/.test(method))
          classes.push({ ruleId: 'kx-rsa', context: 'at-rest' }, { ruleId: 'sig-rsa', context: 'general' })
        else classes.push({ ruleId: 'sig-rsa', context: sigContext })
      }
    }
    for (const c of classes) this.add(node, c, `${pkg} ${[exported, ...rest].filter(Boolean).join('.')}`, code)
  }

  /** `Module._crypto_box_seal = ...`: Emscripten glue exposing libsodium's functions (its wasm exports are minified). */
  private assignment(node: AstNode): void {
    const left = unwrap(node.left as AstNode)
    if (left?.type !== 'MemberExpression') return
    const { path } = memberChain(left)
    const name = path[path.length - 1] ?? ''
    const sodium = /^_?crypto_(box|scalarmult|kx|sign)(_\w*)?$/.exec(name)
    if (!sodium) return
    const c: Classified =
      sodium[1] === 'sign'
        ? { ruleId: 'sig-eddsa', context: 'general' }
        : { ruleId: 'kx-x25519', context: /seal/.test(name) ? 'at-rest' : 'general' }
    this.add(node, c, `libsodium ${name.replace(/^_/, '')} defined`, name)
  }

  /**
   * A function, class or object named after a primitive is an implementation or a wrapper of it
   * (our own x25519-js.ts is one; @noble/curves' `export const x25519 = montgomery(...)`). Values
   * count only when they are code, or a call/construction bound to exactly the primitive's name.
   */
  private declaration(node: AstNode): void {
    const id = node.id as AstNode | undefined
    if (id?.type !== 'Identifier') return
    const name = id.name as string
    if (node.type === 'VariableDeclarator') {
      const init = unwrap(node.init as AstNode | undefined)
      if (!init) return
      const code = /^(ArrowFunctionExpression|FunctionExpression|ObjectExpression|ClassExpression)$/.test(init.type)
      const constructed = /^(CallExpression|NewExpression)$/.test(init.type) && EXACT_PRIMITIVE.test(name)
      if (!code && !constructed) return
    }
    const c = primitiveOfName(name)
    if (c) this.add(node, c, `declares ${name}`, name)
  }

  /** `import { x25519 } from '@noble/curves/ed25519.js'`, `import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'`. */
  private importSpecifier(node: AstNode): void {
    const source = (node.source as AstNode | undefined)?.value
    if (typeof source !== 'string' || !NPM_PACKAGES[packageOf(source)]) return
    for (const spec of (node.specifiers as AstNode[] | undefined) ?? []) {
      if (spec.type !== 'ImportSpecifier' && spec.type !== 'ExportSpecifier') continue
      const imported = (spec.type === 'ImportSpecifier' ? spec.imported : spec.local) as AstNode
      const name = (imported.name ?? imported.value) as string
      const c = primitiveOfName(name)
      if (c) this.add(spec, c, `imports ${name} from ${source}`, name)
    }
  }

  /** `{ name: 'ECDH', namedCurve: 'P-256' }` and the like, wherever built (jose builds them in a switch). */
  private descriptor(node: AstNode): void {
    const props = (node.properties as AstNode[]).filter((p) => p.type === 'ObjectProperty')
    for (const prop of props) {
      const key = propertyName(prop)
      const value = unwrap(prop.value as AstNode)
      // A table keyed by JOSE algorithm names whose values are code: `{ RS256: rsa(256), ES256: ecdsa(...) }`.
      const jose =
        key !== undefined &&
        value &&
        /^(CallExpression|ObjectExpression|ArrowFunctionExpression|FunctionExpression|NewExpression)$/.test(value.type)
          ? classifyJose(key)
          : undefined
      if (jose) this.add(prop, jose, `JOSE/JWT algorithm ${key}`, `${key}: …`)
    }
    const nameProp = props.find((p) => propertyName(p) === 'name')
    if (!nameProp) return
    for (const name of branches(nameProp.value as AstNode)) {
      const c = classifyWebCrypto(name)
      if (c)
        this.add(
          node,
          c,
          `WebCrypto algorithm ${name}`,
          this.text
            .slice((node as unknown as { start: number }).start, (node as unknown as { end: number }).end)
            .replace(/\s+/g, ' ')
            .slice(0, 80),
        )
    }
  }

  private literal(node: AstNode, parent: AstNode | undefined, grandparent: AstNode | undefined): void {
    const value = stringValue(node)
    if (value === undefined) return
    if (value.length > 64) {
      this.embeddedWasm(node, value)
      return
    }
    const c = classifyJose(value)
    if (!c || !parent) return
    let counted = false
    const isArg = (call: AstNode | undefined, arg: AstNode) =>
      !!call && /CallExpression|NewExpression/.test(call.type) && (call.arguments as AstNode[]).includes(arg)
    if (isArg(parent, node)) counted = true
    else if (parent.type === 'ObjectProperty' && parent.value === node && JOSE_OPTION_KEYS.has(propertyName(parent) ?? '')) counted = true
    else if (
      parent.type === 'ArrayExpression' &&
      grandparent &&
      (isArg(grandparent, parent) || (grandparent.type === 'ObjectProperty' && JOSE_OPTION_KEYS.has(propertyName(grandparent) ?? '')))
    )
      counted = true
    else if (parent.type === 'SwitchCase' && parent.test === node) counted = true
    else if (parent.type === 'BinaryExpression' && /^[!=]==?$/.test(parent.operator as string)) counted = true
    if (counted) this.add(node, c, `JOSE/JWT algorithm ${value}`, `'${value}'`)
  }

  private embeddedWasm(node: AstNode, value: string): void {
    let bytes: Uint8Array | undefined
    let how = ''
    if (value.startsWith('\0asm')) {
      bytes = new Uint8Array(value.length)
      for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i) & 0xff
      how = 'binary string'
    } else {
      const b64 = /^(?:data:application\/(?:wasm|octet-stream);base64,)?(AGFzbQ[A-Za-z0-9+/=\s]*)$/.exec(value)
      if (b64) {
        bytes = new Uint8Array(Buffer.from(b64[1]!, 'base64'))
        how = 'base64'
      }
    }
    if (!bytes) return
    const line = node.loc?.start.line
    try {
      const { findings } = scanWasmBytes(bytes, this.file, {
        where: `wasm embedded as ${how} (${bytes.length} bytes)`,
        ...(line !== undefined ? { line } : {}),
      })
      for (const f of findings) f.column = node.loc ? node.loc.start.column + 1 : 1
      this.findings.push(...findings)
    } catch (error) {
      this.warnings.push(`embedded wasm at line ${line}: ${(error as Error).message}`)
    }
  }
}
