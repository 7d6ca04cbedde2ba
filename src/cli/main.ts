// The `pq-edge` command line: key set generation, key listing, session establishment, the config
// vault and re-wrapping, over pq-edge/client (protocol v2). `main` takes its environment explicitly
// (argv, env, cwd, output) so tests can run it in-process as well as through dist/cli/pq-edge.js.
//
// Where it connects and with what: ONE source, never mixed (so a URL from one place never receives
// secrets from another): `--credentials FILE` (or $PQ_EDGE_CREDENTIALS): baseUrl, adminToken,
// clientId, clientSecret all from the file; or `--url URL` (or $PQ_EDGE_URL) with the credentials
// from $PQ_EDGE_ADMIN_TOKEN, $PQ_EDGE_CLIENT_ID, $PQ_EDGE_CLIENT_SECRET; with neither, the file
// ./.dev.credentials.json that `npm start` writes, if present.
//
// Which server key it trusts: the known-keys file (./known-keys.ts), as ssh: the first session with
// an origin pins the key it used (noted on stderr); a different key later is refused loudly (exit 5);
// an authenticated rotation (the new key delivered inside a session established with the pinned one)
// moves the pin. `--pin-kid KID` pins for one command instead.
//
// Exit codes: 0 ok; 1 unexpected (a 5xx, a malformed response); 2 usage error; 3 the server refused
// the request (4xx: its code and detail are printed); 4 network/connection error; 5 crypto or trust
// failure (key confirmation, a changed server key, a value that does not open, no usable key, plain
// http: to a non-loopback host); 6 `audit --fail-on LEVEL` found something at or above LEVEL.
// Errors are one line on stderr (a changed key: a few, loudly); PQ_EDGE_DEBUG=1 adds the stack.
import { closeSync, existsSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { AuditUsageError, runAudit } from '../audit/cli.ts'
import { type AdminClient, admin, connect, getKeys, type Mode, type PinnedKey, PqEdgeError, type Session } from '../client/node.ts'
import { b64u, fromUtf8 } from '../crypto/bytes.ts'
import { generateSecrets } from '../service/auth.ts'
import { type KnownKey, KnownKeysError, knownKeysPath, loadKnownKeys, lookup, originOf, remember } from './known-keys.ts'

export const EXIT = { ok: 0, unexpected: 1, usage: 2, refused: 3, network: 4, crypto: 5, auditFindings: 6 } as const

export interface CliIo {
  env: Record<string, string | undefined>
  cwd: string
  stdout: (chunk: string | Uint8Array) => void
  stderr: (text: string) => void
  /** Reads standard input fully (for `--file -`). */
  stdin?: () => Promise<Uint8Array>
  /** Whether stderr is a terminal (audit progress is shown only then, or with --progress). */
  stderrIsTTY?: boolean
}

const DEFAULT_URL = 'http://127.0.0.1:8787'
const CREDENTIALS_FILE = '.dev.credentials.json'

class UsageError extends Error {}

/** The server no longer offers the key pinned in the known-keys file: refused, loudly. */
class PinChangedError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

const GLOBAL: Options = {
  url: { type: 'string' },
  credentials: { type: 'string' },
  'pin-kid': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

/**
 * `--name value` → `--name=value` for the options that take a value, so that a value starting with a
 * dash is taken as given: a kid is base64url and starts with "-" one time in 64, as a config value may.
 * parseArgs alone refuses `--pin-kid -x…` as ambiguous. A missing value, or a declared option where the
 * value should be, is a usage error.
 */
function attachValues(args: readonly string[], options: Options): string[] {
  const out: string[] = []
  const isOption = (arg: string) =>
    arg.startsWith('--') ? Object.hasOwn(options, arg.slice(2)) : Object.values(options).some((o) => `-${o.short}` === arg)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--') {
      out.push(...args.slice(i))
      break
    }
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined
    if (name === undefined || options[name]?.type !== 'string') {
      out.push(arg)
      continue
    }
    const value = args[i + 1]
    if (value === undefined || isOption(value)) throw new UsageError(`--${name} needs a value`)
    out.push(`--${name}=${value}`)
    i++
  }
  return out
}

