// The engine-side conformance suite (test/fastly/engine/: run.ts, the in-engine suite.ts): the ML-KEM,
// X-Wing and HPKE vectors checked inside StarlingMonkey at js-compute build time with the Fastly backend
// set, and POST /v2/sessions timed in the built artifact. Every vector handed in must be reported
// checked, none failed, and the timings reported; a deliberately corrupted vector must fail the build.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { WIPE_CASES } from '../support/wipe-cases.ts'
import { WIPE_CHECK_NAME } from './engine/input.ts'
import { runSelftest, type SelftestResult } from './engine/run.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const quiet = () => {}

const cli = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ['test/fastly/engine/run.ts', ...args],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  )

describe('Fastly engine suite (StarlingMonkey)', () => {
  it('checks every vector handed in, none fails, and reports POST /v2/sessions timings per mode', async () => {
    const result: SelftestResult = await runSelftest({ log: quiet })
    const { expected, report } = result
    // What was handed in: ML-KEM-768 in full, the samples of 512/1024, all X-Wing and implemented HPKE vectors.
    expect(expected['X-Wing draft-10']).toBe(3)
    expect(expected['HPKE draft-ietf-hpke-pq-04']).toBe(2)
    expect(expected['ACVP v1.1.0.40 keyGen ML-KEM-768']).toBe(25)
    expect(expected['ACVP v1.1.0.40 encapsulation ML-KEM-768']).toBe(25)
    expect(expected['ACVP v1.1.0.40 decapsulation ML-KEM-768']).toBe(10)
    expect(expected['ACVP v1.1.0.40 encapsulationKeyCheck ML-KEM-768']).toBe(10)
    expect(expected['ACVP v1.1.0.40 decapsulationKeyCheck ML-KEM-768']).toBe(10)
    const wycheproof = Object.entries(expected).filter(([name]) => name.startsWith('Wycheproof mlkem_768_'))
    expect(wycheproof).toHaveLength(4)
    expect(wycheproof.reduce((n, [, c]) => n + c, 0)).toBe(567)
    for (const set of ['512', '768', '1024']) {
      expect(expected[`CCTV unluckysample ML-KEM-${set}`]).toBeGreaterThan(0)
      expect(expected[`CCTV modulus ML-KEM-${set}`]).toBeGreaterThanOrEqual(20)
    }

    expect(report, result.output.slice(-3000)).not.toBeNull()
    expect(report!.backends.mlkem768).toBe('pq-edge-js')
    const reported = Object.fromEntries(report!.suites.map((s) => [s.name, { checked: s.checked, failed: s.failed }]))
    expect(reported).toEqual(Object.fromEntries(Object.entries(expected).map(([name, n]) => [name, { checked: n, failed: 0 }])))
    expect(result.problems).toEqual([])
    expect(result.exitStatus).toBe(0)

    const e = report!.establishment!
    expect(e).not.toBeNull()
    for (const timing of [e.fastly, e.noble]) {
      expect(timing.coldContextMs).toBeGreaterThan(0)
      for (const mode of ['hybrid', 'pq', 'classical'] as const) {
        expect(timing.modes[mode].medianMs).toBeGreaterThan(0)
        expect(timing.modes[mode].coldMs).toBeGreaterThan(0)
        expect(timing.modes[mode].requests).toBeGreaterThan(0)
      }
      expect(timing.read.coldMs).toBeGreaterThan(0)
      expect(timing.read.requests).toBeGreaterThan(0)
    }
    expect(e.nobleOverFastly.hybrid).toBeGreaterThan(0)
    // The build-time (wasmtime) and in-request (V8) runs of the calibration workload both measured something.
    expect(e.calibration.buildTimeMs).toBeGreaterThan(0)
    expect(e.calibration.harnessMs).toBeGreaterThan(0)
    expect(e.calibration.wasmtimeOverHarness).toBeGreaterThan(0)
    // The real artifact was timed in fresh instances, every scenario (each response checked by the timing itself).
    const artifact = result.artifact!
    for (const t of Object.values(artifact.scenarios)) expect(t.requests).toBeGreaterThan(0)
    // The calibration was timed between the artifact's rounds too, once per round, and measured something.
    expect(result.interleaved!.rounds).toBe(artifact.scenarios['GET /v2/keys'].requests)
    expect(result.interleaved!.harnessCpuMs).toBeGreaterThan(0)
    expect(result.interleaved!.wasmtimeOverHarness).toBeGreaterThan(0)
    expect(
      artifact.scenarios['POST /v2/sessions hybrid'].cpuMs + artifact.scenarios['GET /v2/config (hybrid session)'].cpuMs,
    ).toBeGreaterThan(0)
    expect(result.ok).toBe(true)
  })

  it('a corrupted X-Wing vector fails the js-compute build and the script exits non-zero', async () => {
    const run = await cli(['--only=xwing', '--corrupt=xwing'])
    expect(run.code).not.toBe(0)
    expect(run.stdout).toContain('js-compute-runtime exited with status 1')
    expect(run.stderr).toContain('X-Wing draft-10 vector 0: ss (encapsulate) mismatch')
  })

  it('a corrupted HPKE ciphertext fails the build', async () => {
    const result = await runSelftest({ parts: ['hpke'], corrupt: 'hpke', log: quiet })
    expect(result.ok).toBe(false)
    expect(result.exitStatus).not.toBe(0)
    expect(result.output).toContain('encryption 0 seal mismatch')
    expect(result.report?.suites).toEqual([
      expect.objectContaining({ name: WIPE_CHECK_NAME, checked: WIPE_CASES, failed: 0 }), // always run
      expect.objectContaining({ name: 'HPKE draft-ietf-hpke-pq-04', checked: 2, failed: 1 }),
    ])
  })

  it('a corrupted ML-KEM expectation and a valid case expected to be rejected both fail the build', async () => {
    const cases = [
      ['mlkem', 'keyGen ML-KEM-768', 'ek is '],
      ['mlkem-reject', 'encapsulation ML-KEM-768', 'expected a rejection, the operation succeeded'],
    ] as const
    for (const [corrupt, mlkemOnly, message] of cases) {
      const result = await runSelftest({ parts: ['mlkem'], mlkemOnly, corrupt, log: quiet })
      expect(result.ok, corrupt).toBe(false)
      expect(result.exitStatus, corrupt).not.toBe(0)
      expect(result.output, corrupt).toContain(message)
      expect(
        result.report!.suites.map((s) => [s.name, s.checked, s.failed]),
        corrupt,
      ).toEqual([
        [WIPE_CHECK_NAME, WIPE_CASES, 0], // always run
        [`ACVP v1.1.0.40 ${mlkemOnly}`, 25, 1],
      ])
    }
  })

  it('an establishment that does not confirm (wrong client secret) fails the run', async () => {
    const result = await runSelftest({ parts: ['establishment'], corrupt: 'establishment', log: quiet })
    expect(result.ok).toBe(false)
    expect(result.exitStatus).toBe(0) // the build itself succeeded: the timing runs in a request
    expect(result.problems.join('\n')).toMatch(/establishment: 500 .*401/)
  })
})
