// The suite's input, a virtual module that scripts/fastly-selftest.ts provides to esbuild (the vectors
// read by load-vectors.ts from test/vectors); it exists only inside the test build.
declare module 'pq-edge-selftest:input' {
  const input: import('./input.ts').SuiteInput
  export default input
  /** Date.now() when the bundle's top level started, and when the input was parsed. */
  export const startedAt: number
  export const parsedAt: number
}
