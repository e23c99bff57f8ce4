/**
 * What a provider's answer does to the attempt it was asked to send: accepted makes it SENT
 * (with the unread and notified-within timers and any receipts the simulator promised), a temporary error is
 * retried with backoff until the retries run out, no provider to call (open circuits) waits
 * without using a retry, and a permanent failure moves on to the next channel.
 */
import { OutboxKind } from '../../../entities/OutboxItem';
import { HOUR_MS, MINUTE_MS } from '../../shared/durations';
import { Channel, DeliveryStatus, FailureReason } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import type { ProviderOutcome } from '../providers/channelProvider';
import { retryDelayMs } from '../retryPolicy';
import { type DeliveryDraft, STALE, type Transition } from './deliveryDraft';
import { advancedStatus, isFinished } from './messageProgress';
import { moveOn, type MoveOnSettings, type Reach } from './moveOn';

export interface DispatchSettings extends MoveOnSettings {
  unreadFallbackHours: number;
  maxProviderRetries: number;
  retryBaseMs: number;
}

/** Hours an NHS App message may stay unread before it falls back; 0 turns the timer off. */
export function unreadTimeoutHours(message: { unreadFallbackHours: number | null }, defaultHours: number): number {
  return message.unreadFallbackHours ?? defaultHours;
}

/** Whether the attempt is still waiting for this dispatch: a receipt or the end of the cascade may have overtaken it. */
export function isDispatchable(draft: DeliveryDraft, attemptId: string | null): boolean {
  return draft.attempt(attemptId)?.status === DeliveryStatus.PENDING && !isFinished(draft.message);
}

export function dispatchTransition(draft: DeliveryDraft, attemptId: string, outcome: ProviderOutcome, reach: Reach, settings: DispatchSettings): Transition {
  const attempt = draft.attempt(attemptId);
  if (!attempt || !isDispatchable(draft, attemptId)) return STALE;
  const now = draft.now;
  const provider = outcome.provider ?? attempt.provider ?? null;

  if (outcome.kind === 'accepted') {
    draft.setAttempt(attempt, { status: DeliveryStatus.SENT, sentAt: now, providerReference: outcome.providerReference, provider });
    const status = advancedStatus(draft.message, MessageStatus.SENDING);
    draft.setMessage({ ...(status ? { status } : {}), scheduledFor: null });
    draft.deliveryEvent(DeliveryEventType.SENT, now, attempt);
    const unreadHours = unreadTimeoutHours(draft.message, settings.unreadFallbackHours);
    if (attempt.channel === Channel.NHS_APP && unreadHours > 0) {
      draft.addDue({ kind: OutboxKind.UNREAD_TIMEOUT, attemptId: attempt.id, dueAt: new Date(now.getTime() + unreadHours * HOUR_MS) });
    }
    const notifiedMinutes = draft.message.notifiedWithinMinutes ?? 0;
    if (attempt.channel === Channel.NHS_APP && notifiedMinutes > 0) {
      draft.addDue({ kind: OutboxKind.NOTIFIED_TIMEOUT, attemptId: attempt.id, dueAt: new Date(now.getTime() + notifiedMinutes * MINUTE_MS) });
    }
    for (const receipt of outcome.scheduledReceipts ?? []) {
      draft.addDue({ kind: OutboxKind.SIMULATED_RECEIPT, attemptId: attempt.id, payload: JSON.stringify(receipt), dueAt: new Date(now.getTime() + receipt.delayMs) });
    }
    return draft.applied();
  }
  if (outcome.kind === 'unavailable') {
    draft.retryAt(outcome.retryAt);
    return draft.applied();
  }
  if (outcome.kind === 'temporary' && attempt.retryCount < settings.maxProviderRetries) {
    draft.setAttempt(attempt, { retryCount: attempt.retryCount + 1, provider });
    draft.retryAt(new Date(now.getTime() + retryDelayMs(attempt.retryCount, settings.retryBaseMs)));
    return draft.applied();
  }
  const reason = outcome.kind === 'rejected' ? outcome.reason : FailureReason.PROVIDER_ERROR;
  draft.setAttempt(attempt, { status: DeliveryStatus.FAILED, failureReason: reason, failedAt: now, provider });
  moveOn(draft, reach, settings, { channel: attempt.channel, reason });
  return draft.applied();
}
