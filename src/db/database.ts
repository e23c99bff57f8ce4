/**
 * Opens the DataSource, applies migrations and offers the one way to run a transaction.
 *
 * SQLite (better-sqlite3) has a single connection: TypeORM would nest a second concurrent
 * transaction as a savepoint inside the first, so transactions there are queued one at a time.
 * MySQL/MariaDB transactions each take their own pooled connection.
 */
import type { DataSource, EntityManager, Logger } from 'typeorm';
import { createDataSource, databaseKind, detectMysqlFlavour, type DatabaseKind } from '../../ormconfig';

export interface Database {
  readonly dataSource: DataSource;
  readonly kind: DatabaseKind;
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Named locks are server-wide in MySQL, so each is qualified with the database name. */
const MIGRATION_LOCK = 'nhs_app_hub_migrations:';

class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export async function openDatabase(databaseUrl: string, options: { logger?: Logger; migrate?: boolean } = {}): Promise<Database> {
  const kind = databaseKind(databaseUrl);
  const flavour = kind === 'mysql' ? await detectMysqlFlavour(databaseUrl) : undefined;
  const dataSource = createDataSource(databaseUrl, options.logger, flavour);
  await dataSource.initialize();
  if (kind === 'sqlite') useSqliteRowIds(dataSource);
  if (options.migrate !== false) await runMigrations(dataSource, kind);

  const queue = kind === 'sqlite' ? new SerialQueue() : null;
  return {
    dataSource,
    kind,
    transaction: (work) => (queue ? queue.run(() => dataSource.transaction(work)) : readCommittedTransaction(dataSource, work)),
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** The pooled MySQL connections already switched to READ COMMITTED for the rest of their session. */
const readCommittedSessions = new WeakSet<object>();

/**
 * A MySQL transaction at READ COMMITTED: with the row locks the use cases take, each statement
 * sees the latest committed rows (a count after a lock includes the sends that held it before).
 * The level is set once per pooled connection, for its session, rather than before every
 * transaction: one round trip less per transaction.
 */
async function readCommittedTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    const connection: object = await runner.connect();
    if (!readCommittedSessions.has(connection)) {
      await runner.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      readCommittedSessions.add(connection);
    }
    await runner.startTransaction();
    try {
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}

/**
 * Increasing ids are BIGINT on MySQL, but SQLite only auto-increments an INTEGER primary key
 * (64-bit there too); tell TypeORM so, or it would see the migrated tables as different.
 */
function useSqliteRowIds(dataSource: DataSource): void {
  for (const metadata of dataSource.entityMetadatas) {
    for (const column of metadata.primaryColumns) {
      if (column.generationStrategy === 'increment' && column.type === 'bigint') column.type = 'integer';
    }
  }
}

/** Several hub instances may start together: on MySQL a named lock lets one migrate at a time. */
async function runMigrations(dataSource: DataSource, kind: DatabaseKind): Promise<void> {
  if (kind === 'sqlite') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    const [{ locked }] = await runner.query('SELECT GET_LOCK(CONCAT(?, DATABASE()), 120) AS locked', [MIGRATION_LOCK]);
    if (Number(locked) !== 1) throw new Error('Timed out waiting for another instance to finish migrating');
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT RELEASE_LOCK(CONCAT(?, DATABASE()))', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
