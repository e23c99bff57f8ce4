/**
 * Data access for the outbox of due work. Claiming uses SELECT … FOR UPDATE SKIP LOCKED on
 * MySQL/MariaDB, so any number of dispatchers can poll the same table and never take the
 * same row; a claimed row is leased until `claimedUntil`, after which another dispatcher
 * may take it over (its work is idempotent by attempt id).
 */
import { In, type EntityManager } from 'typeorm';
import { OutboxItem, type OutboxKind } from '../../entities/OutboxItem';
import type { Database } from '../db/database';
import { insertRows } from '../db/insertRows';
import { keyTable } from '../db/keyTable';

export interface NewOutboxItem {
  kind: OutboxKind;
  messageId: string;
  attemptId?: string | null;
  payload?: string | null;
  dueAt: Date;
}

/** New outbox rows as they are stored: due, unclaimed. */
export function unclaimedOutboxRows(items: NewOutboxItem[], now: Date): OutboxItem[] {
  return items.map((item) => Object.assign(new OutboxItem(), { attemptId: null, payload: null, ...item, claimedUntil: null, claimedBy: null, createdAt: now }));
}

export class OutboxStore {
  constructor(private readonly db: Database) {}

  async enqueue(items: NewOutboxItem[], now: Date, manager: EntityManager): Promise<void> {
    if (items.length === 0) return;
    await insertRows(manager, OutboxItem, unclaimedOutboxRows(items, now));
  }

  async claimDue(now: Date, limit: number, leaseMs: number, owner: string): Promise<OutboxItem[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    return this.db.transaction(async (manager) => {
      const query = manager
        .getRepository(OutboxItem)
        .createQueryBuilder('o')
        .where('o.due_at <= :now', { now })
        .andWhere('(o.claimed_until IS NULL OR o.claimed_until <= :now)', { now })
        .orderBy('o.due_at', 'ASC')
        .addOrderBy('o.id', 'ASC')
        .limit(limit);
      if (this.db.kind === 'mysql') query.setLock('pessimistic_write').setOnLocked('skip_locked');
      const due = await query.getMany();
      if (due.length === 0) return [];
      await manager.getRepository(OutboxItem).update({ id: In(due.map((item) => item.id)) }, { claimedUntil: leaseUntil, claimedBy: owner });
      return due.map((item) => Object.assign(item, { claimedUntil: leaseUntil, claimedBy: owner }));
    });
  }

  /** Deletes a finished item; false when it was no longer there (e.g. cancelled meanwhile). */
  async complete(id: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.getRepository(OutboxItem).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** Deletes finished items in one statement. */
  async completeMany(ids: readonly string[], manager: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    if (this.db.kind === 'sqlite') {
      await manager.getRepository(OutboxItem).delete({ id: In([...ids]) });
      return;
    }
    const keys = keyTable([...ids].sort((a, b) => Number(a) - Number(b)));
    const [sql, parameters] = manager.connection.driver.escapeQueryWithParameters(`DELETE o FROM outbox o JOIN ${keys.sql} k ON k.id = o.id`, keys.parameters);
    await manager.query(sql, parameters);
  }

  async reschedule(id: string, dueAt: Date, manager: EntityManager): Promise<void> {
    await manager.getRepository(OutboxItem).update({ id }, { dueAt, claimedUntil: null, claimedBy: null });
  }

  /** Gives back one claim `owner` holds, due again at `dueAt` (an item whose run failed). */
  async releaseClaim(id: string, owner: string, dueAt: Date): Promise<void> {
    await this.db.dataSource.getRepository(OutboxItem).update({ id, claimedBy: owner }, { dueAt, claimedUntil: null, claimedBy: null });
  }

  /** Gives back every claim `owner` still holds, so other dispatchers can take the items at once. */
  async releaseClaims(owner: string): Promise<number> {
    const result = await this.db.dataSource.getRepository(OutboxItem).update({ claimedBy: owner }, { claimedUntil: null, claimedBy: null });
    return result.affected ?? 0;
  }

  async forMessage(messageId: string, manager: EntityManager, kinds?: OutboxKind[]): Promise<OutboxItem[]> {
    const query = manager.getRepository(OutboxItem).createQueryBuilder('o').where('o.message_id = :messageId', { messageId });
    if (kinds?.length) query.andWhere('o.kind IN (:...kinds)', { kinds });
    if (this.db.kind === 'mysql') query.setLock('pessimistic_write');
    return query.getMany();
  }

  /**
   * Removes the message's due work of these kinds. Called under the message's row lock, so
   * no one adds work for it meanwhile: the rows are found with a plain read and deleted by
   * primary key, which on MariaDB locks only those rows, not index gaps that concurrent
   * removals for other messages would also lock (a deadlock).
   */
  async removeForMessage(messageId: string, kinds: OutboxKind[], manager: EntityManager): Promise<void> {
    const rows = await manager.getRepository(OutboxItem).find({ select: { id: true }, where: { messageId, kind: In(kinds) } });
    if (rows.length > 0) await manager.getRepository(OutboxItem).delete({ id: In(rows.map((row) => row.id)) });
  }

  async depth(): Promise<number> {
    return this.db.dataSource.getRepository(OutboxItem).count();
  }

  async nextDueAt(): Promise<Date | null> {
    const next = await this.db.dataSource.getRepository(OutboxItem).createQueryBuilder('o').orderBy('o.due_at', 'ASC').limit(1).getOne();
    return next?.dueAt ?? null;
  }
}
