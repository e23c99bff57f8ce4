/**
 * Seconds from send to delivery, counted in fixed buckets so percentiles can be read from
 * stored counts instead of sorting raw rows. A percentile is interpolated linearly inside
 * the bucket that holds its rank.
 */
export const HISTOGRAM_BOUNDS_SECONDS = [
  0, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 259200, 604800, 2592000,
] as const;

export const HISTOGRAM_BUCKETS = HISTOGRAM_BOUNDS_SECONDS.length - 1;

/** Bucket i holds [bounds[i], bounds[i+1]); anything longer goes in the last one. */
export function bucketOf(seconds: number): number {
  for (let i = HISTOGRAM_BUCKETS - 1; i >= 0; i -= 1) if (seconds >= HISTOGRAM_BOUNDS_SECONDS[i]) return i;
  return 0;
}

export function emptyHistogram(): number[] {
  return new Array<number>(HISTOGRAM_BUCKETS).fill(0);
}

/** The p-th percentile (0 < p ≤ 1), or null when nothing was delivered. */
export function percentile(histogram: number[], p: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let below = 0;
  for (let i = 0; i < histogram.length; i += 1) {
    const count = histogram[i];
    if (count > 0 && below + count >= rank) {
      const lower = HISTOGRAM_BOUNDS_SECONDS[i];
      const upper = HISTOGRAM_BOUNDS_SECONDS[i + 1];
      return Math.round((lower + ((rank - below) / count) * (upper - lower)) * 10) / 10;
    }
    below += count;
  }
  return HISTOGRAM_BOUNDS_SECONDS[HISTOGRAM_BUCKETS];
}
