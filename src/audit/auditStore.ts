/** Data access for the audit log: insert and read only; the database refuses updates. */
import { AuditEvent, type AuditAction } from '../../entities/AuditEvent';
import type { Database } from '../db/database';
import { insertRows } from '../db/insertRows';
import { decodeCursor, encodeCursor, type Page, toPage } from '../shared/pagination';

export interface AuditQuery {
  action?: AuditAction | null;
  apiKeyId?: string | null;
  nhsNumber?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const CURSOR_KIND = 'audit';

export class AuditStore {
  constructor(private readonly db: Database) {}

  async append(events: AuditEvent[]): Promise<void> {
    // One multi-row INSERT with `?` parameters: TypeORM's insert builder names every parameter,
    // which for a batch send's hundred entries cost more CPU than the statement.
    if (events.length > 0) await insertRows(this.db.dataSource.manager, AuditEvent, events);
  }

  async page(filter: AuditQuery, size: number, after: string | null | undefined): Promise<Page<AuditEvent> & { totalCount: () => Promise<number> }> {
    const base = this.db.dataSource.getRepository(AuditEvent).createQueryBuilder('e');
    if (filter.action) base.andWhere('e.action = :action', { action: filter.action });
    if (filter.apiKeyId) base.andWhere('e.api_key_id = :apiKeyId', { apiKeyId: filter.apiKeyId });
    if (filter.nhsNumber) base.andWhere('e.nhs_number = :nhsNumber', { nhsNumber: filter.nhsNumber });
    if (filter.from) base.andWhere('e.occurred_at >= :from', { from: filter.from });
    if (filter.to) base.andWhere('e.occurred_at < :to', { to: filter.to });
    const query = base.clone().orderBy('e.id', 'DESC').take(size + 1);
    if (after) {
      const [id] = decodeCursor(CURSOR_KIND, after, 1);
      query.andWhere('e.id < :afterId', { afterId: String(id) });
    }
    const rows = await query.getMany();
    return { ...toPage(rows, size, (e) => encodeCursor(CURSOR_KIND, [String(e.id)])), totalCount: () => base.clone().getCount() };
  }
}
