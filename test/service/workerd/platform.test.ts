// What only the Workers entry has, beside the service contract (contract.test.ts): the isolate's
// in-memory metrics served at /metrics (counts accumulate across requests, unlike Fastly's instance per
// request) with the running ML-KEM module's size and cold start.
import { describe, expect, it } from 'vitest'
import manifest from '../../../src/mlkem/wasm/manifest.json'
import { TEST_LEGACY_CLASSICAL } from '../secrets.ts'
import { client } from './service.ts'

describe('/metrics of the Workers isolate', () => {
  it('pq-preferred: a classical fallback is counted in /metrics (key exchange and fallback)', async () => {
    const metric = async (line: string) => {
      const text = await (await client.admin('GET', '/metrics')).text()
      return Number(
        text
          .split('\n')
          .find((l) => l.startsWith(line))
          ?.split(' ')
          .pop() ?? 0,
      )
    }
    const fallbacks = 'wasm_pqc_classical_fallback_total{reason="classical_session"}'
    const classical = 'wasm_pqc_key_exchange_total{mode="classical",algorithm="DHKEM(X25519)",result="success"}'
    const before = [await metric(fallbacks), await metric(classical)]
    await client.establish({ mode: 'classical', credentials: TEST_LEGACY_CLASSICAL })
    await client.establish({ mode: 'hybrid' })
    expect([await metric(fallbacks), await metric(classical)]).toEqual([before[0]! + 1, before[1]! + 1])
    const res = await client.admin('GET', '/metrics')
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toContain('wasm_pqc_key_exchange_total{mode="hybrid",algorithm="X-Wing",result="success"}')
    expect(text).toMatch(/wasm_pqc_operation_duration_ms_count\{algorithm="X-Wing",operation="session_accept"\} \d+/)
    // The running ML-KEM module: its size (from the pinned manifest) and its instantiation time.
    expect(text).toContain(`wasm_pqc_module_size_bytes{module="mlkem-simd.wasm"} ${manifest.modules['mlkem-simd.wasm'].bytes}`)
    expect(text).toMatch(/wasm_pqc_cold_start_ms\{module="mlkem-simd.wasm",has_aot="false"\} \d/)
  })
})
