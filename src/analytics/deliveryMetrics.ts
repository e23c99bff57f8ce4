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
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Channel } from '../vocabulary/delivery';
import { storedDate } from '../db/storedDate';
import { londonDayStart } from '../shared/londonTime';
import { HubError } from '../shared/errors';
import { percentile } from './deliveryTimeHistogram';
import { HOUR_MS } from '../shared/durations';
import type { MetricsStore } from './metricsStore';
import { MetricsDimension, type MetricsQuery } from './metricsQuery';
import { HISTOGRAM_COLUMNS } from './rollupStore';

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
  /** patientReports per 1,000 messages. */
  reportsPerThousandMessages: number;
  smsCostAvoidedPence: number;
  smsCostSpentPence: number;
}

export const MAX_METRICS_RANGE_DAYS = 400;

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
  if (groupBy.includes(MetricsDimension.DAY)) bucketStart = londonDayStart(String(raw.london_day));
  if (groupBy.includes(MetricsDimension.HOUR)) bucketStart = storedDate(hour as Date | string);
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
    reportsPerThousandMessages: messages === 0 ? 0 : Math.round((n('patient_reports') / messages) * 1000 * 100) / 100,
    smsCostAvoidedPence: Math.round(avoided * pricePence * 100) / 100,
    smsCostSpentPence: Math.round(sent * pricePence * 100) / 100,
  };
}

export interface MetricsDeps {
  metrics: MetricsStore;
  smsFragmentPricePence: number;
}

export async function deliveryMetrics(deps: MetricsDeps, query: MetricsQuery, groupBy: MetricsDimension[] = []): Promise<MetricsRow[]> {
  validateMetricsQuery(query, groupBy);
  const rows = await deps.metrics.rows(query, groupBy);
  // Rollup rows exist only where messages do, so every group counts some; with no grouping
  // an empty range answers one row of SQL NULL sums, read as zeros.
  return rows.map((raw) => toMetricsRow(raw, groupBy, deps.smsFragmentPricePence));
}

/** The same rows a page at a time, for the CSV extract. */
export async function* deliveryMetricsPages(deps: MetricsDeps, query: MetricsQuery, groupBy: MetricsDimension[], pageSize: number): AsyncGenerator<MetricsRow[]> {
  validateMetricsQuery(query, groupBy);
  for (let offset = 0; ; offset += pageSize) {
    const rows = await deps.metrics.rows(query, groupBy, { limit: pageSize, offset });
    yield rows.map((raw) => toMetricsRow(raw, groupBy, deps.smsFragmentPricePence));
    if (rows.length < pageSize) return;
  }
}
