import { describe, expect, it } from 'vitest'
import {
  type AnalyticsSink,
  DURATION_BUCKETS_MS,
  escapeLabelValue,
  MAX_LABEL_VALUE_LENGTH,
  MAX_SERIES_PER_METRIC,
  Metrics,
  PROMETHEUS_CONTENT_TYPE,
} from '../../../src/service/metrics.ts'

const NOW = 1_767_225_600_000

function recordingMetrics() {
  const lines: string[] = []
  const points: Parameters<AnalyticsSink['writeDataPoint']>[0][] = []
  const metrics = new Metrics({ log: (line) => lines.push(line), analytics: { writeDataPoint: (p) => points.push(p) }, now: () => NOW })
  return { metrics, lines, logged: () => lines.map((l) => JSON.parse(l)), points }
}

describe('Prometheus rendering', () => {
  it('declares HELP and TYPE for every metric, with the exact names, even before any sample', () => {
    const text = new Metrics().renderPrometheus()
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE wasm_pqc_key_exchange_total counter',
      '# TYPE wasm_pqc_classical_fallback_total counter',
      '# TYPE wasm_pqc_operation_duration_ms histogram',
      '# TYPE wasm_pqc_module_size_bytes gauge',
      '# TYPE wasm_pqc_cold_start_ms gauge',
    ])
    expect(text.split('\n').filter((l) => l.startsWith('# HELP'))).toHaveLength(5)
    expect(text.endsWith('\n')).toBe(true)
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('counts counters per label set, and gauges keep the last value', () => {
    const metrics = new Metrics()
    metrics.keyExchange({ mode: 'hybrid', algorithm: 'X-Wing', result: 'success' })
    metrics.keyExchange({ mode: 'hybrid', algorithm: 'X-Wing', result: 'success' })
    metrics.keyExchange({ mode: 'classical', algorithm: 'DHKEM(X25519)', result: 'rejected' })
    metrics.classicalFallback('client_lacks_mlkem')
    metrics.moduleSize('mlkem-simd', 40_000)
    metrics.moduleSize('mlkem-simd', 41_234)
    metrics.coldStart({ module: 'mlkem-simd', hasAot: false }, 12.5)
    const lines = metrics.renderPrometheus().split('\n')
    expect(lines).toContain('wasm_pqc_key_exchange_total{mode="hybrid",algorithm="X-Wing",result="success"} 2')
    expect(lines).toContain('wasm_pqc_key_exchange_total{mode="classical",algorithm="DHKEM(X25519)",result="rejected"} 1')
    expect(lines).toContain('wasm_pqc_classical_fallback_total{reason="client_lacks_mlkem"} 1')
    expect(lines).toContain('wasm_pqc_module_size_bytes{module="mlkem-simd"} 41234')
    expect(lines).toContain('wasm_pqc_cold_start_ms{module="mlkem-simd",has_aot="false"} 12.5')
    // Each sample follows its own metric's TYPE line.
    const typeAt = lines.indexOf('# TYPE wasm_pqc_module_size_bytes gauge')
    expect(lines[typeAt + 1]).toBe('wasm_pqc_module_size_bytes{module="mlkem-simd"} 41234')
  })

  it('histogram buckets are cumulative, with +Inf, _sum and _count', () => {
    const metrics = new Metrics()
    const labels = { algorithm: 'ML-KEM-768', operation: 'decapsulate' }
    for (const ms of [0, 0.05, 0.07, 0.3, 2, 2000]) metrics.operationDuration(labels, ms)
    const lines = metrics.renderPrometheus().split('\n')
    const prefix = 'wasm_pqc_operation_duration_ms'
    const l = 'algorithm="ML-KEM-768",operation="decapsulate"'
    const bucket = (le: string) => lines.find((line) => line.startsWith(`${prefix}_bucket{${l},le="${le}"} `))?.split(' ')[1]
    expect(bucket('0.05')).toBe('2') // 0 and 0.05: a bound includes its own value
    expect(bucket('0.1')).toBe('3')
    expect(bucket('0.25')).toBe('3')
    expect(bucket('0.5')).toBe('4')
    expect(bucket('2.5')).toBe('5')
    expect(bucket('1000')).toBe('5')
    expect(bucket('+Inf')).toBe('6')
    expect(lines).toContain(`${prefix}_sum{${l}} ${0 + 0.05 + 0.07 + 0.3 + 2 + 2000}`)
    expect(lines).toContain(`${prefix}_count{${l}} 6`)
    expect(lines.filter((line) => line.startsWith(`${prefix}_bucket`))).toHaveLength(DURATION_BUCKETS_MS.length + 1)
  })

  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
    const metrics = new Metrics()
    metrics.operationDuration({ algorithm: 'odd"name', operation: 'line\nbreak\\' }, 1)
    expect(metrics.renderPrometheus()).toContain(
      'wasm_pqc_operation_duration_ms_count{algorithm="odd\\"name",operation="line\\nbreak\\\\"} 1',
    )
  })

  it('caps label length and the number of series', () => {
    const metrics = new Metrics()
    metrics.classicalFallback('x'.repeat(500))
    expect(metrics.renderPrometheus()).toContain(`{reason="${'x'.repeat(MAX_LABEL_VALUE_LENGTH)}"} 1`)
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 10; i++) metrics.moduleSize(`module-${i}`, i)
    const sizes = metrics
      .renderPrometheus()
      .split('\n')
      .filter((l) => l.startsWith('wasm_pqc_module_size_bytes{'))
    expect(sizes).toHaveLength(MAX_SERIES_PER_METRIC + 1)
    expect(sizes).toContain(`wasm_pqc_module_size_bytes{module="overflow"} ${MAX_SERIES_PER_METRIC + 9}`)
  })

  it('ignores non-finite measurements', () => {
    const metrics = new Metrics()
    metrics.operationDuration({ algorithm: 'X-Wing', operation: 'encapsulate' }, Number.NaN)
    metrics.moduleSize('m', Infinity)
    expect(metrics.renderPrometheus()).not.toMatch(/^wasm_pqc_(operation|module)/m)
  })
})

