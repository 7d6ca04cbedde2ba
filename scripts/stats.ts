// Order statistics for the benches: one definition of a quantile (linear interpolation between order
// statistics), the median, and the spread the tables print (median with its middle half).

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  const i = (s.length - 1) * q
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i))
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5)

/** The median and the quartiles around it. */
export const spread = (xs: readonly number[]) => ({ median: quantile(xs, 0.5), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75) })
export type Spread = ReturnType<typeof spread>
