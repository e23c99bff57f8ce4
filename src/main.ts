/**
 * `npm start`: applies migrations, seeds demo data into an empty embedded database,
 * and serves the hub on PORT (default 4000).
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createApiKey } from './auth/apiKeys';
import { Role } from './vocabulary/roles';
import { createHub } from './hub';
import { isDatabaseEmpty, seedDemoData } from './seed/demoSeed';
import { startServer } from './server';
import { createLogger } from './shared/logger';

const DEMO_ADMIN_KEY_NAME = 'demo admin';

async function main(): Promise<void> {
  const logger = createLogger();
  const config = loadConfig();
  const hub = await createHub(config, { logger });
  if (config.seedDemo && (await isDatabaseEmpty(hub.db))) {
    const seeded = await seedDemoData(hub.db, hub.clock.now());
    logger.info(seeded, 'seeded demo data');
  }
  if (config.seedDemo) {
    // The embedded demo gets a fresh admin key at every start; production has none until an operator creates one.
    await hub.stores.apiKeys.revokeByName(DEMO_ADMIN_KEY_NAME, hub.clock.now());
    const { key } = await createApiKey({ apiKeys: hub.stores.apiKeys, clock: hub.clock }, { role: Role.ADMIN, name: DEMO_ADMIN_KEY_NAME });
    console.log(`demo admin key: ${key}`);
  }
  const server = await startServer(hub, { logger });
  if (config.runDispatcher) hub.startBackgroundWork();
  console.log(`listening on ${server.url}`);

  let stopping = false;
  // Graceful: not ready at once, keep serving for SHUTDOWN_DELAY_MS, then stop accepting,
  // finish in-flight requests and dispatches, release claims, close sockets (1001), exit 0.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const bound = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    bound.unref();
    server.markShuttingDown();
    if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    await Promise.all([server.stop(), hub.dispatcher.stop(), hub.rollupRefresher.stop()]);
    await hub.close();
    logger.info('shut down cleanly');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
