// The in-engine timing harness: runs INSIDE StarlingMonkey (bundled into an engine program, see
// engine.ts), at build time, where the only usable clock is Date.now() (1 ms steps; performance.now()
// traps during js-compute-runtime's initialisation: mozalloc_abort). A plan names contenders
// (group → implementation → operation); every batch round times each contender once, interleaved, so
// load from elsewhere on the machine affects them alike. A contender's batch is `perBatch` calls, or,
// without it, calibrated by doubling until a batch takes at least `minBatchMs`. Each batch mean is one
// sample; the report gives the median, the least and the greatest sample, and the spread between them.

export interface Contender {
  /** What is measured, e.g. "x25519.publicKey" or "keygen". */
  group: string
  /** Who does it, e.g. "pq-edge-js" or "noble". */
  impl: string
  run: () => unknown
  /** Awaited per call (crypto.subtle, the Aead interface); sync operations are called in a plain loop. */
  async?: boolean
}

export interface TimingPlan {
  batches: number
  /** Calls per batch for every contender; when absent, calibrated per contender to `minBatchMs`. */
  perBatch?: number
  /** Default 16 ms: the 1 ms clock then costs under 7%. */
  minBatchMs?: number
  /** Per call, untimed, before calibration (e.g. to fill caches the way a deployment's snapshot does). */
  warmUp?: boolean
}

export interface Timing {
  /** Median of the batch means, ms per call. */
  ms: number
  minMs: number
  maxMs: number
  /** (max − min) / median: how far the samples spread. */
  spread: number
  perBatch: number
}

/** group → impl → timing. */
export type TimingResults = Record<string, Record<string, Timing>>

export const ENGINE_CLOCK = 'Date.now() (1 ms; performance.now() traps at build time), batch means interleaved over contenders'

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

const now = () => Date.now()

async function batch(c: Contender, n: number): Promise<number> {
  const t = now()
  if (c.async) for (let i = 0; i < n; i++) await c.run()
  else for (let i = 0; i < n; i++) c.run()
  return now() - t
}

const round = (x: number) => Number(x.toFixed(4))

/** Times every contender `plan.batches` times, interleaved; medians and spreads per group and impl. */
export async function timeContenders(contenders: readonly Contender[], plan: TimingPlan): Promise<TimingResults> {
  const minBatchMs = plan.minBatchMs ?? 16
  if (plan.warmUp) for (const c of contenders) await batch(c, 1)
  const perBatch: number[] = []
  for (const c of contenders) {
    let n = plan.perBatch ?? 1
    if (plan.perBatch === undefined) while ((await batch(c, n)) < minBatchMs) n *= 2
    perBatch.push(n)
  }
  const samples = contenders.map((): number[] => [])
  for (let b = 0; b < plan.batches; b++)
    for (let i = 0; i < contenders.length; i++) samples[i]!.push((await batch(contenders[i]!, perBatch[i]!)) / perBatch[i]!)
  const results: TimingResults = {}
  contenders.forEach((c, i) => {
    const s = samples[i]!
    const ms = median(s)
    const minMs = Math.min(...s)
    const maxMs = Math.max(...s)
    ;(results[c.group] ??= {})[c.impl] = {
      ms: round(ms),
      minMs: round(minMs),
      maxMs: round(maxMs),
      spread: ms > 0 ? Number(((maxMs - minMs) / ms).toFixed(2)) : 0,
      perBatch: perBatch[i]!,
    }
  })
  return results
}

/** The report of a timing run: where and how it was measured, then `extra` (cross-checks and such), then the results. */
export function timingReport(plan: TimingPlan, results: TimingResults, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engine: 'js-compute-runtime (StarlingMonkey)',
    clock: ENGINE_CLOCK,
    batches: plan.batches,
    ...(plan.perBatch === undefined ? {} : { perBatch: plan.perBatch }),
    unit: 'ms per op (median of batch means)',
    ...extra,
    results,
  }
}

/** How far Date.now() advanced over a fixed spin (0 means the clock does not move at build time). */
export function clockAdvanceMs(): number {
  const d0 = now()
  let x = 0
  for (let i = 0; i < 2e5; i++) x = (x + Math.imul(i, 2654435761)) | 0
  return now() - d0 + (x & 0)
}

/** The fetch handler every engine program needs (js-compute requires one); answers `text`. */
export function answerEveryRequest(text: string): void {
  addEventListener('fetch', (event) => (event as unknown as { respondWith(r: Response): void }).respondWith(new Response(text)))
}
