/**
 * Prometheus metrics for operators: requests, GraphQL errors, sends by outcome, dispatcher
 * lag, outbox depth and subscriptions. One registry per hub, so several hubs in one
 * process (as in tests) do not share counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface MetricsProbes {
  outboxDepth(): Promise<number>;
  oldestDueAt(): Promise<Date | null>;
  subscriptions(): number;
  now(): Date;
}

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
      name: 'hub_subscriptions',
      help: 'Live GraphQL subscriptions on this instance',
      registers: [this.registry],
      collect() {
        this.set(probes.subscriptions());
      },
    });
  }
}
