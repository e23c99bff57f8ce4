/**
 * Data access for the delivery rollups: rebuild hourly slices from the messages they
 * summarise, and the daily rollups (per Europe/London day) of the days those hours fall in
 * from the hourly rows, for deliveryMetrics. The rebuild recomputes a slice whole, so
 * running it twice, or for a slice that did not change, is harmless.
 */
import type { EntityManager } from 'typeorm';
import { DeliveryRollup } from '../../entities/DeliveryRollup';
import { HubState } from '../../entities/HubState';
import type { Database } from '../db/database';
import { Channel } from '../vocabulary/delivery';
import { londonParts, londonTime } from '../delivery/rules/quietHours';
import { MessageStatus } from '../vocabulary/messages';
import { bucketOf, emptyHistogram, HISTOGRAM_BUCKETS } from './deliveryTimeHistogram';

export const HOUR_MS = 60 * 60 * 1000;
export const HISTOGRAM_COLUMNS = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => `h${String(i).padStart(2, '0')}`);

export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

export function londonDayOf(at: Date): string {
  const p = londonParts(at);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The instant a London calendar day (YYYY-MM-DD) starts. */
export function londonDayStart(day: string): Date {
  const [year, month, date] = day.split('-').map(Number);
  return londonTime(year, month, date, 0, 0);
}

/** The calendar day `days` after `day` (YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The London days wholly inside [from, to): the first and last day and the instants they span, or null when there is none. */
export function wholeLondonDays(from: Date, to: Date): { first: string; last: string; start: Date; end: Date } | null {
  const fromDay = londonDayOf(from);
  const first = londonDayStart(fromDay).getTime() === from.getTime() ? fromDay : addDays(fromDay, 1);
  const toDay = londonDayOf(new Date(to.getTime() - 1));
  const last = londonDayStart(addDays(toDay, 1)).getTime() <= to.getTime() ? toDay : addDays(toDay, -1);
  if (first > last) return null;
  return { first, last, start: londonDayStart(first), end: londonDayStart(addDays(last, 1)) };
}

/** The London days that [from, to) touches, in order. */
function londonDaysTouched(from: Date, to: Date): string[] {
  const days: string[] = [];
  const last = londonDayOf(new Date(to.getTime() - 1));
  for (let day = londonDayOf(from); day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * Present in hub_state while the daily rollups are known to equal the sums of the hourly ones
 * (the migration that made them writes it). Whoever empties hub_state to have everything
 * rebuilt gets the daily rollups re-derived whole by the next rebuild, not left stale.
 */
export const DAILY_ROLLUPS_IN_STEP = 'rollups.daily';

const DAILY_KEYS = ['london_day', 'organisation_ods_code', 'category', 'delivered_channel'];
const DAILY_COUNTERS = ['messages', 'delivered', 'read_count', 'failed', 'fallbacks', 'sms_fragments_avoided', 'sms_fragments_sent', 'patient_reports', ...HISTOGRAM_COLUMNS];

interface MessageFacts {
  organisation_ods_code: string;
  created_at: Date | string;
  category: string;
  status: string;
  delivered_channel: string | null;
  fallback_used: number | boolean | string;
  sms_fragments: number | string;
  delivered_at: Date | string | null;
  read_at: Date | string | null;
  reports: number | string;
  sms_sent: number | string;
}

/** Dates come back as Date from MySQL and as 'YYYY-MM-DD HH:MM:SS.SSS' UTC text from SQLite. */
function asDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}

function truthy(value: number | boolean | string): boolean {
  return value === true || value === 1 || value === '1';
}

export class RollupStore {
  constructor(private readonly db: Database) {}

  /** Recomputes every hour in [from, to) of one organisation, or of all (null), from its messages. */
  async rebuild(organisationOdsCode: string | null, from: Date, to: Date): Promise<void> {
    const onlyOrganisation = organisationOdsCode === null ? '' : 'm.organisation_ods_code = ? AND ';
    const rows: MessageFacts[] = await this.db.dataSource.query(
      `SELECT m.organisation_ods_code, m.created_at, m.category, m.status, m.delivered_channel, m.fallback_used, m.sms_fragments, m.delivered_at, m.read_at,
         (SELECT COUNT(*) FROM patient_reports r WHERE r.message_id = m.id) AS reports,
         (SELECT COUNT(*) FROM delivery_attempts a WHERE a.message_id = m.id AND a.channel = 'SMS' AND a.sent_at IS NOT NULL) AS sms_sent
       FROM messages m
       WHERE ${onlyOrganisation}m.created_at >= ? AND m.created_at < ? AND m.source_reference IS NULL`,
      this.params(organisationOdsCode === null ? [from, to] : [organisationOdsCode, from, to]),
    );
    const slices = new Map<string, DeliveryRollup & { histogram: number[] }>();
    for (const row of rows) {
      const createdAt = asDate(row.created_at);
      const hour = hourStart(createdAt);
      const channel = row.delivered_channel ?? '';
      const key = `${row.organisation_ods_code}|${hour.getTime()}|${row.category}|${channel}`;
      let slice = slices.get(key);
      if (!slice) {
        slice = Object.assign(new DeliveryRollup(), {
          hourStart: hour,
          organisationOdsCode: row.organisation_ods_code,
          category: row.category,
          deliveredChannel: channel,
          londonDay: londonDayOf(hour),
          messages: 0,
          delivered: 0,
          readCount: 0,
          failed: 0,
          fallbacks: 0,
          smsFragmentsAvoided: 0,
          smsFragmentsSent: 0,
          patientReports: 0,
          histogram: emptyHistogram(),
        });
        slices.set(key, slice);
      }
      const fragments = Number(row.sms_fragments);
      slice.messages += 1;
      if (row.delivered_at) {
        slice.delivered += 1;
        slice.histogram[bucketOf((asDate(row.delivered_at).getTime() - createdAt.getTime()) / 1000)] += 1;
      }
      if (row.read_at) slice.readCount += 1;
      if (row.status === MessageStatus.FAILED) slice.failed += 1;
      if (truthy(row.fallback_used)) slice.fallbacks += 1;
      if (row.delivered_channel === Channel.NHS_APP) slice.smsFragmentsAvoided += fragments;
      slice.smsFragmentsSent += Number(row.sms_sent) * fragments;
      slice.patientReports += Number(row.reports);
    }
    await this.db.transaction(async (manager) => {
      await manager
        .getRepository(DeliveryRollup)
        .createQueryBuilder()
        .delete()
        .where(`${organisationOdsCode === null ? '' : 'organisation_ods_code = :organisationOdsCode AND '}hour_start >= :from AND hour_start < :to`, { organisationOdsCode, from, to })
        .execute();
      const records = [...slices.values()].map(({ histogram, ...slice }) =>
        Object.assign(new DeliveryRollup(), slice, Object.fromEntries(HISTOGRAM_COLUMNS.map((column, i) => [column, histogram[i]]))),
      );
      for (let i = 0; i < records.length; i += 200) await manager.getRepository(DeliveryRollup).insert(records.slice(i, i + 200));
      await this.rebuildDays(manager, organisationOdsCode, londonDaysTouched(from, to));
    });
  }

  /**
   * The daily rollups of one organisation's days, each summed from that day's hourly rows
   * (idx_rollups_day finds them: one index range per day); or all of them, when they are not
   * known to be in step with the hourly rollups.
   */
  private async rebuildDays(manager: EntityManager, organisationOdsCode: string | null, days: string[]): Promise<void> {
    const insert = `INSERT INTO delivery_rollups_daily (${[...DAILY_KEYS, ...DAILY_COUNTERS].join(', ')}) SELECT ${DAILY_KEYS.join(', ')}, ${DAILY_COUNTERS.map((c) => `SUM(${c})`).join(', ')} FROM delivery_rollups`;
    const group = ` GROUP BY ${DAILY_KEYS.join(', ')}`;
    if (!(await manager.getRepository(HubState).existsBy({ name: DAILY_ROLLUPS_IN_STEP }))) {
      await manager.query('DELETE FROM delivery_rollups_daily');
      await manager.query(`${insert}${group}`);
      await this.writeState(DAILY_ROLLUPS_IN_STEP, 'derived from delivery_rollups', manager);
      return;
    }
    for (let i = 0; i < days.length; i += 100) {
      const batch = days.slice(i, i + 100);
      const dayList = batch.map(() => '?').join(', ');
      const onlyOrganisation = organisationOdsCode === null ? '' : 'organisation_ods_code = ? AND ';
      const params = organisationOdsCode === null ? batch : [organisationOdsCode, ...batch];
      await manager.query(`DELETE FROM delivery_rollups_daily WHERE ${onlyOrganisation}london_day IN (${dayList})`, params);
      await manager.query(`${insert} WHERE ${onlyOrganisation}london_day IN (${dayList})${group}`, params);
    }
  }

  /** Organisations and creation hours of hub-sent messages that changed since `since`. */
  async changedSince(since: Date): Promise<Array<{ organisationOdsCode: string; createdAt: Date }>> {
    const rows: Array<{ organisation_ods_code: string; created_at: Date | string }> = await this.db.dataSource.query(
      'SELECT organisation_ods_code, created_at FROM messages WHERE updated_at > ? AND source_reference IS NULL',
      this.params([since]),
    );
    return rows.map((r) => ({ organisationOdsCode: r.organisation_ods_code, createdAt: asDate(r.created_at) }));
  }

  /** When the first and last hub-sent messages were created, or null when there are none. */
  async createdRange(): Promise<{ first: Date; last: Date } | null> {
    const [row]: Array<{ first: Date | string | null; last: Date | string | null }> = await this.db.dataSource.query(
      'SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM messages WHERE source_reference IS NULL',
    );
    return row?.first && row.last ? { first: asDate(row.first), last: asDate(row.last) } : null;
  }

  async readState(name: string): Promise<string | null> {
    return (await this.db.dataSource.getRepository(HubState).findOneBy({ name }))?.value ?? null;
  }

  async writeState(name: string, value: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.db.dataSource.manager).getRepository(HubState).save(Object.assign(new HubState(), { name, value }));
  }

  /** Runs `work` only if no other instance is refreshing rollups right now. */
  async exclusively(work: () => Promise<void>): Promise<boolean> {
    if (this.db.kind !== 'mysql') {
      await work();
      return true;
    }
    const runner = this.db.dataSource.createQueryRunner();
    try {
      // Named locks are server-wide: qualified with the database, hubs of other databases never block this one.
      const [{ locked }] = await runner.query("SELECT GET_LOCK(CONCAT('nhs_app_hub_rollups:', DATABASE()), 0) AS locked");
      if (Number(locked) !== 1) return false;
      try {
        await work();
      } finally {
        await runner.query("SELECT RELEASE_LOCK(CONCAT('nhs_app_hub_rollups:', DATABASE()))");
      }
      return true;
    } finally {
      await runner.release();
    }
  }

  /** Raw queries bind dates as the driver stores them (UTC text on SQLite). */
  private params(values: unknown[]): unknown[] {
    if (this.db.kind === 'mysql') return values;
    return values.map((v) => (v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v));
  }
}
