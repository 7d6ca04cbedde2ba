// The one line an engine program (engine.ts runInEngine) prints for the Node side: this mark, then JSON.
// Imported by both sides: no Node or engine APIs here.
export const ENGINE_REPORT_MARK = 'PQ_EDGE_ENGINE_REPORT '

/** Prints the report line (console.log in the engine goes to js-compute-runtime's stdout). */
export function printReport(report: unknown): void {
  console.log(ENGINE_REPORT_MARK + JSON.stringify(report))
}

/** Prints the report `make` returns, or, when it throws, one with the error (so the Node side shows why). */
export async function reportOf(make: () => Promise<unknown>): Promise<void> {
  try {
    printReport(await make())
  } catch (e) {
    printReport({ error: String((e as Error)?.stack ?? e) })
  }
}
