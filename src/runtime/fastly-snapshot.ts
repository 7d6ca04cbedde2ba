// The Fastly entry's last build-time steps (src/runtime/fastly.ts): js-compute snapshots the engine's heap
// and all of linear memory into the package once module top level and its pending jobs are done, so
// what is left in memory then is in every sandbox, and in the package's size. Also used by the size
// benches' small apps (scripts/fastly/bench/apps), so that they are measured as the entry is built.

/** The last build-time steps: the build's young objects collected, then the memory freed cleared. */
export function settleSnapshot(): void {
  ageBuildTimeObjects()
  scrubFreedMemory()
}

/**
 * Allocates short-lived objects, so that the engine's garbage collector deals with the objects this
 * build made now, not in every fresh sandbox. Measured (`npm run bench:fastly -- artifact`, a fresh
 * instance per request): without this, the first request of each sandbox paid about 3 ms more CPU,
 * once, in whichever of its operations first allocated enough (mostly the X25519 ladder, whose second
 * call in the same request cost half its first). Our reading: the build's objects were still young
 * when the snapshot was taken, so the first collections of every sandbox had to trace and move them.
 * The objects are identical, so the young-object space the snapshot keeps compresses well: the package
 * shrinks (objects that each held a different number made it 16 KB larger instead). The count removed
 * the cost with room to spare: 100,000 was enough in that measurement, 40,000 not.
 */
function ageBuildTimeObjects(): object | undefined {
  let last: object | undefined
  for (let i = 0; i < 300_000; i++) last = { young: true }
  return last // returned, so that no tool drops the loop as dead code
}

/**
 * js-compute snapshots all of linear memory, including blocks the engine freed while parsing and
 * compiling the bundle and while collecting the build's garbage: freed is not cleared, so that leftover
 * data went into the package (measured: ~685 KiB of its gzip size). Zero-filled ArrayBuffers of the
 * allocator's common sizes take those blocks over and clear them; they are garbage once this returns.
 * Run after ageBuildTimeObjects: before it, the package came out 6 KB larger. The size gate (npm run
 * size) catches a js-compute upgrade that changes this behaviour.
 */
function scrubFreedMemory(): void {
  const held: ArrayBuffer[] = []
  for (const [bytes, count] of [
    [1 << 20, 2],
    [65536, 32],
    [4096, 256],
    [512, 1024],
  ] as const) {
    for (let i = 0; i < count; i++) held.push(new ArrayBuffer(bytes))
  }
}
