/**
 * One transaction plus its side effects: events recorded during the work are stored in the
 * same transaction, and numbered and published by the event sequencer only after it commits,
 * so a rolled-back change never shows up as an event. The status callbacks those events cause
 * are stored in the same transaction. Other after-commit hooks (such as waking the dispatcher)
 * run too.
 */
import type { EntityManager } from 'typeorm';
import type { HubEvent } from '../../entities/HubEvent';
import { prepareStatusCallbacks } from '../callbacks/enqueueStatusCallbacks';
import { EventRecorder } from '../events/eventRecorder';
import type { EventSequencer } from '../events/eventSequencer';
import type { HubLogger } from '../shared/logger';
import type { Database } from './database';

export interface UnitOfWork {
  manager: EntityManager;
  events: EventRecorder;
  afterCommit(hook: () => void): void;
}

export interface UnitOfWorkDeps {
  db: Database;
  /** Numbers and publishes committed events; the unit of work waits for it before returning. */
  sequencer: EventSequencer;
  logger?: HubLogger;
}

/** Stores a transaction's events and the status callbacks they cause (their callbacks name them by row id). */
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
  if (stored.length > 0) await deps.sequencer.settle();
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
  if (stored.length > 0) await deps.sequencer.settle();
  for (const hook of new Set(hooks)) hook();
}
