/**
 * GET /exports/delivery-metrics.csv: the deliveryMetrics rows as CSV for analysts, with the
 * same filter and grouping as query parameters. Rows are fetched in pages and written as
 * the client takes them, so a large extract never sits in memory whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { deliveryMetricsPages, type MetricsRow, validateMetricsQuery } from '../analytics/deliveryMetrics';
import { MetricsDimension, type MetricsQuery } from '../analytics/metricsQuery';
import { authenticate } from '../auth/apiKeys';
import { Role } from '../vocabulary/roles';
import { MessagingCategory } from '../vocabulary/messagingCategory';
import { Channel } from '../vocabulary/delivery';
import type { Hub } from '../hub';
import { HubError, isHubError } from '../shared/errors';
import { parseInstant } from '../shared/instants';
import { refusedAsRateLimited } from './rateLimited';
import { sendError } from './respond';

const PAGE = 5000;
const EXPORT_ROLES = [Role.ANALYST, Role.ADMIN];

const COLUMNS: Array<keyof MetricsRow> = [
  'organisationOdsCode', 'category', 'channel', 'bucketStart', 'messages', 'delivered', 'read', 'failed', 'fallbacks', 'deliveryRate', 'readRate', 'fallbackRate',
  'medianSecondsToDeliver', 'p95SecondsToDeliver', 'smsFragmentsAvoided', 'smsFragmentsSent', 'patientReports', 'smsCostAvoidedPence', 'smsCostSpentPence',
];

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function list<T extends string>(params: URLSearchParams, name: string, allowed?: readonly T[]): T[] | null {
  const values = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (values.length === 0) return null;
  if (allowed) for (const v of values) if (!allowed.includes(v as T)) throw new HubError('BAD_USER_INPUT', `${name} must be from ${allowed.join(', ')}`);
  return values as T[];
}

function instant(params: URLSearchParams, name: string): Date {
  const raw = params.get(name);
  if (!raw) throw new HubError('BAD_USER_INPUT', `${name} is required as an ISO 8601 date-time`);
  return parseInstant(raw, name);
}

export function parseExportQuery(params: URLSearchParams): { query: MetricsQuery; groupBy: MetricsDimension[] } {
  const query: MetricsQuery = {
    from: instant(params, 'from'),
    to: instant(params, 'to'),
    organisationOdsCodes: list(params, 'organisationOdsCodes'),
    categories: list(params, 'categories', Object.values(MessagingCategory)),
    channels: list(params, 'channels', Object.values(Channel)),
  };
  const groupBy = list(params, 'groupBy', Object.values(MetricsDimension)) ?? [];
  validateMetricsQuery(query, groupBy);
  return { query, groupBy };
}

export function metricsExportHandler(hub: Hub) {
  return async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    let parsed: ReturnType<typeof parseExportQuery>;
    try {
      const principal = await authenticate(hub.stores.apiKeys, request.headers.authorization);
      if (await refusedAsRateLimited(hub, principal.keyId, response)) return;
      if (!EXPORT_ROLES.includes(principal.role)) throw new HubError('FORBIDDEN', 'Extracts need an ANALYST or ADMIN key');
      parsed = parseExportQuery(url.searchParams);
    } catch (error) {
      if (!isHubError(error)) throw error;
      const status = error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'FORBIDDEN' ? 403 : 400;
      return sendError(response, status, error.code, error.message);
    }
    response.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="delivery-metrics.csv"',
      'cache-control': 'no-store',
    });
    response.write(`${COLUMNS.join(',')}\n`);
    const deps = { metrics: hub.stores.metrics, smsFragmentPricePence: hub.config.smsFragmentPricePence };
    for await (const rows of deliveryMetricsPages(deps, parsed.query, parsed.groupBy, PAGE)) {
      for (const row of rows) {
        if (!response.write(`${COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`)) await once(response, 'drain');
      }
      if (response.destroyed) break;
    }
    response.end();
  };
}
