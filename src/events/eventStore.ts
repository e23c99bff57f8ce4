/** Stores events, and reads them back by sequence for subscribers catching up after a reconnect. */
import type { EntityManager } from 'typeorm';
import { HubEvent, type HubEventKind } from '../../entities/HubEvent';
import type { Database } from '../db/database';
import { insertStatement } from '../db/insertRows';
import { isSqlite } from '../db/rowLock';
import { type EventFilter, matchesFilter } from './eventFilter';

/** Rows per INSERT statement: well inside SQLite's and MySQL's limits on bound parameters. */
const ROWS_PER_INSERT = 200;

/**
 * Inserts the events with multi-row INSERTs and sets each one's row id, in the order given.
 * No lock is taken: the events get their public sequence from the event sequencer once the
 * transaction has committed (src/events/eventSequencer.ts).
 */
export async function insertEvents(events: HubEvent[], manager: EntityManager): Promise<HubEvent[]> {
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    await insertChunk(events.slice(start, start + ROWS_PER_INSERT), manager);
  }
  return events;
}

interface AutoIncrement {
  /** Whether one multi-row INSERT always gets consecutive ids (innodb_autoinc_lock_mode 0 or 1). */
  consecutive: boolean;
  step: bigint;
}

const autoIncrementByDataSource = new WeakMap<object, Promise<AutoIncrement>>();

/** How the server hands out ids to a multi-row INSERT, read once per database. */
function autoIncrementOf(manager: EntityManager): Promise<AutoIncrement> {
  let known = autoIncrementByDataSource.get(manager.connection);
  if (!known) {
    known = manager
      .query('SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step')
      .then(([row]: Array<{ mode: number | string; step: number | string }>) => ({ consecutive: Number(row.mode) !== 2, step: BigInt(row.step) }));
    known.catch(() => autoIncrementByDataSource.delete(manager.connection));
    autoIncrementByDataSource.set(manager.connection, known);
  }
  return known;
}

async function insertChunk(events: HubEvent[], manager: EntityManager): Promise<void> {
  if (isSqlite(manager)) {
    // One connection, one writer: a statement's rows take the next consecutive rowids.
    const last = BigInt((await insertStatement(manager, HubEvent, events)) as number | bigint);
    events.forEach((event, i) => (event.id = String(last - BigInt(events.length - 1 - i))));
    return;
  }
  const autoIncrement = events.length > 1 ? await autoIncrementOf(manager) : { consecutive: true, step: 1n };
  if (!autoIncrement.consecutive) {
    // Interleaved ids: only a one-row INSERT says which id its row got.
    for (const event of events) await insertChunk([event], manager);
    return;
  }
  const result = (await insertStatement(manager, HubEvent, events)) as { insertId: number | string };
  const first = BigInt(result.insertId);
  events.forEach((event, i) => (event.id = String(first + BigInt(i) * autoIncrement.step)));
}

export class EventStore {
  constructor(private readonly db: Database) {}

  /** Events of one kind numbered after `afterSequence`, oldest first, at most `limit`. */
  async after(kind: HubEventKind, afterSequence: string, filter: EventFilter, limit: number): Promise<HubEvent[]> {
    const query = this.db.dataSource
      .getRepository(HubEvent)
      .createQueryBuilder('e')
      .where('e.kind = :kind', { kind })
      .andWhere('e.sequence > :afterSequence', { afterSequence })
      .orderBy('e.sequence', 'ASC')
      .limit(limit);
    if (filter.organisationOdsCodes?.length) query.andWhere('e.organisation_ods_code IN (:...orgs)', { orgs: filter.organisationOdsCodes });
    if (filter.categories?.length) query.andWhere('e.category IN (:...categories)', { categories: filter.categories });
    if (filter.messageId) query.andWhere('e.message_id = :messageId', { messageId: filter.messageId });
    const rows = await query.getMany();
    return rows.filter((event) => matchesFilter(event, filter));
  }

  /** The newest numbered event's sequence, of those that occurred before `before` when given ('0' when there is none), for a subscriber to resume from. */
  async latestId(before?: Date | null): Promise<string> {
    const query = this.db.dataSource.getRepository(HubEvent).createQueryBuilder('e').select('MAX(e.sequence)', 'id');
    if (before) query.where('e.occurred_at < :before', { before });
    const row = await query.getRawOne<{ id: string | number | null }>();
    return row?.id == null ? '0' : String(row.id);
  }
}
