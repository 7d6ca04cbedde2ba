import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { TEST_BINDINGS } from './test/worker/service/secrets.ts'

// Two projects: the worker's tests run inside workerd against the real entry (wrangler.toml's
// `main`); the build tooling's tests (size gate, scripts) run in Node, where those tools run.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        // The service's secrets for the tests: fixed, public test values (test/worker/service/secrets.ts).
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: TEST_BINDINGS } })],
        // Conformance suites run thousands of operations per test: allow them time on a shared machine.
        test: { name: 'workerd', include: ['test/worker/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        test: { name: 'node', include: ['test/node/**/*.test.ts', 'test/audit/**/*.test.ts'], environment: 'node', testTimeout: 600_000 },
      },
    ],
  },
})
