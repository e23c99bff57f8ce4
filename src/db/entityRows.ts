/**
 * Entity rows read with plain SQL. On the hot read paths TypeORM's query builder and entity
 * loading cost more CPU than the query itself (parameter renaming, alias mapping, hydration
 * per column), so those stores write their statements with `?` parameters and map each row
 * here, to the same entity object TypeORM would build: the entity's class, dates as Date
 * (MySQL answers a Date, SQLite the UTC text TypeORM stored), booleans as true/false (both
 * answer 1/0), simple-json parsed, and NULL as null.
 *
 * The column list and the converters are built once per entity from its TypeORM metadata,
 * so a column added to an entity is read here too.
 */
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { storedDate } from './storedDate';

type Convert = (value: unknown) => unknown;

interface MappedColumn {
  property: string;
  column: string;
  convert: Convert | null;
}

export interface EntityRows<T> {
  /** The entity's table name, escaped. */
  table: string;
  /** The entity's columns for a SELECT list, each qualified with `alias` and named as its column. */
  columns(alias: string): string;
  /** One raw row (as selected by `columns`) as the entity. */
  map(row: Record<string, unknown>): T;
  /** Runs a statement that selects `columns(…)` and maps each row it answers. */
  read(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]>;
}

const asBoolean: Convert = (value) => (typeof value === 'string' ? value !== '0' && value !== '' : Boolean(value));
const asDate: Convert = (value) => storedDate(value as Date | string);
const asJson: Convert = (value) => (typeof value === 'string' ? JSON.parse(value) : value);

function converterFor(type: unknown): Convert | null {
  if (type === 'boolean' || type === Boolean) return asBoolean;
  if (type === 'datetime' || type === Date) return asDate;
  if (type === 'simple-json') return asJson;
  return null;
}

const cache = new WeakMap<DataSource, Map<unknown, EntityRows<ObjectLiteral>>>();

export function entityRows<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>): EntityRows<T> {
  let perSource = cache.get(dataSource);
  if (!perSource) {
    perSource = new Map();
    cache.set(dataSource, perSource);
  }
  const known = perSource.get(entity);
  if (known) return known as EntityRows<T>;

  const metadata = dataSource.getMetadata(entity);
  const escape = (name: string) => dataSource.driver.escape(name);
  const columns: MappedColumn[] = metadata.columns
    .filter((c) => !c.isVirtual)
    .map((c) => ({ property: c.propertyName, column: c.databaseName, convert: converterFor(c.type) }));
  const target = metadata.target as new () => T;
  const selectLists = new Map<string, string>();
  const rows: EntityRows<T> = {
    table: escape(metadata.tableName),
    columns(alias) {
      let list = selectLists.get(alias);
      if (list === undefined) {
        list = columns.map((c) => `${escape(alias)}.${escape(c.column)} AS ${escape(c.column)}`).join(', ');
        selectLists.set(alias, list);
      }
      return list;
    },
    map(row) {
      const entityObject = new target() as Record<string, unknown>;
      for (const c of columns) {
        const value = row[c.column];
        entityObject[c.property] = value === null || value === undefined ? null : c.convert ? c.convert(value) : value;
      }
      return entityObject as T;
    },
    async read(manager, sql, parameters) {
      const raw: Array<Record<string, unknown>> = await manager.query(sql, parameters);
      return raw.map((row) => rows.map(row));
    },
  };
  perSource.set(entity, rows as unknown as EntityRows<ObjectLiteral>);
  return rows;
}

/**
 * A Date as a `?` parameter of a plain statement: MySQL's driver writes it in UTC itself
 * (timezone 'Z'); better-sqlite3 binds no Date, and TypeORM stores SQLite datetimes as
 * UTC 'YYYY-MM-DD HH:MM:SS.SSS' text, which compares in time order.
 */
export function dateParameter(dataSource: DataSource, value: Date): Date | string {
  return dataSource.driver.options.type === 'better-sqlite3' ? DateUtils.mixedDateToUtcDatetimeString(value) as string : value;
}

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return count === 1 ? '?' : new Array(count).fill('?').join(', ');
}
