/**
 * Data access for the delivery rollups: rebuild hourly slices from the messages they
 * summarise, and the daily rollups (per Europe/London day) of the days those hours fall in
 * from the hourly rows, for deliveryMetrics. The rebuild recomputes a slice whole, so
 * running it twice, or for a slice that did not change, is harmless. A refresh rebuilds all
 * its changed organisation-hours together, in statements that each cover hundreds of them.
 */
import type { EntityManager } from 'typeorm';
import { DeliveryRollup } from '../../entities/DeliveryRollup';
import { HubState } from '../../entities/HubState';
import type { Database } from '../db/database';
import { Channel } from '../vocabulary/delivery';
import { HOUR_MS } from '../shared/durations';
import { addDays, hourStart, londonDayOf } from '../shared/londonTime';
import { MessageStatus } from '../vocabulary/messages';
import { bucketOf, emptyHistogram, HISTOGRAM_BUCKETS } from './deliveryTimeHistogram';

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

const HOURLY_KEYS = ['hour_start', 'organisation_ods_code', 'category', 'delivered_channel'];
const DAILY_KEYS = ['london_day', 'organisation_ods_code', 'category', 'delivered_channel'];
/** Every rollup row's counters, hourly or daily. */
const COUNTERS = ['messages', 'delivered', 'read_count', 'failed', 'fallbacks', 'sms_fragments_avoided', 'sms_fragments_sent', 'patient_reports', ...HISTOGRAM_COLUMNS];
const DAILY_INSERT = `INSERT INTO delivery_rollups_daily (${[...DAILY_KEYS, ...COUNTERS].join(', ')}) SELECT ${DAILY_KEYS.join(', ')}, ${COUNTERS.map((c) => `SUM(${c})`).join(', ')} FROM delivery_rollups`;
const DAILY_GROUP = ` GROUP BY ${DAILY_KEYS.join(', ')}`;

/**
 * Statement sizes: SQLite nests `a OR b OR …` one level per term and refuses trees deeper than
 * 1,000, and both databases cap the placeholders in one statement (SQLite at 32,766).
 */
const SPANS_PER_STATEMENT = 200;
const TERMS_PER_STATEMENT = 200;
const VALUES_PER_TERM = 50;
const ROWS_PER_INSERT = 500;

/** What the rollups count of each hub-sent message; followed by the WHERE clause choosing them. */
const MESSAGE_FACTS = `SELECT m.organisation_ods_code, m.created_at, m.category, m.status, m.delivered_channel, m.fallback_used, m.sms_fragments, m.delivered_at, m.read_at,
    (SELECT COUNT(*) FROM patient_reports r WHERE r.message_id = m.id) AS reports,
    (SELECT COUNT(*) FROM delivery_attempts a WHERE a.message_id = m.id AND a.channel = 'SMS' AND a.sent_at IS NOT NULL) AS sms_sent
  FROM messages m`;

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

/** One hourly rollup row being computed. */
type Slice = Omit<DeliveryRollup, 'h00' | 'h01' | 'h02' | 'h03' | 'h04' | 'h05' | 'h06' | 'h07' | 'h08' | 'h09' | 'h10' | 'h11' | 'h12' | 'h13' | 'h14' | 'h15' | 'h16' | 'h17' | 'h18' | 'h19'> & { histogram: number[] };

/** A rollup row (hourly, or the hourly row's share of its day) as its keys and counters. */
interface CountedRow {
  hourStart: Date;
  organisationOdsCode: string;
  category: string;
  deliveredChannel: string;
  londonDay: string;
  counters: number[];
}

/** A run of consecutive hours [from, to) of one organisation. */
interface HourSpan {
  organisationOdsCode: string;
  from: Date;
  to: Date;
}

/** Dates come back as Date from MySQL and as 'YYYY-MM-DD HH:MM:SS.SSS' UTC text from SQLite. */
function asDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}

function truthy(value: number | boolean | string): boolean {
  return value === true || value === 1 || value === '1';
}

