/**
 * A metrics filter may leave out its range: `to` defaults to now and `from` to
 * DEFAULT_METRICS_DAYS before `to`, so "the last 30 days" needs no dates at all.
 */
import { HOUR_MS } from '../shared/durations';

export const DEFAULT_METRICS_DAYS = 30;

export function metricsRange(filter: { from?: Date | null; to?: Date | null }, now: Date): { from: Date; to: Date } {
  const to = filter.to ?? now;
  const from = filter.from ?? new Date(to.getTime() - DEFAULT_METRICS_DAYS * 24 * HOUR_MS);
  return { from, to };
}
