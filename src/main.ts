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
    const { key } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.ADMIN, name: DEMO_ADMIN_KEY_NAME });
    console.log(`demo admin key: ${key}`);
  }
  const server = await startServer(hub, { logger });
  if (config.runDispatcher) hub.startBackgroundWork();
  console.log(`listening on ${server.url}`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await server.stop();
    await hub.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
