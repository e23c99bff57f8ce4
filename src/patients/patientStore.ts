/** Data access for patients. Every read applies the caller's AccessScope inside the query. */
import { Brackets, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { Patient } from '../../entities/Patient';
import type { Database } from '../db/database';
import { storedDate } from '../db/storedDate';
import { dateParameter, entityRows, placeholders } from '../db/entityRows';
import { isSqlite } from '../db/rowLock';
import { decodeCursor, encodeCursor, likeContains, likePrefix, type Page, toPage } from '../shared/pagination';
import type { AccessScope } from '../shared/scope';
import { HubError } from '../shared/errors';
import { normaliseNhsNumber } from './nhsNumber';

const CURSOR_KIND = 'patient';
export const MAX_SEARCH_LENGTH = 100;

export function patientCursor(patient: Patient): string {
  return encodeCursor(CURSOR_KIND, [patient.familyName, patient.givenName, patient.nhsNumber]);
}

/**
 * A confidential record's contact details are read only by its registered practice and by
 * unbound callers (ADMIN; other unbound roles cannot read contact fields at all). Any other
 * organisation sees the patient without them.
 */
export function asSeenBy(patient: Patient, scope: AccessScope): Patient {
  if (!patient.confidential || scope.organisationOdsCode === null || patient.gpPracticeOdsCode === scope.organisationOdsCode) return patient;
  return Object.assign(new Patient(), patient, { mobileNumber: null, email: null, postalAddress: null });
}

export class PatientStore {
  constructor(private readonly db: Database) {}

  private scoped(scope: AccessScope, manager?: EntityManager): SelectQueryBuilder<Patient> {
    const query = (manager ?? this.db.dataSource.manager).getRepository(Patient).createQueryBuilder('p');
    if (scope.organisationOdsCode !== null) {
      // A sender sees the demographics of the patients registered at its organisation, and no one else's:
      // having messaged a patient, or ingested a message for them, shows only its own messages.
      query.andWhere('p.gp_practice_ods_code = :scopeOrg', { scopeOrg: scope.organisationOdsCode });
    }
    return query;
  }

  private get rows() {
    return entityRows(this.db.dataSource, Patient);
  }

  /** Plain SQL (the patient loader's query): the same scope as `scoped`, without TypeORM's query building. */
  async findByNhsNumbers(nhsNumbers: readonly string[], scope: AccessScope, manager?: EntityManager): Promise<Patient[]> {
    if (nhsNumbers.length === 0) return [];
    const numbers = [...new Set(nhsNumbers)];
    let sql = `SELECT ${this.rows.columns('p')} FROM patients p WHERE p.nhs_number IN (${placeholders(numbers.length)})`;
    const parameters: unknown[] = numbers;
    if (scope.organisationOdsCode !== null) {
      // A sender sees the demographics of the patients registered at its organisation only.
      sql += ' AND p.gp_practice_ods_code = ?';
      parameters.push(scope.organisationOdsCode);
    }
    const patients = await this.rows.read(manager ?? this.db.dataSource.manager, sql, parameters);
    return patients.map((patient) => asSeenBy(patient, scope));
  }

  async findByNhsNumber(nhsNumber: string, scope: AccessScope, manager?: EntityManager): Promise<Patient | null> {
    return (await this.findByNhsNumbers([nhsNumber], scope, manager))[0] ?? null;
  }

  async save(patient: Patient, manager: EntityManager): Promise<Patient> {
    return manager.getRepository(Patient).save(patient);
  }

  /**
   * Search matches every word against the given or family name, or digits against the
   * start of the NHS number. Ordered by family name, given name, NHS number.
   */
  async search(options: { search?: string | null; size: number; after?: string | null }, scope: AccessScope): Promise<Page<Patient> & { totalCount: () => Promise<number> }> {
    const base = this.scoped(scope);
    const text = options.search?.trim() ?? '';
    if (text.length > MAX_SEARCH_LENGTH) throw new HubError('BAD_USER_INPUT', `search must be at most ${MAX_SEARCH_LENGTH} characters`);
    if (/^\d[\d\s-]*$/.test(text)) {
      base.andWhere("p.nhs_number LIKE :nhsPrefix ESCAPE '!'", { nhsPrefix: likePrefix(normaliseNhsNumber(text)) });
    } else if (text !== '') {
      text
        .split(/\s+/)
        .slice(0, 5)
        .forEach((word, i) => {
          base.andWhere(
            new Brackets((q) => q.where(`p.given_name LIKE :word${i} ESCAPE '!'`).orWhere(`p.family_name LIKE :word${i} ESCAPE '!'`)),
            { [`word${i}`]: likeContains(word) },
          );
        });
    }
    const totalCount = () => base.clone().getCount();

    const query = base.clone().orderBy('p.family_name', 'ASC').addOrderBy('p.given_name', 'ASC').addOrderBy('p.nhs_number', 'ASC').take(options.size + 1);
    if (options.after) {
      const [family, given, nhs] = decodeCursor(CURSOR_KIND, options.after, 3).map(String);
      query.andWhere(
        new Brackets((q) =>
          q
            .where('p.family_name > :cf')
            .orWhere(new Brackets((q2) => q2.where('p.family_name = :cf').andWhere('p.given_name > :cg')))
            .orWhere(new Brackets((q3) => q3.where('p.family_name = :cf').andWhere('p.given_name = :cg').andWhere('p.nhs_number > :cn'))),
        ),
        { cf: family, cg: given, cn: nhs },
      );
    }
    const rows = (await query.getMany()).map((row) => asSeenBy(row, scope));
    return { ...toPage(rows, options.size, patientCursor), totalCount };
  }

  /** Locks these patients' rows in one statement, in NHS number order so concurrent batches never deadlock, and returns them. */
  async lockMany(nhsNumbers: readonly string[], manager: EntityManager): Promise<Patient[]> {
    if (nhsNumbers.length === 0) return [];
    const numbers = [...new Set(nhsNumbers)].sort();
    const sql = `SELECT ${this.rows.columns('p')} FROM patients p WHERE p.nhs_number IN (${placeholders(numbers.length)}) ORDER BY p.nhs_number ASC${isSqlite(manager) ? '' : ' FOR UPDATE'}`;
    return this.rows.read(manager, sql, numbers);
  }

  /**
   * Locks the patient row, so concurrent sends to one patient are counted one after another, and
   * reads in the same statement what a send checks next: whether the organisation exists, and
   * when the patient last made one of `reports.reasons` about its messages since
   * `reports.since`. Null when there is no such patient. (Not the earlier use of an idempotency
   * key: the subqueries may read from before the lock wait, and a key stored by the send that
   * held the lock must be seen.)
   */
  async lockForSend(
    nhsNumber: string,
    organisationOdsCode: string,
    reports: { reasons: readonly string[]; since: Date } | null,
    manager: EntityManager,
  ): Promise<{ patient: Patient; organisationKnown: boolean; lastReportedAt: Date | null } | null> {
    const params: unknown[] = [organisationOdsCode];
    let lastReport = '';
    if (reports) {
      lastReport = `, (SELECT MAX(r.created_at) FROM patient_reports r INNER JOIN messages rm ON rm.id = r.message_id
          WHERE rm.organisation_ods_code = ? AND rm.nhs_number = p.nhs_number AND r.reason IN (${placeholders(reports.reasons.length)}) AND r.created_at > ?) AS last_reported_at`;
      params.push(organisationOdsCode, ...reports.reasons, dateParameter(manager.connection, reports.since));
    }
    params.push(nhsNumber);
    const raw: Array<Record<string, unknown>> = await manager.query(
      `SELECT ${this.rows.columns('p')}, (SELECT COUNT(*) FROM organisations o WHERE o.ods_code = ?) AS organisation_known${lastReport}
        FROM patients p WHERE p.nhs_number = ?${isSqlite(manager) ? '' : ' FOR UPDATE'}`,
      params,
    );
    if (raw.length === 0) return null;
    const row = raw[0];
    return {
      patient: this.rows.map(row),
      organisationKnown: Number(row.organisation_known) > 0,
      lastReportedAt: row.last_reported_at == null ? null : storedDate(row.last_reported_at as Date | string),
    };
  }
}
