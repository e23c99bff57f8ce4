/** Reads the delivery rollups for deliveryMetrics and its CSV extract: the only place their aggregate SQL lives. */
import type { Database } from '../db/database';
import { HOUR_MS } from '../shared/durations';
import { wholeLondonDays } from '../shared/londonTime';
import { MetricsDimension, type MetricsQuery } from './metricsQuery';
import { HISTOGRAM_COLUMNS } from './rollupStore';
import { placeholders } from '../db/entityRows';

const DIMENSION_COLUMN: Record<MetricsDimension, string> = {
  ORGANISATION: 'organisation_ods_code',
  CATEGORY: 'category',
  CHANNEL: 'delivered_channel',
  DAY: 'london_day',
  HOUR: 'hour_start',
};

const COUNTER_COLUMNS = ['messages', 'delivered', 'read_count', 'failed', 'fallbacks', 'sms_fragments_avoided', 'sms_fragments_sent', 'patient_reports', ...HISTOGRAM_COLUMNS];

/**
 * Dates go up to 9999-12-31, whose London day arithmetic would step into year 10000; no message
 * can be created on that last day (nothing is dated in the future), so ranges stop before it.
 */
const LAST_DAY_COUNTED = Date.UTC(9999, 11, 31);

/**
 * Rows of the aggregated rollups, one per group, ordered by the group columns: one
 * statement (the CSV export pages through it with LIMIT/OFFSET).
 */
function metricsSql(db: Database, query: MetricsQuery, groupBy: MetricsDimension[]): { sql: string; params: unknown[] } {
  const dims = groupBy.map((d) => DIMENSION_COLUMN[d]);
  const sums = COUNTER_COLUMNS.map((c) => `SUM(${c}) AS ${c}`);
  const asParam = (d: Date) => (db.kind === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', ''));
  // The hours whose start lies in [from, to).
  const from = new Date(Math.floor(query.from.getTime() / HOUR_MS) * HOUR_MS);
  const to = new Date(Math.min(Math.ceil(query.to.getTime() / HOUR_MS) * HOUR_MS, LAST_DAY_COUNTED));
  const filters: string[] = [];
  const filterParams: unknown[] = [];
  const inList = (column: string, values: string[] | null | undefined) => {
    if (!values?.length) return;
    filters.push(`${column} IN (${placeholders(values.length)})`);
    filterParams.push(...values);
  };
  inList('organisation_ods_code', query.organisationOdsCodes?.map((c) => c.trim().toUpperCase()));
  inList('category', query.categories);
  inList('delivered_channel', query.channels);

  const group = dims.length ? ` GROUP BY ${dims.join(', ')}` : '';
  const order = dims.length ? ` ORDER BY ${dims.join(', ')}` : '';
  const branch = (table: string, range: string[]) => `SELECT ${[...dims, ...sums].join(', ')} FROM ${table} WHERE ${[...range, ...filters].join(' AND ')}${group}`;

  const days = groupBy.includes(MetricsDimension.HOUR) ? null : wholeLondonDays(from, to);
  if (!days) {
    return { sql: `${branch('delivery_rollups', ['hour_start >= ?', 'hour_start < ?'])}${order}`, params: [asParam(from), asParam(to), ...filterParams] };
  }
  // Whole days from the daily rollups, the hours before and after them from the hourly ones;
  // each part is grouped first, so the outer query only adds up a few rows per group.
  const parts: string[] = [branch('delivery_rollups_daily', ['london_day >= ?', 'london_day <= ?'])];
  const params: unknown[] = [days.first, days.last, ...filterParams];
  for (const [start, end] of [
    [from, days.start],
    [days.end, to],
  ]) {
    if (start.getTime() >= end.getTime()) continue;
    parts.push(branch('delivery_rollups', ['hour_start >= ?', 'hour_start < ?']));
    params.push(asParam(start), asParam(end), ...filterParams);
  }
  if (parts.length === 1) return { sql: `${parts[0]}${order}`, params };
  return { sql: `SELECT ${[...dims, ...sums].join(', ')} FROM (${parts.join(' UNION ALL ')}) AS slices${group}${order}`, params };
}

export class MetricsStore {
  constructor(private readonly db: Database) {}

  /** The aggregated rows, one per group, ordered by the group columns; `page` reads a slice of them. */
  async rows(query: MetricsQuery, groupBy: MetricsDimension[], page?: { limit: number; offset: number }): Promise<Array<Record<string, unknown>>> {
    const { sql, params } = metricsSql(this.db, query, groupBy);
    const slice = page ? ` LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}` : '';
    return this.db.dataSource.query(`${sql}${slice}`, params);
  }
}
