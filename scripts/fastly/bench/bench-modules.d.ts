// Virtual modules the bench runner (scripts/fastly/bench.ts) generates for its engine programs.
declare module 'pq-edge-engine:baseline' {
  /** Another copy of src/mlkem/js/core.ts to time beside this one (--baseline), or undefined. */
  export const baseline: typeof import('../../../src/mlkem/js/core.ts') | undefined
}
declare module 'pq-edge-engine:aes-gcm-copies' {
  /** primeAesGcmTables of copies of src/crypto/aes-gcm-js.ts, each with its own, still unbuilt, tables. */
  export const primes: (() => void)[]
}
declare module 'pq-edge-engine:x25519' {
  /** src/crypto/x25519-js.ts as it is, or a copy with its BASE_TABLE literal emptied. */
  export const x25519Sync: typeof import('../../../src/crypto/x25519-js.ts').x25519Sync
}
