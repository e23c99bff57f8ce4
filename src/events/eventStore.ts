/** Stores events in commit order, and reads them back for subscribers catching up after a reconnect. */
import type { EntityManager } from 'typeorm';
import { HubEvent, type HubEventKind } from '../../entities/HubEvent';
import type { Database } from '../db/database';
import { type EventFilter, matchesFilter } from './eventFilter';

/**
 * Inserts one at a time so each row gets its increasing id back on every database. On
 * MySQL the transaction first takes one shared row lock, held until it commits, so event
 * ids are handed out in commit order: a subscriber resuming `after` an id can never miss
 * a lower id that committed later.
 */
export async function insertInCommitOrder(events: HubEvent[], manager: EntityManager): Promise<HubEvent[]> {
  if (events.length === 0) return [];
  if (manager.connection.driver.options.type !== 'better-sqlite3') {
    await manager.query("INSERT INTO hub_state (name, value) VALUES ('events.order', '') ON DUPLICATE KEY UPDATE value = value");
  }
  for (const event of events) await manager.getRepository(HubEvent).insert(event);
  return events;
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
