/**
 * Gives committed events their public id, the `sequence`, and publishes them.
 *
 * Sends, dispatches and receipts store their events without any shared lock, so their
 * transactions commit side by side (and the database can group their log flushes). After a
 * commit, the sequencer numbers every committed event that has no sequence yet, in row order,
 * in one short transaction holding the 'events.order' row lock. Runs from every hub instance
 * therefore follow one another and each makes its numbers visible at once, above all earlier
 * ones: a subscriber that has read up to sequence N has seen every event numbered N or below,
 * so resuming `after` N misses none. A message's events are stored by transactions that hold
 * the message's row lock in turn, so they are numbered in the order they happened.
 *
 * Within a process, runs are shared: everyone who asks while a run is going waits for the
 * next one, so many commits cost one sequencing transaction. A sweep numbers what an instance
 * committed but did not get to number (it stopped in between).
 */
import { IsNull } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import type { Database } from '../db/database';
import { placeholders } from '../db/entityRows';
import { isSqlite } from '../db/rowLock';
import type { HubLogger } from '../shared/logger';
import type { EventBus } from './eventBus';

/** Events numbered per sequencing transaction. */
const EVENTS_PER_RUN = 1000;
/** Rows per UPDATE statement (three bound parameters each). */
const ROWS_PER_UPDATE = 200;
const DEFAULT_SWEEP_MS = 1000;

export interface EventSequencerDeps {
  db: Database;
  bus: EventBus;
  logger?: HubLogger;
}

export class EventSequencer {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: EventSequencerDeps,
    private readonly sweepMs = DEFAULT_SWEEP_MS,
  ) {}

  /**
   * Resolves once every event committed before the call has been numbered and published.
   * Never rejects: a failed run is logged, and the next run or the sweep numbers the events.
   */
  settle(): Promise<void> {
    if (!this.running) {
      this.running = this.numberAll().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // A run is going, and may have read before the caller's commit: wait for the next one.
    if (!this.queued) {
      this.queued = this.running.then(() => {
        this.queued = null;
        return this.settle();
      });
    }
    return this.queued;
  }

  /** Starts the sweep (idempotent). */
  start(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => void this.sweep(), this.sweepMs);
    this.sweepTimer.unref();
  }

  /** Stops the sweep and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    await this.queued;
    await this.running;
  }

  /** Numbers left-over events, looking for them first without taking the lock. */
  private async sweep(): Promise<void> {
    if (this.running) return;
    try {
      const waiting = await this.deps.db.dataSource.getRepository(HubEvent).exists({ where: { sequence: IsNull() } });
      if (waiting) await this.settle();
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'looking for events to number failed');
    }
  }

  private async numberAll(): Promise<void> {
    try {
      while ((await this.numberOnce()) === EVENTS_PER_RUN);
    } catch (error) {
      this.deps.logger?.error({ err: error }, 'numbering events failed; they are numbered on the next run');
    }
  }

  /** One sequencing transaction, then the publish of what it numbered; returns how many. */
  private async numberOnce(): Promise<number> {
    const numbered = await this.deps.db.transaction(async (manager) => {
      await takeEventOrder(manager);
      // A plain read: committed events only; ones still being written are numbered later.
      const pending = await manager.getRepository(HubEvent).find({ where: { sequence: IsNull() }, order: { id: 'ASC' }, take: EVENTS_PER_RUN });
      if (pending.length === 0) return pending;
      const [{ last }] = await manager.query('SELECT COALESCE(MAX(sequence), 0) AS last FROM hub_events');
      let sequence = BigInt(last);
      for (const event of pending) event.sequence = String((sequence += 1n));
      for (let start = 0; start < pending.length; start += ROWS_PER_UPDATE) await setSequences(manager, pending.slice(start, start + ROWS_PER_UPDATE));
      return pending;
    });
    if (numbered.length > 0) {
      // The numbers are committed: a publish failure only delays live delivery, and
      // subscribers catch up from the stored rows.
      await this.deps.bus.publish(numbered).catch((error) => this.deps.logger?.error({ err: error }, 'publishing events failed'));
    }
    return numbered.length;
  }
}

/**
 * On MySQL one shared row lock, held until the sequencing transaction commits, so runs from
 * every instance follow one another. SQLite runs one transaction at a time and needs none.
 */
async function takeEventOrder(manager: EntityManager): Promise<void> {
  if (isSqlite(manager)) return;
  await manager.query("INSERT INTO hub_state (name, value) VALUES ('events.order', '') ON DUPLICATE KEY UPDATE value = value");
}

async function setSequences(manager: EntityManager, events: HubEvent[]): Promise<void> {
  const cases = events.map(() => 'WHEN ? THEN ?').join(' ');
  await manager.query(`UPDATE hub_events SET sequence = CASE id ${cases} END WHERE id IN (${placeholders(events.length)})`, [...events.flatMap((e) => [e.id, e.sequence]), ...events.map((e) => e.id)]);
}
