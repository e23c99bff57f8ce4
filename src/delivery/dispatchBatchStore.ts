/** The statements a dispatch batch records its outcomes with: row locks and multi-row updates. */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { Message } from '../../entities/Message';
import { keyTable } from '../db/keyTable';
import { forUpdate, isSqlite } from '../db/rowLock';
import { placeholders } from '../db/entityRows';

/** Locks these messages' rows in one statement, in id order so concurrent batches never deadlock. */
export async function lockMessages(ids: readonly string[], manager: EntityManager): Promise<Message[]> {
  if (ids.length === 0) return [];
  const sorted = [...new Set(ids)].sort();
  const query = manager.getRepository(Message).createQueryBuilder('m');
  if (isSqlite(manager)) return query.where('m.id IN (:...ids)', { ids: sorted }).orderBy('m.id', 'ASC').getMany();
  const keys = keyTable(sorted);
  return forUpdate(query.innerJoin(keys.sql, 'k', 'k.id = m.id', keys.parameters), manager).getMany();
}

/**
 * Sets each row's fields (by primary key `id`) with one UPDATE per set of changed columns:
 * a column every row sets to the same value is one parameter, the others a CASE on the id.
 */
export async function updateEach<T extends ObjectLiteral>(entity: EntityTarget<T>, rows: ReadonlyMap<string, Partial<T>>, manager: EntityManager): Promise<void> {
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const byColumns = new Map<string, string[]>();
  for (const [id, fields] of rows) {
    const columns = Object.keys(fields).sort().join(',');
    if (columns !== '') byColumns.set(columns, [...(byColumns.get(columns) ?? []), id]);
  }
  const idColumn = driver.escape(metadata.findColumnWithPropertyName('id')!.databaseName);
  for (const [columns, ids] of byColumns) {
    const sets: string[] = [];
    const parameters: unknown[] = [];
    for (const property of columns.split(',')) {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${metadata.name} has no column ${property}`);
      const values = ids.map((id) => driver.preparePersistentValue(rows.get(id)![property as keyof T], column));
      const name = driver.escape(column.databaseName);
      if (values.every((value) => sameValue(value, values[0]))) {
        sets.push(`${name} = ?`);
        parameters.push(values[0]);
      } else {
        sets.push(`${name} = CASE ${idColumn} ${ids.map(() => 'WHEN ? THEN ?').join(' ')} END`);
        ids.forEach((id, i) => parameters.push(id, values[i]));
      }
    }
    await manager.query(`UPDATE ${driver.escape(metadata.tableName)} SET ${sets.join(', ')} WHERE ${idColumn} IN (${placeholders(ids.length)})`, [...parameters, ...ids]);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
