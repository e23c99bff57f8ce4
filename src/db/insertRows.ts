/**
 * Multi-row INSERTs of entity rows, a few hundred per statement (inside SQLite's and MySQL's
 * limits on bound parameters), without reading generated values back. The statement is built
 * from the entity's column metadata with one `?` per value: TypeORM's insert builder names
 * every parameter, which costs more than the round trip for a batch's rows.
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { placeholders } from './entityRows';

const ROWS_PER_STATEMENT = 200;

export async function insertRows<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, rows: T[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) await insertStatement(manager, entity, rows.slice(start, start + ROWS_PER_STATEMENT));
}

/**
 * One INSERT of `rows` (at most a few hundred); an increasing id is left to the database.
 * Returns the driver's answer: MySQL's result header (`insertId` is the first row's id),
 * SQLite's last inserted rowid.
 */
export async function insertStatement<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, rows: T[]): Promise<unknown> {
  const driver = manager.connection.driver;
  const metadata = manager.connection.getMetadata(entity);
  const columns = metadata.columns.filter((c) => c.isInsert && !c.isVirtual && !(c.isGenerated && c.generationStrategy === 'increment'));
  const parameters: unknown[] = [];
  for (const row of rows) {
    for (const column of columns) parameters.push(driver.preparePersistentValue(valueOf(column, row, metadata.name), column));
  }
  const rowPlaceholders = `(${placeholders(columns.length)})`;
  const sql = `INSERT INTO ${driver.escape(metadata.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES ${rows.map(() => rowPlaceholders).join(', ')}`;
  return manager.query(sql, parameters);
}

function valueOf(column: ColumnMetadata, row: ObjectLiteral, entityName: string): unknown {
  const value = column.getEntityValue(row);
  if (value !== undefined) return value;
  if (column.default !== undefined && typeof column.default !== 'function') return column.default;
  if (column.isNullable) return null;
  throw new Error(`${entityName}.${column.propertyName} has no value to insert`);
}
