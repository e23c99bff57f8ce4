/** Data access for messages. Every read applies the caller's AccessScope inside the query. */
import type { EntityManager } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { OutboxItem } from '../../entities/OutboxItem';
import { type NewOutboxItem, unclaimedOutboxRows } from '../delivery/outboxStore';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Database } from '../db/database';
import { dateParameter, entityRows, placeholders } from '../db/entityRows';
import { insertRows } from '../db/insertRows';
import { forUpdate, isSqlite } from '../db/rowLock';
import { normaliseOdsCode } from '../organisations/odsCode';
import { decodeCursor, encodeCursor, type Page, toPage } from '../shared/pagination';
import type { AccessScope } from '../shared/scope';
import type { MessageDirection, MessageStatus } from '../vocabulary/messages';

export interface MessageQuery {
  categories?: MessagingCategory[] | null;
  statuses?: MessageStatus[] | null;
  direction?: MessageDirection | null;
  organisationOdsCode?: string | null;
  nhsNumber?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface MessagePage extends Page<Message> {
  totalCount: () => Promise<number>;
}

const CURSOR_KIND = 'message';

/** Newest first; the id breaks ties between messages created in the same millisecond. */
export function messageCursor(message: Message): string {
  return encodeCursor(CURSOR_KIND, [message.createdAt.toISOString(), message.id]);
}

/** The sort key in a message cursor; BAD_USER_INPUT when it is not one this list issued. */
function cursorInstant(after: string): { createdAt: Date; id: string } {
  const [createdAt, id] = decodeCursor(CURSOR_KIND, after, 2).map(String);
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime())) decodeCursor(CURSOR_KIND, '', 2);
  return { createdAt: at, id };
}

