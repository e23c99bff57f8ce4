/**
 * Delivery metrics for analysts, read from the rollups. Messages are counted in the hour
 * they were created, by the organisation that sent them, their category and the channel
 * that delivered them; DAY groups by Europe/London calendar day. The London days wholly
 * inside the range are read from the daily rollups (a twentieth of the rows), the hours
 * at either end from the hourly ones; grouping by HOUR reads the hourly rollups only.
 *
 *   deliveryRate = delivered / messages     readRate = read / delivered
 *   fallbackRate = fallbacks / messages     percentiles from the delivery-time histogram
 */
import type { Database } from '../db/database';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Channel } from '../vocabulary/delivery';
import { londonTime } from '../delivery/rules/quietHours';
import { HubError } from '../shared/errors';
import { percentile } from './deliveryTimeHistogram';
import { HISTOGRAM_COLUMNS, HOUR_MS, wholeLondonDays } from './rollupStore';

export enum MetricsDimension {
  ORGANISATION = 'ORGANISATION',
  CATEGORY = 'CATEGORY',
  CHANNEL = 'CHANNEL',
  DAY = 'DAY',
  HOUR = 'HOUR',
}

export interface MetricsQuery {
  from: Date;
  to: Date;
  organisationOdsCodes?: string[] | null;
  categories?: MessagingCategory[] | null;
  channels?: Channel[] | null;
}

export interface MetricsRow {
  organisationOdsCode: string | null;
  category: MessagingCategory | null;
  channel: Channel | null;
  bucketStart: Date | null;
  messages: number;
  delivered: number;
  read: number;
  failed: number;
  fallbacks: number;
  deliveryRate: number;
  readRate: number;
  fallbackRate: number;
  medianSecondsToDeliver: number | null;
  p95SecondsToDeliver: number | null;
  smsFragmentsAvoided: number;
  smsFragmentsSent: number;
  patientReports: number;
  smsCostAvoidedPence: number;
  smsCostSpentPence: number;
}

export const MAX_METRICS_RANGE_DAYS = 400;

const DIMENSION_COLUMN: Record<MetricsDimension, string> = {
  ORGANISATION: 'organisation_ods_code',
  CATEGORY: 'category',
  CHANNEL: 'delivered_channel',
  DAY: 'london_day',
  HOUR: 'hour_start',
};

export function validateMetricsQuery(query: MetricsQuery, groupBy: MetricsDimension[]): void {
  if (!(query.from.getTime() < query.to.getTime())) throw new HubError('BAD_USER_INPUT', 'filter.from must be before filter.to');
  if (query.to.getTime() - query.from.getTime() > MAX_METRICS_RANGE_DAYS * 24 * HOUR_MS) {
    throw new HubError('BAD_USER_INPUT', `A metrics query covers at most ${MAX_METRICS_RANGE_DAYS} days`);
  }
  if (groupBy.includes(MetricsDimension.DAY) && groupBy.includes(MetricsDimension.HOUR)) throw new HubError('BAD_USER_INPUT', 'Group by DAY or by HOUR, not both');
  if (new Set(groupBy).size !== groupBy.length) throw new HubError('BAD_USER_INPUT', 'groupBy lists a dimension more than once');
  for (const list of [query.organisationOdsCodes, query.categories, query.channels]) {
    if ((list?.length ?? 0) > 1000) throw new HubError('BAD_USER_INPUT', 'A metrics filter list holds at most 1,000 values');
  }
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10000) / 10000;
}

function londonMidnight(day: string): Date {
  const [year, month, date] = day.split('-').map(Number);
  return londonTime(year, month, date, 0, 0);
}

export interface MetricsSource {
  db: Database;
  smsFragmentPricePence: number;
}

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
export function metricsSql(db: Database, query: MetricsQuery, groupBy: MetricsDimension[]): { sql: string; params: unknown[] } {
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
    filters.push(`${column} IN (${values.map(() => '?').join(', ')})`);
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

export function toMetricsRow(raw: Record<string, unknown>, groupBy: MetricsDimension[], pricePence: number): MetricsRow {
  const n = (column: string) => Number(raw[column] ?? 0);
  const messages = n('messages');
  const delivered = n('delivered');
  const read = n('read_count');
  const fallbacks = n('fallbacks');
  const histogram = HISTOGRAM_COLUMNS.map(n);
  const avoided = n('sms_fragments_avoided');
  const sent = n('sms_fragments_sent');
  const hour = raw.hour_start;
  let bucketStart: Date | null = null;
  if (groupBy.includes(MetricsDimension.DAY)) bucketStart = londonMidnight(String(raw.london_day));
  if (groupBy.includes(MetricsDimension.HOUR)) bucketStart = hour instanceof Date ? hour : new Date(`${String(hour).replace(' ', 'T')}Z`);
  const channel = groupBy.includes(MetricsDimension.CHANNEL) ? ((raw.delivered_channel as string) || null) : null;
  return {
    organisationOdsCode: groupBy.includes(MetricsDimension.ORGANISATION) ? (raw.organisation_ods_code as string) : null,
    category: groupBy.includes(MetricsDimension.CATEGORY) ? (raw.category as MessagingCategory) : null,
    channel: channel as Channel | null,
    bucketStart,
    messages,
    delivered,
    read,
    failed: n('failed'),
    fallbacks,
    deliveryRate: ratio(delivered, messages),
    readRate: ratio(read, delivered),
    fallbackRate: ratio(fallbacks, messages),
    medianSecondsToDeliver: percentile(histogram, 0.5),
    p95SecondsToDeliver: percentile(histogram, 0.95),
    smsFragmentsAvoided: avoided,
    smsFragmentsSent: sent,
    patientReports: n('patient_reports'),
    smsCostAvoidedPence: Math.round(avoided * pricePence * 100) / 100,
    smsCostSpentPence: Math.round(sent * pricePence * 100) / 100,
  };
}

export async function deliveryMetrics(source: MetricsSource, query: MetricsQuery, groupBy: MetricsDimension[] = []): Promise<MetricsRow[]> {
  validateMetricsQuery(query, groupBy);
  const { sql, params } = metricsSql(source.db, query, groupBy);
  const rows: Array<Record<string, unknown>> = await source.db.dataSource.query(sql, params);
  // Rollup rows exist only where messages do, so every group counts some; with no grouping
  // an empty range answers one row of SQL NULL sums, read as zeros.
  return rows.map((raw) => toMetricsRow(raw, groupBy, source.smsFragmentPricePence));
}
