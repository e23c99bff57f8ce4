/**
 * Prometheus metrics for operators: requests, GraphQL errors, sends by outcome, dispatcher
 * lag, outbox depth, provider circuits and subscriptions. One registry per hub, so several hubs in one
 * process (as in tests) do not share counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProviderHealthRow } from '../delivery/providers/providerList';
import { CircuitState } from '../vocabulary/providers';

export interface MetricsProbes {
  outboxDepth(): Promise<number>;
  oldestDueAt(): Promise<Date | null>;
  subscriptions(): number;
  now(): Date;
  /** Each provider's circuit on this instance. */
  providerCircuits(): ProviderHealthRow[];
}

/** CircuitState as a number for Prometheus: 0 CLOSED, 1 HALF_OPEN, 2 OPEN. */
const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { [CircuitState.CLOSED]: 0, [CircuitState.HALF_OPEN]: 1, [CircuitState.OPEN]: 2 };

export class OperationalMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'hub_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly graphqlErrors = new Counter({ name: 'hub_graphql_errors_total', help: 'GraphQL errors answered, by error code', labelNames: ['code'], registers: [this.registry] });
  readonly sends = new Counter({ name: 'hub_sends_total', help: 'Messages sent, by outcome (accepted, replayed or the error code)', labelNames: ['outcome'], registers: [this.registry] });

  constructor(probes: MetricsProbes) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hub_process_' });
    new Gauge({
      name: 'hub_outbox_depth',
      help: 'Outbox items waiting: dispatches, retries, timers and simulated receipts',
      registers: [this.registry],
      async collect() {
        this.set(await probes.outboxDepth());
      },
    });
    new Gauge({
      name: 'hub_dispatcher_lag_seconds',
      help: 'How long the oldest due outbox item has been waiting (0 when nothing is overdue)',
      registers: [this.registry],
      async collect() {
        const oldest = await probes.oldestDueAt();
        this.set(oldest ? Math.max(0, (probes.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'hub_provider_circuit_state',
      help: "Each provider's circuit on this instance: 0 CLOSED, 1 HALF_OPEN, 2 OPEN",
      labelNames: ['channel', 'provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const row of probes.providerCircuits()) this.set({ channel: row.channel, provider: row.provider }, CIRCUIT_STATE_VALUE[row.state]);
      },
    });
    new Gauge({
      name: 'hub_provider_recent_failure_rate',
      help: "Share of each provider's recent calls that failed temporarily (5xx, timeout, network)",
      labelNames: ['channel', 'provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const row of probes.providerCircuits()) this.set({ channel: row.channel, provider: row.provider }, row.recentFailureRate);
      },
    });
    new Gauge({
      name: 'hub_subscriptions',
      help: 'Live GraphQL subscriptions on this instance',
      registers: [this.registry],
      collect() {
        this.set(probes.subscriptions());
      },
    });
  }
}
