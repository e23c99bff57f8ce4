/**
 * Polls the outbox for due work and runs it. Any number of dispatchers may run, in hub
 * processes or on their own (src/dispatcherMain.ts): claims are leased with
 * FOR UPDATE SKIP LOCKED, so two dispatchers never take the same item.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { OutboxKind, type OutboxItem } from '../../entities/OutboxItem';
import type { HubLogger } from '../shared/logger';
import type { DispatchDeps } from './dispatchAttempt';
import { dispatchBatch, type DispatchBatchReport } from './dispatchBatch';
import { deliverSimulatedReceipt, handleExpiry, handleNotifiedTimeout, handleUnreadTimeout } from './timedFallbacks';

/** How soon an item whose run failed is due again. */
const FAILED_ITEM_RETRY_MS = 2000;

/** Items claimed at once, and provider calls or timed items in flight: bounded below the database pool (20). */
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_CONCURRENCY = 16;
/** Batches a polling dispatcher runs at once. */
const LANES = 2;

export interface DispatcherOptions {
  intervalMs: number;
  batchSize?: number;
  /** How long a claim is held; longer than a provider call can take. */
  leaseMs?: number;
  /** How many claimed items run at once (provider calls, and timed items each in its own transaction). */
  concurrency?: number;
  logger?: HubLogger;
}

export interface DispatcherStats {
  processed: number;
  failed: number;
}

export class Dispatcher {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly stats: DispatcherStats = { processed: 0, failed: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Set by stop() on a running dispatcher: finish what is in hand, start nothing more. */
  private stopping = false;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /**
   * Stops claiming, lets the items in hand finish (a provider call ends within its timeout)
   * and gives back the claims on the rest, so another dispatcher takes them at once rather
   * than after the lease.
   */
  async stop(): Promise<void> {
    const wasRunning = !this.stopped;
    this.stopped = true;
    this.stopping = this.stopping || wasRunning;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.stopping = false;
    if (!wasRunning) return;
    try {
      const released = await this.deps.stores.outbox.releaseClaims(this.id);
      if (released > 0) this.options.logger?.info({ dispatcher: this.id, released }, 'dispatcher released its claims');
    } catch (error) {
      // The database is unreachable: the claims lapse at the end of their lease instead.
      this.options.logger?.warn({ err: error, dispatcher: this.id }, 'dispatcher could not release its claims');
    }
  }

  /** Asks a running dispatcher to look for work now, e.g. after a send committed. */
  wake(): void {
    if (!this.stopped && this.timer && !this.running) this.schedule(0);
  }

  /** Claims and runs one batch of due items; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now();
    const items = await this.deps.stores.outbox.claimDue(now, this.options.batchSize ?? DEFAULT_BATCH_SIZE, this.options.leaseMs ?? 60_000, this.id);
    const dispatches = items.filter((item) => item.kind === OutboxKind.DISPATCH);
    const timed = items.filter((item) => item.kind !== OutboxKind.DISPATCH);
    await Promise.all([
      this.runDispatches(dispatches, this.options.concurrency ?? DEFAULT_CONCURRENCY),
      this.runTimed(timed, this.options.concurrency ?? DEFAULT_CONCURRENCY),
    ]);
    return items.length;
  }

  /** Sends the claimed attempts together and records their outcomes in one transaction. */
  private async runDispatches(items: OutboxItem[], concurrency: number): Promise<void> {
    if (items.length === 0) return;
    let report: DispatchBatchReport;
    try {
      report = await dispatchBatch(this.deps, items, { concurrency, stopping: () => this.stopping });
    } catch (error) {
      // Reading the batch failed before any provider was called.
      await Promise.all(items.map((item) => this.itemFailed(item, error)));
      return;
    }
    this.stats.processed += report.done.length;
    await Promise.all(report.failed.map(({ item, error }) => this.itemFailed(item, error)));
  }

  /** Timed work (fallback timers, simulated receipts, expiry) runs item by item in a pool of workers. */
  private async runTimed(items: OutboxItem[], concurrency: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      // Stopping: the items not started stay claimed until stop() releases them.
      while (next < items.length && !this.stopping) {
        const item = items[next];
        next += 1;
        await this.runItem(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }

  /** Runs batches until nothing is due (tests use this with a manual clock). */
  async drain(maxBatches = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i += 1) {
      const claimed = await this.runOnce();
      total += claimed;
      if (claimed === 0) break;
    }
    return total;
  }

  private async runItem(item: OutboxItem): Promise<void> {
    try {
      if (item.kind === OutboxKind.UNREAD_TIMEOUT) await handleUnreadTimeout(this.deps, item);
      else if (item.kind === OutboxKind.SIMULATED_RECEIPT) await deliverSimulatedReceipt(this.deps, item);
      else if (item.kind === OutboxKind.NOTIFIED_TIMEOUT) await handleNotifiedTimeout(this.deps, item);
      else if (item.kind === OutboxKind.EXPIRY) await handleExpiry(this.deps, item);
      this.stats.processed += 1;
    } catch (error) {
      await this.itemFailed(item, error);
    }
  }

  private async itemFailed(item: OutboxItem, error: unknown): Promise<void> {
    this.stats.failed += 1;
    this.options.logger?.error({ err: error, outboxId: item.id, kind: item.kind }, 'outbox item failed');
    // Tried again shortly (a busy or lost database connection passes); if even this write
    // fails, the claim lapses after its lease instead.
    const dueAt = new Date(this.deps.clock.now().getTime() + FAILED_ITEM_RETRY_MS);
    await this.deps.stores.outbox.releaseClaim(item.id, this.id, dueAt).catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }, delayMs);
    this.timer.unref?.();
  }

  /** Runs batches in LANES side by side while there is work, so one batch's provider calls overlap another's database writes. */
  private async loop(): Promise<void> {
    if (this.stopped) return;
    let claimed = 0;
    const lane = async () => {
      while (!this.stopped) {
        let batch = 0;
        try {
          batch = await this.runOnce();
        } catch (error) {
          this.options.logger?.error({ err: error }, 'dispatcher could not claim work');
        }
        claimed += batch;
        if (batch === 0) return;
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    if (!this.stopped) this.schedule(claimed > 0 ? 0 : this.options.intervalMs);
  }
}
