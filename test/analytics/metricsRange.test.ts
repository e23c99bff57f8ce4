/** deliveryMetrics without from/to covers the last 30 days up to now. */
import { DEFAULT_METRICS_DAYS, metricsRange } from '../../src/analytics/metricsRange';

describe('metricsRange', () => {
  const now = new Date('2026-03-10T11:17:00Z');

  it('defaults to the last 30 days ending now', () => {
    expect(DEFAULT_METRICS_DAYS).toBe(30);
    expect(metricsRange({}, now)).toEqual({ from: new Date('2026-02-08T11:17:00Z'), to: now });
    expect(metricsRange({ from: null, to: null }, now)).toEqual({ from: new Date('2026-02-08T11:17:00Z'), to: now });
  });

  it('keeps a given range, and counts 30 days back from a given end', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-02-01T00:00:00Z');
    expect(metricsRange({ from, to }, now)).toEqual({ from, to });
    expect(metricsRange({ to }, now)).toEqual({ from: new Date('2026-01-02T00:00:00Z'), to });
    expect(metricsRange({ from }, now)).toEqual({ from, to: now });
  });
});
