/**
 * Runs a dispatcher's claimed DISPATCH items as one batch: their attempts, messages and
 * patients are read in a few `IN (…)` queries, the providers are called concurrently (bounded),
 * and every outcome is then recorded in one unit of work, so the batch takes the event-order
 * lock and commits once instead of once per item.
 *
 * The decisions are the same as dispatchAttempt's: beforeDispatchTransition and
 * dispatchTransition, taken under the messages' row locks, so a message cancelled, read or
 * overtaken by a receipt while its provider call was in flight is handled as it is there.
 * If the batch write fails as a whole, each outcome is written on its own, so one bad item
 * never loses the others' outcomes; no provider is called twice for one claim.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import type { OutboxItem } from '../../entities/OutboxItem';
import { inUnitOfWork, type UnitOfWork } from '../db/unitOfWork';
import { preferencesAt } from '../preferences/preferencesInForce';
import { HubError } from '../shared/errors';
import { UNRESTRICTED } from '../shared/scope';
import { DeliveryStatus } from '../vocabulary/delivery';
import { callProvider, type DispatchDeps, providerRequest } from './dispatchAttempt';
import { lockMessages, updateEach } from './dispatchBatchStore';
import { effectsOf, type PatientReach } from './messageDelivery';
import type { NewOutboxItem } from './outboxStore';
import type { ProviderOutcome } from './providers/channelProvider';
import { beforeDispatchTransition } from './rules/beforeDispatchTransition';
import { type DeliveryEffects, DeliveryDraft, type Transition } from './rules/deliveryDraft';
import { dispatchTransition } from './rules/dispatchTransition';
import { isFinished } from './rules/messageProgress';

const NO_PREFERENCES = { optedOutChannels: [], fallbackOrder: [] };

/** What is to be recorded for one claimed item once its provider call (if any) is over. */
type Outcome =
  | { item: OutboxItem; kind: 'nothing-to-send' }
  | { item: OutboxItem; kind: 'stopped'; messageId: string; attemptId: string }
  | { item: OutboxItem; kind: 'provider-answered'; messageId: string; attemptId: string; answer: ProviderOutcome };

export interface DispatchBatchReport {
  done: OutboxItem[];
  failed: Array<{ item: OutboxItem; error: unknown }>;
  /** Not started because the dispatcher is stopping: still claimed, for stop() to release. */
  notStarted: OutboxItem[];
}

export interface DispatchBatchOptions {
  /** Provider calls in flight at once. */
  concurrency: number;
  stopping: () => boolean;
}

export async function dispatchBatch(deps: DispatchDeps, items: OutboxItem[], options: DispatchBatchOptions): Promise<DispatchBatchReport> {
  const report: DispatchBatchReport = { done: [], failed: [], notStarted: [] };
  if (items.length === 0) return report;
  const outcomes = await sendAll(deps, items, options, report);
  try {
    await recordOutcomes(deps, outcomes);
    report.done.push(...outcomes.map((o) => o.item));
  } catch (batchError) {
    deps.logger?.warn({ err: batchError, items: outcomes.length }, 'recording a dispatch batch failed; recording its items one by one');
    for (const outcome of outcomes) {
      try {
        await recordOutcomes(deps, [outcome]);
        report.done.push(outcome.item);
      } catch (error) {
        report.failed.push({ item: outcome.item, error });
      }
    }
  }
  return report;
}

/** Reads what the items need, decides which may go, and calls their providers. */
async function sendAll(deps: DispatchDeps, items: OutboxItem[], options: DispatchBatchOptions, report: DispatchBatchReport): Promise<Outcome[]> {
  const attemptIds = unique(items.flatMap((item) => (item.attemptId ? [item.attemptId] : [])));
  const attempts = byId(await deps.stores.attempts.findByIds(attemptIds, UNRESTRICTED));
  const messages = byId(await deps.stores.messages.findByIds(unique([...attempts.values()].map((a) => a.messageId)), UNRESTRICTED));
  const patients = new Map((await deps.stores.patients.findByNhsNumbers(unique([...messages.values()].map((m) => m.nhsNumber)), UNRESTRICTED)).map((p) => [p.nhsNumber, p]));

  const outcomes: Outcome[] = [];
  const calls: Array<{ item: OutboxItem; message: Message; attempt: DeliveryAttempt }> = [];
  for (const item of items) {
    const attempt = item.attemptId ? attempts.get(item.attemptId) : undefined;
    const message = attempt ? messages.get(attempt.messageId) : undefined;
    const patient = message ? patients.get(message.nhsNumber) : undefined;
    if (!attempt || !message || !patient || attempt.status !== DeliveryStatus.PENDING || isFinished(message)) {
      outcomes.push({ item, kind: 'nothing-to-send' });
      continue;
    }
    // Expired, or a patient since marked deceased or confidential: stop before the provider hears of it.
    const unlocked = new DeliveryDraft(message, [attempt], deps.clock.now());
    if (beforeDispatchTransition(unlocked, attempt.id, { patient, preferences: NO_PREFERENCES }, deps).outcome === 'applied') {
      outcomes.push({ item, kind: 'stopped', messageId: message.id, attemptId: attempt.id });
      continue;
    }
    calls.push({ item, message, attempt });
  }

  let next = 0;
  const worker = async () => {
    while (next < calls.length && !options.stopping()) {
      const { item, message, attempt } = calls[next];
      next += 1;
      const answer = await callProvider(deps.providers[attempt.channel], providerRequest(message, attempt, patients.get(message.nhsNumber)!));
      outcomes.push({ item, kind: 'provider-answered', messageId: message.id, attemptId: attempt.id, answer });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, calls.length) }, worker));
  report.notStarted.push(...calls.slice(next).map((call) => call.item));
  // Recorded in claim order, so several items of one message apply in the order they were due.
  const order = new Map(items.map((item, index) => [item.id, index]));
  return outcomes.sort((a, b) => order.get(a.item.id)! - order.get(b.item.id)!);
}

