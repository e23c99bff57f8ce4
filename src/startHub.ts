/**
 * What `npm start` does, as a function: opens the hub, seeds demo data into an empty
 * database, gives the demo a fresh admin key, serves HTTP and WebSocket, and starts the
 * dispatcher and the rollup refresher. main.ts calls it with the environment's settings;
 * the README's examples are tested against exactly this start.
 */
import { rebuildAllRollups } from './analytics/refreshRollups';
import { createApiKey } from './auth/apiKeys';
import type { HubConfig } from './config';
import { createHub, type Hub } from './hub';
import { isDatabaseEmpty, seedDemoData } from './seed/demoSeed';
import { type RunningServer, startServer } from './server';
import type { Clock } from './shared/clock';
import type { HubLogger } from './shared/logger';
import { Role } from './vocabulary/roles';

export const DEMO_ADMIN_KEY_NAME = 'demo admin';

export interface StartedHub {
  hub: Hub;
  server: RunningServer;
  /** The fresh demo admin key, when the demo seed is on. */
  demoAdminKey: string | null;
  /**
   * Graceful: not ready at once, keep serving for SHUTDOWN_DELAY_MS, then stop accepting,
   * finish in-flight requests and dispatches, release claims, close sockets (1001).
   */
  stop(): Promise<void>;
}

export async function startHub(config: HubConfig, options: { logger: HubLogger; clock?: Clock; host?: string }): Promise<StartedHub> {
  const { logger } = options;
  const hub = await createHub(config, { logger, clock: options.clock });
  if (config.seedDemo && (await isDatabaseEmpty(hub.db))) {
    const seeded = await seedDemoData(hub.db, hub.clock.now());
    // The demo's figures answer deliveryMetrics at once, not after the first refresh.
    await rebuildAllRollups({ rollups: hub.stores.rollups, clock: hub.clock });
    logger.info(seeded, 'seeded demo data');
  }
  let demoAdminKey: string | null = null;
  if (config.seedDemo) {
    // The embedded demo gets a fresh admin key at every start; production has none until an operator creates one.
    await hub.stores.apiKeys.revokeByName(DEMO_ADMIN_KEY_NAME, hub.clock.now());
    demoAdminKey = (await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.ADMIN, name: DEMO_ADMIN_KEY_NAME })).key;
  }
  const server = await startServer(hub, { logger, host: options.host });
  // Every instance numbers what an instance stopped before numbering; a web-only tier too.
  hub.sequencer.start();
  if (config.runDispatcher) hub.startBackgroundWork();
  return {
    hub,
    server,
    demoAdminKey,
    stop: async () => {
      server.markShuttingDown();
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      await Promise.all([server.stop(), hub.dispatcher.stop(), hub.callbackDispatcher.stop(), hub.rollupRefresher.stop()]);
      await hub.close();
    },
  };
}
