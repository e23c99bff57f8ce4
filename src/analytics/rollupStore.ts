/**
 * Data access for the delivery rollups: hourly rows per organisation, hour, category and
 * delivering channel, the daily rows (per Europe/London day) of the same, and beside them each
 * hub-sent message's contribution — what it last added to its hourly row.
 *
 * A full rebuild recomputes hours of every organisation from their messages and rewrites the
 * contributions with them. A refresh reads only the messages that changed, computes each one's
 * new contribution and applies the difference from its stored one to the hourly and daily rows,
 * all in one transaction: however full an hour is, a change costs a few rows. A message seen
 * twice adds nothing the second time, as its stored contribution already equals its new one.
 */
import type { EntityManager } from 'typeorm';
import { HubState } from '../../entities/HubState';
import type { Database } from '../db/database';
import { storedDate } from '../db/storedDate';
import { Channel } from '../vocabulary/delivery';
import { addDays, hourStart, londonDayOf } from '../shared/londonTime';
import { MessageStatus } from '../vocabulary/messages';
import { bucketOf, HISTOGRAM_BUCKETS } from './deliveryTimeHistogram';
import { dateParameter, placeholders } from '../db/entityRows';

export const HISTOGRAM_COLUMNS = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => `h${String(i).padStart(2, '0')}`);

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

/**
 * Present in hub_state while the hourly rollups are known to equal the sums of the stored
 * contributions: a full rebuild writes it once every hour is rebuilt. Without it (a database
 * upgraded from before the contributions, or hub_state emptied) the next refresh rebuilds
 * everything instead of applying differences.
 */
export const CONTRIBUTIONS_IN_STEP = 'rollups.contributions';

const HOURLY_KEYS = ['hour_start', 'organisation_ods_code', 'category', 'delivered_channel'];
const DAILY_KEYS = ['london_day', 'organisation_ods_code', 'category', 'delivered_channel'];
/** Every rollup row's counters, hourly or daily. */
const COUNTERS = ['messages', 'delivered', 'read_count', 'failed', 'fallbacks', 'sms_fragments_avoided', 'sms_fragments_sent', 'patient_reports', ...HISTOGRAM_COLUMNS];
const MESSAGES = 0;
const DELIVERED = 1;
const FIRST_BUCKET = 8;
const DAILY_INSERT = `INSERT INTO delivery_rollups_daily (${[...DAILY_KEYS, ...COUNTERS].join(', ')}) SELECT ${DAILY_KEYS.join(', ')}, ${COUNTERS.map((c) => `SUM(${c})`).join(', ')} FROM delivery_rollups`;
const DAILY_GROUP = ` GROUP BY ${DAILY_KEYS.join(', ')}`;
const CONTRIBUTION_COLUMNS = [
  'message_id',
  'hour_start',
  'organisation_ods_code',
  'category',
  'delivered_channel',
  'delivery_bucket',
  'read_count',
  'failed',
  'fallbacks',
  'sms_fragments_avoided',
  'sms_fragments_sent',
  'patient_reports',
  'message_updated_at',
];

/**
 * Statement sizes: SQLite nests `a OR b OR …` one level per term and refuses trees deeper than
 * 1,000, and both databases cap the placeholders in one statement (SQLite at 32,766).
 */
const TERMS_PER_STATEMENT = 200;
const IDS_PER_STATEMENT = 500;
const ROWS_PER_INSERT = 500;

/** A message's own columns that the rollups count, and its updated_at. */
const MESSAGE_COLUMNS = 'm.id, m.organisation_ods_code, m.created_at, m.category, m.status, m.delivered_channel, m.fallback_used, m.sms_fragments, m.delivered_at, m.read_at, m.updated_at';

/** What the rollups count of each hub-sent message; followed by the WHERE clause choosing them. */
const MESSAGE_FACTS = `SELECT ${MESSAGE_COLUMNS},
    (SELECT COUNT(*) FROM patient_reports r WHERE r.message_id = m.id) AS reports,
    (SELECT COUNT(*) FROM delivery_attempts a WHERE a.message_id = m.id AND a.channel = 'SMS' AND a.sent_at IS NOT NULL) AS sms_sent
  FROM messages m`;