/**
 * Records outcomes in one unit of work: the messages are locked in one statement (in id
 * order, so concurrent batches cannot deadlock) with their attempts, and each transition is
 * decided on what the locks show now.
 */
async function recordOutcomes(deps: DispatchDeps, outcomes: Outcome[]): Promise<void> {
  await inUnitOfWork(deps, async (uow) => {
    const messageIds = unique(outcomes.flatMap((o) => (o.kind === 'nothing-to-send' ? [] : [o.messageId])));
    const locked = byId(await lockMessages(messageIds, uow.manager));
    const attemptsOf = new Map<string, DeliveryAttempt[]>();
    for (const attempt of await deps.stores.attempts.forMessagesLocked([...locked.keys()], uow.manager)) {
      attemptsOf.set(attempt.messageId, [...(attemptsOf.get(attempt.messageId) ?? []), attempt]);
    }
    const nhsNumbers = unique([...locked.values()].map((m) => m.nhsNumber));
    const patients = new Map((await deps.stores.patients.findByNhsNumbers(nhsNumbers, UNRESTRICTED, uow.manager)).map((p) => [p.nhsNumber, p]));
    const changes = await deps.stores.preferences.changesFor(nhsNumbers, uow.manager);

    const now = deps.clock.now();
    const writes = new BatchWrites(deps, uow);
    const finished: string[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind === 'nothing-to-send') {
        finished.push(outcome.item.id);
        continue;
      }
      const message = locked.get(outcome.messageId);
      if (!message) continue;
      const patient = patients.get(message.nhsNumber);
      if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${message.nhsNumber}`);
      const reach: PatientReach = { patient, preferences: preferencesAt(changes.filter((c) => c.nhsNumber === patient.nhsNumber), now, patient.createdAt) };
      const attempts = attemptsOf.get(message.id) ?? [];
      const draft = new DeliveryDraft(message, attempts, now);
      const transition: Transition =
        outcome.kind === 'stopped' ? beforeDispatchTransition(draft, outcome.attemptId, reach, deps) : dispatchTransition(draft, outcome.attemptId, outcome.answer, reach, deps);
      // A receipt may have overtaken the dispatcher's own record, or the cascade ended: then the transition is stale.
      const effects = effectsOf(transition);
      if (effects) await writes.add(message, attempts, effects);
      if (outcome.kind === 'provider-answered' && effects?.retryAt) await deps.stores.outbox.reschedule(outcome.item.id, effects.retryAt, uow.manager);
      else finished.push(outcome.item.id);
    }
    await writes.flush();
    await deps.stores.outbox.completeMany(finished, uow.manager);
  });
}

/**
 * Applies transitions' effects as writeEffects does, but gathers the row changes so the batch
 * writes them in a few multi-row statements. Events are recorded in the order of the transitions.
 */
class BatchWrites {
  private messages = new Map<string, Partial<Message>>();
  private attempts = new Map<string, Partial<DeliveryAttempt>>();
  private newAttempts: DeliveryAttempt[] = [];
  private due: NewOutboxItem[] = [];

  constructor(
    private readonly deps: DispatchDeps,
    private readonly uow: UnitOfWork,
  ) {}

  async add(message: Message, attempts: DeliveryAttempt[], effects: DeliveryEffects): Promise<void> {
    Object.assign(message, effects.message);
    if (Object.keys(effects.message).length > 0) this.messages.set(message.id, { ...this.messages.get(message.id), ...effects.message });
    for (const [id, fields] of effects.attempts) {
      const attempt = attempts.find((a) => a.id === id);
      if (!attempt) continue;
      Object.assign(attempt, fields);
      this.attempts.set(id, { ...this.attempts.get(id), ...fields });
    }
    this.newAttempts.push(...effects.newAttempts);
    attempts.push(...effects.newAttempts);
    if (effects.removeDue.length > 0) {
      // Finds the message's due work by reading it, so what this batch has added must be stored first.
      await this.flush();
      await this.deps.stores.outbox.removeForMessage(message.id, effects.removeDue, this.uow.manager);
    }
    this.due.push(...effects.addDue.map((due) => ({ ...due, messageId: message.id })));
    for (const event of effects.events) {
      if (event.kind === 'DELIVERY') this.uow.events.delivery(event.type, message, event.at, event.attempt);
      else this.uow.events.fallback(message, event.fromChannel, event.toChannel, event.reason, event.at);
    }
  }

  async flush(): Promise<void> {
    const { manager } = this.uow;
    await updateEach(Message, this.messages, manager);
    // A new attempt is inserted with its later changes already applied (the same object).
    await this.deps.stores.attempts.insert(this.newAttempts, manager);
    const inserted = new Set(this.newAttempts.map((a) => a.id));
    await updateEach(DeliveryAttempt, new Map([...this.attempts].filter(([id]) => !inserted.has(id))), manager);
    await this.deps.stores.outbox.enqueue(this.due, this.deps.clock.now(), manager);
    this.messages = new Map();
    this.attempts = new Map();
    this.newAttempts = [];
    this.due = [];
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function byId<T extends { id: string }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.id, row]));
}
