// Starting a local server for a test or a benchmark: a free loopback port, a child process in its
// own process group (so wrangler and its workerd stop together), and waiting until it answers.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

export interface LocalServer {
  child: ChildProcess
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  stop(): Promise<void>
}

export function startProcess(command: string, args: string[], cwd: string): LocalServer {
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM')
      await exited
    },
  }
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes; returns the response or undefined. */
export async function waitForHttp(url: string, timeoutMs: number, init?: RequestInit): Promise<Response | undefined> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await fetch(url, init).catch(() => undefined)
    if (res) return res
    await new Promise((r) => setTimeout(r, 250))
  }
  return undefined
}
