/**
 * Composes one hub instance: configuration, clock, database and the stores every use
 * case and resolver reach through. Created once per process (or per test).
 */
import type { Logger } from 'typeorm';
import { RollupRefresher } from './analytics/rollupRefresher';
import { RateLimiter } from './auth/rateLimiter';
import type { HubConfig } from './config';
import { type Database, openDatabase } from './db/database';
import { Dispatcher } from './delivery/dispatcher';
import type { ChannelProvider } from './delivery/providers/channelProvider';
import { type ChannelProviders, providerHealth, providersFromConfig } from './delivery/providers/providerRegistry';
import { type EventBus, InProcessEventBus } from './events/eventBus';
import { EventSequencer } from './events/eventSequencer';
import { RedisEventBus } from './events/redisEventBus';
import { createLogger, type HubLogger } from './shared/logger';
import { OperationalMetrics } from './observability/operationalMetrics';
import { type Clock, systemClock } from './shared/clock';
import { CallbackDispatcher } from './callbacks/callbackDispatcher';
import { checkDependencies, type DependencyStatus } from './observability/readiness';
import type { Channel } from './vocabulary/delivery';
import { createStores, type Stores } from './stores';
import { buildUseCases, dispatchDeps, type UseCases } from './useCases';

export interface Hub {
  config: HubConfig;
  clock: Clock;
  db: Database;
  stores: Stores;
  bus: EventBus;
  /** Numbers committed events and publishes them on the bus. */
  sequencer: EventSequencer;
  logger: HubLogger;
  providers: ChannelProviders;
  /** What each use case needs, assembled once and never changed. */
  useCases: UseCases;
  /** The in-process dispatcher (started by startDispatcher unless DISPATCHER=false). */
  dispatcher: Dispatcher;
  rateLimiter: RateLimiter;
  /** Folds changed messages into the metrics rollups (started with the dispatcher). */
  rollupRefresher: RollupRefresher;
  /** Prometheus counters and gauges served at /metrics. */
  metrics: OperationalMetrics;
  /** Sends stored status callbacks (started with the dispatcher). */
  callbackDispatcher: CallbackDispatcher;
  /** Whether the database, and Redis when configured, answer now (for /readyz). */
  checkDependencies(): Promise<DependencyStatus>;
  /** Starts the background work: the dispatcher, the rollup refresher and the event sequencer's sweep. */
  startBackgroundWork(): void;
  close(): Promise<void>;
}

export interface HubOptions {
  clock?: Clock;
  sqlLogger?: Logger;
  logger?: HubLogger;
  /** Replace a channel's providers (one, or a list in priority order). */
  providers?: Partial<Record<Channel, ChannelProvider | ChannelProvider[]>>;
  bus?: EventBus;
}

export async function createHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const db = await openDatabase(config.databaseUrl, { logger: options.sqlLogger });
  const stores = createStores(db);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const bus = options.bus ?? (config.redisUrl ? new RedisEventBus(config.redisUrl, logger) : new InProcessEventBus());
  if (bus instanceof RedisEventBus) await bus.whenReady();
  const providers = providersFromConfig(config, clock, options.providers);
  const sequencer = new EventSequencer({ db, bus, logger });
  const parts = { config, db, sequencer, logger, clock, stores, providers };
  const dispatch = dispatchDeps(parts);
  const dispatcher = new Dispatcher(dispatch, { intervalMs: config.dispatchIntervalMs, leaseMs: config.dispatchLeaseMs, logger });
  const metrics = new OperationalMetrics({
    outboxDepth: () => stores.outbox.depth(),
    oldestDueAt: () => stores.outbox.nextDueAt(),
    subscriptions: () => bus.listenerCount(),
    now: () => clock.now(),
    providerCircuits: () => providerHealth(providers),
  });
  const useCases = buildUseCases(parts, dispatch, { onQueued: () => dispatcher.wake(), observeSend: (outcome) => metrics.sends.inc({ outcome }) });
  const callbackDispatcher = new CallbackDispatcher({
    callbacks: stores.callbacks,
    clock,
    logger,
    masterSecret: config.webhookSecret,
    production: config.production,
    timeoutMs: config.providerTimeoutMs,
    retry: { baseMs: config.callbackRetryBaseMs, windowMs: config.callbackRetryWindowMs },
    intervalMs: config.dispatchIntervalMs,
  });
  // Request rates are wall-clock rates, whatever clock the delivery rules run on.
  const rateLimiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst, systemClock, { redisUrl: config.redisUrl, logger });
  await rateLimiter.whenReady();
  const rollupRefresher = new RollupRefresher({ rollups: stores.rollups, clock, logger }, config.rollupRefreshMs);
  return {
    config,
    clock,
    db,
    stores,
    bus,
    sequencer,
    logger,
    providers,
    useCases,
    dispatcher,
    rateLimiter,
    rollupRefresher,
    metrics,
    callbackDispatcher,
    checkDependencies: () => checkDependencies(db, bus),
    startBackgroundWork: () => {
      sequencer.start();
      dispatcher.start();
      callbackDispatcher.start();
      rollupRefresher.start();
    },
    close: async () => {
      await dispatcher.stop();
      await callbackDispatcher.stop();
      await rollupRefresher.stop();
      await sequencer.stop();
      await bus.close();
      await rateLimiter.close();
      await db.close();
    },
  };
}
