// Telemetry: the service's metrics, kept per isolate and sent to up to two sinks as they happen.
//
// - A structured log line per event (`{"metric":…,"labels":{…},"value":…,"ts":…}`), through an
//   injected `log`: console.log on Workers (Workers Logs picks it up); on Fastly stdout and the
//   `pq-edge-metrics` log endpoint (src/runtime/fastly.ts).
// - Workers Analytics Engine, when a binding is configured: one data point per event,
//   `blobs: [metric, ...label values in the order below], doubles: [value], indexes: [metric]`.
// - `renderPrometheus()`: this isolate's totals in the Prometheus text format, for `GET /metrics`
//   locally. In production an isolate sees only its own requests, so aggregate from the sinks.
//
// Label values come from code (mode, algorithm, operation and reason constants), never from a
// request: no secrets, names or bodies. Values are capped in length and in number of series so
// a bug cannot make a metric grow without bound. Recording never throws: telemetry must not fail a
// request.
//
// Timing on Cloudflare Workers: Date.now() and performance.now() advance only across I/O (a Spectre
// mitigation), so a pure-CPU operation timed inside a request reads 0 ms there; the histogram is
// meaningful in Node, workerd run locally, and Fastly.
import type { EstablishmentMode } from './policy.ts'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * Histogram buckets for operation durations, in ms: ML-KEM operations in WebAssembly take roughly
 * 0.02 to 0.5 ms, a module compile on cold start tens of ms, so the buckets run from 50 µs to 1 s.
 */
export const DURATION_BUCKETS_MS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000] as const

/** Longest label value kept; longer ones are cut. Every legitimate value is a short identifier. */
export const MAX_LABEL_VALUE_LENGTH = 64

/** Series per metric before new label combinations are folded into one `"overflow"` series. */
export const MAX_SERIES_PER_METRIC = 256

type MetricType = 'counter' | 'gauge' | 'histogram'

interface MetricDefinition {
  name: string
  type: MetricType
  help: string
  /** Label names, in the order label values are sent to Analytics Engine as blobs. */
  labels: readonly string[]
}

export const METRICS = {
  keyExchange: {
    name: 'wasm_pqc_key_exchange_total',
    type: 'counter',
    help: 'Key establishments by mode (hybrid, pq, classical), KEM algorithm and result.',
    labels: ['mode', 'algorithm', 'result'],
  },
  classicalFallback: {
    name: 'wasm_pqc_classical_fallback_total',
    type: 'counter',
    help: 'Establishments that fell back to classical DHKEM(X25519) under PQ_POLICY=pq-preferred, by reason.',
    labels: ['reason'],
  },
  operationDuration: {
    name: 'wasm_pqc_operation_duration_ms',
    type: 'histogram',
    help: 'Duration of one cryptographic operation in milliseconds, by algorithm and operation.',
    labels: ['algorithm', 'operation'],
  },
  moduleSize: {
    name: 'wasm_pqc_module_size_bytes',
    type: 'gauge',
    help: 'Size in bytes of the WebAssembly module in use.',
    labels: ['module'],
  },
  coldStart: {
    name: 'wasm_pqc_cold_start_ms',
    type: 'gauge',
    help: 'Time in milliseconds to load the WebAssembly module on this isolate, and whether it was ahead-of-time compiled.',
    labels: ['module', 'has_aot'],
  },
} as const satisfies Record<string, MetricDefinition>

export type KeyExchangeResult = 'success' | 'rejected' | 'failure'

/** What Metrics needs of a Workers Analytics Engine binding (an AnalyticsEngineDataset fits). */
export interface AnalyticsSink {
  writeDataPoint(point: { blobs: string[]; doubles: number[]; indexes: string[] }): void
}

export interface MetricsSinks {
  /** Receives one JSON line per event. */
  log?: (line: string) => void
  analytics?: AnalyticsSink
  /** Milliseconds since the epoch, for `ts`; injected for tests. */
  now?: () => number
}

interface ScalarSeries {
  labelValues: string[]
  value: number
}

interface HistogramSeries {
  labelValues: string[]
  /** Observations per bucket (not cumulative); the last slot is above the largest bound (+Inf). */
  bucketCounts: number[]
  count: number
  sum: number
}

type Series = ScalarSeries | HistogramSeries

/** Extra fields at the front of a log line (security events). */
type LogFields = Record<string, string>

export class Metrics {
  private readonly series = new Map<string, Map<string, Series>>()

  private readonly sinks: MetricsSinks

  constructor(sinks: MetricsSinks = {}) {
    this.sinks = sinks
  }

  keyExchange(labels: { mode: EstablishmentMode; algorithm: string; result: KeyExchangeResult }): void {
    this.record(METRICS.keyExchange, [labels.mode, labels.algorithm, labels.result], 1)
  }

