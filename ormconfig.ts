/**
 * The hub's TypeORM DataSource. DATABASE_URL=mysql://user:pass@host:3306/db selects
 * MySQL/MariaDB (production); anything else, or nothing, is embedded SQLite
 * (default data/hub.sqlite). The TypeORM CLI can use the default export.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource, type DataSourceOptions, type Logger } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { DEFAULT_DATABASE_URL } from './src/config';

export type DatabaseKind = 'mysql' | 'sqlite';
/** TypeORM reads MariaDB's catalogue differently from MySQL's, so it must know which one it talks to. */
export type MysqlFlavour = 'mysql' | 'mariadb';

export function databaseKind(databaseUrl: string): DatabaseKind {
  return /^(mysql|mariadb):\/\//i.test(databaseUrl) ? 'mysql' : 'sqlite';
}

function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  return path === ':memory:' ? path : resolve(path);
}

export function dataSourceOptions(databaseUrl: string = DEFAULT_DATABASE_URL, logger?: Logger, flavour?: MysqlFlavour): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logger, logging: logger ? ('all' as const) : false };
  if (databaseKind(databaseUrl) === 'mysql') {
    return {
      ...common,
      type: flavour ?? (/^mariadb:/i.test(databaseUrl) ? 'mariadb' : 'mysql'),
      url: databaseUrl.replace(/^mariadb:/i, 'mysql:'),
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: true,
      // trace: false: mysql2 would otherwise capture a stack trace for every statement, in case it
      // fails (a few percent of a read's CPU); TypeORM's QueryFailedError carries its own stack.
      extra: { connectionLimit: 20, trace: false },
    };
  }
  const database = sqlitePath(databaseUrl);
  if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
  return { ...common, type: 'better-sqlite3', database, enableWAL: database !== ':memory:' };
}

export function createDataSource(databaseUrl: string = DEFAULT_DATABASE_URL, logger?: Logger, flavour?: MysqlFlavour): DataSource {
  return new DataSource(dataSourceOptions(databaseUrl, logger, flavour));
}

/** Asks a mysql:// server whether it is MariaDB. */
export async function detectMysqlFlavour(databaseUrl: string): Promise<MysqlFlavour> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
  const connection = await createConnection(databaseUrl.replace(/^mariadb:/i, 'mysql:'));
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test(String((rows as Array<{ version: string }>)[0]?.version)) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

export default createDataSource(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
