/**
 * Sends a batch of up to 1,000 messages, set-based: every item is checked in memory first,
 * earlier uses of the batch's idempotency keys are read in one query, and the rest are stored
 * in one transaction: the patients locked in one ordered statement, their organisations,
 * preferences, 24-hour counts and reports read with IN (…) queries, each item decided in
 * memory (every refusal comes before anything is written), and then the accepted items'
 * messages, attempts, outbox items and events written with multi-row INSERTs. Each item keeps
 * its own answer: a refused item leaves nothing behind and never blocks the good ones. Should
 * the shared transaction fail as a whole (a concurrent request stored the same idempotency key
 * first, a deadlock), every item not yet answered takes the one-at-a-time path of
 * sendMessage, which settles such races.
 */
import type { Message } from '../../entities/Message';
import { inBatchUnitOfWork } from '../db/unitOfWork';
import { type ErrorCode, HubError, isHubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import type { HubLogger } from '../shared/logger';
import type { EntityManager } from 'typeorm';
import type { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { NewOutboxItem } from '../delivery/outboxStore';
import { HOUR_MS } from '../shared/durations';
import { type BatchLookups, COOLING_OFF_REASONS, coolingOffSince, type PreparedSend, prepareSend, replayAnswer, type SendAudit, type SendDeps, sendMessage, type SendResult, storePrepared } from './sendMessage';
import type { SendMessageRequest } from './sendMessageRequest';
import { contentReportCache } from './rules/contentReport';

export const MAX_BATCH_SIZE = 1000;

export interface BatchItemResult {
  index: number;
  result: SendResult | null;
  error: { code: ErrorCode; message: string } | null;
}

type BatchDeps = SendDeps & { logger?: HubLogger };

export async function sendMessages(deps: BatchDeps, requests: SendMessageRequest[], scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  return sendEach(deps, requests, (request) => request, scope, audit);
}

function failed(deps: BatchDeps, index: number, error: unknown): BatchItemResult {
  if (isHubError(error)) return { index, result: null, error: { code: error.code, message: error.message } };
  deps.logger?.error({ err: error, index }, 'batch item failed unexpectedly');
  return { index, result: null, error: { code: 'INTERNAL_SERVER_ERROR', message: 'This message could not be stored; it was not sent. Try it again.' } };
}

const keyOf = (organisationOdsCode: string, idempotencyKey: string) => `${organisationOdsCode}\u0000${idempotencyKey}`;

/**
 * Reads, in a few queries, what every item's send would read on its own: the patients (locked
 * in one ordered statement), the organisations, the preference changes, the 24-hour counts and
 * the reports that pause sends. The counts and keys then follow the batch's own sends as they
 * are taken; their rows are written together by `writeStored`.
 */
async function batchLookups(deps: BatchDeps, manager: EntityManager, items: PreparedSend[]): Promise<BatchLookups & { writeStored(): Promise<void> }> {
  const nhsNumbers = items.map((p) => p.request.nhsNumber);
  const patients = new Map((await deps.stores.patients.lockMany(nhsNumbers, manager)).map((p) => [p.nhsNumber, p]));
  const organisations = new Set<string>();
  for (const odsCode of new Set(items.map((p) => p.organisationOdsCode))) {
    if (await deps.organisations.findByOdsCode(odsCode, manager)) organisations.add(odsCode);
  }
  const changes = new Map<string, ChannelPreferenceChange[]>();
  for (const change of await deps.stores.preferences.changesFor([...patients.keys()], manager)) {
    changes.set(change.nhsNumber, [...(changes.get(change.nhsNumber) ?? []), change]);
  }
  const now = deps.clock.now();
  const reachable = items.filter((p) => patients.has(p.request.nhsNumber)).map((p) => ({ organisationOdsCode: p.organisationOdsCode, nhsNumber: p.request.nhsNumber }));
  const counted = items.filter((p) => !p.timeCritical && patients.has(p.request.nhsNumber));
  const since = new Date(now.getTime() - 24 * HOUR_MS);
  const counts = await deps.stores.messages.countRecentNonUrgentMany(counted.map((p) => ({ organisationOdsCode: p.organisationOdsCode, nhsNumber: p.request.nhsNumber })), since, manager);
  const reports = deps.reportCoolingOffDays > 0 ? await deps.reports.lastReportedAtMany(reachable, COOLING_OFF_REASONS, coolingOffSince(deps, now), manager) : new Map<string, Date>();
  const storedByKey = new Map<string, Message>();
  const messages: Message[] = [];
  const attempts: DeliveryAttempt[] = [];
  const due: NewOutboxItem[] = [];
  const contentReport = contentReportCache();
  return {
    contentReport,
    lockedPatient: (nhsNumber) => patients.get(nhsNumber) ?? null,
    organisationExists: (odsCode) => organisations.has(odsCode),
    storedInBatch: (organisationOdsCode, key) => storedByKey.get(keyOf(organisationOdsCode, key)),
    preferenceChanges: (nhsNumber) => changes.get(nhsNumber) ?? [],
    recentNonUrgent: (organisationOdsCode, nhsNumber) => counts.get(`${organisationOdsCode}\u0000${nhsNumber}`) ?? 0,
    lastCoolingOffReport: (organisationOdsCode, nhsNumber) => reports.get(`${organisationOdsCode}\u0000${nhsNumber}`) ?? null,
    stored: (uow, message, effects) => {
      // A new message has no attempts or due work yet: its effects only add.
      if (effects && (effects.attempts.size > 0 || effects.removeDue.length > 0)) throw new Error('A new message cannot change earlier attempts or due work');
      if (effects) Object.assign(message, effects.message);
      messages.push(message);
      attempts.push(...(effects?.newAttempts ?? []));
      due.push(...(effects?.addDue ?? []).map((work) => ({ ...work, messageId: message.id })));
      for (const event of effects?.events ?? []) {
        if (event.kind === 'DELIVERY') uow.events.delivery(event.type, message, event.at, event.attempt);
        else uow.events.fallback(message, event.fromChannel, event.toChannel, event.reason, event.at);
      }
      if (message.idempotencyKey) storedByKey.set(keyOf(message.organisationOdsCode, message.idempotencyKey), message);
      if (!message.timeCritical) {
        const countKey = `${message.organisationOdsCode}\u0000${message.nhsNumber}`;
        counts.set(countKey, (counts.get(countKey) ?? 0) + 1);
      }
    },
    writeStored: async () => {
      await deps.stores.messages.insertNewSends({ messages, attempts, due }, now, manager);
    },
  };
}

/**
 * Sends one message per item of a batch; `toRequest` turns an item into its send and may
 * refuse that item alone by throwing a HubError (as a template does for a missing value).
 */
export async function sendEach<T>(deps: BatchDeps, items: T[], toRequest: (item: T) => SendMessageRequest | Promise<SendMessageRequest>, scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  if (items.length === 0) throw new HubError('BAD_USER_INPUT', 'A batch must hold at least one message');
  if (items.length > MAX_BATCH_SIZE) throw new HubError('BAD_USER_INPUT', `A batch holds at most ${MAX_BATCH_SIZE} messages; split it into several requests`);
  const results: Array<BatchItemResult | undefined> = new Array(items.length);
  const requests: Array<SendMessageRequest | undefined> = new Array(items.length);
  const answer = (index: number, result: BatchItemResult) => {
    results[index] = result;
    deps.observeSend?.(result.error ? result.error.code : result.result!.replayed ? 'replayed' : 'accepted');
  };

  // 1. In memory: every rule that needs no database.
  const pending: Array<{ index: number; prepared: PreparedSend }> = [];
  for (const [index, item] of items.entries()) {
    try {
      requests[index] = await toRequest(item);
      pending.push({ index, prepared: prepareSend(requests[index]!, scope) });
    } catch (error) {
      answer(index, failed(deps, index, error));
    }
  }

  // 2. One query for the keys used before: those items are replays (or duplicates) and meet no record.
  const keyed = pending.filter((p) => p.prepared.key !== null);
  const earlier = new Map<string, Message>();
  for (const message of await deps.stores.messages.findByIdempotencyKeys(keyed.map((p) => ({ organisationOdsCode: p.prepared.organisationOdsCode, idempotencyKey: p.prepared.key! })))) {
    earlier.set(keyOf(message.organisationOdsCode, message.idempotencyKey!), message);
  }
  const toStore = pending.filter(({ index, prepared }) => {
    const existing = prepared.key === null ? undefined : earlier.get(keyOf(prepared.organisationOdsCode, prepared.key));
    if (!existing) return true;
    try {
      answer(index, { index, result: replayAnswer(prepared, existing), error: null });
    } catch (error) {
      answer(index, failed(deps, index, error));
    }
    return false;
  });

  // 3. One transaction: the patients locked up front in one ordered statement, the rows written together at the end.
  if (toStore.length > 0) {
    const stored: Array<{ index: number; result: BatchItemResult }> = [];
    try {
      await inBatchUnitOfWork(deps, async (manager, item) => {
        const lookups = await batchLookups(deps, manager, toStore.map((p) => p.prepared));
        for (const { index, prepared } of toStore) {
          try {
            stored.push({ index, result: { index, result: await item((uow) => storePrepared(deps, uow, prepared, scope, audit, lookups)), error: null } });
          } catch (error) {
            // A coded refusal belongs to its item; anything else ends the shared transaction.
            if (!isHubError(error)) throw error;
            stored.push({ index, result: failed(deps, index, error) });
          }
        }
        await lookups.writeStored();
      });
      for (const { index, result } of stored) answer(index, result);
    } catch (error) {
      deps.logger?.warn({ err: error, items: toStore.length }, 'batch transaction failed; sending its items one at a time');
      for (const { index } of toStore) {
        try {
          const result = await sendMessage(deps, requests[index]!, scope, audit);
          results[index] = { index, result, error: null };
        } catch (itemError) {
          results[index] = failed(deps, index, itemError);
        }
      }
    }
  }
  return results as BatchItemResult[];
}
