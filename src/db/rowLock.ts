/**
 * Row locks for read-modify-write. MySQL/MariaDB take SELECT … FOR UPDATE; SQLite needs
 * none because the hub runs its transactions there one at a time.
 */
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { EntityManager } from 'typeorm';

export function forUpdate<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, manager: EntityManager): SelectQueryBuilder<T> {
  return manager.connection.driver.options.type === 'better-sqlite3' ? query : query.setLock('pessimistic_write');
}
