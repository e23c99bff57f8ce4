/** Data access for message templates. Every read applies the caller's AccessScope inside the query. */
import { Brackets, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { MessageTemplate } from '../../entities/MessageTemplate';
import type { Database } from '../db/database';
import { decodeCursor, encodeCursor, type Page, toPage } from '../shared/pagination';
import type { AccessScope } from '../shared/scope';

const CURSOR_KIND = 'template';

function templateCursor(template: MessageTemplate): string {
  return encodeCursor(CURSOR_KIND, [template.createdAt.toISOString(), template.id]);
}

export class TemplateStore {
  constructor(private readonly db: Database) {}

  private scoped(scope: AccessScope, manager?: EntityManager): SelectQueryBuilder<MessageTemplate> {
    const query = (manager ?? this.db.dataSource.manager).getRepository(MessageTemplate).createQueryBuilder('t');
    if (scope.organisationOdsCode !== null) query.where('t.organisation_ods_code = :scopeOrg', { scopeOrg: scope.organisationOdsCode });
    return query;
  }

  async findById(id: string, scope: AccessScope, manager?: EntityManager): Promise<MessageTemplate | null> {
    return this.scoped(scope, manager).andWhere('t.id = :id', { id }).getOne();
  }

  async save(template: MessageTemplate, manager: EntityManager): Promise<MessageTemplate> {
    return manager.getRepository(MessageTemplate).save(template);
  }

  /** Newest first; the id breaks ties between templates created in the same millisecond. */
  async page(organisationOdsCode: string | null, size: number, after: string | null | undefined, scope: AccessScope): Promise<Page<MessageTemplate> & { totalCount: () => Promise<number> }> {
    const base = () => {
      const query = this.scoped(scope);
      if (organisationOdsCode) query.andWhere('t.organisation_ods_code = :org', { org: organisationOdsCode });
      return query;
    };
    const query = base().orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(size + 1);
    if (after) {
      const [createdAt, id] = decodeCursor(CURSOR_KIND, after, 2).map(String);
      query.andWhere(
        new Brackets((b) => b.where('t.created_at < :cursorAt').orWhere(new Brackets((b2) => b2.where('t.created_at = :cursorAt').andWhere('t.id < :cursorId')))),
        { cursorAt: new Date(createdAt), cursorId: id },
      );
    }
    const rows = size === 0 ? [] : await query.getMany();
    return { ...toPage(rows, size, templateCursor), totalCount: () => base().getCount() };
  }
}
