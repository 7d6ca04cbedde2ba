// Prints one plain closing line, `tests: N passed, N failed[, N skipped]`, after vitest's own report,
// so that CI logs and other tools can read the outcome without parsing vitest's formatting.
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const count = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') count.passed++
        else if (state === 'failed') count.failed++
        else count.skipped++
      }
      // A file that failed to load has no tests to count; it is a failure all the same.
      if (module.state() === 'failed' && !module.children.size) count.failed++
    }
    count.failed += unhandledErrors.length
    const skipped = count.skipped ? `, ${count.skipped} skipped` : ''
    console.log(`tests: ${count.passed} passed, ${count.failed} failed${skipped}`)
  }
}
