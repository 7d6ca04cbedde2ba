// The `pq-edge` command line: key set generation, key listing, session establishment and the config
// vault, over pq-edge/client. `main` takes its environment explicitly (argv, env, cwd, output) so
// tests can run it in-process as well as through dist/cli/pq-edge.js.
//
// Exit codes: 0 ok; 1 unexpected (a 5xx, a malformed response); 2 usage error; 3 the server refused
// the request (4xx: its code and detail are printed); 4 network/connection error; 5 crypto failure
// (key confirmation, a pinned key not offered, a value that does not decrypt, no usable key);
// 6 `audit --fail-on LEVEL` found something at or above LEVEL.
// Errors are one line on stderr; PQ_EDGE_DEBUG=1 adds the stack.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { AuditUsageError, runAudit } from '../audit/cli.ts'
import { admin, connect, getKeys, type Mode, PqEdgeError } from '../client/node.ts'
import { b64u, fromUtf8 } from '../crypto/bytes.ts'
import { generateSecrets } from '../service/auth.ts'

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

type Options = NonNullable<ParseArgsConfig['options']>

const GLOBAL: Options = {
  url: { type: 'string' },
  'pin-kid': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
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
  url(): string
  out(line: string): void
  emit(json: unknown, text: () => string): void
}

const GLOBAL_HELP = `Global options:
  --url URL        the pq-edge server (default: $PQ_EDGE_URL, then baseUrl in ./${CREDENTIALS_FILE}, then ${DEFAULT_URL})
  --pin-kid KID    refuse to talk to any server key but this one (establish, config get, config put)
  --json           machine-readable output on stdout
  -h, --help       help for the command
Credentials: PQ_EDGE_ADMIN_TOKEN (admin commands), PQ_EDGE_CLIENT_ID and PQ_EDGE_CLIENT_SECRET (establish,
config get), or adminToken / clientId / clientSecret in ./${CREDENTIALS_FILE} (written by npm start).
Exit codes: 0 ok, 1 unexpected, 2 usage, 3 refused by the server (4xx), 4 network, 5 crypto failure,
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
    summary: "list the server's public keys (GET /v1/keys); each kid is checked against its key",
    options: {},
    positionals: 0,
    async run(ctx) {
      const keySet = await getKeys(ctx.url())
      const keys = keySet.keys.map((k) => ({ ...k, publicKey: b64u(k.publicKey) }))
      ctx.emit({ ...keySet, keys }, () =>
        [
          `policy ${keySet.policy}, AEADs ${keySet.aeads.join(', ')}`,
          table(
            ['KID', 'MODE', 'KEM', 'STATUS', 'NOT BEFORE', 'NOT AFTER'],
            keySet.keys.map((k) => [
              k.kid,
              k.mode,
              `0x${k.kemId.toString(16).padStart(4, '0')}`,
              k.status,
              k.notBefore ?? '-',
              k.notAfter ?? '-',
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
      const session = await openSession(ctx)
      try {
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
      } finally {
        session.close()
      }
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
      else bytes = readInput(join(ctx.io.cwd, file!))
      const result = await adminClient(ctx).putConfig(name, bytes, ifMatch === undefined ? {} : { ifMatch })
      ctx.emit(result, () => `${result.name}: version ${result.version}`)
    },
  },
  'config get': {
    usage: 'pq-edge config get <name> [--out F] [--pin-kid KID] [--json]',
    summary: 'read and decrypt a value through a session (client credentials); the value goes to stdout, or to F',
    options: { out: { type: 'string' } },
    positionals: 1,
    async run(ctx) {
      const session = await openSession(ctx)
      try {
        const config = await session.getConfig(ctx.positionals[0]!)
        const out = ctx.values.out as string | undefined
        if (out !== undefined) writeFileSync(join(ctx.io.cwd, out), config.value, { mode: 0o600 })
        if (ctx.json) {
          const text = utf8OrNull(config.value)
          const shown = out !== undefined ? { out } : text !== null ? { value: text } : { valueBase64url: b64u(config.value) }
          ctx.out(JSON.stringify({ name: config.name, version: config.version, ...shown }))
        } else if (out !== undefined) ctx.out(`${config.name}: version ${config.version} written to ${out}`)
        else ctx.io.stdout(config.value)
      } finally {
        session.close()
      }
    },
  },
  'config list': {
    usage: 'pq-edge config list [--json]',
    summary: 'list config names and versions (admin)',
    options: {},
    positionals: 0,
    async run(ctx) {
      const items = await adminClient(ctx).listConfig()
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
    usage: 'pq-edge config delete <name> [--if-match N] [--json]',
    summary: 'delete a config name (admin); with --if-match, only if N is its current version',
    options: { 'if-match': { type: 'string' } },
    positionals: 1,
    async run(ctx) {
      const name = ctx.positionals[0]!
      const ifMatchText = ctx.values['if-match'] as string | undefined
      await adminClient(ctx).deleteConfig(name, ifMatchText === undefined ? {} : { ifMatch: parseVersion(ifMatchText, '--if-match') })
      ctx.emit({ name, deleted: true }, () => `${name}: deleted`)
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
      parsed = parseArgs({ args: rest, options: { ...GLOBAL, ...command.options }, allowPositionals: true, strict: true })
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
      url: () => resolveUrl(parsed.values.url as string | undefined, io),
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
  if (error instanceof PqEdgeError) {
    if (error.status !== undefined && error.status >= 400 && error.status < 500) return [EXIT.refused, error.message]
    switch (error.code) {
      case 'network_error':
        return [EXIT.network, `${error.message} (is the server running? check --url)`]
      case 'confirmation_failed':
      case 'pin_mismatch':
      case 'decryption_failed':
      case 'no_usable_key':
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

// ---------- configuration ----------

interface DevCredentials {
  baseUrl?: string
  adminToken?: string
  clientId?: string
  clientSecret?: string
}

function devCredentials(io: CliIo): DevCredentials {
  let text: string
  try {
    text = readFileSync(join(io.cwd, CREDENTIALS_FILE), 'utf8')
  } catch {
    return {}
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null) throw new Error()
    const p = parsed as Record<string, unknown>
    const str = (k: string) => (typeof p[k] === 'string' && p[k] ? { [k]: p[k] as string } : {})
    return { ...str('baseUrl'), ...str('adminToken'), ...str('clientId'), ...str('clientSecret') }
  } catch {
    throw new UsageError(`./${CREDENTIALS_FILE} is not a JSON object of { baseUrl, adminToken, clientId, clientSecret }`)
  }
}

function resolveUrl(flag: string | undefined, io: CliIo): string {
  return flag ?? (io.env.PQ_EDGE_URL || undefined) ?? devCredentials(io).baseUrl ?? DEFAULT_URL
}

function pinOf(ctx: Context) {
  const kid = ctx.values['pin-kid'] as string | undefined
  return kid === undefined ? {} : { pin: { kid } }
}

async function openSession(ctx: Context) {
  const file = devCredentials(ctx.io)
  const clientId = ctx.io.env.PQ_EDGE_CLIENT_ID || file.clientId
  const clientSecret = ctx.io.env.PQ_EDGE_CLIENT_SECRET || file.clientSecret
  if (!clientId || !clientSecret)
    throw new UsageError(`no client credentials: set PQ_EDGE_CLIENT_ID and PQ_EDGE_CLIENT_SECRET, or run where ./${CREDENTIALS_FILE} is`)
  const mode = ctx.values.mode as string | undefined
  if (mode !== undefined && mode !== 'hybrid' && mode !== 'pq' && mode !== 'classical')
    throw new UsageError('--mode must be hybrid, pq or classical')
  return connect(ctx.url(), {
    credentials: { clientId, clientSecret },
    reestablish: false,
    ...pinOf(ctx),
    ...(mode ? { mode: mode as Mode } : {}),
  })
}

function adminClient(ctx: Context) {
  const token = ctx.io.env.PQ_EDGE_ADMIN_TOKEN || devCredentials(ctx.io).adminToken
  if (!token) throw new UsageError(`no admin token: set PQ_EDGE_ADMIN_TOKEN, or run where ./${CREDENTIALS_FILE} is`)
  return admin(ctx.url(), { token, ...pinOf(ctx) })
}

// ---------- helpers ----------

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
