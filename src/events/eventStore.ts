/** Reads stored events, for subscribers catching up after a reconnect. */
import { HubEvent, type HubEventKind } from '../../entities/HubEvent';
import type { Database } from '../db/database';
import { type EventFilter, matchesFilter } from './eventFilter';

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
