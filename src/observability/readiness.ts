/**
 * Readiness: the hub can do its work only while the database, and Redis when configured,
 * answer. Each check is bounded so a probe never hangs on a dead connection.
 */
import type { Database } from '../db/database';
import type { EventBus } from '../events/eventBus';

export interface DependencyStatus {
  ready: boolean;
  database: 'up' | 'down';
  redis: 'up' | 'down' | 'not configured';
}

const CHECK_TIMEOUT_MS = 2000;

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkDependencies(db: Database, bus: EventBus): Promise<DependencyStatus> {
  const [database, redis] = await Promise.all([
    answers(() => db.dataSource.query('SELECT 1')),
    bus.ping ? answers(() => (bus.ping as () => Promise<void>)()) : Promise.resolve(null),
  ]);
  const redisStatus = redis === null ? 'not configured' : redis ? 'up' : 'down';
  return { ready: database && redis !== false, database: database ? 'up' : 'down', redis: redisStatus };
}
