/**
 * Row locks for read-modify-write. MySQL/MariaDB take SELECT … FOR UPDATE; SQLite needs
 * none because the hub runs its transactions there one at a time.
 */
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { EntityManager } from 'typeorm';

/** Whether this manager talks to the embedded SQLite database (one writer, no row locks). */
export function isSqlite(manager: EntityManager): boolean {
  return manager.connection.driver.options.type === 'better-sqlite3';
}

export function forUpdate<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, manager: EntityManager): SelectQueryBuilder<T> {
  return isSqlite(manager) ? query : query.setLock('pessimistic_write');
}
