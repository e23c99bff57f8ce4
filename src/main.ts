/**
 * `npm start`: applies migrations, seeds demo data into an empty embedded database,
 * and serves the hub on PORT (default 4000).
 */
import 'reflect-metadata';
import { loadConfig } from './config';
import { createLogger, flushLogs } from './shared/logger';
import { startHub } from './startHub';

async function main(): Promise<void> {
  const logger = createLogger();
  const started = await startHub(loadConfig(), { logger });
  if (started.demoAdminKey) console.log(`demo admin key: ${started.demoAdminKey}`);
  if (started.hub.config.seedDemo && started.hub.config.quietHours) {
    console.log('quiet hours are on: outside them non-urgent messages wait (QUEUED, scheduledFor); QUIET_HOURS=off sends at once');
  }
  console.log(`listening on ${started.server.url}`);

  let stopping = false;
  // Graceful: not ready at once, keep serving for SHUTDOWN_DELAY_MS, then stop accepting,
  // finish in-flight requests and dispatches, release claims, close sockets (1001), exit 0.
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const config = started.hub.config;
    const bound = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown did not finish in time; exiting');
      void flushLogs(logger).finally(() => process.exit(1));
    }, config.shutdownTimeoutMs);
    bound.unref();
    await started.stop();
    logger.info('shut down cleanly');
    await flushLogs(logger);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
