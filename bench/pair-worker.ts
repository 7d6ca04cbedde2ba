// The request side of the workerd pair benches (bench/mlkem.workerd.ts, bench/xwing.workerd.ts), which
// scripts/bench.ts drives by workerd's CPU time (benchWorkerdPairs): GET /cases lists {op, a, b};
// GET /op?case=i&side=a|b&n=N runs N operations of one contender; /ping and /noop answer at once.

export type Op = () => unknown
/** [operation, [contender a, its op], [contender b, its op]] */
export type Case = [string, [string, Op], [string, Op]]

/** The worker: cases are built on the first request that needs them (inside a request, never at top level). */
export function pairWorker(buildCases: () => Promise<Case[]>): { fetch(request: Request): Promise<Response> } {
  let cases: Promise<Case[]> | undefined
  return {
    async fetch(request) {
      const url = new URL(request.url)
      if (url.pathname === '/ping') return new Response('ready')
      if (url.pathname === '/noop') return new Response('done')
      const all = await (cases ??= buildCases())
      if (url.pathname === '/cases') return Response.json(all.map(([op, [a], [b]]) => ({ op, a, b })))
      if (url.pathname === '/op') {
        const c = all[Number(url.searchParams.get('case'))]
        const n = Number(url.searchParams.get('n') ?? 1)
        if (!c || !(n > 0)) return new Response('no such case', { status: 404 })
        const op = url.searchParams.get('side') === 'b' ? c[2][1] : c[1][1]
        for (let i = 0; i < n; i++) await op()
        return new Response('done')
      }
      return new Response('not found', { status: 404 })
    },
  }
}
