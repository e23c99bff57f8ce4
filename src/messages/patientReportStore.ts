/** Data access for patients' reports about messages. */
import type { EntityManager } from 'typeorm';
import { PatientReport } from '../../entities/PatientReport';
import type { Database } from '../db/database';
import type { AccessScope } from '../shared/scope';

export class PatientReportStore {
  constructor(private readonly db: Database) {}

  async findByMessageIds(messageIds: readonly string[], scope: AccessScope): Promise<PatientReport[]> {
    if (messageIds.length === 0) return [];
    const q = this.db.dataSource.getRepository(PatientReport).createQueryBuilder('r').where('r.message_id IN (:...messageIds)', { messageIds: [...messageIds] });
    if (scope.organisationOdsCode !== null) {
      q.innerJoin('messages', 'rm', 'rm.id = r.message_id').andWhere('rm.organisation_ods_code = :scopeOrg', { scopeOrg: scope.organisationOdsCode });
    }
    return q.orderBy('r.created_at', 'ASC').getMany();
  }

  async insert(report: PatientReport, manager: EntityManager): Promise<void> {
    await manager.getRepository(PatientReport).insert(report);
  }
}
