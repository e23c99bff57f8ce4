/** Reads the messaging category descriptors. */
import { MessagingCategoryRecord } from '../../entities/MessagingCategoryRecord';
import type { Database } from '../db/database';
import { MESSAGING_CATEGORY_DESCRIPTORS, type MessagingCategoryDescriptor } from './messagingCategory';

const ORDER = MESSAGING_CATEGORY_DESCRIPTORS.map((d) => d.category);

export class CategoryStore {
  constructor(private readonly db: Database) {}

  async list(): Promise<MessagingCategoryDescriptor[]> {
    const rows = await this.db.dataSource.getRepository(MessagingCategoryRecord).find();
    return rows.sort((a, b) => ORDER.indexOf(a.category) - ORDER.indexOf(b.category));
  }
}