/** A message's own columns that the rollups count (without its SMS sends and reports). */
interface MessageRow {
  id: string;
  organisation_ods_code: string;
  created_at: Date | string;
  category: string;
  status: string;
  delivered_channel: string | null;
  fallback_used: number | boolean | string;
  sms_fragments: number | string;
  delivered_at: Date | string | null;
  read_at: Date | string | null;
  updated_at: Date | string;
}

interface MessageFacts extends MessageRow {
  reports: number | string;
  sms_sent: number | string;
}

/** What one message adds to its hourly rollup row; `messages` is always 1. */
interface Contribution {
  messageId: string;
  hourStart: Date;
  organisationOdsCode: string;
  category: string;
  /** '' when no channel has delivered it. */
  deliveredChannel: string;
  /** Its delivery-time histogram bucket, null while not delivered. */
  deliveryBucket: number | null;
  readCount: number;
  failed: number;
  fallbacks: number;
  smsFragmentsAvoided: number;
  smsFragmentsSent: number;
  patientReports: number;
  /** The message's updated_at as read (Date from MySQL, text from SQLite), stored as it came. */
  messageUpdatedAt: Date | string;
}

/** A rollup row's keys (hourly: hour_start first; daily: london_day first) and counters in the order of COUNTERS. */
interface CountedRow {
  keys: unknown[];
  londonDay: string;
  counters: number[];
}


function truthy(value: number | boolean | string): boolean {
  return value === true || value === 1 || value === '1';
}

function chunks<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** A message's contribution from its columns; `counts` are its SMS sends and reports (zero when not yet read). */
function contributionOf(row: MessageRow, counts: { smsSent: number; reports: number }): Contribution {
  const createdAt = storedDate(row.created_at);
  const fragments = Number(row.sms_fragments);
  return {
    messageId: row.id,
    hourStart: hourStart(createdAt),
    organisationOdsCode: row.organisation_ods_code,
    category: row.category,
    deliveredChannel: row.delivered_channel ?? '',
    deliveryBucket: row.delivered_at ? bucketOf((storedDate(row.delivered_at).getTime() - createdAt.getTime()) / 1000) : null,
    readCount: row.read_at ? 1 : 0,
    failed: row.status === MessageStatus.FAILED ? 1 : 0,
    fallbacks: truthy(row.fallback_used) ? 1 : 0,
    smsFragmentsAvoided: row.delivered_channel === Channel.NHS_APP ? fragments : 0,
    smsFragmentsSent: counts.smsSent * fragments,
    patientReports: counts.reports,
    messageUpdatedAt: row.updated_at,
  };
}

function contributionOfFacts(row: MessageFacts): Contribution {
  return contributionOf(row, { smsSent: Number(row.sms_sent), reports: Number(row.reports) });
}

/** A stored contribution as read back from delivery_contributions. */
function storedContribution(row: Record<string, unknown>): Contribution {
  return {
    messageId: String(row.message_id),
    hourStart: storedDate(row.hour_start as Date | string),
    organisationOdsCode: String(row.organisation_ods_code),
    category: String(row.category),
    deliveredChannel: String(row.delivered_channel),
    deliveryBucket: row.delivery_bucket === null || row.delivery_bucket === undefined ? null : Number(row.delivery_bucket),
    readCount: Number(row.read_count),
    failed: Number(row.failed),
    fallbacks: Number(row.fallbacks),
    smsFragmentsAvoided: Number(row.sms_fragments_avoided),
    smsFragmentsSent: Number(row.sms_fragments_sent),
    patientReports: Number(row.patient_reports),
    messageUpdatedAt: row.message_updated_at as Date | string,
  };
}

