// `npm run test:slow` (not in CI; several minutes): the CCTV accumulated test with 1,000,000
// iterations for ML-KEM-768, on both builds, against the final-FIPS-203 hash in the vectors README.
import { instantiateMlKem, type MlKemModuleKind } from '../../src/mlkem/instantiate.ts'
import { compileMlKemModule } from '../../src/mlkem/node.ts'
import { ACCUMULATED_1M_768, accumulate } from '../support/accumulated.ts'

const ITERATIONS = 1_000_000
let failed = 0
for (const kind of ['simd', 'scalar'] as MlKemModuleKind[]) {
  const kem = instantiateMlKem(compileMlKemModule(kind), kind).ml_kem768
  const started = Date.now()
  const digest = accumulate(kem, ITERATIONS, (done) => {
    const seconds = (Date.now() - started) / 1000
    console.error(`${kind}: ${done.toLocaleString('en')} / ${ITERATIONS.toLocaleString('en')} iterations, ${seconds.toFixed(0)} s`)
  })
  const ok = digest === ACCUMULATED_1M_768
  if (!ok) failed++
  console.log(
    `${ok ? 'ok' : 'FAILED'} ${kind} ML-KEM-768 accumulated x${ITERATIONS}: ${digest}${ok ? '' : ` (expected ${ACCUMULATED_1M_768})`}`,
  )
}
console.log(`tests: ${2 - failed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