function chunks<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** The organisation-hours as runs of consecutive hours, each organisation's in order. */
function hourSpans(hours: Array<{ organisationOdsCode: string; hourStart: Date }>): HourSpan[] {
  const byOrganisation = new Map<string, Set<number>>();
  for (const { organisationOdsCode, hourStart: start } of hours) {
    const set = byOrganisation.get(organisationOdsCode) ?? new Set<number>();
    set.add(hourStart(start).getTime());
    byOrganisation.set(organisationOdsCode, set);
  }
  const spans: HourSpan[] = [];
  for (const [organisationOdsCode, set] of byOrganisation) {
    let last: HourSpan | undefined;
    for (const hour of [...set].sort((a, b) => a - b)) {
      if (last && last.to.getTime() === hour) last.to = new Date(hour + HOUR_MS);
      else spans.push((last = { organisationOdsCode, from: new Date(hour), to: new Date(hour + HOUR_MS) }));
    }
  }
  return spans;
}

/** A computed hourly row with its counters in the order of COUNTERS. */
function counted(s: Slice): CountedRow {
  const counters = [s.messages, s.delivered, s.readCount, s.failed, s.fallbacks, s.smsFragmentsAvoided, s.smsFragmentsSent, s.patientReports, ...s.histogram];
  return { hourStart: s.hourStart, organisationOdsCode: s.organisationOdsCode, category: s.category, deliveredChannel: s.deliveredChannel, londonDay: s.londonDay, counters };
}

function hourKey(r: { hourStart: Date; organisationOdsCode: string; category: string; deliveredChannel: string }): string {
  return `${r.hourStart.getTime()}|${r.organisationOdsCode}|${r.category}|${r.deliveredChannel}`;
}

function sameCounts(a: CountedRow, b: CountedRow | undefined): boolean {
  return b !== undefined && a.counters.every((n, i) => n === b.counters[i]);
}

/** `(c1 = ? AND c2 = ? …) OR …` naming rows by their whole key, in statements of a bounded size. */
function keyFilters(columns: string[], keys: unknown[][]): Array<{ where: string; params: unknown[] }> {
  const term = `(${columns.map((c) => `${c} = ?`).join(' AND ')})`;
  return chunks(keys, TERMS_PER_STATEMENT).map((batch) => ({ where: batch.map(() => term).join(' OR '), params: batch.flat() }));
}

/** `(organisation_ods_code = ? AND column IN (…)) OR …` over each organisation's values, in statements of a bounded size. */
function organisationFilters<T>(column: string, valuesByOrganisation: Map<string, T[]>): Array<{ where: string; params: unknown[] }> {
  const terms = [...valuesByOrganisation].flatMap(([organisation, values]) => chunks(values, VALUES_PER_TERM).map((batch) => ({ organisation, values: batch })));
  return chunks(terms, TERMS_PER_STATEMENT).map((batch) => ({
    where: batch.map((t) => `(organisation_ods_code = ? AND ${column} IN (${t.values.map(() => '?').join(', ')}))`).join(' OR '),
    params: batch.flatMap((t) => [t.organisation, ...t.values]),
  }));
}

