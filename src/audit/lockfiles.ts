// Lockfile and manifest scanner: lists the resolved packages (name, version) of package-lock.json
// (v1-v3), npm-shrinkwrap.json, pnpm-lock.yaml (v5-v9), yarn.lock (v1 and berry), Cargo.lock, go.sum,
// and the declared dependencies of package.json and Cargo.toml, and matches them against the
// catalogue in rules.ts. Each format is read with a real parser (JSON, js-yaml, Yarn's own SYML
// parser, smol-toml); go.sum is a line format.
import { parseSyml } from '@yarnpkg/parsers'
import { load as loadYaml } from 'js-yaml'
import { parse as parseToml } from 'smol-toml'
import { type Finding, makeFinding } from './finding.ts'
import { crateProvides, goModuleProvides, NPM_PACKAGES, type Provided } from './rules.ts'

type Ecosystem = 'npm' | 'cargo' | 'go'

interface Entry {
  name: string
  version: string
  line?: number
  note?: string
}

export const LOCKFILE_NAMES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'Cargo.lock',
  'go.sum',
  'package.json',
  'Cargo.toml',
])

export function isLockfile(baseName: string): boolean {
  return LOCKFILE_NAMES.has(baseName)
}

/** Throws on a file that does not parse; the caller reports that as a warning. */
export function scanLockfile(text: string, file: string, baseName: string): Finding[] {
  const lines = text.split('\n')
  let ecosystem: Ecosystem = 'npm'
  let entries: Entry[]
  switch (baseName) {
    case 'package-lock.json':
    case 'npm-shrinkwrap.json':
      entries = packageLock(JSON.parse(text), lines)
      break
    case 'package.json':
      entries = packageJson(JSON.parse(text), lines)
      break
    case 'pnpm-lock.yaml':
      entries = pnpmLock(loadYaml(text), lines)
      break
    case 'yarn.lock':
      entries = yarnLock(parseSyml(text), lines)
      break
    case 'Cargo.lock':
      ecosystem = 'cargo'
      entries = cargoLock(parseToml(text), lines)
      break
    case 'Cargo.toml':
      ecosystem = 'cargo'
      entries = cargoToml(parseToml(text), lines)
      break
    case 'go.sum':
      ecosystem = 'go'
      entries = goSum(lines)
      break
    default:
      return []
  }
  const findings: Finding[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const provides = providesOf(ecosystem, entry.name)
    if (!provides) continue
    for (const provided of provides) {
      const key = `${entry.name}@${entry.version}:${provided.rule}`
      if (seen.has(key)) continue
      seen.add(key)
      findings.push(
        makeFinding({
          ruleId: provided.rule,
          context: provided.context,
          file,
          scanner: 'lockfile',
          message: `${ecosystem} package ${entry.name} ${entry.version}${entry.note ? ` (${entry.note})` : ''}`,
          evidence: [`${entry.name}@${entry.version}`],
          line: entry.line,
          package: { ecosystem, name: entry.name, version: entry.version },
        }),
      )
    }
  }
  return findings
}

function providesOf(ecosystem: Ecosystem, name: string): Provided[] | undefined {
  if (ecosystem === 'npm') return NPM_PACKAGES[name]
  if (ecosystem === 'cargo') return crateProvides(name)
  return goModuleProvides(name)
}

/** 1-based number of the first line containing `needle`, if any. */
function lineOf(lines: string[], needle: string): number | undefined {
  const index = lines.findIndex((l) => l.includes(needle))
  return index < 0 ? undefined : index + 1
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function packageLock(json: unknown, lines: string[]): Entry[] {
  if (!isObject(json)) throw new Error('not a JSON object')
  const entries: Entry[] = []
  if (isObject(json.packages)) {
    // lockfileVersion 2 and 3: "node_modules/a/node_modules/b": { version }.
    for (const [path, value] of Object.entries(json.packages)) {
      if (!path || !isObject(value)) continue
      const name = typeof value.name === 'string' ? value.name : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
      if (typeof value.version !== 'string') continue
      const entry: Entry = { name, version: value.version, line: lineOf(lines, `"${path}": {`) }
      if (value.dev === true) entry.note = 'dev'
      entries.push(entry)
    }
    return entries
  }
  // lockfileVersion 1: nested "dependencies".
  const walk = (deps: unknown) => {
    if (!isObject(deps)) return
    for (const [name, value] of Object.entries(deps)) {
      if (!isObject(value) || typeof value.version !== 'string') continue
      const entry: Entry = { name, version: value.version, line: lineOf(lines, `"${name}": {`) }
      if (value.dev === true) entry.note = 'dev'
      entries.push(entry)
      walk(value.dependencies)
    }
  }
  walk(json.dependencies)
  return entries
}

function packageJson(json: unknown, lines: string[]): Entry[] {
  if (!isObject(json)) throw new Error('not a JSON object')
  const entries: Entry[] = []
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = json[field]
    if (!isObject(deps)) continue
    for (const [name, range] of Object.entries(deps)) {
      if (typeof range !== 'string') continue
      entries.push({ name, version: range, line: lineOf(lines, `"${name}":`), note: `declared in ${field}` })
    }
  }
  return entries
}