interface Command {
  usage: string
  summary: string
  options: Options
  /** How many positionals the command takes; 'any' for a list (audit's paths). */
  positionals: number | 'any'
  // biome-ignore lint/suspicious/noConfusingVoidType: most commands return nothing; audit returns its exit code
  run(ctx: Context): Promise<void | number>
}

interface Context {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>
  positionals: string[]
  io: CliIo
  json: boolean
  source(): Source
  out(line: string): void
  emit(json: unknown, text: () => string): void
}

const GLOBAL_HELP = `Global options:
  --credentials F  take the server URL and all credentials from the JSON file F
                   ({ baseUrl, adminToken, clientId, clientSecret }; default: $PQ_EDGE_CREDENTIALS)
  --url URL        the server (default: $PQ_EDGE_URL), credentials then from PQ_EDGE_ADMIN_TOKEN (admin
                   commands), PQ_EDGE_CLIENT_ID and PQ_EDGE_CLIENT_SECRET (establish, config get)
                   With neither: ./${CREDENTIALS_FILE} (written by npm start), else ${DEFAULT_URL}.
                   URL and credentials always come from one source; mixing them is a usage error.
                   https: only, or http: to loopback (127.0.0.0/8, ::1, localhost).
  --pin-kid KID    trust only this server key for this command (instead of the known-keys file)
  --json           machine-readable output on stdout
  -h, --help       help for the command
Server keys are pinned on first use in $PQ_EDGE_KNOWN_KEYS (default ~/.config/pq-edge/known_keys.json);
a changed key is refused (exit 5); a rotation delivered inside an authenticated session moves the pin.
Exit codes: 0 ok, 1 unexpected, 2 usage, 3 refused by the server (4xx), 4 network, 5 crypto/trust failure,
6 audit findings at or above --fail-on.`