/** The hourly rollup rows of a set of messages: counted by organisation, hour, category and delivering channel. */
function slicesOf(rows: MessageFacts[]): Slice[] {
  const slices = new Map<string, Slice>();
  for (const row of rows) {
    const createdAt = asDate(row.created_at);
    const hour = hourStart(createdAt);
    const channel = row.delivered_channel ?? '';
    const key = `${row.organisation_ods_code}|${hour.getTime()}|${row.category}|${channel}`;
    let slice = slices.get(key);
    if (!slice) {
      slice = {
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
      };
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
  return [...slices.values()];
}

export class RollupStore {
  constructor(private readonly db: Database) {}

  /** Recomputes every hour in [from, to) of every organisation from its messages. */
  async rebuildEveryOrganisation(from: Date, to: Date): Promise<void> {
    const rows: MessageFacts[] = await this.db.dataSource.query(`${MESSAGE_FACTS} WHERE m.created_at >= ? AND m.created_at < ? AND m.source_reference IS NULL`, this.params([from, to]));
    const slices = slicesOf(rows);
    await this.db.transaction(async (manager) => {
      await manager.query('DELETE FROM delivery_rollups WHERE hour_start >= ? AND hour_start < ?', this.params([from, to]));
      await this.insertHourly(manager, slices.map(counted));
      await this.rebuildDaysOfEveryOrganisation(manager, londonDaysTouched(from, to));
    });
  }

  /**
   * Recomputes the given organisation-hours (each identified by its organisation and the start
   * of its UTC hour) and the daily rollups of the London days they fall in, set-based: a few
   * statements whatever the number of hours, all writes in one transaction.
   */
  async rebuildHours(hours: Array<{ organisationOdsCode: string; hourStart: Date }>): Promise<void> {
    const spans = hourSpans(hours);
    if (spans.length === 0) return;
    // The reads wait mostly on row lookups, so two run side by side, leaving the rest of the pool to requests.
    const pending = chunks(spans, SPANS_PER_STATEMENT);
    const facts: MessageFacts[] = [];
    const reader = async () => {
      for (let batch = pending.shift(); batch; batch = pending.shift()) {
        const { where, params } = this.spanFilter(batch);
        facts.push(...(await this.db.dataSource.query(`${MESSAGE_FACTS} WHERE m.source_reference IS NULL AND (${where})`, params)));
      }
    };
    await Promise.all([reader(), reader()]);
    const slices = slicesOf(facts);
    const hoursByOrganisation = new Map<string, Date[]>();
    for (const span of spans) {
      const hours = hoursByOrganisation.get(span.organisationOdsCode) ?? [];
      for (let hour = span.from.getTime(); hour < span.to.getTime(); hour += HOUR_MS) hours.push(new Date(hour));
      hoursByOrganisation.set(span.organisationOdsCode, hours);
    }
    await this.db.transaction(async (manager) => {
      // Each hour named, so the primary key (hour_start, organisation_ods_code, …) finds its rows directly.
      const stored = new Map<string, CountedRow>();
      for (const { where, params } of organisationFilters('hour_start', hoursByOrganisation)) {
        const rows: Array<Record<string, unknown>> = await manager.query(`SELECT hour_start, london_day, organisation_ods_code, category, delivered_channel, ${COUNTERS.join(', ')} FROM delivery_rollups WHERE ${where}`, this.params(params));
        for (const row of rows) {
          const previous: CountedRow = {
            hourStart: asDate(row.hour_start as Date | string),
            organisationOdsCode: String(row.organisation_ods_code),
            category: String(row.category),
            deliveredChannel: String(row.delivered_channel),
            londonDay: String(row.london_day),
            counters: COUNTERS.map((c) => Number(row[c])),
          };
          stored.set(hourKey(previous), previous);
        }
      }
      // Only the rows whose counts changed are written; most rows of a changed hour stay as they were.
      const fresh = new Map(slices.map((slice) => [hourKey(slice), counted(slice)]));
      const gone = [...stored].filter(([key, row]) => !sameCounts(row, fresh.get(key))).map(([, row]) => row);
      const added = [...fresh].filter(([key, row]) => !sameCounts(row, stored.get(key))).map(([, row]) => row);
      const hourlyKeys = gone.map((r) => [r.hourStart, r.organisationOdsCode, r.category, r.deliveredChannel]);
      for (const { where, params } of keyFilters(HOURLY_KEYS, hourlyKeys)) await manager.query(`DELETE FROM delivery_rollups WHERE ${where}`, this.params(params));
      await this.insertHourly(manager, added);
      if (await this.dailyInStep(manager)) await this.adjustDays(manager, gone, added);
      else await this.rebuildDaysOfEveryOrganisation(manager, []);
    });
  }

  /**
   * Brings the daily rollups up to date with hourly rows replaced (`gone`, `added`) without
   * re-reading the days' other hours: each day's row loses the counts of the rows that went
   * and gains those of the rows added. Sums of whole counts, so the result is exactly what
   * re-summing the day gives; a day left with no messages has no row, as after a full rebuild.
   */
  private async adjustDays(manager: EntityManager, gone: CountedRow[], added: CountedRow[]): Promise<void> {
    const days = new Map<string, { keys: string[]; counters: number[] }>();
    const add = (keys: string[], counters: number[], sign: number) => {
      const key = keys.join('|');
      const day = days.get(key) ?? { keys, counters: new Array<number>(COUNTERS.length).fill(0) };
      counters.forEach((n, i) => (day.counters[i] += sign * n));
      days.set(key, day);
    };
    const dayKeys = (r: CountedRow) => [r.londonDay, r.organisationOdsCode, r.category, r.deliveredChannel];
    for (const row of gone) add(dayKeys(row), row.counters, -1);
    for (const row of added) add(dayKeys(row), row.counters, 1);
    const changed = [...days.values()].filter((day) => day.counters.some((n) => n !== 0));
    const filters = keyFilters(DAILY_KEYS, changed.map((day) => day.keys));
    for (const { where, params } of filters) {
      const rows: Array<Record<string, unknown>> = await manager.query(`SELECT ${[...DAILY_KEYS, ...COUNTERS].join(', ')} FROM delivery_rollups_daily WHERE ${where}`, params);
      for (const row of rows) add(DAILY_KEYS.map((k) => String(row[k])), COUNTERS.map((c) => Number(row[c])), 1);
    }
    for (const { where, params } of filters) await manager.query(`DELETE FROM delivery_rollups_daily WHERE ${where}`, params);
    const row = `(${[...DAILY_KEYS, ...COUNTERS].map(() => '?').join(', ')})`;
    for (const batch of chunks(changed.filter((day) => day.counters[0] > 0), ROWS_PER_INSERT)) {
      await manager.query(
        `INSERT INTO delivery_rollups_daily (${[...DAILY_KEYS, ...COUNTERS].join(', ')}) VALUES ${batch.map(() => row).join(', ')}`,
        batch.flatMap((day) => [...day.keys, ...day.counters]),
      );
    }
  }

  /** The messages created in a batch of spans: one idx_messages_org_time range each. */
  private spanFilter(spans: HourSpan[]): { where: string; params: unknown[] } {
    const where = spans.map(() => '(m.organisation_ods_code = ? AND m.created_at >= ? AND m.created_at < ?)').join(' OR ');
    return { where, params: this.params(spans.flatMap((s) => [s.organisationOdsCode, s.from, s.to])) };
  }

  /** Multi-row INSERTs of freshly computed hourly rows (any earlier rows of theirs deleted first). */
  private async insertHourly(manager: EntityManager, rows: CountedRow[]): Promise<void> {
    const columns = [...HOURLY_KEYS, 'london_day', ...COUNTERS];
    const row = `(${columns.map(() => '?').join(', ')})`;
    for (const batch of chunks(rows, ROWS_PER_INSERT)) {
      const params = batch.flatMap((r) => [r.hourStart, r.organisationOdsCode, r.category, r.deliveredChannel, r.londonDay, ...r.counters]);
      await manager.query(`INSERT INTO delivery_rollups (${columns.join(', ')}) VALUES ${batch.map(() => row).join(', ')}`, this.params(params));
    }
  }

  private async dailyInStep(manager: EntityManager): Promise<boolean> {
    return manager.getRepository(HubState).existsBy({ name: DAILY_ROLLUPS_IN_STEP });
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
      const dayList = batch.map(() => '?').join(', ');
      await manager.query(`DELETE FROM delivery_rollups_daily WHERE london_day IN (${dayList})`, batch);
      await manager.query(`${DAILY_INSERT} WHERE london_day IN (${dayList})${DAILY_GROUP}`, batch);
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
    if (this.db.kind === 'mysql') return values;
    return values.map((v) => (v instanceof Date ? v.toISOString().replace('T', ' ').replace('Z', '') : v));
  }
}
