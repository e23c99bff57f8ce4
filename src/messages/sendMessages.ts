/**
 * Sends a batch of up to 1,000 messages, set-based: every item is checked in memory first,
 * earlier uses of the batch's idempotency keys are read in one query, the batch's patients
 * are locked in one ordered statement, and the rest are stored in one transaction with a
 * savepoint per item. Each item keeps its own answer: a refused item is rolled back alone
 * and never blocks the good ones. Should the shared transaction fail as a whole (a
 * concurrent request stored the same idempotency key first, a deadlock), every item not yet
 * answered takes the one-at-a-time path of sendMessage, which settles such races.
 */
import type { Message } from '../../entities/Message';
import { inBatchUnitOfWork } from '../db/unitOfWork';
import { type ErrorCode, HubError, isHubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import type { HubLogger } from '../shared/logger';
import { type PreparedSend, prepareSend, replayAnswer, type SendAudit, type SendDeps, sendMessage, type SendResult, storePrepared } from './sendMessage';
import type { SendMessageRequest } from './sendMessageRequest';

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

  // 3. One transaction, one savepoint per item, the patients locked up front in one ordered statement.
  if (toStore.length > 0) {
    const stored: Array<{ index: number; result: BatchItemResult }> = [];
    try {
      await inBatchUnitOfWork(deps, async (manager, item) => {
        await deps.stores.patients.lockMany(
          toStore.map((p) => p.prepared.request.nhsNumber),
          manager,
        );
        for (const { index, prepared } of toStore) {
          try {
            stored.push({ index, result: { index, result: await item((uow) => storePrepared(deps, uow, prepared, scope, audit)), error: null } });
          } catch (error) {
            // A coded refusal belongs to its item; anything else ends the shared transaction.
            if (!isHubError(error)) throw error;
            stored.push({ index, result: failed(deps, index, error) });
          }
        }
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