/** ` WHERE a AND b …`, or nothing when there are no conditions. */
function whereClause(conditions: string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/**
 * What counts towards the daily frequency cap, on alias `m`, after a `m.created_at > ?`: the
 * organisation's non-time-critical outbound messages that were not cancelled.
 */
const COUNTED_TOWARDS_CAP = 'm.time_critical = 0 AND m.direction = ? AND m.status <> ?';
const COUNTED_TOWARDS_CAP_PARAMETERS = ['OUTBOUND', 'CANCELLED'];

export class MessageStore {
  constructor(private readonly db: Database) {}

  private get rows() {
    return entityRows(this.db.dataSource, Message);
  }

  /** A message filter's conditions (scope first, then the cursor when given), as plain SQL on alias `m` with `?` parameters. */
  private filterSql(filter: MessageQuery, scope: AccessScope, after?: string | null): { where: string[]; parameters: unknown[] } {
    const where: string[] = [];
    const parameters: unknown[] = [];
    const add = (condition: string, ...values: unknown[]) => {
      where.push(condition);
      parameters.push(...values);
    };
    const date = (value: Date) => dateParameter(this.db.dataSource, value);
    if (scope.organisationOdsCode !== null) add('m.organisation_ods_code = ?', scope.organisationOdsCode);
    if (filter.categories?.length) add(`m.category IN (${placeholders(filter.categories.length)})`, ...filter.categories);
    if (filter.statuses?.length) add(`m.status IN (${placeholders(filter.statuses.length)})`, ...filter.statuses);
    if (filter.direction) add('m.direction = ?', filter.direction);
    if (filter.organisationOdsCode) add('m.organisation_ods_code = ?', normaliseOdsCode(filter.organisationOdsCode));
    if (filter.nhsNumber) add('m.nhs_number = ?', filter.nhsNumber);
    if (filter.createdAfter) add('m.created_at > ?', date(filter.createdAfter));
    if (filter.createdBefore) add('m.created_at < ?', date(filter.createdBefore));
    if (after) {
      const at = cursorInstant(after);
      add('(m.created_at < ? OR (m.created_at = ? AND m.id < ?))', date(at.createdAt), date(at.createdAt), at.id);
    }
    return { where, parameters };
  }

  private async select(sql: string, parameters: unknown[], manager?: EntityManager): Promise<Message[]> {
    return this.rows.read(manager ?? this.db.dataSource.manager, sql, parameters);
  }

  private repository(manager?: EntityManager) {
    return (manager ?? this.db.dataSource.manager).getRepository(Message);
  }

  /** Plain SQL (the message loader's query). */
  async findByIds(ids: readonly string[], scope: AccessScope, manager?: EntityManager): Promise<Message[]> {
    if (ids.length === 0) return [];
    const unique = [...new Set(ids)];
    const { where, parameters } = this.filterSql({}, scope);
    where.push(`m.id IN (${placeholders(unique.length)})`);
    return this.select(`SELECT ${this.rows.columns('m')} FROM messages m WHERE ${where.join(' AND ')}`, [...parameters, ...unique], manager);
  }

  async findById(id: string, scope: AccessScope, manager?: EntityManager): Promise<Message | null> {
    return (await this.findByIds([id], scope, manager))[0] ?? null;
  }

  async page(filter: MessageQuery, size: number, after: string | null | undefined, scope: AccessScope): Promise<MessagePage> {
    const paged = this.filterSql(filter, scope, after);
    const rows = await this.select(`SELECT ${this.rows.columns('m')} FROM messages m${whereClause(paged.where)} ORDER BY m.created_at DESC, m.id DESC LIMIT ${size + 1}`, paged.parameters);
    const totalCount = async () => {
      const all = this.filterSql(filter, scope);
      const [row]: Array<{ total: string | number }> = await this.db.dataSource.query(`SELECT COUNT(*) AS total FROM messages m${whereClause(all.where)}`, all.parameters);
      return Number(row.total);
    };
    return { ...toPage(rows, size, messageCursor), totalCount };
  }

  /**
   * The same page of messages for many patients, in plain SQL (the Patient.messages loader's
   * query). One patient, the usual case, is one statement on idx_messages_patient_time; for
   * several, a windowed query picks each patient's ids, then one query loads them (a window
   * over whole rows would copy every body of every patient into a temporary table).
   */
  async pagesByPatient(nhsNumbers: readonly string[], filter: MessageQuery, size: number, after: string | null | undefined, scope: AccessScope): Promise<Map<string, Page<Message>>> {
    const pages = new Map<string, Page<Message>>(nhsNumbers.map((n) => [n, { nodes: [], cursors: [], hasNextPage: false }]));
    const wanted = [...new Set(filter.nhsNumber ? nhsNumbers.filter((n) => n === filter.nhsNumber) : nhsNumbers)];
    if (wanted.length === 0) return pages;
    const { where, parameters } = this.filterSql({ ...filter, nhsNumber: null }, scope, after);
    const order = 'ORDER BY m.created_at DESC, m.id DESC';
    let rows: Message[];
    if (wanted.length === 1) {
      rows = await this.select(`SELECT ${this.rows.columns('m')} FROM messages m WHERE ${['m.nhs_number = ?', ...where].join(' AND ')} ${order} LIMIT ${size + 1}`, [wanted[0], ...parameters]);
    } else {
      where.unshift(`m.nhs_number IN (${placeholders(wanted.length)})`);
      const ranked: Array<{ id: string }> = await this.db.dataSource.query(
        `SELECT ranked.id AS id FROM (SELECT m.id AS id, ROW_NUMBER() OVER (PARTITION BY m.nhs_number ${order}) AS rn FROM messages m WHERE ${where.join(' AND ')}) ranked WHERE ranked.rn <= ${size + 1}`,
        [...wanted, ...parameters],
      );
      rows = ranked.length === 0 ? [] : await this.select(`SELECT ${this.rows.columns('m')} FROM messages m WHERE m.id IN (${placeholders(ranked.length)}) ${order}`, ranked.map((r) => r.id));
    }
    for (const nhsNumber of wanted) {
      pages.set(nhsNumber, toPage(rows.filter((m) => m.nhsNumber === nhsNumber), size, messageCursor));
    }
    return pages;
  }

  async countsByPatient(nhsNumbers: readonly string[], filter: MessageQuery, scope: AccessScope): Promise<Map<string, number>> {
    const counts = new Map<string, number>(nhsNumbers.map((n) => [n, 0]));
    const wanted = filter.nhsNumber ? nhsNumbers.filter((n) => n === filter.nhsNumber) : nhsNumbers;
    if (wanted.length === 0) return counts;
    const { where, parameters } = this.filterSql({ ...filter, nhsNumber: null }, scope);
    where.unshift(`m.nhs_number IN (${placeholders(wanted.length)})`);
    const rows: Array<{ nhsNumber: string; total: string | number }> = await this.db.dataSource.query(
      `SELECT m.nhs_number AS nhsNumber, COUNT(*) AS total FROM messages m${whereClause(where)} GROUP BY m.nhs_number`,
      [...wanted, ...parameters],
    );
    for (const row of rows) counts.set(row.nhsNumber, Number(row.total));
    return counts;
  }

  async findBySourceReference(organisationOdsCode: string, sourceReference: string, manager?: EntityManager): Promise<Message | null> {
    return this.repository(manager).findOneBy({ organisationOdsCode, sourceReference });
  }

  async insert(message: Message, manager: EntityManager): Promise<void> {
    await insertRows(manager, Message, [message]);
  }

  /**
   * A batch's new sends with multi-row INSERTs: the messages, their first attempts and their
   * due work (outbox items, unclaimed).
   */
  async insertNewSends(sends: { messages: Message[]; attempts: DeliveryAttempt[]; due: NewOutboxItem[] }, now: Date, manager: EntityManager): Promise<void> {
    await insertRows(manager, Message, sends.messages);
    await insertRows(manager, DeliveryAttempt, sends.attempts);
    await insertRows(manager, OutboxItem, unclaimedOutboxRows(sends.due, now));
  }

  /** Locks the message row: every change to a message's delivery state goes through this lock. */
  async lockById(id: string, manager: EntityManager): Promise<Message | null> {
    return forUpdate(this.repository(manager).createQueryBuilder('m').where('m.id = :id', { id }), manager).getOne();
  }

  async findByIdempotencyKey(organisationOdsCode: string, idempotencyKey: string, manager?: EntityManager): Promise<Message | null> {
    const [found] = await this.select(`SELECT ${this.rows.columns('m')} FROM messages m WHERE m.organisation_ods_code = ? AND m.idempotency_key = ?`, [organisationOdsCode, idempotencyKey], manager);
    return found ?? null;
  }

  /** The messages already stored under these (organisation, idempotency key) pairs, in one query. */
  async findByIdempotencyKeys(pairs: ReadonlyArray<{ organisationOdsCode: string; idempotencyKey: string }>): Promise<Message[]> {
    if (pairs.length === 0) return [];
    const keysByOrganisation = new Map<string, Set<string>>();
    for (const { organisationOdsCode, idempotencyKey } of pairs) {
      const keys = keysByOrganisation.get(organisationOdsCode) ?? new Set<string>();
      keys.add(idempotencyKey);
      keysByOrganisation.set(organisationOdsCode, keys);
    }
    const conditions: string[] = [];
    const parameters: string[] = [];
    for (const [organisation, keys] of keysByOrganisation) {
      conditions.push(`(m.organisation_ods_code = ? AND m.idempotency_key IN (${placeholders(keys.size)}))`);
      parameters.push(organisation, ...keys);
    }
    return this.select(`SELECT ${this.rows.columns('m')} FROM messages m WHERE ${conditions.join(' OR ')}`, parameters);
  }

  /** The 24-hour count of recentNonUrgentAndKeyed for many (organisation, patient) pairs in one query, keyed `org NUL nhsNumber`. */
  async countRecentNonUrgentMany(pairs: ReadonlyArray<{ organisationOdsCode: string; nhsNumber: string }>, since: Date, manager: EntityManager): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const nhsNumbers = [...new Set(pairs.map((p) => p.nhsNumber))];
    const organisations = [...new Set(pairs.map((p) => p.organisationOdsCode))];
    if (nhsNumbers.length === 0) return counts;
    // Plain SQL: a batch send reads this for all its items. On MySQL/MariaDB the patient index is
    // named: given one organisation, MariaDB chose idx_messages_org_time and read every message
    // the organisation sent in the last day (87 ms at 13,000 messages, against 13 ms), under the
    // batch's patient locks.
    const rows: Array<{ organisation: string; nhsNumber: string; n: string | number }> = await manager.query(
      `SELECT m.organisation_ods_code AS organisation, m.nhs_number AS nhsNumber, COUNT(*) AS n FROM messages m${isSqlite(manager) ? '' : ' FORCE INDEX (idx_messages_patient_time)'}
        WHERE m.nhs_number IN (${placeholders(nhsNumbers.length)}) AND m.organisation_ods_code IN (${placeholders(organisations.length)})
          AND m.created_at > ? AND ${COUNTED_TOWARDS_CAP}
        GROUP BY m.organisation_ods_code, m.nhs_number`,
      [...nhsNumbers, ...organisations, dateParameter(this.db.dataSource, since), ...COUNTED_TOWARDS_CAP_PARAMETERS],
    );
    for (const row of rows) counts.set(`${row.organisation}\u0000${row.nhsNumber}`, Number(row.n));
    return counts;
  }

  /**
   * The non-time-critical outbound messages an organisation sent a patient since `since`
   * (cancelled ones excluded) and, in the same statement, the id of the message stored under the
   * idempotency key (when one is given): what a send checks once it holds the patient lock.
   */
  async recentNonUrgentAndKeyed(organisationOdsCode: string, nhsNumber: string, since: Date, idempotencyKey: string | null, manager: EntityManager): Promise<{ recentNonUrgent: number; keyedMessageId: string | null }> {
    const keyed = idempotencyKey ? ', (SELECT k.id FROM messages k WHERE k.organisation_ods_code = ? AND k.idempotency_key = ?) AS keyed' : '';
    const [row]: Array<{ recent: string | number; keyed?: string | null }> = await manager.query(
      `SELECT COUNT(*) AS recent${keyed} FROM messages m
        WHERE m.organisation_ods_code = ? AND m.nhs_number = ? AND m.created_at > ? AND ${COUNTED_TOWARDS_CAP}`,
      [...(idempotencyKey ? [organisationOdsCode, idempotencyKey] : []), organisationOdsCode, nhsNumber, dateParameter(this.db.dataSource, since), ...COUNTED_TOWARDS_CAP_PARAMETERS],
    );
    return { recentNonUrgent: Number(row?.recent ?? 0), keyedMessageId: row?.keyed ?? null };
  }

  /** One UPDATE of the given columns, without reading the row first as save() does. */
  async update(id: string, fields: Partial<Message>, manager: EntityManager): Promise<void> {
    await manager.getRepository(Message).update({ id }, fields as never);
  }
}
