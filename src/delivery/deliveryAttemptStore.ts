/** Data access for delivery attempts. Reads are scoped through the attempt's message. */
import type { EntityManager } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Database } from '../db/database';
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

  async findByMessageIds(messageIds: readonly string[], scope: AccessScope, manager?: EntityManager): Promise<DeliveryAttempt[]> {
    if (messageIds.length === 0) return [];
    return this.scoped(scope, manager)
      .andWhere('a.message_id IN (:...messageIds)', { messageIds: [...messageIds] })
      .orderBy('a.message_id', 'ASC')
      .addOrderBy('a.sequence', 'ASC')
      .getMany();
  }

  async findById(id: string, scope: AccessScope, manager?: EntityManager): Promise<DeliveryAttempt | null> {
    return this.scoped(scope, manager).andWhere('a.id = :id', { id }).getOne();
  }
}
