// What the bench runner (scripts/fastly/bench.ts) hands each engine program: types only, both sides.
export interface MlKemBenchInput {
  batches: number
  perBatch: number
}
export interface ProfileInput {
  /** Interleaved rounds; each part's batch is calibrated to >= 15 ms. */
  rounds: number
}
export interface CryptoBenchInput {
  batches: number
}
export interface AeadBenchInput {
  batches: number
}
