/** Stores events in commit order, and reads them back for subscribers catching up after a reconnect. */
import type { EntityManager } from 'typeorm';
import { HubEvent, type HubEventKind } from '../../entities/HubEvent';
import type { Database } from '../db/database';
import { insertStatement } from '../db/insertRows';
import { isSqlite } from '../db/rowLock';
import { type EventFilter, matchesFilter } from './eventFilter';

/** Rows per INSERT statement: well inside SQLite's and MySQL's limits on bound parameters. */
const ROWS_PER_INSERT = 200;

/**
 * Takes the event order: on MySQL one shared row lock, held until the transaction commits, so
 * event ids are handed out in commit order and a subscriber resuming `after` an id can never
 * miss a lower id that committed later. SQLite runs one transaction at a time and needs none.
 * Take it as late as possible: every event-recording transaction waits for it.
 */
async function takeEventOrder(manager: EntityManager): Promise<void> {
  if (isSqlite(manager)) return;
  await manager.query("INSERT INTO hub_state (name, value) VALUES ('events.order', '') ON DUPLICATE KEY UPDATE value = value");
}

/**
 * Inserts the events with multi-row INSERTs under the event order and sets each one's id, in
 * the order given. While the order is held no other transaction inserts events, so the rows
 * of one statement are the first `n` ids from the one it reports.
 */
export async function insertInCommitOrder(events: HubEvent[], manager: EntityManager): Promise<HubEvent[]> {
  if (events.length === 0) return [];
  await takeEventOrder(manager);
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    await insertChunk(events.slice(start, start + ROWS_PER_INSERT), manager);
  }
  return events;
}

async function insertChunk(events: HubEvent[], manager: EntityManager): Promise<void> {
  const sqlite = isSqlite(manager);
  const result = await insertStatement(manager, HubEvent, events);
  // MySQL reports the first row's id, SQLite the last one's.
  const reported = BigInt(sqlite ? (result as number | bigint) : (result as { insertId: number | string }).insertId);
  if (sqlite) {
    // One connection, one writer: a statement's rows take the next consecutive rowids.
    events.forEach((event, i) => (event.id = String(reported - BigInt(events.length - 1 - i))));
    return;
  }
  if (events.length === 1) {
    events[0].id = String(reported);
    return;
  }
  // Consecutive only when auto_increment_increment is 1: read the ids back rather than assume it.
  const rows: Array<{ id: string | number }> = await manager
    .getRepository(HubEvent)
    .createQueryBuilder('e')
    .select('e.id', 'id')
    .where('e.id >= :first', { first: String(reported) })
    .orderBy('e.id', 'ASC')
    .limit(events.length)
    .getRawMany();
  if (rows.length !== events.length) throw new Error(`Stored ${events.length} events but read back ${rows.length} ids`);
  events.forEach((event, i) => (event.id = String(rows[i].id)));
}

export class EventStore {
  constructor(private readonly db: Database) {}

  /** Events of one kind after `afterId`, oldest first, at most `limit`. */
  async after(kind: HubEventKind, afterId: string, filter: EventFilter, limit: number): Promise<HubEvent[]> {
    const query = this.db.dataSource
      .getRepository(HubEvent)
      .createQueryBuilder('e')
      .where('e.kind = :kind', { kind })
      .andWhere('e.id > :afterId', { afterId })
      .orderBy('e.id', 'ASC')
      .limit(limit);
    if (filter.organisationOdsCodes?.length) query.andWhere('e.organisation_ods_code IN (:...orgs)', { orgs: filter.organisationOdsCodes });
    if (filter.categories?.length) query.andWhere('e.category IN (:...categories)', { categories: filter.categories });
    if (filter.messageId) query.andWhere('e.message_id = :messageId', { messageId: filter.messageId });
    const rows = await query.getMany();
    return rows.filter((event) => matchesFilter(event, filter));
  }

  /** The newest stored event's id, of those that occurred before `before` when given ('0' when there is none), for a subscriber to resume from. */
  async latestId(before?: Date | null): Promise<string> {
    const query = this.db.dataSource.getRepository(HubEvent).createQueryBuilder('e').select('MAX(e.id)', 'id');
    if (before) query.where('e.occurred_at < :before', { before });
    const row = await query.getRawOne<{ id: string | number | null }>();
    return row?.id == null ? '0' : String(row.id);
  }
}
