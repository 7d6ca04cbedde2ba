// Statistics for the benches: one definition of a quantile (linear interpolation between order
// statistics), the median, the spread the tables print (median with its middle half), and the mean with
// its standard error (for clocks too coarse for per-sample medians: scripts/fastly/artifact-timing.ts).

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * q
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i))
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5)

/** The median and the quartiles around it. */
export const spread = (xs: readonly number[]) => ({ median: quantile(xs, 0.5), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75) })
export type Spread = ReturnType<typeof spread>

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/** The standard error of the mean (sample standard deviation / √n); 0 for fewer than two samples. */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length)
}
