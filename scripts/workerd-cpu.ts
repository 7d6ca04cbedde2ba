// CPU time of a local workerd, read from Linux's /proc: what the benchmarks time workerd work by
// (scripts/bench.ts, scripts/bench-cold.ts). Inside workerd the clock moves in 1 ms steps, and on a
// shared machine wall time also counts whatever else ran; the CPU time the workerd process spent is
// what the work itself cost. schedstat's first field is a thread's run time in nanoseconds.
import { readdirSync, readFileSync } from 'node:fs'

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
