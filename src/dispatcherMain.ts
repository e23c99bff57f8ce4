/**
 * `npm run dispatcher`: a dispatcher on its own, for running more of them than web
 * instances (set DISPATCHER=false on the web tier). Uses the same DATABASE_URL.
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createHub } from './hub';
import { createLogger, flushLogs } from './shared/logger';

async function main(): Promise<void> {
  const logger = createLogger();
  const hub = await createHub(loadConfig(), { logger });
  hub.startBackgroundWork();
  logger.info({ dispatcher: hub.dispatcher.id }, 'dispatcher running');
  const shutdown = async () => {
    // hub.close() stops the dispatcher first: in-hand items finish and the rest's claims are released.
    setTimeout(() => process.exit(1), hub.config.shutdownTimeoutMs).unref();
    await hub.close();
    await flushLogs(logger);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
