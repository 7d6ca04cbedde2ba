// CPU time of a local workerd, read from Linux's /proc: what the benchmarks time workerd work by
// (scripts/bench.ts, scripts/bench-cold.ts). Inside workerd the clock moves in 1 ms steps, and on a
// shared machine wall time also counts whatever else ran; the CPU time the workerd process spent is
// what the work itself cost. schedstat's first field is a thread's run time in nanoseconds.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort, startProcess, waitForHttp } from './local-server.ts'

/** The workerd processes in a process group (wrangler dev's, as started by local-server.ts). */
export function workerdPids(processGroup: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (name === 'workerd' && Number(fields[2]) === processGroup) pids.push(Number(entry))
    } catch {
      // the process exited while we looked
    }
  }
  return pids
}

/** Total run time of every thread of these processes, in nanoseconds. */
export function cpuNs(pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      } catch {
        // the thread exited
      }
    }
  }
  return total
}

/** CPU nanoseconds workerd spent while `work` ran. */
export async function cpuOf(pids: number[], work: () => Promise<unknown>): Promise<number> {
  const before = cpuNs(pids)
  await work()
  return cpuNs(pids) - before
}

/** A bench worker under `wrangler dev`, ready to be timed by workerd's CPU time. */
export interface WorkerdBench {
  /** GET `path` on the worker; a non-2xx answer throws with its body. */
  get(path: string): Promise<Response>
  /** CPU nanoseconds workerd spent serving GET `path` (the body read to the end). */
  cpu(path: string): Promise<number>
  /** The median CPU of an empty request (GET /noop), to subtract from each timed one. */
  overheadNs: number
  stop(): Promise<void>
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Starts `wrangler dev -c config` (the worker answers /ping and /noop), finds its workerd processes,
 * warms the request path with 20 empty requests and measures 15 more for the overhead. The one start-up
 * the workerd benches share (scripts/bench.ts, scripts/bench-protocol.ts).
 */
export async function startWorkerdBench(config: string, label: string, startTimeoutMs = 60_000): Promise<WorkerdBench> {
  const [port, inspector] = [await freePort(), await freePort()]
  const server = startProcess(
    `${ROOT}node_modules/.bin/wrangler`,
    ['dev', '-c', config, '--port', String(port), '--inspector-port', String(inspector)],
    ROOT,
  )
  try {
    const base = `http://127.0.0.1:${port}`
    if (!(await waitForHttp(`${base}/ping`, startTimeoutMs)))
      throw new Error(`the workerd ${label} bench worker did not start:\n${server.output()}`)
    const pids = workerdPids(server.child.pid!)
    if (pids.length === 0) throw new Error('no workerd process found in the wrangler dev process group')
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`)
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res
    }
    const cpu = (path: string) => cpuOf(pids, () => get(path).then((r) => r.arrayBuffer()))
    for (let i = 0; i < 20; i++) await cpu('/noop') // warm the request path
    const noop: number[] = []
    for (let i = 0; i < 15; i++) noop.push(await cpu('/noop'))
    noop.sort((a, b) => a - b)
    return { get, cpu, overheadNs: noop[7]!, stop: () => server.stop() }
  } catch (error) {
    await server.stop()
    throw error
  }
}
