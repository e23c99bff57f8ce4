/**
 * `npm start`: applies migrations, seeds demo data into an empty embedded database,
 * and serves the hub on PORT (default 4000).
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createHub } from './hub';
import { isDatabaseEmpty, seedDemoData } from './seed/demoSeed';
import { startServer } from './server';
import { createLogger } from './shared/logger';

async function main(): Promise<void> {
  const logger = createLogger();
  const config = loadConfig();
  const hub = await createHub(config, { logger });
  if (config.seedDemo && (await isDatabaseEmpty(hub.db))) {
    const seeded = await seedDemoData(hub.db, hub.clock.now());
    logger.info(seeded, 'seeded demo data');
  }
  const server = await startServer(hub, { logger });
  if (config.runDispatcher) hub.dispatcher.start();
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
