/**
 * Multi-row INSERTs of entity rows, a few hundred per statement (inside SQLite's and MySQL's
 * limits on bound parameters), without reading generated values back.
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

const ROWS_PER_STATEMENT = 200;

export async function insertRows<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, rows: T[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await manager.createQueryBuilder().insert().into(entity).values(rows.slice(start, start + ROWS_PER_STATEMENT)).updateEntity(false).execute();
  }
}