/** The hourly row a contribution counts in, as a map key. */
function hourlyKeyOf(c: Contribution): string {
  return `${c.hourStart.getTime()}|${c.organisationOdsCode}|${c.category}|${c.deliveredChannel}`;
}

/** The contribution as counters in the order of COUNTERS. */
function countersOf(c: Contribution): number[] {
  const counters = new Array<number>(COUNTERS.length).fill(0);
  counters[MESSAGES] = 1;
  if (c.deliveryBucket !== null) {
    counters[DELIVERED] = 1;
    counters[FIRST_BUCKET + c.deliveryBucket] = 1;
  }
  counters[2] = c.readCount;
  counters[3] = c.failed;
  counters[4] = c.fallbacks;
  counters[5] = c.smsFragmentsAvoided;
  counters[6] = c.smsFragmentsSent;
  counters[7] = c.patientReports;
  return counters;
}

/** Whether two contributions count the same, in the same row. */
function sameCounts(a: Contribution, b: Contribution): boolean {
  return (
    hourlyKeyOf(a) === hourlyKeyOf(b) &&
    a.deliveryBucket === b.deliveryBucket &&
    a.readCount === b.readCount &&
    a.failed === b.failed &&
    a.fallbacks === b.fallbacks &&
    a.smsFragmentsAvoided === b.smsFragmentsAvoided &&
    a.smsFragmentsSent === b.smsFragmentsSent &&
    a.patientReports === b.patientReports
  );
}

/** Hourly and daily rows that add up contributions, with `sign` -1 taking them away. */
class RowSums {
  readonly hourly = new Map<string, CountedRow>();
  readonly daily = new Map<string, CountedRow>();

  add(c: Contribution, sign: number): void {
    const counters = countersOf(c);
    const londonDay = londonDayOf(c.hourStart);
    this.addTo(this.hourly, hourlyKeyOf(c), [c.hourStart, c.organisationOdsCode, c.category, c.deliveredChannel], londonDay, counters, sign);
    this.addTo(this.daily, `${londonDay}|${c.organisationOdsCode}|${c.category}|${c.deliveredChannel}`, [londonDay, c.organisationOdsCode, c.category, c.deliveredChannel], londonDay, counters, sign);
  }

  private addTo(rows: Map<string, CountedRow>, key: string, keys: unknown[], londonDay: string, counters: number[], sign: number): void {
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { keys, londonDay, counters: new Array<number>(COUNTERS.length).fill(0) }));
    for (let i = 0; i < counters.length; i += 1) row.counters[i] += sign * counters[i];
  }
}

/** Rows with some counter changed. */
function changed(rows: Map<string, CountedRow>): CountedRow[] {
  return [...rows.values()].filter((row) => row.counters.some((n) => n !== 0));
}

/** `(c1 = ? AND c2 = ? …) OR …` naming rows by their whole key, in statements of a bounded size. */
function keyFilters(columns: string[], keys: unknown[][]): Array<{ where: string; params: unknown[] }> {
  const term = `(${columns.map((c) => `${c} = ?`).join(' AND ')})`;
  return chunks(keys, TERMS_PER_STATEMENT).map((batch) => ({ where: batch.map(() => term).join(' OR '), params: batch.flat() }));
}

export class RollupStore {
  constructor(private readonly db: Database) {}

  /**
   * Recomputes every hour in [from, to) of every organisation from its messages, with the
   * daily rows of the days they touch and the contributions of those messages. Returns how
   * many organisation-hours have messages.
   */
  async rebuildEveryOrganisation(from: Date, to: Date): Promise<number> {
    const rows: MessageFacts[] = await this.db.dataSource.query(`${MESSAGE_FACTS} WHERE m.created_at >= ? AND m.created_at < ? AND m.source_reference IS NULL`, this.params([from, to]));
    const contributions = rows.map(contributionOfFacts);
    const sums = new RowSums();
    for (const c of contributions) sums.add(c, 1);
    await this.db.transaction(async (manager) => {
      await manager.query('DELETE FROM delivery_rollups WHERE hour_start >= ? AND hour_start < ?', this.params([from, to]));
      await this.insertHourly(manager, [...sums.hourly.values()]);
      await this.rebuildDaysOfEveryOrganisation(manager, londonDaysTouched(from, to));
      await manager.query('DELETE FROM delivery_contributions WHERE hour_start >= ? AND hour_start < ?', this.params([from, to]));
      await this.writeContributions(manager, contributions, false);
    });
    return new Set([...sums.hourly.values()].map((row) => `${(row.keys[0] as Date).getTime()}|${String(row.keys[1])}`)).size;
  }

