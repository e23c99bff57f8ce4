/**
 * One transaction plus its side effects: events recorded during the work are stored in the
 * same transaction and published only after it commits, so a rolled-back change never
 * shows up as an event. The status callbacks those events cause are stored in the same
 * transaction. Other after-commit hooks (such as waking the dispatcher) run too.
 */
import type { EntityManager } from 'typeorm';
import { enqueueStatusCallbacks } from '../callbacks/enqueueStatusCallbacks';
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

export async function inUnitOfWork<T>(deps: UnitOfWorkDeps, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const { result, stored } = await deps.db.transaction(async (manager) => {
    const events = new EventRecorder();
    const value = await work({ manager, events, afterCommit: (hook) => hooks.push(hook) });
    const stored = await events.store(manager);
    await enqueueStatusCallbacks(manager, stored);
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

/** Runs one item of a batch unit of work; a failed item leaves nothing behind. */
export type BatchItemRunner = <T>(work: (uow: UnitOfWork) => Promise<T>) => Promise<T>;

/**
 * One transaction for many items, each under its own savepoint: an item that throws is rolled
 * back alone (its writes, events and hooks dropped) and the error is rethrown for the caller to
 * report; the others commit together, with their events stored and published as one.
 */
export async function inBatchUnitOfWork(deps: UnitOfWorkDeps, work: (manager: EntityManager, item: BatchItemRunner) => Promise<void>): Promise<void> {
  const hooks: Array<() => void> = [];
  const stored = await deps.db.transaction(async (manager) => {
    const events = new EventRecorder();
    let savepoints = 0;
    const item: BatchItemRunner = async (itemWork) => {
      const name = `batch_item_${(savepoints += 1)}`;
      const itemEvents = new EventRecorder();
      const itemHooks: Array<() => void> = [];
      await manager.query(`SAVEPOINT ${name}`);
      try {
        const value = await itemWork({ manager, events: itemEvents, afterCommit: (hook) => itemHooks.push(hook) });
        await manager.query(`RELEASE SAVEPOINT ${name}`);
        events.absorb(itemEvents);
        hooks.push(...itemHooks);
        return value;
      } catch (error) {
        await manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    };
    await work(manager, item);
    const rows = await events.store(manager);
    await enqueueStatusCallbacks(manager, rows);
    return rows;
  });
  if (stored.length > 0) {
    await deps.bus.publish(stored).catch((error) => deps.logger?.error({ err: error }, 'publishing events failed'));
  }
  for (const hook of new Set(hooks)) hook();
}
