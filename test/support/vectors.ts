// Where the conformance vectors live (test/vectors/, vendored with their provenance, licences and
// checksums: test/vectors/README.md) and how tests read them. Large JSON files are stored gzipped as
// `<name>.gz`; readers name the original file and get its bytes either way.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

/** The one place that says where the vectors are. */
export const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url))

/** The bytes of `rel` (a path under test/vectors as upstream names it), decompressed if stored as `rel.gz`. */
export function readVector(rel: string): Buffer {
  const path = `${VECTORS_DIR}${rel}`
  if (existsSync(path)) return readFileSync(path)
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`))
  throw new Error(`conformance vector ${rel} is not in test/vectors (see test/vectors/README.md)`)
}

export const readVectorJson = (rel: string): any => JSON.parse(readVector(rel).toString('utf8'))

/** The upstream names of the files in a vector folder (a `.json` stored gzipped is listed as the `.json`). */
export function listVectors(dir: string): string[] {
  return readdirSync(`${VECTORS_DIR}${dir}`)
    .map((name) => (name.endsWith('.json.gz') ? name.slice(0, -3) : name))
    .sort()
}
