/**
 * Sends stored status callbacks. It runs on its own loop, apart from the message dispatcher,
 * so a slow or failing receiver never delays message delivery; and within it each callback
 * URL is worked on by one chain at a time, with a bounded number of chains, a short timeout
 * per call and a cap on how much of one callback's backlog is claimed at once, so one
 * organisation's receiver never holds up another's callbacks.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CallbackDelivery } from '../../entities/CallbackDelivery';
import type { StatusCallback } from '../../entities/StatusCallback';
import type { Clock } from '../shared/clock';
import type { HubLogger } from '../shared/logger';
import { CallbackDeliveryState } from '../vocabulary/callbacks';
import { unsealSecret } from './callbackSecret';
import type { CallbackStore } from './callbackStore';
import { postCallback } from './postCallback';
import { nextStep, type RetrySettings } from './rules/retrySchedule';

export interface CallbackDispatcherDeps {
  callbacks: CallbackStore;
  clock: Clock;
  logger?: HubLogger;
  /** Seals the callback secrets (WEBHOOK_SECRET). */
  masterSecret: string;
  production: boolean;
  timeoutMs: number;
  retry: RetrySettings;
  intervalMs: number;
}

/** Callback URLs worked on at once by one dispatcher. */
const MAX_CHAINS = 16;
/** Deliveries of one callback claimed at once. */
const PER_CALLBACK = 5;
/** Callback URLs of one organisation worked on at once, so one organisation cannot take every chain. */
const CHAINS_PER_ORGANISATION = 4;

export class CallbackDispatcher {
  readonly id = `${hostname()}-${process.pid}-callbacks-${randomUUID().slice(0, 8)}`;
  private readonly chains = new Map<string, Promise<void>>();
  /** The organisation of each running chain. */
  private readonly chainOrganisations = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly deps: CallbackDispatcherDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.all(this.chains.values());
  }

  /** Claims what is due and starts a chain per callback; returns how many deliveries were claimed. */
  async runOnce(): Promise<number> {
    const free = MAX_CHAINS - this.chains.size;
    if (free <= 0) return 0;
    const now = this.deps.clock.now();
    const running = [...this.chainOrganisations.values()];
    const lanesLeft = (organisationOdsCode: string) => CHAINS_PER_ORGANISATION - running.filter((o) => o === organisationOdsCode).length;
    const claimed = await this.deps.callbacks.claimDue(now, {
      limit: free * PER_CALLBACK,
      perCallback: PER_CALLBACK,
      // Long enough for every claimed call of one chain to time out.
      leaseMs: PER_CALLBACK * this.deps.timeoutMs + 5_000,
      owner: this.id,
      skipCallbacks: [...this.chains.keys()],
      skipOrganisations: [...new Set(running)].filter((organisationOdsCode) => lanesLeft(organisationOdsCode) <= 0),
      callbacksLeftFor: lanesLeft,
    });
    if (claimed.length === 0) return 0;
    const callbacks = new Map((await this.deps.callbacks.callbacksByIds([...new Set(claimed.map((d) => d.callbackId))])).map((c) => [c.id, c]));
    const byCallback = new Map<string, CallbackDelivery[]>();
    for (const delivery of claimed) byCallback.set(delivery.callbackId, [...(byCallback.get(delivery.callbackId) ?? []), delivery]);
    for (const [callbackId, deliveries] of byCallback) {
      this.chainOrganisations.set(callbackId, deliveries[0].organisationOdsCode);
      const chain = this.runChain(callbacks.get(callbackId) ?? null, deliveries)
        .catch((error) => this.deps.logger?.error({ err: error, callbackId }, 'status callback chain failed'))
        .finally(() => {
          this.chains.delete(callbackId);
          this.chainOrganisations.delete(callbackId);
        });
      this.chains.set(callbackId, chain);
    }
    return claimed.length;
  }

  /** Waits for every chain started so far (tests use this). */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private async runChain(callback: StatusCallback | null, deliveries: CallbackDelivery[]): Promise<void> {
    if (!callback || callback.disabledAt) {
      const now = this.deps.clock.now();
      for (const delivery of deliveries) await this.deps.callbacks.finish(delivery, { state: CallbackDeliveryState.DROPPED, finishedAt: now });
      return;
    }
    let secret: string;
    try {
      secret = unsealSecret(callback.sealedSecret, this.deps.masterSecret);
    } catch (error) {
      // Sealed under another WEBHOOK_SECRET: nothing can be signed until it is registered again.
      this.deps.logger?.error({ err: error, callbackId: callback.id }, 'status callback secret cannot be unsealed');
      for (const delivery of deliveries) await this.deps.callbacks.finish(delivery, { dueAt: new Date(this.deps.clock.now().getTime() + 60_000), lastError: 'secret cannot be unsealed' });
      return;
    }
    for (const [index, delivery] of deliveries.entries()) {
      if (this.stopped) {
        // Shutting down: hand the rest back at once instead of holding the claim until it lapses.
        for (const rest of deliveries.slice(index)) await this.deps.callbacks.finish(rest, {});
        return;
      }
      const retryAt = await this.deliver(callback, secret, delivery);
      if (retryAt === 'gone') {
        return;
      }
      if (retryAt !== null) {
        // The receiver is failing: the rest of this claim waits as long, instead of piling on.
        for (const rest of deliveries.slice(index + 1)) await this.deps.callbacks.finish(rest, { dueAt: retryAt });
        return;
      }
    }
  }

  /** One try; null when it is finished (delivered or given up), or when to try next. */
  private async deliver(callback: StatusCallback, secret: string, delivery: CallbackDelivery): Promise<Date | null | 'gone'> {
    const answer = await postCallback({
      url: callback.url,
      eventId: delivery.eventId,
      body: delivery.body,
      secret,
      timestamp: Math.floor(this.deps.clock.now().getTime() / 1000),
      timeoutMs: this.deps.timeoutMs,
      production: this.deps.production,
    });
    const now = this.deps.clock.now();
    const tries = delivery.tries + 1;
    const step = nextStep(answer, tries, delivery.occurredAt, now, this.deps.retry);
    const lastError = answer.kind === 'status' ? `HTTP ${answer.status}` : answer.reason.slice(0, 200);
    switch (step.kind) {
      case 'delivered':
        await this.deps.callbacks.finish(delivery, { state: CallbackDeliveryState.DELIVERED, tries, finishedAt: now });
        return null;
      case 'gone':
        await this.deps.callbacks.finish(delivery, { state: CallbackDeliveryState.DROPPED, tries, finishedAt: now, lastError });
        await this.deps.callbacks.disableCallback(callback.id, 'GONE', now);
        this.deps.logger?.warn({ callbackId: callback.id }, 'status callback answered 410 Gone: disabled');
        return 'gone';
      case 'give-up':
        await this.deps.callbacks.finish(delivery, { state: CallbackDeliveryState.EXPIRED, tries, finishedAt: now, lastError });
        this.deps.logger?.warn({ callbackId: callback.id, eventId: delivery.eventId, lastError }, 'status callback given up after its retry window');
        return null;
      case 'retry':
        await this.deps.callbacks.finish(delivery, { dueAt: step.at, tries, lastError });
        if (step.pauseCallback) await this.deps.callbacks.pauseCallback(callback.id, step.at);
        return step.at;
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = null;
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runOnce();
    } catch (error) {
      this.deps.logger?.error({ err: error }, 'callback dispatcher could not claim work');
    }
    if (!this.stopped) this.schedule(this.deps.intervalMs);
  }
}
