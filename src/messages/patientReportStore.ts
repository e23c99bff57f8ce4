/** Data access for patients' reports about messages. */
import type { EntityManager } from 'typeorm';
import { PatientReport } from '../../entities/PatientReport';
import type { Database } from '../db/database';
import { dateParameter, placeholders } from '../db/entityRows';
import { storedDate } from '../db/storedDate';
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

  /** When each patient last reported one of the organisation's messages for one of `reasons` since `since`, for many (organisation, patient) pairs in one query, keyed `org NUL nhsNumber`. */
  async lastReportedAtMany(pairs: ReadonlyArray<{ organisationOdsCode: string; nhsNumber: string }>, reasons: readonly string[], since: Date, manager: EntityManager): Promise<Map<string, Date>> {
    const latest = new Map<string, Date>();
    const nhsNumbers = [...new Set(pairs.map((p) => p.nhsNumber))];
    const organisations = [...new Set(pairs.map((p) => p.organisationOdsCode))];
    if (nhsNumbers.length === 0 || reasons.length === 0) return latest;
    // Plain SQL: a batch send reads this for all its items.
    const rows: Array<{ organisation: string; nhsNumber: string; createdAt: Date | string }> = await manager.query(
      `SELECT rm.organisation_ods_code AS organisation, rm.nhs_number AS nhsNumber, r.created_at AS createdAt
        FROM patient_reports r INNER JOIN messages rm ON rm.id = r.message_id
        WHERE rm.nhs_number IN (${placeholders(nhsNumbers.length)}) AND rm.organisation_ods_code IN (${placeholders(organisations.length)})
          AND r.reason IN (${placeholders(reasons.length)}) AND r.created_at > ?`,
      [...nhsNumbers, ...organisations, ...reasons, dateParameter(this.db.dataSource, since)],
    );
    for (const row of rows) {
      const key = `${row.organisation}\u0000${row.nhsNumber}`;
      const at = storedDate(row.createdAt);
      if (!latest.has(key) || latest.get(key)!.getTime() < at.getTime()) latest.set(key, at);
    }
    return latest;
  }

  async insert(report: PatientReport, manager: EntityManager): Promise<void> {
    await manager.getRepository(PatientReport).insert(report);
  }
}
