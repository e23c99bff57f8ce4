/**
 * Sends a batch of up to 1,000 messages. Each item is its own send with its own
 * transaction, so a bad item gets its own error and never blocks the good ones; a few
 * items run at once.
 */
import { type ErrorCode, HubError, isHubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import type { HubLogger } from '../shared/logger';
import { type SendAudit, type SendDeps, sendMessage, type SendResult } from './sendMessage';
import type { SendMessageRequest } from './sendMessageRequest';

export const MAX_BATCH_SIZE = 1000;
/** Items of one batch in flight at once. */
const BATCH_CONCURRENCY = 4;

export interface BatchItemResult {
  index: number;
  result: SendResult | null;
  error: { code: ErrorCode; message: string } | null;
}

export async function sendMessages(deps: SendDeps & { logger?: HubLogger }, requests: SendMessageRequest[], scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  return sendEach(deps, requests, (request) => request, scope, audit);
}

/**
 * Sends one message per item of a batch; `toRequest` turns an item into its send and may
 * refuse that item alone by throwing a HubError (as a template does for a missing value).
 */
export async function sendEach<T>(deps: SendDeps & { logger?: HubLogger }, items: T[], toRequest: (item: T) => SendMessageRequest | Promise<SendMessageRequest>, scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  if (items.length === 0) throw new HubError('BAD_USER_INPUT', 'A batch must hold at least one message');
  if (items.length > MAX_BATCH_SIZE) throw new HubError('BAD_USER_INPUT', `A batch holds at most ${MAX_BATCH_SIZE} messages; split it into several requests`);
  // A few items at once, each still its own send and transaction: the patient row lock keeps the
  // frequency cap exact and the unique key keeps duplicates idempotent, as between concurrent requests.
  const results: BatchItemResult[] = new Array(items.length);
  const sendItem = async (index: number): Promise<BatchItemResult> => {
    try {
      return { index, result: await sendMessage(deps, await toRequest(items[index]), scope, audit), error: null };
    } catch (error) {
      if (isHubError(error)) return { index, result: null, error: { code: error.code, message: error.message } };
      deps.logger?.error({ err: error, index }, 'batch item failed unexpectedly');
      return { index, result: null, error: { code: 'INTERNAL_SERVER_ERROR', message: 'This message could not be stored; it was not sent. Try it again.' } };
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await sendItem(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
  return results;
}
