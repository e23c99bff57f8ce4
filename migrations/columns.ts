/** Column shorthands shared by the migrations, so both MySQL and SQLite get the same definitions. */
import type { QueryRunner, TableColumnOptions } from 'typeorm';

export const uuidPrimary = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
export const varchar = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
export const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
/** 'integer' reads back the same on SQLite and MySQL (which reports it as int). */
export const int = (name: string, nullable = false, defaultValue?: number): TableColumnOptions => ({ name, type: 'integer', isNullable: nullable, default: defaultValue });
export const double = (name: string): TableColumnOptions => ({ name, type: 'double', isNullable: false });
export const bool = (name: string, defaultValue?: boolean, nullable = false): TableColumnOptions => ({
  name,
  type: 'boolean',
  isNullable: nullable,
  default: defaultValue === undefined ? undefined : defaultValue ? 1 : 0,
});
export const datetime = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
/** An increasing id: BIGINT on MySQL; SQLite only allows AUTOINCREMENT on INTEGER (which is 64-bit there). */
export const autoIncrementId = (queryRunner: QueryRunner): TableColumnOptions => ({
  name: 'id',
  type: queryRunner.connection.driver.options.type === 'better-sqlite3' ? 'integer' : 'bigint',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
});
