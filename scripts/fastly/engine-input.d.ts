// The input of an engine program: a virtual module scripts/fastly/engine.ts provides to esbuild (the
// JSON the Node side handed runInEngine, parsed in the engine). Each program casts it to its input type.
declare module 'pq-edge-engine:input' {
  const input: unknown
  export default input
  /** Date.now() when the bundle's top level started, and when the input was parsed. */
  export const startedAt: number
  export const parsedAt: number
}