  /**
   * A security event: counted, and logged at warn level with `"event":"classical_fallback"`. The
   * client id, when known, goes into the log line only (not a label: one series per client is too many).
   */
  classicalFallback(reason: string, details: { clientId?: string } = {}): void {
    const fields: LogFields = { level: 'warn', event: 'classical_fallback' }
    if (details.clientId !== undefined) fields.clientId = cleanLabelValue(details.clientId)
    this.record(METRICS.classicalFallback, [reason], 1, fields)
  }

  operationDuration(labels: { algorithm: string; operation: string }, ms: number): void {
    this.record(METRICS.operationDuration, [labels.algorithm, labels.operation], ms)
  }

  moduleSize(module: string, bytes: number): void {
    this.record(METRICS.moduleSize, [module], bytes)
  }

  coldStart(labels: { module: string; hasAot: boolean }, ms: number): void {
    this.record(METRICS.coldStart, [labels.module, String(labels.hasAot)], ms)
  }

  /** This isolate's metrics in the Prometheus text exposition format 0.0.4. */
  renderPrometheus(): string {
    const lines: string[] = []
    for (const definition of Object.values(METRICS) as MetricDefinition[]) {
      lines.push(`# HELP ${definition.name} ${escapeHelp(definition.help)}`, `# TYPE ${definition.name} ${definition.type}`)
      const series = [...(this.series.get(definition.name)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      for (const [, s] of series) {
        const labels = definition.labels.map((name, i) => [name, s.labelValues[i] ?? ''] as const)
        if ('bucketCounts' in s) {
          let cumulative = 0
          DURATION_BUCKETS_MS.forEach((bound, i) => {
            cumulative += s.bucketCounts[i]!
            lines.push(`${definition.name}_bucket${renderLabels([...labels, ['le', formatNumber(bound)]])} ${cumulative}`)
          })
          lines.push(`${definition.name}_bucket${renderLabels([...labels, ['le', '+Inf']])} ${s.count}`)
          lines.push(`${definition.name}_sum${renderLabels(labels)} ${formatNumber(s.sum)}`)
          lines.push(`${definition.name}_count${renderLabels(labels)} ${s.count}`)
        } else {
          lines.push(`${definition.name}${renderLabels(labels)} ${formatNumber(s.value)}`)
        }
      }
    }
    return `${lines.join('\n')}\n`
  }

  private record(definition: MetricDefinition, rawLabelValues: string[], value: number, event?: LogFields): void {
    try {
      if (!Number.isFinite(value)) return // a NaN or infinite measurement is a bug upstream; keep totals sane
      const labelValues = this.admitSeries(definition, rawLabelValues.map(cleanLabelValue))
      this.update(definition, labelValues, value)
      this.emit(definition, labelValues, value, event)
    } catch {
      // Telemetry never fails a request.
    }
  }

  /** The label values to use: these, or all `"overflow"` once the metric has too many series. */
  private admitSeries(definition: MetricDefinition, labelValues: string[]): string[] {
    const series = this.seriesOf(definition)
    if (series.has(JSON.stringify(labelValues)) || series.size < MAX_SERIES_PER_METRIC) return labelValues
    return labelValues.map(() => 'overflow')
  }

  private seriesOf(definition: MetricDefinition): Map<string, Series> {
    let series = this.series.get(definition.name)
    if (!series) this.series.set(definition.name, (series = new Map()))
    return series
  }

  private update(definition: MetricDefinition, labelValues: string[], value: number): void {
    const all = this.seriesOf(definition)
    const key = JSON.stringify(labelValues)
    let series = all.get(key)
    if (definition.type === 'histogram') {
      if (!series)
        all.set(key, (series = { labelValues, bucketCounts: new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0), count: 0, sum: 0 }))
      const histogram = series as HistogramSeries
      const bucket = DURATION_BUCKETS_MS.findIndex((bound) => value <= bound)
      histogram.bucketCounts[bucket < 0 ? DURATION_BUCKETS_MS.length : bucket]!++
      histogram.count++
      histogram.sum += value
      return
    }
    if (!series) all.set(key, (series = { labelValues, value: 0 }))
    const scalar = series as ScalarSeries
    scalar.value = definition.type === 'counter' ? scalar.value + value : value
  }

  private emit(definition: MetricDefinition, labelValues: string[], value: number, event?: LogFields): void {
    const labels = Object.fromEntries(definition.labels.map((name, i) => [name, labelValues[i]]))
    const ts = (this.sinks.now ?? Date.now)()
    try {
      this.sinks.log?.(JSON.stringify({ ...event, metric: definition.name, labels, value, ts }))
    } catch {
      // A failing log sink must not keep the data point from Analytics Engine.
    }
    this.sinks.analytics?.writeDataPoint({ blobs: [definition.name, ...labelValues], doubles: [value], indexes: [definition.name] })
  }
}

function cleanLabelValue(value: string): string {
  const text = String(value)
  return text.length > MAX_LABEL_VALUE_LENGTH ? text.slice(0, MAX_LABEL_VALUE_LENGTH) : text
}

/** Label values escape `\`, `"` and newline (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text escapes `\` and newline only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function renderLabels(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return ''
  return `{${labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}