/** `/@noble/curves/1.2.0` (v5), `/@noble/curves@1.2.0(peer)` (v6), `@noble/curves@1.2.0` (v9). */
function pnpmKey(key: string): { name: string; version: string } | undefined {
  const clean = key
    .replace(/^\//, '')
    .replace(/\(.*$/, '')
    .replace(/_[^/@]*$/, '')
  const at = /^(@?[^@]+)@(.+)$/.exec(clean)
  if (at) return { name: at[1]!, version: at[2]! }
  const slash = clean.lastIndexOf('/')
  if (slash > 0) return { name: clean.slice(0, slash), version: clean.slice(slash + 1) }
  return undefined
}

function pnpmLock(doc: unknown, lines: string[]): Entry[] {
  if (!isObject(doc)) throw new Error('not a YAML mapping')
  const entries: Entry[] = []
  for (const section of ['packages', 'snapshots']) {
    const packages = doc[section]
    if (!isObject(packages)) continue
    for (const key of Object.keys(packages)) {
      const parsed = pnpmKey(key)
      if (parsed) entries.push({ ...parsed, line: lineOf(lines, key) })
    }
  }
  return entries
}

function yarnLock(doc: unknown, lines: string[]): Entry[] {
  if (!isObject(doc)) throw new Error('not a yarn lockfile')
  const entries: Entry[] = []
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata' || !isObject(value) || typeof value.version !== 'string') continue
    // Keys may list several descriptors: "a@^1.0.0, a@npm:^1.1.0" (berry joins them in one key).
    const descriptor = key.split(',')[0]!.trim()
    const at = descriptor.indexOf('@', 1)
    if (at < 0) continue
    const name = descriptor.slice(0, at)
    entries.push({ name, version: value.version, line: lineOf(lines, descriptor) })
  }
  return entries
}

function cargoLock(doc: unknown, lines: string[]): Entry[] {
  if (!isObject(doc)) throw new Error('not a TOML table')
  const packages = doc.package
  if (!Array.isArray(packages)) return []
  const entries: Entry[] = []
  for (const pkg of packages) {
    if (!isObject(pkg) || typeof pkg.name !== 'string' || typeof pkg.version !== 'string') continue
    const index = lines.findIndex((l, i) => l.trim() === `name = "${pkg.name}"` && lines[i + 1]?.trim() === `version = "${pkg.version}"`)
    entries.push({ name: pkg.name, version: pkg.version, ...(index >= 0 ? { line: index + 1 } : {}) })
  }
  return entries
}

function cargoToml(doc: unknown, lines: string[]): Entry[] {
  if (!isObject(doc)) throw new Error('not a TOML table')
  const entries: Entry[] = []
  const tables: Array<[string, unknown]> = [
    ['dependencies', doc.dependencies],
    ['dev-dependencies', doc['dev-dependencies']],
    ['build-dependencies', doc['build-dependencies']],
  ]
  if (isObject(doc.target))
    for (const [target, t] of Object.entries(doc.target)) if (isObject(t)) tables.push([`target.${target}.dependencies`, t.dependencies])
  if (isObject(doc.workspace)) tables.push(['workspace.dependencies', doc.workspace.dependencies])
  for (const [field, deps] of tables) {
    if (!isObject(deps)) continue
    for (const [key, spec] of Object.entries(deps)) {
      const name = isObject(spec) && typeof spec.package === 'string' ? spec.package : key
      const version = typeof spec === 'string' ? spec : isObject(spec) && typeof spec.version === 'string' ? spec.version : '*'
      const index = lines.findIndex((l) => new RegExp(`^\\s*${key.replace(/[-]/g, '[-]')}\\s*=`).test(l))
      entries.push({ name, version, note: `declared in [${field}]`, ...(index >= 0 ? { line: index + 1 } : {}) })
    }
  }
  return entries
}

function goSum(lines: string[]): Entry[] {
  const entries: Entry[] = []
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const [module, version, hash] = line.split(/\s+/)
    if (!module || !version || !hash?.startsWith('h1:')) throw new Error(`line ${i + 1} is not "module version h1:hash"`)
    entries.push({ name: module, version: version.replace(/\/go\.mod$/, ''), line: i + 1 })
  })
  return entries
}