  /**
   * Applies the hub-sent messages changed since `since` to the rollups: each one's new
   * contribution against its stored one, the differences added to the hourly and daily rows
   * (rows created as needed, rows left with no message deleted, as a rebuild would have none),
   * and the new contributions stored, in one transaction. A message whose updated_at is the one
   * its stored contribution was computed from has not changed since and is not read at all: the
   * watermark's overlap costs one index entry and one contribution row per message it holds
   * again. Returns how many organisation-hours the changed messages fall in.
   */
  async applyChangesSince(since: Date): Promise<number> {
    // idx_messages_updated covers (updated_at, id): the messages' rows are not read here.
    const candidates: Array<{ id: string; updated_at: Date | string; c_updated_at: Date | string | null; c_hour_start: Date | string | null; c_organisation_ods_code: string | null }> =
      await this.db.dataSource.query(
        `SELECT m.id, m.updated_at, c.message_updated_at AS c_updated_at, c.hour_start AS c_hour_start, c.organisation_ods_code AS c_organisation_ods_code
          FROM messages m LEFT JOIN delivery_contributions c ON c.message_id = m.id
          WHERE m.updated_at > ?`,
        this.params([since]),
      );
    const hours = new Set<string>();
    const ids: string[] = [];
    for (const row of candidates) {
      if (row.c_updated_at !== null && row.c_updated_at !== undefined && storedDate(row.c_updated_at).getTime() === storedDate(row.updated_at).getTime()) {
        hours.add(`${row.c_organisation_ods_code}|${storedDate(row.c_hour_start!).getTime()}`);
      } else {
        // New, changed since its contribution was computed, or not hub-sent (never contributes; filtered below).
        ids.push(row.id);
      }
    }
    if (ids.length === 0) return hours.size;

    // Their rows, SMS sends and reports, two statements at a time. Counts read after a row: a send
    // or report that commits in between moves updated_at past the one stored with the row, so
    // the next refresh reads the message again.
    const rows: MessageRow[] = [];
    const counts = new Map(ids.map((id) => [id, { smsSent: 0, reports: 0 }]));
    const pending = chunks(ids, IDS_PER_STATEMENT).flatMap((batch) => {
      const list = placeholders(batch.length);
      return [
        { sql: `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.source_reference IS NULL AND m.id IN (${list})`, batch, read: (found: Array<Record<string, unknown>>) => rows.push(...(found as unknown as MessageRow[])) },
        { sql: `SELECT message_id, COUNT(*) AS n FROM delivery_attempts WHERE message_id IN (${list}) AND channel = 'SMS' AND sent_at IS NOT NULL GROUP BY message_id`, batch, read: (found: Array<Record<string, unknown>>) => found.forEach((r) => (counts.get(String(r.message_id))!.smsSent = Number(r.n))) },
        { sql: `SELECT message_id, COUNT(*) AS n FROM patient_reports WHERE message_id IN (${list}) GROUP BY message_id`, batch, read: (found: Array<Record<string, unknown>>) => found.forEach((r) => (counts.get(String(r.message_id))!.reports = Number(r.n))) },
      ];
    });
    const reader = async () => {
      for (let next = pending.shift(); next; next = pending.shift()) next.read(await this.db.dataSource.query(next.sql, next.batch));
    };
    await Promise.all([reader(), reader()]);
    const fresh = rows.map((row) => contributionOf(row, counts.get(row.id)!));
    for (const c of fresh) hours.add(`${c.organisationOdsCode}|${c.hourStart.getTime()}`);

    await this.db.transaction(async (manager) => {
      // Compared with what is stored now, inside the transaction that replaces it.
      const stored = new Map<string, Contribution>();
      for (const batch of chunks(fresh, IDS_PER_STATEMENT)) {
        const rows: Array<Record<string, unknown>> = await manager.query(
          `SELECT ${CONTRIBUTION_COLUMNS.join(', ')} FROM delivery_contributions WHERE message_id IN (${placeholders(batch.length)})`,
          batch.map((c) => c.messageId),
        );
        for (const row of rows) stored.set(String(row.message_id), storedContribution(row));
      }
      const sums = new RowSums();
      for (const c of fresh) {
        const previous = stored.get(c.messageId);
        if (previous && sameCounts(c, previous)) continue;
        if (previous) sums.add(previous, -1);
        sums.add(c, 1);
      }
      await this.addToRows(manager, 'delivery_rollups', HOURLY_KEYS, changed(sums.hourly), true);
      if (await this.dailyInStep(manager)) await this.addToRows(manager, 'delivery_rollups_daily', DAILY_KEYS, changed(sums.daily), false);
      else await this.rebuildDaysOfEveryOrganisation(manager, []);
      await this.writeContributions(manager, fresh, true);
    });
    return hours.size;
  }