describe('sinks', () => {
  it('logs one JSON line per event, in the documented shape', () => {
    const { metrics, logged } = recordingMetrics()
    metrics.keyExchange({ mode: 'pq', algorithm: 'ML-KEM-768', result: 'success' })
    metrics.operationDuration({ algorithm: 'ML-KEM-768', operation: 'encapsulate' }, 0.2)
    metrics.coldStart({ module: 'mlkem', hasAot: true }, 3)
    expect(logged()).toEqual([
      { metric: 'wasm_pqc_key_exchange_total', labels: { mode: 'pq', algorithm: 'ML-KEM-768', result: 'success' }, value: 1, ts: NOW },
      { metric: 'wasm_pqc_operation_duration_ms', labels: { algorithm: 'ML-KEM-768', operation: 'encapsulate' }, value: 0.2, ts: NOW },
      { metric: 'wasm_pqc_cold_start_ms', labels: { module: 'mlkem', has_aot: 'true' }, value: 3, ts: NOW },
    ])
  })

  it('a classical fallback is counted and logged as a warn-level security event', () => {
    const { metrics, lines, points } = recordingMetrics()
    metrics.classicalFallback('client_lacks_mlkem')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'warn',
      event: 'classical_fallback',
      metric: 'wasm_pqc_classical_fallback_total',
      labels: { reason: 'client_lacks_mlkem' },
      value: 1,
      ts: NOW,
    })
    expect(points).toEqual([
      { blobs: ['wasm_pqc_classical_fallback_total', 'client_lacks_mlkem'], doubles: [1], indexes: ['wasm_pqc_classical_fallback_total'] },
    ])
    expect(metrics.renderPrometheus()).toContain('wasm_pqc_classical_fallback_total{reason="client_lacks_mlkem"} 1')
  })

  it('a fallback names the client in the log line, never in a label', () => {
    const { metrics, logged, points } = recordingMetrics()
    metrics.classicalFallback('client_lacks_mlkem', { clientId: 'edge-app' })
    expect(logged()[0]).toMatchObject({
      level: 'warn',
      event: 'classical_fallback',
      clientId: 'edge-app',
      labels: { reason: 'client_lacks_mlkem' },
    })
    expect(points[0]!.blobs).not.toContain('edge-app')
    expect(metrics.renderPrometheus()).not.toContain('edge-app')
  })

  it('writes Analytics Engine data points: blobs are the metric then label values in declared order', () => {
    const { metrics, points } = recordingMetrics()
    metrics.keyExchange({ mode: 'hybrid', algorithm: 'X-Wing', result: 'failure' })
    metrics.operationDuration({ algorithm: 'X-Wing', operation: 'decapsulate' }, 0.4)
    expect(points).toEqual([
      { blobs: ['wasm_pqc_key_exchange_total', 'hybrid', 'X-Wing', 'failure'], doubles: [1], indexes: ['wasm_pqc_key_exchange_total'] },
      { blobs: ['wasm_pqc_operation_duration_ms', 'X-Wing', 'decapsulate'], doubles: [0.4], indexes: ['wasm_pqc_operation_duration_ms'] },
    ])
  })

  it('works with no sinks, and a throwing sink never reaches the caller', () => {
    new Metrics().keyExchange({ mode: 'hybrid', algorithm: 'X-Wing', result: 'success' })
    const points: unknown[] = []
    const metrics = new Metrics({
      log: () => {
        throw new Error('log down')
      },
      analytics: { writeDataPoint: (p) => points.push(p) },
    })
    expect(() => metrics.classicalFallback('client_lacks_mlkem')).not.toThrow()
    expect(points).toHaveLength(1) // the failing log did not stop Analytics Engine
    const failingAnalytics = new Metrics({
      analytics: {
        writeDataPoint: () => {
          throw new Error('AE down')
        },
      },
    })
    expect(() => failingAnalytics.moduleSize('m', 1)).not.toThrow()
    expect(failingAnalytics.renderPrometheus()).toContain('wasm_pqc_module_size_bytes{module="m"} 1')
  })

  it('accepts a real Analytics Engine binding type', () => {
    // Type-level: an AnalyticsEngineDataset from workers-types is an AnalyticsSink.
    const dataset: AnalyticsEngineDataset = { writeDataPoint: () => {} }
    expect(() => new Metrics({ analytics: dataset }).moduleSize('m', 1)).not.toThrow()
  })
})
