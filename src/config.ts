/**
 * Runtime settings, read once from the environment. Names and defaults follow the
 * runtime contract (shared RUNTIME.md); nothing else in the hub reads process.env.
 */
export interface HubConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string | null;
  production: boolean;
  seedDemo: boolean;
  runDispatcher: boolean;
  dispatchIntervalMs: number;
  providerUrls: Record<'NHS_APP' | 'SMS' | 'EMAIL' | 'LETTER', string | null>;
  providerTimeoutMs: number;
  webhookSecret: string;
  quietHours: boolean;
  preferenceDelayHours: number;
  maxMessagesPerPatientPerDay: number;
  smsFragmentPricePence: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** First retry delay for a provider's temporary error; doubles each time. */
  retryBaseMs: number;
  /** Temporary errors tolerated on one attempt before it counts as a permanent failure. */
  maxProviderRetries: number;
  /** Default hours before an unread NHS App message falls back (0: never). */
  unreadFallbackHours: number;
  /** JSON plan for the simulated providers (failure rates, latency, unreachable patients). */
  simulationPlan: string | undefined;
  /** How often changed messages are folded into the delivery-metrics rollups. */
  rollupRefreshMs: number;
  /** First status-callback retry delay; later ones back off exponentially with jitter. */
  callbackRetryBaseMs: number;
  /** How long after its event a status callback is retried before it is given up. */
  callbackRetryWindowMs: number;
  /** How long a dispatcher's claim on an outbox item lasts if it never finishes (e.g. killed). */
  dispatchLeaseMs: number;
  /** After SIGTERM: how long the hub keeps serving while /readyz answers 503, so a load balancer stops routing to it. */
  shutdownDelayMs: number;
  /** After SIGTERM: the bound on finishing in-flight work before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** A provider's circuit opens when at least circuitMinCalls recent calls failed at this rate or more… */
  circuitFailureRate: number;
  circuitMinCalls: number;
  /** …and gets one trial call after this long. */
  circuitOpenMs: number;
  /** Days an UNWANTED or TOO_MANY report keeps the organisation's non-urgent messages from the patient. */
  reportCoolingOffDays: number;
}

export const DEFAULT_DATABASE_URL = 'sqlite:data/hub.sqlite';
const DEV_WEBHOOK_SECRET = 'development-webhook-secret';

function numberFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function rateFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = numberFrom(env, name, fallback);
  if (value <= 0 || value > 1) throw new Error(`${name} must be a rate above 0 and at most 1, got "${env[name]}"`);
  return value;
}

function flagFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  return !['false', '0', 'no', 'off'].includes(raw);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const production = env.NODE_ENV === 'production';
  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  if (production && webhookSecret === '') throw new Error('WEBHOOK_SECRET is required when NODE_ENV=production');
  return {
    port: numberFrom(env, 'PORT', 4000),
    databaseUrl: env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL,
    redisUrl: env.REDIS_URL?.trim() || null,
    production,
    seedDemo: flagFrom(env, 'SEED_DEMO', !production),
    runDispatcher: flagFrom(env, 'DISPATCHER', true),
    dispatchIntervalMs: numberFrom(env, 'DISPATCH_INTERVAL_MS', 250),
    providerUrls: {
      NHS_APP: env.PROVIDER_URL_NHS_APP?.trim() || null,
      SMS: env.PROVIDER_URL_SMS?.trim() || null,
      EMAIL: env.PROVIDER_URL_EMAIL?.trim() || null,
      LETTER: env.PROVIDER_URL_LETTER?.trim() || null,
    },
    providerTimeoutMs: numberFrom(env, 'PROVIDER_TIMEOUT_MS', 5000),
    webhookSecret: webhookSecret || DEV_WEBHOOK_SECRET,
    quietHours: (env.QUIET_HOURS ?? 'on').trim().toLowerCase() !== 'off',
    preferenceDelayHours: numberFrom(env, 'PREFERENCE_DELAY_HOURS', 24),
    maxMessagesPerPatientPerDay: numberFrom(env, 'MAX_MESSAGES_PER_PATIENT_PER_DAY', 3),
    smsFragmentPricePence: numberFrom(env, 'SMS_FRAGMENT_PRICE_PENCE', 2.3),
    rateLimitPerSecond: numberFrom(env, 'RATE_LIMIT_PER_SECOND', 50),
    rateLimitBurst: numberFrom(env, 'RATE_LIMIT_BURST', 100),
    retryBaseMs: numberFrom(env, 'RETRY_BASE_MS', 5000),
    maxProviderRetries: numberFrom(env, 'MAX_PROVIDER_RETRIES', 5),
    unreadFallbackHours: numberFrom(env, 'UNREAD_FALLBACK_HOURS', 24),
    simulationPlan: env.SIMULATION_PLAN,
    rollupRefreshMs: numberFrom(env, 'ROLLUP_REFRESH_MS', 5000),
    callbackRetryBaseMs: numberFrom(env, 'CALLBACK_RETRY_BASE_MS', 1000),
    callbackRetryWindowMs: numberFrom(env, 'CALLBACK_RETRY_WINDOW_MS', 2 * 60 * 60 * 1000),
    dispatchLeaseMs: numberFrom(env, 'DISPATCH_LEASE_MS', 60_000),
    shutdownDelayMs: numberFrom(env, 'SHUTDOWN_DELAY_MS', 0),
    shutdownTimeoutMs: numberFrom(env, 'SHUTDOWN_TIMEOUT_MS', 20_000),
    circuitFailureRate: rateFrom(env, 'PROVIDER_CIRCUIT_FAILURE_RATE', 0.5),
    circuitMinCalls: Math.max(1, Math.floor(numberFrom(env, 'PROVIDER_CIRCUIT_MIN_CALLS', 10))),
    circuitOpenMs: numberFrom(env, 'PROVIDER_CIRCUIT_OPEN_MS', 30_000),
    reportCoolingOffDays: numberFrom(env, 'REPORT_COOLING_OFF_DAYS', 30),
  };
}