  /**
   * Adds counter differences to rollup rows, inserting the rows that do not exist yet, then
   * deletes the rows whose message count fell to zero (only rows that lost messages can).
   */
  private async addToRows(manager: EntityManager, table: string, keyColumns: string[], rows: CountedRow[], hourly: boolean): Promise<void> {
    if (rows.length === 0) return;
    const columns = [...keyColumns, ...(hourly ? ['london_day'] : []), ...COUNTERS];
    const rowPlaceholders = `(${placeholders(columns.length)})`;
    const onConflict =
      this.db.kind === 'mysql'
        ? ` ON DUPLICATE KEY UPDATE ${COUNTERS.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')}`
        : ` ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
    for (const batch of chunks(rows, ROWS_PER_INSERT)) {
      const params = batch.flatMap((r) => [...r.keys, ...(hourly ? [r.londonDay] : []), ...r.counters]);
      await manager.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => rowPlaceholders).join(', ')}${onConflict}`, this.params(params));
    }
    const shrunk = rows.filter((r) => r.counters[MESSAGES] < 0).map((r) => r.keys);
    for (const { where, params } of keyFilters(keyColumns, shrunk)) {
      await manager.query(`DELETE FROM ${table} WHERE messages <= 0 AND (${where})`, this.params(params));
    }
  }

  /** Multi-row INSERTs of contributions; `replace` overwrites stored ones of the same messages. */
  private async writeContributions(manager: EntityManager, contributions: Contribution[], replace: boolean): Promise<void> {
    const rowPlaceholders = `(${placeholders(CONTRIBUTION_COLUMNS.length)})`;
    const values = CONTRIBUTION_COLUMNS.slice(1);
    const onConflict = !replace
      ? ''
      : this.db.kind === 'mysql'
        ? ` ON DUPLICATE KEY UPDATE ${values.map((c) => `${c} = VALUES(${c})`).join(', ')}`
        : ` ON CONFLICT (message_id) DO UPDATE SET ${values.map((c) => `${c} = excluded.${c}`).join(', ')}`;
    for (const batch of chunks(contributions, ROWS_PER_INSERT)) {
      const params = batch.flatMap((c) => [
        c.messageId,
        c.hourStart,
        c.organisationOdsCode,
        c.category,
        c.deliveredChannel,
        c.deliveryBucket,
        c.readCount,
        c.failed,
        c.fallbacks,
        c.smsFragmentsAvoided,
        c.smsFragmentsSent,
        c.patientReports,
        c.messageUpdatedAt,
      ]);
      await manager.query(`INSERT INTO delivery_contributions (${CONTRIBUTION_COLUMNS.join(', ')}) VALUES ${batch.map(() => rowPlaceholders).join(', ')}${onConflict}`, this.params(params));
    }
  }

  /** Multi-row INSERTs of freshly computed hourly rows (any earlier rows of theirs deleted first). */
  private async insertHourly(manager: EntityManager, rows: CountedRow[]): Promise<void> {
    const columns = [...HOURLY_KEYS, 'london_day', ...COUNTERS];
    const row = `(${placeholders(columns.length)})`;
    for (const batch of chunks(rows, ROWS_PER_INSERT)) {
      const params = batch.flatMap((r) => [...r.keys, r.londonDay, ...r.counters]);
      await manager.query(`INSERT INTO delivery_rollups (${columns.join(', ')}) VALUES ${batch.map(() => row).join(', ')}`, this.params(params));
    }
  }

  private async dailyInStep(manager: EntityManager): Promise<boolean> {
    return manager.getRepository(HubState).existsBy({ name: DAILY_ROLLUPS_IN_STEP });
  }

  /** Whether the hourly rollups are the sums of the stored contributions, so a refresh may apply differences. */
  async contributionsInStep(): Promise<boolean> {
    return (await this.readState(CONTRIBUTIONS_IN_STEP)) !== null;
  }

  /**
   * The daily rollups of the given days of every organisation, each summed from that day's
   * hourly rows (idx_rollups_day finds them: one index range per day); or all of them, when
   * they are not known to be in step with the hourly rollups.
   */
  private async rebuildDaysOfEveryOrganisation(manager: EntityManager, days: string[]): Promise<void> {
    if (!(await this.dailyInStep(manager))) {
      await manager.query('DELETE FROM delivery_rollups_daily');
      await manager.query(`${DAILY_INSERT}${DAILY_GROUP}`);
      await this.writeState(DAILY_ROLLUPS_IN_STEP, 'derived from delivery_rollups', manager);
      return;
    }
    for (const batch of chunks(days, 100)) {
      const dayList = placeholders(batch.length);
      await manager.query(`DELETE FROM delivery_rollups_daily WHERE london_day IN (${dayList})`, batch);
      await manager.query(`${DAILY_INSERT} WHERE london_day IN (${dayList})${DAILY_GROUP}`, batch);
    }
  }

  /** Deletes the contributions of hours outside [from, to), or all of them when there is no range. */
  async dropContributionsOutside(range: { from: Date; to: Date } | null): Promise<void> {
    if (!range) await this.db.dataSource.query('DELETE FROM delivery_contributions');
    else await this.db.dataSource.query('DELETE FROM delivery_contributions WHERE hour_start < ? OR hour_start >= ?', this.params([range.from, range.to]));
  }

  /** When the first and last hub-sent messages were created, or null when there are none. */
  async createdRange(): Promise<{ first: Date; last: Date } | null> {
    const [row]: Array<{ first: Date | string | null; last: Date | string | null }> = await this.db.dataSource.query(
      'SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM messages WHERE source_reference IS NULL',
    );
    return row?.first && row.last ? { first: storedDate(row.first), last: storedDate(row.last) } : null;
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
      // Lock names are server-wide: the database's name keeps hubs on other databases out of the way.
      const [{ locked }] = await runner.query("SELECT GET_LOCK(LEFT(CONCAT('nhs_app_hub_rollups:', DATABASE()), 64), 0) AS locked");
      if (Number(locked) !== 1) return false;
      try {
        await work();
      } finally {
        await runner.query("SELECT RELEASE_LOCK(LEFT(CONCAT('nhs_app_hub_rollups:', DATABASE()), 64))");
      }
      return true;
    } finally {
      await runner.release();
    }
  }

  /** Raw queries bind dates as the driver stores them (UTC text on SQLite). */
  private params(values: unknown[]): unknown[] {
    return values.map((v) => (v instanceof Date ? dateParameter(this.db.dataSource, v) : v));
  }
}