const COMMANDS: Record<string, Command> = {
  audit: {
    usage: 'pq-edge audit [paths...] [--json | --sarif] [--fail-on critical|high|medium|low] [--include-deps] [--progress]',
    summary:
      'inventory the classical key exchange and signatures (wasm, lockfiles, JS/TS) a post-quantum migration must replace (docs/AUDIT.md)',
    options: {
      sarif: { type: 'boolean' },
      'fail-on': { type: 'string' },
      'include-deps': { type: 'boolean' },
      progress: { type: 'boolean' },
    },
    positionals: 'any',
    async run(ctx) {
      try {
        return await runAudit(ctx.positionals, ctx.values, { ...ctx.io, json: ctx.json })
      } catch (error) {
        throw error instanceof AuditUsageError ? new UsageError(error.message) : error
      }
    },
  },
  keygen: {
    usage: 'pq-edge keygen [--client-id ID] [--scope SCOPE]... [--json]',
    summary: 'generate a fresh key set: server secrets to configure, and the admin token and client credentials to hand out',
    options: { 'client-id': { type: 'string' }, scope: { type: 'string', multiple: true } },
    positionals: 0,
    async run(ctx) {
      const clientId = ctx.values['client-id'] as string | undefined
      const scopes = ctx.values.scope as string[] | undefined
      let generated: Awaited<ReturnType<typeof generateSecrets>>
      try {
        generated = await generateSecrets({ ...(clientId !== undefined ? { clientId } : {}), ...(scopes ? { scopes } : {}) })
      } catch (error) {
        throw new UsageError((error as Error).message)
      }
      const { vars, plaintext } = generated
      ctx.io.stderr(
        'WARNING: the admin token and client secret below are shown once and stored nowhere; only their SHA-256 is configured. Hand them over a secure channel, never commit them.',
      )
      ctx.emit({ vars, plaintext }, () =>
        [
          '# Configure on the server (`wrangler secret put NAME`, or .dev.vars locally):',
          `SERVER_SECRET=${vars.SERVER_SECRET}`,
          `ADMIN_TOKEN_SHA256=${vars.ADMIN_TOKEN_SHA256}`,
          `CLIENTS=${vars.CLIENTS}`,
          '',
          '# Hand out once (secret!):',
          `PQ_EDGE_ADMIN_TOKEN=${plaintext.adminToken}`,
          `PQ_EDGE_CLIENT_ID=${plaintext.client.id}`,
          `PQ_EDGE_CLIENT_SECRET=${plaintext.client.secret}`,
        ].join('\n'),
      )
    },
  },
  keys: {
    usage: 'pq-edge keys [--url URL] [--json]',
    summary:
      "list the server's public keys (GET /v2/keys, unauthenticated: compare with your known-keys file); each kid is checked against its key",
    options: {},
    positionals: 0,
    async run(ctx) {
      const { url } = ctx.source()
      const keySet = await getKeys(url)
      const path = knownKeysPath(ctx.io.env)
      const known = loadKnownKeys(path)
      const pinned = (k: { kid: string; mode: Mode; publicKey: Uint8Array }) =>
        lookup(known, originOf(url), k.mode)?.publicKey === b64u(k.publicKey)
      const keys = keySet.keys.map((k) => ({ ...k, publicKey: b64u(k.publicKey), pinned: pinned(k) }))
      ctx.emit({ ...keySet, keys }, () =>
        [
          `policy ${keySet.policy}, AEADs ${keySet.aeads.join(', ')}`,
          table(
            ['KID', 'MODE', 'KEM', 'STATUS', 'NOT BEFORE', 'NOT AFTER', 'PINNED'],
            keySet.keys.map((k) => [
              k.kid,
              k.mode,
              `0x${k.kemId.toString(16).padStart(4, '0')}`,
              k.status,
              k.notBefore ?? '-',
              k.notAfter ?? '-',
              pinned(k) ? 'yes' : '-',
            ]),
          ),
        ].join('\n'),
      )
    },
  },
  establish: {
    usage: 'pq-edge establish [--mode hybrid|pq|classical] [--pin-kid KID] [--json]',
    summary: 'establish a session with the client credentials and print its id, expiry and scopes (never its key)',
    options: { mode: { type: 'string' } },
    positionals: 0,
    async run(ctx) {
      const mode = modeOption(ctx)
      await withSession(ctx, mode, async (session) => {
        const info = {
          sessionId: session.id,
          expiresAt: session.expiresAt.toISOString().replace('.000Z', 'Z'),
          scopes: session.scopes,
          kid: session.kid,
          mode: session.mode,
          aead: session.aead,
        }
        ctx.emit(info, () =>
          [
            `session    ${info.sessionId}`,
            `expires    ${info.expiresAt}`,
            `scopes     ${info.scopes.join(' ')}`,
            `server key ${info.kid} (${info.mode}), AEAD ${info.aead === 3 ? 'ChaCha20-Poly1305' : 'AES-256-GCM'}; key confirmation verified`,
          ].join('\n'),
        )
      })
    },
  },
  'config put': {
    usage: "pq-edge config put <name> (--value V | --file F) (--create | --if-match N|'*') [--pin-kid KID] [--json]",
    summary:
      "seal a value to the server's key and store it: --create for a new name, --if-match N to replace version N, '*' for whatever is current",
    options: { value: { type: 'string' }, file: { type: 'string' }, 'if-match': { type: 'string' }, create: { type: 'boolean' } },
    positionals: 1,
    async run(ctx) {
      const name = ctx.positionals[0]!
      const { value, file, create } = ctx.values as { value?: string; file?: string; create?: boolean }
      const ifMatchText = ctx.values['if-match'] as string | undefined
      if ((value === undefined) === (file === undefined))
        throw new UsageError('give exactly one of --value V or --file F (--file - reads stdin)')
      if (!!create === (ifMatchText !== undefined))
        throw new UsageError("give exactly one of --create (a new name) or --if-match N|'*' (replace)")
      let ifMatch: number | '*' | undefined
      if (ifMatchText !== undefined) ifMatch = ifMatchText === '*' ? '*' : parseVersion(ifMatchText, '--if-match')
      let bytes: Uint8Array | string
      if (value !== undefined) bytes = value
      else if (file === '-') bytes = await (ctx.io.stdin ?? readStdin)()
      else bytes = readInput(resolvePath(ctx.io.cwd, file!))
      const result = await withAdmin(ctx, (adm) => adm.putConfig(name, bytes, ifMatch === undefined ? {} : { ifMatch }))
      ctx.emit(result, () => `${result.name}: version ${result.version}`)
    },
  },
  'config get': {
    usage: 'pq-edge config get <name> [--out F] [--pin-kid KID] [--json]',
    summary: 'read and open a value through a session (client credentials); the value goes to stdout, or to F (mode 0600)',
    options: { out: { type: 'string' } },
    positionals: 1,
    async run(ctx) {
      await withSession(ctx, undefined, async (session) => {
        const config = await session.getConfig(ctx.positionals[0]!)
        const out = ctx.values.out as string | undefined
        if (out !== undefined) writePrivate(resolvePath(ctx.io.cwd, out), config.value)
        if (ctx.json) {
          const text = utf8OrNull(config.value)
          const shown = out !== undefined ? { out } : text !== null ? { value: text } : { valueBase64url: b64u(config.value) }
          ctx.out(JSON.stringify({ name: config.name, version: config.version, ...shown }))
        } else if (out !== undefined) ctx.out(`${config.name}: version ${config.version} written to ${out}`)
        else ctx.io.stdout(config.value)
      })
    },
  },
  'config list': {
    usage: 'pq-edge config list [--json]',
    summary: 'list config names and versions (admin)',
    options: {},
    positionals: 0,
    async run(ctx) {
      const items = await withAdmin(ctx, (adm) => adm.listConfig())
      ctx.emit({ items }, () =>
        items.length
          ? table(
              ['NAME', 'VERSION'],
              items.map((i) => [i.name, String(i.version)]),
            )
          : '(no config)',
      )
    },
  },
  'config delete': {
    usage: "pq-edge config delete <name> --if-match N|'*' [--json]",
    summary: "delete a config name (admin), only if N is its current version ('*': whatever is current, read first)",
    options: { 'if-match': { type: 'string' } },
    positionals: 1,
    async run(ctx) {
      const name = ctx.positionals[0]!
      const ifMatchText = ctx.values['if-match'] as string | undefined
      if (ifMatchText === undefined)
        throw new UsageError("give --if-match N (the version to delete) or --if-match '*' (whatever is current)")
      const ifMatch = ifMatchText === '*' ? '*' : parseVersion(ifMatchText, '--if-match')
      await withAdmin(ctx, (adm) => adm.deleteConfig(name, { ifMatch }))
      ctx.emit({ name, deleted: true }, () => `${name}: deleted`)
    },
  },
  rewrap: {
    usage: 'pq-edge rewrap [--json]',
    summary: 're-wrap every stored record under the current vault key (admin), page by page, with progress on stderr',
    options: {},
    positionals: 0,
    async run(ctx) {
      const report = await withAdmin(ctx, (adm) =>
        adm.rewrap({
          onPage: (_page, t) =>
            ctx.io.stderr(
              `pq-edge: rewrap page ${t.pages}: ${t.updated + t.unchanged + t.vanished + t.conflicts.length + t.unreadable.length} records so far (updated ${t.updated}, unchanged ${t.unchanged})`,
            ),
        }),
      )
      ctx.emit(report, () =>
        [
          `rewrapped under ${report.kek} in ${report.pages} page(s): updated ${report.updated}, unchanged ${report.unchanged}, vanished ${report.vanished}`,
          ...(report.conflicts.length ? [`conflicts (written meanwhile; run again): ${report.conflicts.join(' ')}`] : []),
          ...(report.unreadable.length ? [`UNREADABLE (under no configured secret): ${report.unreadable.join(' ')}`] : []),
        ].join('\n'),
      )
    },
  },
}

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`)
  return `pq-edge: post-quantum key establishment and an encrypted config vault (client CLI)\n\nUsage: pq-edge <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`
}

/** Runs one command; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = io.env.PQ_EDGE_DEBUG === '1'
  try {
    let commandName: string | undefined
    let rest: string[]
    if (argv[0] === 'config') {
      if (argv[1] === undefined || argv[1].startsWith('-')) {
        if (argv.includes('--help') || argv.includes('-h')) {
          io.stdout(`${['put', 'get', 'list', 'delete'].map((s) => COMMANDS[`config ${s}`]!.usage).join('\n')}\n`)
          return EXIT.ok
        }
        throw new UsageError('config needs a subcommand: put, get, list or delete')
      }
      commandName = `config ${argv[1]}`
      rest = argv.slice(2)
    } else {
      commandName = argv[0]
      rest = argv.slice(1)
    }
    if (commandName === undefined || commandName === '--help' || commandName === '-h' || commandName === 'help') {
      io.stdout(`${overview()}\n`)
      return commandName === undefined ? EXIT.usage : EXIT.ok
    }
    const command = COMMANDS[commandName]
    if (!command) throw new UsageError(`unknown command "${commandName}"; run pq-edge --help`)
    let parsed: ReturnType<typeof parseArgs>
    try {
      const options = { ...GLOBAL, ...command.options }
      parsed = parseArgs({ args: attachValues(rest, options), options, allowPositionals: true, strict: true })
    } catch (error) {
      throw new UsageError((error as Error).message)
    }
    if (parsed.values.help) {
      io.stdout(`Usage: ${command.usage}\n\n${command.summary}\n\n${GLOBAL_HELP}\n`)
      return EXIT.ok
    }
    if (command.positionals !== 'any' && parsed.positionals.length !== command.positionals) {
      throw new UsageError(`${command.positionals === 0 ? 'no arguments expected' : 'expected <name>'}; usage: ${command.usage}`)
    }
    const json = parsed.values.json === true
    const ctx: Context = {
      values: parsed.values,
      positionals: parsed.positionals,
      io,
      json,
      source: () => resolveSource(parsed.values, io),
      out: (line) => io.stdout(`${line}\n`),
      emit(value, text) {
        io.stdout(`${json ? JSON.stringify(value) : text()}\n`)
      },
    }
    return (await command.run(ctx)) ?? EXIT.ok
  } catch (error) {
    const [code, line] = describe(error)
    io.stderr(`pq-edge: ${line}`)
    if (debug && error instanceof Error && error.stack) io.stderr(error.stack)
    return code
  }
}

function describe(error: unknown): [number, string] {
  if (error instanceof UsageError) return [EXIT.usage, `usage error: ${error.message}`]
  if (error instanceof PinChangedError) return [EXIT.crypto, error.message]
  if (error instanceof KnownKeysError) return [EXIT.usage, error.message]
  if (error instanceof PqEdgeError) {
    if (error.status !== undefined && error.status >= 400 && error.status < 500) return [EXIT.refused, error.message]
    switch (error.code) {
      case 'network_error':
        return [EXIT.network, `${error.message} (is the server running? check the URL)`]
      case 'confirmation_failed':
      case 'pin_mismatch':
      case 'decryption_failed':
      case 'no_usable_key':
      case 'insecure_transport':
        return [EXIT.crypto, error.message]
      case 'invalid_name':
      case 'invalid_argument':
        return [EXIT.usage, `usage error: ${error.message}`]
      default:
        return [EXIT.unexpected, error.message]
    }
  }
  return [EXIT.unexpected, `unexpected error: ${error instanceof Error ? error.message : String(error)} (PQ_EDGE_DEBUG=1 for details)`]
}

// ---------- where to connect, with what ----------

interface Source {
  url: string
  /** Where url and credentials came from, for messages. */
  from: string
  adminToken?: string
  clientId?: string
  clientSecret?: string
}

const ENV_CREDENTIALS = ['PQ_EDGE_ADMIN_TOKEN', 'PQ_EDGE_CLIENT_ID', 'PQ_EDGE_CLIENT_SECRET'] as const

/** URL and credentials from exactly one source (see the header comment); mixing is a usage error. */
function resolveSource(values: Context['values'], io: CliIo): Source {
  const fileFlag = (values.credentials as string | undefined) ?? (io.env.PQ_EDGE_CREDENTIALS || undefined)
  const urlFlag = (values.url as string | undefined) ?? (io.env.PQ_EDGE_URL || undefined)
  const envSet = ENV_CREDENTIALS.filter((name) => io.env[name])
  if (fileFlag !== undefined) {
    const fileWhat = values.credentials !== undefined ? '--credentials' : 'PQ_EDGE_CREDENTIALS'
    const mixed = [...(values.url !== undefined ? ['--url'] : io.env.PQ_EDGE_URL ? ['PQ_EDGE_URL'] : []), ...envSet]
    if (mixed.length)
      throw new UsageError(
        `${fileWhat} takes the URL and all credentials from ${fileFlag}; do not also set ${mixed.join(', ')} (URL and credentials must come from one source)`,
      )
    return credentialsFile(resolvePath(io.cwd, fileFlag))
  }
  if (urlFlag !== undefined) {
    const str = (name: (typeof ENV_CREDENTIALS)[number]) => (io.env[name] ? io.env[name] : undefined)
    const adminToken = str('PQ_EDGE_ADMIN_TOKEN')
    const clientId = str('PQ_EDGE_CLIENT_ID')
    const clientSecret = str('PQ_EDGE_CLIENT_SECRET')
    return {
      url: urlFlag,
      from: values.url !== undefined ? '--url and the PQ_EDGE_* environment' : 'the PQ_EDGE_* environment',
      ...(adminToken ? { adminToken } : {}),
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
    }
  }
  if (envSet.length)
    throw new UsageError(
      `${envSet.join(', ')} ${envSet.length === 1 ? 'is' : 'are'} set but no server URL: set PQ_EDGE_URL or --url as well (URL and credentials must come from one source)`,
    )
  const local = join(io.cwd, CREDENTIALS_FILE)
  if (existsSync(local)) return credentialsFile(local)
  return { url: DEFAULT_URL, from: `the default URL ${DEFAULT_URL} (no credentials)` }
}

function credentialsFile(path: string): Source {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read the credentials file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  let p: Record<string, unknown>
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error()
    p = parsed as Record<string, unknown>
  } catch {
    throw new UsageError(`${path} is not a JSON object of { baseUrl, adminToken, clientId, clientSecret }`)
  }
  if (typeof p.baseUrl !== 'string' || !p.baseUrl) throw new UsageError(`${path} has no baseUrl: the server the credentials are for`)
  const str = (k: string) => (typeof p[k] === 'string' && p[k] ? { [k]: p[k] as string } : {})
  return { url: p.baseUrl, from: path, ...str('adminToken'), ...str('clientId'), ...str('clientSecret') }
}

// ---------- which server key to trust ----------

interface Trusting {
  options: { pin: { kid: string; publicKey?: string }; mode: Mode } | { trustKeysFromServer: true; mode?: Mode }
  onPinChange?: (next: PinnedKey, previous: PinnedKey) => void
  /** After a session: pins the key it used when this was a first use. */
  established(pin: PinnedKey | undefined): void
}

/** The pin for this origin and mode: --pin-kid, else the known-keys file, else trust on first use. */
function trusting(ctx: Context, url: string, mode: Mode | undefined): Trusting {
  const kid = ctx.values['pin-kid'] as string | undefined
  if (kid !== undefined) return { options: { pin: { kid }, mode: mode ?? 'hybrid' }, established() {} }
  const path = knownKeysPath(ctx.io.env)
  const origin = originOf(url)
  const wanted = mode ?? 'hybrid'
  const entry = lookup(loadKnownKeys(path), origin, wanted)
  if (entry) {
    return {
      options: { pin: { kid: entry.kid, publicKey: entry.publicKey }, mode: wanted },
      onPinChange(next, previous) {
        remember(path, origin, next)
        ctx.io.stderr(
          `pq-edge: ${origin} rotated its ${next.mode} key ${previous.kid} -> ${next.kid} (delivered inside a session established with the pinned key); ${path} now pins ${next.kid}`,
        )
      },
      established() {},
    }
  }
  return {
    options: { trustKeysFromServer: true, ...(mode ? { mode } : {}) },
    established(pin) {
      if (!pin) return
      remember(path, origin, pin)
      ctx.io.stderr(
        `pq-edge: first connection to ${origin}: pinned its ${pin.mode} server key ${pin.kid} in ${path}; a different key will be refused`,
      )
    },
  }
}

/** pin_mismatch against a known-keys pin: the loud refusal, naming the file and the entry to remove. */
function pinChanged(ctx: Context, url: string, mode: Mode | undefined, error: PqEdgeError): never {
  const path = knownKeysPath(ctx.io.env)
  const origin = originOf(url)
  const wanted = mode ?? 'hybrid'
  const entry: KnownKey | undefined = lookup(loadKnownKeys(path), origin, wanted)
  throw new PinChangedError(
    [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      `@    WARNING: THE SERVER KEY OF ${origin} HAS CHANGED`,
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      `The ${wanted} key pinned for ${origin} (kid ${entry?.kid ?? '?'}) is not what the server offers now: ${error.detail ?? error.code}.`,
      'Someone could be intercepting the connection (a man in the middle), or the server key was replaced without a rotation.',
      'Nothing secret was sent. A legitimate rotation moves the pin by itself; this was not one.',
      `If you know the server key was replaced, delete the entry "${origin}" -> "${wanted}" from ${path} and run the command again.`,
    ].join('\n'),
  )
}

/** Runs `use` on a client session (client credentials), pinning as above; closes the session. */
async function withSession<T>(ctx: Context, mode: Mode | undefined, use: (session: Session) => Promise<T>): Promise<T> {
  const source = ctx.source()
  if (!source.clientId || !source.clientSecret)
    throw new UsageError(
      `no client credentials in ${source.from}: use --credentials FILE (or ./${CREDENTIALS_FILE}) with clientId and clientSecret, or --url with PQ_EDGE_CLIENT_ID and PQ_EDGE_CLIENT_SECRET`,
    )
  const trust = trusting(ctx, source.url, mode)
  let session: Session
  try {
    session = await connect(source.url, {
      credentials: { clientId: source.clientId, clientSecret: source.clientSecret },
      reestablish: false,
      ...trust.options,
      ...(trust.onPinChange ? { onPinChange: trust.onPinChange } : {}),
    })
  } catch (error) {
    if (error instanceof PqEdgeError && error.code === 'pin_mismatch' && 'pin' in trust.options && ctx.values['pin-kid'] === undefined)
      pinChanged(ctx, source.url, mode, error)
    throw error
  }
  try {
    trust.established(session.pin)
    return await use(session)
  } finally {
    session.close()
  }
}

/** Runs `use` on an admin client (an admin session established on first use), pinning as above; closes it. */
async function withAdmin<T>(ctx: Context, use: (adm: AdminClient) => Promise<T>): Promise<T> {
  const source = ctx.source()
  if (!source.adminToken)
    throw new UsageError(
      `no admin token in ${source.from}: use --credentials FILE (or ./${CREDENTIALS_FILE}) with adminToken, or --url with PQ_EDGE_ADMIN_TOKEN`,
    )
  const trust = trusting(ctx, source.url, undefined)
  const adm = admin(source.url, {
    adminToken: source.adminToken,
    ...trust.options,
    ...(trust.onPinChange ? { onPinChange: trust.onPinChange } : {}),
  })
  try {
    return await use(adm)
  } catch (error) {
    if (error instanceof PqEdgeError && error.code === 'pin_mismatch' && 'pin' in trust.options && ctx.values['pin-kid'] === undefined)
      pinChanged(ctx, source.url, undefined, error)
    throw error
  } finally {
    trust.established(adm.pin)
    adm.close()
  }
}

// ---------- helpers ----------

function modeOption(ctx: Context): Mode | undefined {
  const mode = ctx.values.mode as string | undefined
  if (mode !== undefined && mode !== 'hybrid' && mode !== 'pq' && mode !== 'classical')
    throw new UsageError('--mode must be hybrid, pq or classical')
  return mode as Mode | undefined
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path)
}

/** Writes a secret value owner-only: 0600 whether the file is new or already existed (then before any byte is written). */
function writePrivate(path: string, bytes: Uint8Array): void {
  let fd: number
  try {
    fd = openSync(path, 'w', 0o600)
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  try {
    fchmodSync(fd, 0o600)
    let at = 0
    while (at < bytes.length) at += writeSync(fd, bytes, at)
  } finally {
    closeSync(fd)
  }
}

function parseVersion(text: string, flag: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new UsageError(`${flag} must be a version number (1, 2, …)${flag === '--if-match' ? " or '*'" : ''}`)
  return Number(text)
}

function readInput(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path))
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
  return new Uint8Array(Buffer.concat(chunks))
}

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return fromUtf8(bytes)
  } catch {
    return null
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function processIo(): CliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (chunk) => void process.stdout.write(chunk),
    stderr: (text) => void process.stderr.write(`${text}\n`),
    stderrIsTTY: process.stderr.isTTY === true,
  }
}
