// The protocol bench inside workerd: the worker the driver generates (scripts/bench-protocol.ts) imports
// each tree's modules and exports createProtocolWorker(trees). It only runs batches; the driver times
// each request by the workerd process's CPU time (scripts/workerd-cpu.ts), as bench/xwing.workerd.ts:
//   GET /info                        the trees: protocol version, cases, server backends
//   GET /prepare?tree=t&case=c&n=N   builds the next batch of N requests with the tree's client (not timed)
//   GET /run?tree=t                  serves that batch through the tree's app (timed)
//   GET /noop                        an empty request (subtracted)
import { createTreeBench, type TreeBench, type TreeModules } from './service.ts'

export function createProtocolWorker(trees: { label: string; modules: TreeModules }[]) {
  let benches: Promise<TreeBench[]> | undefined
  const build = async () => {
    const built: TreeBench[] = []
    for (const t of trees) built.push(await createTreeBench(t.modules, { prebuild: false }))
    return built
  }
  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url)
      if (url.pathname === '/ping') return new Response('ready')
      if (url.pathname === '/noop') return new Response('done')
      try {
        const all = await (benches ??= build())
        const bench = all[Number(url.searchParams.get('tree') ?? 0)]
        if (url.pathname === '/info')
          return Response.json(all.map((b, i) => ({ label: trees[i]!.label, version: b.version, cases: b.cases, backends: b.backends })))
        if (!bench) return new Response('no such tree', { status: 404 })
        if (url.pathname === '/prepare') {
          await bench.prepare(Number(url.searchParams.get('case')), Number(url.searchParams.get('n') ?? 1))
          return new Response('prepared')
        }
        if (url.pathname === '/run') {
          await bench.run()
          return new Response('done')
        }
        return new Response('not found', { status: 404 })
      } catch (error) {
        return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 })
      }
    },
  }
}
