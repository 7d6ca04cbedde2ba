import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { TEST_BINDINGS } from './test/service/secrets.ts'

// Three projects. Tests live by module (test/<module>/); those in a `workerd/` folder run inside workerd
// against the real entry (wrangler.jsonc's `main`), those in a `workerd-without-flag/` folder the same
// way but without wrangler.jsonc's compatibility flag (what a deploy that dropped it would run), every
// other test in Node.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        // The service's secrets for the tests: fixed, public test values (test/service/secrets.ts).
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.jsonc' }, miniflare: { bindings: TEST_BINDINGS } })],
        // Conformance suites run thousands of operations per test: allow them time on a shared machine.
        test: { name: 'workerd', include: ['test/**/workerd/**/*.test.ts'], testTimeout: 120_000 },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './test/runtime/workerd-without-flag/wrangler.jsonc' },
            miniflare: { bindings: TEST_BINDINGS },
          }),
        ],
        test: { name: 'workerd-without-flag', include: ['test/**/workerd-without-flag/**/*.test.ts'] },
      },
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/workerd/**', 'test/**/workerd-without-flag/**'],
          environment: 'node',
          testTimeout: 600_000,
        },
      },
    ],
  },
})
