/**
 * Composes one hub instance: configuration, clock, database and the stores every use
 * case and resolver reach through. Created once per process (or per test).
 */
import type { Logger } from 'typeorm';
import { RollupRefresher } from './analytics/rollupRefresher';
import { RollupStore } from './analytics/rollupStore';
import { AuditStore } from './audit/auditStore';
import { ApiKeyStore } from './auth/apiKeyStore';
import { RateLimiter } from './auth/rateLimiter';
import { CategoryStore } from './categories/categoryStore';
import type { HubConfig } from './config';
import { type Database, openDatabase } from './db/database';
import { DeliveryAttemptStore } from './delivery/deliveryAttemptStore';
import type { DispatchDeps } from './delivery/dispatchAttempt';
import { Dispatcher } from './delivery/dispatcher';
import { OutboxStore } from './delivery/outboxStore';
import { type ChannelProviders, providersFromConfig } from './delivery/providers/providerRegistry';
import { type EventBus, InProcessEventBus } from './events/eventBus';
import { EventStore } from './events/eventStore';
import { RedisEventBus } from './events/redisEventBus';
import type { SendDeps } from './messages/sendMessage';
import { createLogger, type HubLogger } from './shared/logger';
import { OperationalMetrics } from './observability/operationalMetrics';
import { MessageStore } from './messages/messageStore';
import { PatientReportStore } from './messages/patientReportStore';
import { OrganisationStore } from './organisations/organisationStore';
import { PatientStore } from './patients/patientStore';
import { PreferenceStore } from './preferences/preferenceStore';
import { type Clock, systemClock } from './shared/clock';
import { checkDependencies, type DependencyStatus } from './observability/readiness';

export interface Stores {
  organisations: OrganisationStore;
  patients: PatientStore;
  preferences: PreferenceStore;
  messages: MessageStore;
  attempts: DeliveryAttemptStore;
  reports: PatientReportStore;
  categories: CategoryStore;
  outbox: OutboxStore;
  apiKeys: ApiKeyStore;
  audit: AuditStore;
  events: EventStore;
  rollups: RollupStore;
}

export interface Hub {
  config: HubConfig;
  clock: Clock;
  db: Database;
  stores: Stores;
  bus: EventBus;
  logger: HubLogger;
  providers: ChannelProviders;
  /** What the send, receipt and dispatch use cases need, assembled once. */
  deliveryDeps: SendDeps & DispatchDeps;
  /** The in-process dispatcher (started by startDispatcher unless DISPATCHER=false). */
  dispatcher: Dispatcher;
  rateLimiter: RateLimiter;
  /** Folds changed messages into the metrics rollups (started with the dispatcher). */
  rollupRefresher: RollupRefresher;
  /** Prometheus counters and gauges served at /metrics. */
  metrics: OperationalMetrics;
  /** Whether the database, and Redis when configured, answer now (for /readyz). */
  checkDependencies(): Promise<DependencyStatus>;
  /** Starts the background work: the dispatcher and the rollup refresher. */
  startBackgroundWork(): void;
  close(): Promise<void>;
}

export interface HubOptions {
  clock?: Clock;
  sqlLogger?: Logger;
  logger?: HubLogger;
  providers?: Partial<ChannelProviders>;
  bus?: EventBus;
}

export async function createHub(config: HubConfig, options: HubOptions = {}): Promise<Hub> {
  const db = await openDatabase(config.databaseUrl, { logger: options.sqlLogger });
  const stores: Stores = {
    organisations: new OrganisationStore(db),
    patients: new PatientStore(db),
    preferences: new PreferenceStore(db),
    messages: new MessageStore(db),
    attempts: new DeliveryAttemptStore(db),
    reports: new PatientReportStore(db),
    categories: new CategoryStore(db),
    outbox: new OutboxStore(db),
    apiKeys: new ApiKeyStore(db),
    audit: new AuditStore(db),
    events: new EventStore(db),
    rollups: new RollupStore(db),
  };
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger();
  const bus = options.bus ?? (config.redisUrl ? new RedisEventBus(config.redisUrl, logger) : new InProcessEventBus());
  if (bus instanceof RedisEventBus) await bus.whenReady();
  const providers = { ...providersFromConfig(config), ...options.providers };
  const deliveryDeps: SendDeps & DispatchDeps = {
    db,
    bus,
    logger,
    clock,
    stores,
    organisations: stores.organisations,
    providers,
    quietHours: config.quietHours,
    unreadFallbackHours: config.unreadFallbackHours,
    maxMessagesPerPatientPerDay: config.maxMessagesPerPatientPerDay,
    retryBaseMs: config.retryBaseMs,
    maxProviderRetries: config.maxProviderRetries,
  };
  const dispatcher = new Dispatcher(deliveryDeps, { intervalMs: config.dispatchIntervalMs, leaseMs: config.dispatchLeaseMs, logger });
  deliveryDeps.onQueued = () => dispatcher.wake();
  const metrics = new OperationalMetrics({
    outboxDepth: () => stores.outbox.depth(),
    oldestDueAt: () => stores.outbox.nextDueAt(),
    subscriptions: () => bus.listenerCount(),
    now: () => clock.now(),
  });
  deliveryDeps.observeSend = (outcome) => metrics.sends.inc({ outcome });
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
    logger,
    providers,
    deliveryDeps,
    dispatcher,
    rateLimiter,
    rollupRefresher,
    metrics,
    checkDependencies: () => checkDependencies(db, bus),
    startBackgroundWork: () => {
      dispatcher.start();
      rollupRefresher.start();
    },
    close: async () => {
      await dispatcher.stop();
      await rollupRefresher.stop();
      await bus.close();
      await rateLimiter.close();
      await db.close();
    },
  };
}
