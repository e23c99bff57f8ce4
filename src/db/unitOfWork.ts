/**
 * One transaction plus its side effects: events recorded during the work are stored in the
 * same transaction and published only after it commits, so a rolled-back change never
 * shows up as an event. The status callbacks those events cause are stored in the same
 * transaction. Other after-commit hooks (such as waking the dispatcher) run too.
 */
import type { EntityManager } from 'typeorm';
import type { HubEvent } from '../../entities/HubEvent';
import { prepareStatusCallbacks } from '../callbacks/enqueueStatusCallbacks';
import type { EventBus } from '../events/eventBus';
import { EventRecorder } from '../events/eventRecorder';
import type { HubLogger } from '../shared/logger';
import type { Database } from './database';

export interface UnitOfWork {
  manager: EntityManager;
  events: EventRecorder;
  afterCommit(hook: () => void): void;
}

export interface UnitOfWorkDeps {
  db: Database;
  bus: EventBus;
  logger?: HubLogger;
}

/**
 * Stores a transaction's events and their status callbacks, last of all: what the callbacks
 * need is read first, so the shared event order is held only for the inserts and the commit.
 */
async function storeEvents(manager: EntityManager, events: EventRecorder): Promise<HubEvent[]> {
  const writeCallbacks = await prepareStatusCallbacks(manager, [...events.pending()]);
  const stored = await events.store(manager);
  if (writeCallbacks) await writeCallbacks(stored);
  return stored;
}

export async function inUnitOfWork<T>(deps: UnitOfWorkDeps, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const { result, stored } = await deps.db.transaction(async (manager) => {
    const events = new EventRecorder();
    const value = await work({ manager, events, afterCommit: (hook) => hooks.push(hook) });
    const stored = await storeEvents(manager, events);
    return { result: value, stored };
  });
  if (stored.length > 0) {
    // The events are committed: a publish failure only delays live delivery, and
    // subscribers catch up from the stored rows.
    await deps.bus.publish(stored).catch((error) => deps.logger?.error({ err: error }, 'publishing events failed'));
  }
  for (const hook of hooks) hook();
  return result;
}

/** Runs one item of a batch unit of work; a failed item leaves none of its events or hooks behind. */
export type BatchItemRunner = <T>(work: (uow: UnitOfWork) => Promise<T>) => Promise<T>;

/**
 * One transaction for many items that decide in memory and write nothing themselves: each item
 * records its events and hooks on its own, kept only if it succeeds, so an item that throws is
 * dropped alone and the error rethrown for the caller to report. `work` writes the succeeded
 * items' rows together before it returns; their events are then stored and published as one.
 */
export async function inBatchUnitOfWork(deps: UnitOfWorkDeps, work: (manager: EntityManager, item: BatchItemRunner) => Promise<void>): Promise<void> {
  const hooks: Array<() => void> = [];
  const stored = await deps.db.transaction(async (manager) => {
    const events = new EventRecorder();
    const item: BatchItemRunner = async (itemWork) => {
      const itemEvents = new EventRecorder();
      const itemHooks: Array<() => void> = [];
      const value = await itemWork({ manager, events: itemEvents, afterCommit: (hook) => itemHooks.push(hook) });
      events.absorb(itemEvents);
      hooks.push(...itemHooks);
      return value;
    };
    await work(manager, item);
    return storeEvents(manager, events);
  });
  if (stored.length > 0) {
    await deps.bus.publish(stored).catch((error) => deps.logger?.error({ err: error }, 'publishing events failed'));
  }
  for (const hook of new Set(hooks)) hook();
}
