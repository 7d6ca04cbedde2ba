// Finds the files to scan under the given paths: WebAssembly binaries, lockfiles/manifests and
// JavaScript/TypeScript sources. Skips VCS folders and, unless asked, node_modules below a given
// folder (a lockfile already lists the dependencies; pass a package folder to scan its code).
import { type Dirent, readdirSync, type Stats, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { isLockfile } from './lockfiles.ts'

export type FileKind = 'wasm' | 'lockfile' | 'source'

const SOURCE = /\.(m|c)?(j|t)sx?$/
const DECLARATION = /\.d\.(m|c)?ts$/
const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn', '.wrangler', '.cache'])

export function kindOf(path: string): FileKind | undefined {
  const base = basename(path)
  if (base.endsWith('.wasm')) return 'wasm'
  if (isLockfile(base)) return 'lockfile'
  if (SOURCE.test(base) && !DECLARATION.test(base)) return 'source'
  return undefined
}

export class PathError extends Error {}

export interface WalkOptions {
  includeDeps?: boolean
}

/** Absolute paths with their kind, in a stable order. Throws PathError for a path that does not exist. */
export function collectFiles(paths: string[], cwd: string, options: WalkOptions = {}): Array<{ path: string; kind: FileKind }> {
  const out: Array<{ path: string; kind: FileKind }> = []
  const seen = new Set<string>()
  const add = (path: string, kind: FileKind) => {
    if (!seen.has(path)) {
      seen.add(path)
      out.push({ path, kind })
    }
  }
  for (const given of paths) {
    const root = resolve(cwd, given)
    let stat: Stats
    try {
      stat = statSync(root)
    } catch (error) {
      throw new PathError(`cannot read ${given}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    if (stat.isFile()) {
      // A file named explicitly is scanned whatever its name: sniffed as wasm or read as source.
      add(root, kindOf(root) ?? 'source')
      continue
    }
    const stack = [root]
    while (stack.length) {
      const dir = stack.pop()!
      let entries: Dirent[]
      try {
        entries = readdirSync(dir, { withFileTypes: true })
      } catch {
        continue
      }
      entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0))
      for (const entry of entries) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) {
          if (ALWAYS_SKIPPED.has(entry.name)) continue
          if (entry.name === 'node_modules' && !options.includeDeps) continue
          stack.push(path)
        } else if (entry.isFile()) {
          const kind = kindOf(path)
          if (kind) add(path, kind)
        }
      }
    }
  }
  return out
}
