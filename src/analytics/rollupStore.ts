/**
 * Data access for the hourly delivery rollups: rebuild slices from the messages they
 * summarise, and aggregate them for deliveryMetrics. The rebuild recomputes a slice
 * whole, so running it twice, or for a slice that did not change, is harmless.
 */
import type { EntityManager } from 'typeorm';
import { DeliveryRollup } from '../../entities/DeliveryRollup';
import { HubState } from '../../entities/HubState';
import type { Database } from '../db/database';
import { Channel } from '../delivery/deliveryEnums';
import { londonParts } from '../delivery/rules/quietHours';
import { MessageStatus } from '../messages/messageEnums';
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

interface MessageFacts {
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

  /** Recomputes every hour in [from, to) of one organisation from its messages. */
  async rebuild(organisationOdsCode: string, from: Date, to: Date): Promise<void> {
    const rows: MessageFacts[] = await this.db.dataSource.query(
      `SELECT m.created_at, m.category, m.status, m.delivered_channel, m.fallback_used, m.sms_fragments, m.delivered_at, m.read_at,
         (SELECT COUNT(*) FROM patient_reports r WHERE r.message_id = m.id) AS reports,
         (SELECT COUNT(*) FROM delivery_attempts a WHERE a.message_id = m.id AND a.channel = 'SMS' AND a.sent_at IS NOT NULL) AS sms_sent
       FROM messages m
       WHERE m.organisation_ods_code = ? AND m.created_at >= ? AND m.created_at < ? AND m.source_reference IS NULL`,
      this.params([organisationOdsCode, from, to]),
    );
    const slices = new Map<string, DeliveryRollup & { histogram: number[] }>();
    for (const row of rows) {
      const createdAt = asDate(row.created_at);
      const hour = hourStart(createdAt);
      const channel = row.delivered_channel ?? '';
      const key = `${hour.getTime()}|${row.category}|${channel}`;
      let slice = slices.get(key);
      if (!slice) {
        slice = Object.assign(new DeliveryRollup(), {
          hourStart: hour,
          organisationOdsCode,
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
        .where('organisation_ods_code = :organisationOdsCode AND hour_start >= :from AND hour_start < :to', { organisationOdsCode, from, to })
        .execute();
      const records = [...slices.values()].map(({ histogram, ...slice }) =>
        Object.assign(new DeliveryRollup(), slice, Object.fromEntries(HISTOGRAM_COLUMNS.map((column, i) => [column, histogram[i]]))),
      );
      for (let i = 0; i < records.length; i += 200) await manager.getRepository(DeliveryRollup).insert(records.slice(i, i + 200));
    });
  }

  /** Organisations and creation hours of hub-sent messages that changed since `since`. */
  async changedSince(since: Date): Promise<Array<{ organisationOdsCode: string; createdAt: Date }>> {
    const rows: Array<{ organisation_ods_code: string; created_at: Date | string }> = await this.db.dataSource.query(
      'SELECT organisation_ods_code, created_at FROM messages WHERE updated_at > ? AND source_reference IS NULL',
      this.params([since]),
    );
    return rows.map((r) => ({ organisationOdsCode: r.organisation_ods_code, createdAt: asDate(r.created_at) }));
  }

  async createdRange(): Promise<Array<{ organisationOdsCode: string; first: Date; last: Date }>> {
    const rows: Array<{ org: string; first: Date | string; last: Date | string }> = await this.db.dataSource.query(
      'SELECT organisation_ods_code AS org, MIN(created_at) AS first, MAX(created_at) AS last FROM messages WHERE source_reference IS NULL GROUP BY organisation_ods_code',
    );
    return rows.map((r) => ({ organisationOdsCode: r.org, first: asDate(r.first), last: asDate(r.last) }));
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
