/**
 * `npm start`: applies migrations, seeds demo data into an empty embedded database,
 * and serves the hub on PORT (default 4000).
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createLogger } from './shared/logger';
import { startHub } from './startHub';

async function main(): Promise<void> {
  const logger = createLogger();
  const started = await startHub(loadConfig(), { logger });
  if (started.demoAdminKey) console.log(`demo admin key: ${started.demoAdminKey}`);
  if (started.hub.config.seedDemo && started.hub.config.quietHours) {
    console.log('quiet hours are on: outside them non-urgent messages wait (QUEUED, scheduledFor); QUIET_HOURS=off sends at once');
  }
  console.log(`listening on ${started.server.url}`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await started.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
