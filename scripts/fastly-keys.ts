// Writes `fastly-keys.json`: the public keys of the server secret(s), which scripts/build-fastly.ts
// builds into the Fastly package. Why: Fastly Compute starts a fresh sandbox for every request, and
// in its interpreter deriving the public keys from SERVER_SECRET (three key generations, X25519
// scalar multiplications) would take a large share of the 50 ms CPU limit on every request. With the
// public keys built in, a request derives only the private key of the mode it uses.
//
// The file is public data (public keys, and per secret a check value that binds them to it without
// revealing it; src/service/keys.ts). The secrets are read from the environment, never written.
//
//   SERVER_SECRET=… [SERVER_SECRET_PREVIOUS=…] npm run fastly:keys [-- --out fastly-keys.json]
//   npm run fastly:keys -- --dev-vars          (the development secret of .dev.vars, for local use)
//
// Weak secrets (all one byte, such as fastly.toml [local_server]'s all-zero dummy; short patterns;
// printable text: src/service/keys.ts) are refused, as the service refuses them at run time, unless
// PQ_EDGE_DEV=1 is set in the environment: local development only (`fastly compute serve`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { selectBackends } from '../src/crypto/select.ts'
import { createHpke } from '../src/hpke/hpke.ts'
import * as mlkem from '../src/mlkem/node.ts'
import {
  assertStrongSecret,
  isLocalDevelopment,
  type KnownPublicKeys,
  knownPublicKeysFor,
  MODES,
  parseServerSecret,
} from '../src/service/keys.ts'

export const FASTLY_KEYS_FILE = fileURLToPath(new URL('../fastly-keys.json', import.meta.url))
const FORMAT = 'pq-edge fastly keys v1'

export interface FastlyKeysFile {
  format: typeof FORMAT
  note: string
  secrets: KnownPublicKeys[]
}

/** The file's contents for these secrets (the current one first); weak secrets are refused unless `allowWeak` (local development). */
export async function fastlyKeys(
  secrets: { variable: string; value: string }[],
  options: { allowWeak?: boolean } = {},
): Promise<FastlyKeysFile> {
  const { backends } = await selectBackends(mlkem)
  const hpke = createHpke(backends)
  const entries: KnownPublicKeys[] = []
  for (const { variable, value } of secrets) {
    const secret = parseServerSecret(variable, value)
    try {
      if (!options.allowWeak) assertStrongSecret(variable, secret)
      entries.push(await knownPublicKeysFor(backends, hpke, secret))
    } finally {
      secret.fill(0)
    }
  }
  return { format: FORMAT, note: 'Public keys for the Fastly build (npm run fastly:keys); public data, no secret.', secrets: entries }
}

/** Reads and checks a keys file; throws an Error saying what is wrong with it. */
export function readFastlyKeys(path: string): FastlyKeysFile {
  const fail = (why: string): never => {
    throw new Error(`${path}: ${why}; write it again with \`npm run fastly:keys\``)
  }
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    fail('not JSON')
  }
  const file = data as Partial<FastlyKeysFile>
  if (file?.format !== FORMAT) fail(`not a "${FORMAT}" file`)
  if (!Array.isArray(file.secrets) || file.secrets.length === 0) fail('no secrets listed')
  for (const entry of file.secrets!) {
    if (typeof entry?.check !== 'string' || !Array.isArray(entry.keys)) fail('an entry lacks its check or keys')
    for (const mode of MODES) {
      if (typeof entry.keys.find((k) => k?.mode === mode)?.publicKey !== 'string') fail(`an entry lacks its ${mode} public key`)
    }
  }
  return file as FastlyKeysFile
}

function devVarsSecrets(): { variable: string; value: string }[] {
  const path = fileURLToPath(new URL('../.dev.vars', import.meta.url))
  if (!existsSync(path)) throw new Error('.dev.vars does not exist: run `npm start` once (it creates one), or set SERVER_SECRET')
  const vars = Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  )
  return secretsFrom(vars)
}

function secretsFrom(vars: Record<string, string | undefined>): { variable: string; value: string }[] {
  const out = [{ variable: 'SERVER_SECRET', value: vars.SERVER_SECRET ?? '' }]
  if (vars.SERVER_SECRET_PREVIOUS) out.push({ variable: 'SERVER_SECRET_PREVIOUS', value: vars.SERVER_SECRET_PREVIOUS })
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: FASTLY_KEYS_FILE }, 'dev-vars': { type: 'boolean', default: false } },
  })
  try {
    const file = await fastlyKeys(values['dev-vars'] ? devVarsSecrets() : secretsFrom(process.env), {
      allowWeak: isLocalDevelopment(process.env),
    })
    writeFileSync(values.out!, `${JSON.stringify(file, null, 2)}\n`)
    console.log(
      `wrote ${values.out} (public keys of ${file.secrets.length} secret${file.secrets.length > 1 ? 's' : ''}); rebuild the Fastly package: npm run build:fastly`,
    )
  } catch (error) {
    console.error(`fastly:keys: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
