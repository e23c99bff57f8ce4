/** Data access for delivery attempts. Reads are scoped through the attempt's message. */
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Database } from '../db/database';
import { entityRows, placeholders } from '../db/entityRows';
import { keyTable } from '../db/keyTable';
import { forUpdate } from '../db/rowLock';
import type { AccessScope } from '../shared/scope';

export class DeliveryAttemptStore {
  constructor(private readonly db: Database) {}

  private scoped(scope: AccessScope, manager?: EntityManager) {
    const q = (manager ?? this.db.dataSource.manager).getRepository(DeliveryAttempt).createQueryBuilder('a');
    if (scope.organisationOdsCode !== null) {
      q.innerJoin('messages', 'am', 'am.id = a.message_id').andWhere('am.organisation_ods_code = :scopeOrg', { scopeOrg: scope.organisationOdsCode });
    }
    return q;
  }

  /** Plain SQL (the attempts loader's query), scoped through the attempt's message as `scoped` is. */
  async findByMessageIds(messageIds: readonly string[], scope: AccessScope, manager?: EntityManager): Promise<DeliveryAttempt[]> {
    if (messageIds.length === 0) return [];
    const ids = [...new Set(messageIds)];
    const rows = entityRows(this.db.dataSource, DeliveryAttempt);
    let sql = `SELECT ${rows.columns('a')} FROM delivery_attempts a`;
    const parameters: unknown[] = [];
    if (scope.organisationOdsCode !== null) {
      sql += ' INNER JOIN messages am ON am.id = a.message_id AND am.organisation_ods_code = ?';
      parameters.push(scope.organisationOdsCode);
    }
    sql += ` WHERE a.message_id IN (${placeholders(ids.length)}) ORDER BY a.message_id ASC, a.sequence ASC`;
    return rows.read(manager ?? this.db.dataSource.manager, sql, [...parameters, ...ids]);
  }

  async findById(id: string, scope: AccessScope, manager?: EntityManager): Promise<DeliveryAttempt | null> {
    return this.scoped(scope, manager).andWhere('a.id = :id', { id }).getOne();
  }

  async findByIds(ids: readonly string[], scope: AccessScope, manager?: EntityManager): Promise<DeliveryAttempt[]> {
    if (ids.length === 0) return [];
    return this.scoped(scope, manager).andWhere('a.id IN (:...ids)', { ids: [...ids] }).getMany();
  }

  /**
   * The attempts of these messages, locked for update, by message and sequence. The caller holds
   * the messages' row locks, so no attempt is added meanwhile: on MySQL the rows are found with a
   * plain read and locked by primary key, which never waits on rows of other messages.
   */
  async forMessagesLocked(messageIds: readonly string[], manager: EntityManager): Promise<DeliveryAttempt[]> {
    if (messageIds.length === 0) return [];
    const inOrder = (query: SelectQueryBuilder<DeliveryAttempt>) => query.orderBy('a.message_id', 'ASC').addOrderBy('a.sequence', 'ASC');
    const all = inOrder(manager.getRepository(DeliveryAttempt).createQueryBuilder('a').where('a.message_id IN (:...messageIds)', { messageIds: [...messageIds] }));
    if (this.db.kind === 'sqlite') return all.getMany();
    const ids: Array<{ id: string }> = await all.clone().select('a.id', 'id').getRawMany();
    if (ids.length === 0) return [];
    const keys = keyTable(ids.map((row) => row.id));
    return inOrder(forUpdate(manager.getRepository(DeliveryAttempt).createQueryBuilder('a').innerJoin(keys.sql, 'k', 'k.id = a.id', keys.parameters), manager)).getMany();
  }

  /** The message's attempts, locked for update, in sequence order. */
  async forMessageLocked(messageId: string, manager: EntityManager): Promise<DeliveryAttempt[]> {
    const query = manager.getRepository(DeliveryAttempt).createQueryBuilder('a').where('a.message_id = :messageId', { messageId }).orderBy('a.sequence', 'ASC');
    return forUpdate(query, manager).getMany();
  }

  async findByProviderReference(providerReference: string, manager: EntityManager): Promise<DeliveryAttempt | null> {
    return manager.getRepository(DeliveryAttempt).findOneBy({ providerReference });
  }

  async insert(attempts: DeliveryAttempt[], manager: EntityManager): Promise<void> {
    if (attempts.length > 0) await manager.getRepository(DeliveryAttempt).insert(attempts);
  }

  /** One UPDATE of the given columns, without reading the row first as save() does. */
  async update(id: string, fields: Partial<DeliveryAttempt>, manager: EntityManager): Promise<void> {
    await manager.getRepository(DeliveryAttempt).update({ id }, fields as never);
  }
}
