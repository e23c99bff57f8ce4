/**
 * Sends a batch of up to 1,000 messages. Each item is its own send with its own
 * transaction, so a bad item gets its own error and never blocks the good ones.
 */
import { type ErrorCode, HubError, isHubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import type { HubLogger } from '../shared/logger';
import { type SendAudit, type SendDeps, sendMessage, type SendMessageRequest, type SendResult } from './sendMessage';

export const MAX_BATCH_SIZE = 1000;

export interface BatchItemResult {
  index: number;
  result: SendResult | null;
  error: { code: ErrorCode; message: string } | null;
}

export async function sendMessages(deps: SendDeps & { logger?: HubLogger }, requests: SendMessageRequest[], scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  if (requests.length === 0) throw new HubError('BAD_USER_INPUT', 'messages must hold at least one message');
  if (requests.length > MAX_BATCH_SIZE) throw new HubError('BAD_USER_INPUT', `A batch holds at most ${MAX_BATCH_SIZE} messages; split it into several requests`);
  const results: BatchItemResult[] = [];
  for (const [index, request] of requests.entries()) {
    try {
      results.push({ index, result: await sendMessage(deps, request, scope, audit), error: null });
    } catch (error) {
      if (isHubError(error)) {
        results.push({ index, result: null, error: { code: error.code, message: error.message } });
      } else {
        deps.logger?.error({ err: error, index }, 'batch item failed unexpectedly');
        results.push({ index, result: null, error: { code: 'INTERNAL_SERVER_ERROR', message: 'This message could not be stored; it was not sent. Try it again.' } });
      }
    }
  }
  return results;
}
