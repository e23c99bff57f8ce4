/**
 * The migrations are the only way the schema is made (synchronize is off), so they must
 * build exactly what the entities describe, on SQLite and on MariaDB alike.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDataSource, dataSourceOptions, databaseKind } from '../../ormconfig';
import { DEFAULT_DATABASE_URL } from '../../src/config';
import type { Hub } from '../../src/hub';
import { MIGRATIONS } from '../../migrations';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../../src/categories/messagingCategory';
import { createTestHub } from '../support/testHub';

describe('migrations against the test database', () => {
  let hub: Hub;

  beforeAll(async () => {
    hub = await createTestHub();
  });

  afterAll(async () => {
    await hub.close();
  });

  it('leave nothing for TypeORM to change: entities and migrations describe the same schema', async () => {
    const sqlInMemory = await hub.db.dataSource.driver.createSchemaBuilder().log();
    const pending = sqlInMemory.upQueries.map((q) => q.query);
    expect(pending).toEqual([]);
  });

  it('are all recorded as applied, so running them again applies nothing', async () => {
    expect(await hub.db.dataSource.showMigrations()).toBe(false);
    const applied = await hub.db.dataSource.runMigrations({ transaction: 'each' });
    expect(applied).toEqual([]);
    const recorded: Array<{ name: string }> = await hub.db.dataSource.query('SELECT name FROM migrations');
    expect(recorded.map((r) => r.name).sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
  });

  it('store the messaging category reference data', async () => {
    const rows: Array<{ category: string }> = await hub.db.dataSource.query('SELECT category FROM messaging_categories');
    expect(rows.map((r) => r.category).sort()).toEqual(MESSAGING_CATEGORY_DESCRIPTORS.map((d) => d.category).sort());
  });

  it('can be opened a second time on a database that is already migrated', async () => {
    const url = process.env.DATABASE_URL ?? `sqlite:${hub.db.dataSource.options.database as string}`;
    const second = await createTestHub({ databaseUrl: url });
    try {
      expect(await second.db.dataSource.showMigrations()).toBe(false);
      const sqlInMemory = await second.db.dataSource.driver.createSchemaBuilder().log();
      expect(sqlInMemory.upQueries).toHaveLength(0);
    } finally {
      await second.close();
    }
  });
});

describe('dataSourceOptions', () => {
  it('chooses MySQL or MariaDB for mysql:// and mariadb:// URLs', () => {
    const mysql = dataSourceOptions('mysql://hub:secret@db.example:3306/hub');
    expect(mysql.type).toBe('mysql');
    expect((mysql as { url?: string }).url).toBe('mysql://hub:secret@db.example:3306/hub');
    expect((mysql as { timezone?: string }).timezone).toBe('Z');

    const mariadb = dataSourceOptions('mariadb://hub:secret@db.example:3306/hub');
    expect(mariadb.type).toBe('mariadb');
    expect((mariadb as { url?: string }).url).toBe('mysql://hub:secret@db.example:3306/hub');

    expect(dataSourceOptions('mysql://hub@db.example/hub', undefined, 'mariadb').type).toBe('mariadb');
    expect(databaseKind('MySQL://hub@db.example/hub')).toBe('mysql');
  });

  it('uses embedded better-sqlite3 at <cwd>/data/hub.sqlite by default', () => {
    expect(DEFAULT_DATABASE_URL).toBe('sqlite:data/hub.sqlite');
    const options = dataSourceOptions();
    expect(options.type).toBe('better-sqlite3');
    expect(options.database).toBe(join(process.cwd(), 'data', 'hub.sqlite'));
    expect(databaseKind(DEFAULT_DATABASE_URL)).toBe('sqlite');
  });

  it('uses the SQLite file a sqlite: URL names, creating its folder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hub-options-')), 'nested', 'hub.sqlite');
    const options = dataSourceOptions(`sqlite:${file}`);
    expect(options.type).toBe('better-sqlite3');
    expect(options.database).toBe(file);
    expect(existsSync(dirname(file))).toBe(true);
  });

  it('never lets TypeORM change the schema by itself', () => {
    for (const url of ['mysql://hub@db.example/hub', DEFAULT_DATABASE_URL]) {
      const options = dataSourceOptions(url);
      expect(options.synchronize).toBe(false);
      expect(options.migrationsRun).toBe(false);
      expect(options.migrations).toEqual(MIGRATIONS);
    }
    expect(createDataSource(DEFAULT_DATABASE_URL).options.synchronize).toBe(false);
  });
});
