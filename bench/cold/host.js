// The bench:cold host worker (scripts/bench-cold.ts; not deployed): keeps each scenario's modules and
// runs one request per call in the isolate a Worker Loader gives for a new id, i.e. a fresh isolate.
const COMPAT = { compatibilityDate: '2026-11-17', compatibilityFlags: ['webcrypto_modern_algorithms'] }
const code = new Map()
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const [, verb, name, id] = url.pathname.split('/')
    if (verb === 'register') {
      const { mainModule, modules, env: guestEnv } = await request.json()
      for (const m of Object.values(modules)) if (m.wasm) m.wasm = Uint8Array.from(atob(m.wasm), (c) => c.charCodeAt(0))
      code.set(name, { ...COMPAT, mainModule, modules, env: guestEnv ?? {}, globalOutbound: null })
      return new Response('ok')
    }
    if (verb === 'run') {
      const worker = env.LOADER.get(id, () => code.get(name))
      const path = url.searchParams.get('path') ?? '/'
      const init =
        request.method === 'POST' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() } : {}
      const res = await worker.getEntrypoint().fetch(new Request(`https://cold.test${path}`, init))
      return new Response(res.body, { status: res.status })
    }
    if (verb === 'ping') return new Response('ready')
    return new Response('not found', { status: 404 })
  },
}
