// `npm run bench:http`: session establishments per second through workerd on loopback, for the
// default hybrid mode (X-Wing) and an X25519-only mode (DHKEM(X25519), allowed by the pq-preferred
// policy), in the same run. It starts `wrangler dev` with a throwaway key set and store, prepares one
// establishment request per mode with the project's own client half, and replays each with
// autocannon (a server answers every replay with a fresh session, so each request costs one full
// server-side establishment). Rounds alternate between the modes; medians are reported.
// Bounded: ROUNDS × AMOUNT requests per mode, each round also stopped after ROUND_SECONDS.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { b64u, fromB64u, sha256, toHex } from '../src/crypto/bytes.ts'
import { AEAD, hpke, KDF } from '../src/hpke/node.ts'
import { beginSession, type Credentials, MODE_KEM, type Mode } from '../src/protocol/v2.ts'
import { generateSecrets } from '../src/service/auth.ts'
import { freePort, startProcess, waitForHttp } from './local-server.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = 3
const AMOUNT = 1500
const ROUND_SECONDS = 30
const CONNECTIONS = 8
const MODES: Mode[] = ['hybrid', 'classical']
const log = (line: string) => console.error(line)

interface KeyEntry {
  kid: string
  mode: Mode
  kemId: number
  publicKey: string
  status: string
}

function runAutocannon(url: string, body: string): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, amount: AMOUNT },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    const timer = setTimeout(() => instance.stop(), ROUND_SECONDS * 1000)
    instance.on('done', () => clearTimeout(timer))
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

async function main(): Promise<void> {
  const secrets = await generateSecrets({ clientId: 'bench', scopes: ['bench/'] })
  // Classical mode takes a client's separate classical secret (PROTOCOL §6.3): add one to the throwaway client.
  const classicalSecret = `pqe_client_${b64u(crypto.getRandomValues(new Uint8Array(32)))}`
  const clients = JSON.parse(secrets.vars.CLIENTS) as Record<string, unknown>[]
  clients[0]!.classicalSecretSha256 = toHex(await sha256(classicalSecret))
  const [port, inspector] = [await freePort(), await freePort()]
  const persist = mkdtempSync(join(tmpdir(), 'pq-edge-bench-http-'))
  const vars = {
    SERVER_SECRET: secrets.vars.SERVER_SECRET,
    ADMIN_TOKEN_SHA256: secrets.vars.ADMIN_TOKEN_SHA256,
    CLIENTS: JSON.stringify(clients),
    PQ_POLICY: 'pq-preferred', // the only policy that admits an X25519-only client, for comparison
  }
  const args = ['dev', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persist]
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`)
  log('bench:http: starting wrangler dev (pq-preferred policy, throwaway keys and store)')
  const server = startProcess(`${ROOT}node_modules/.bin/wrangler`, args, ROOT)
  try {
    const base = `http://127.0.0.1:${port}`
    const keysResponse = await waitForHttp(`${base}/v2/keys`, 60_000)
    if (!keysResponse?.ok) throw new Error(`GET /v2/keys failed (${keysResponse?.status}):\n${server.output()}`)
    const { keys } = (await keysResponse.json()) as { keys: KeyEntry[] }

    // A body carries its timestamp (PROTOCOL §5.1: fresh for ±120 s), so each round gets new ones.
    const bodies = {} as Record<Mode, string>
    const prepare = async (mode: Mode) => {
      const key = keys.find((k) => k.mode === mode && k.status === 'current')
      if (!key) throw new Error(`the server offers no current ${mode} key`)
      const suite = hpke.suite({
        kem: MODE_KEM[mode],
        kdf: KDF.HkdfSha256,
        aead: AEAD.ChaCha20Poly1305,
        allowClassical: mode === 'classical',
      })
      const credentials: Credentials = {
        principal: 'client',
        id: secrets.plaintext.client.id,
        secret: mode === 'classical' ? classicalSecret : secrets.plaintext.client.secret,
      }
      const { request } = await beginSession({ suite, kid: key.kid, serverPublicKey: fromB64u(key.publicKey, 'publicKey'), credentials })
      bodies[mode] = JSON.stringify(request)
      // One checked request first: the body must establish a session, or the rates mean nothing.
      const check = await fetch(`${base}/v2/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[mode],
      })
      if (check.status !== 201) throw new Error(`${mode}: POST /v2/sessions answered ${check.status}: ${await check.text()}`)
    }

    const rates: Record<Mode, number[]> = { hybrid: [], pq: [], classical: [] }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of MODES) {
        await prepare(mode)
        const result = await runAutocannon(`${base}/v2/sessions`, bodies[mode])
        const failed = result.non2xx + result.errors + result.timeouts
        if (failed) throw new Error(`${mode}: ${failed} of ${result.requests.total} requests failed`)
        const rate = result.requests.total / (result.duration || 1)
        rates[mode].push(rate)
        log(
          `bench:http: round ${round}, ${mode}: ${result.requests.total} establishments, ${rate.toFixed(0)}/s, p50 latency ${result.latency.p50} ms`,
        )
      }
    }
    const hybrid = median(rates.hybrid)
    const classical = median(rates.classical)
    const summary = {
      rounds: ROUNDS,
      amount: AMOUNT,
      connections: CONNECTIONS,
      establishmentsPerSecond: { hybrid, x25519Only: classical },
      ratio: hybrid / classical,
    }
    if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2))
    else {
      console.log(`POST /v2/sessions through workerd (wrangler dev, loopback), ${CONNECTIONS} connections, median of ${ROUNDS} rounds`)
      console.log(`hybrid (X-Wing)           ${hybrid.toFixed(0).padStart(6)} establishments/s`)
      console.log(`X25519-only (DHKEM)       ${classical.toFixed(0).padStart(6)} establishments/s`)
      console.log(`hybrid / X25519-only      ${(100 * summary.ratio).toFixed(0).padStart(5)} %   (goal: at least 70 %)`)
    }
  } finally {
    await server.stop()
    rmSync(persist, { recursive: true, force: true })
  }
}

await main()
