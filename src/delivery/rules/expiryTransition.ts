/**
 * A message is never delivered after its expiresAt. At expiry whatever is still
 * outstanding stops, whichever dispatcher, timer or quiet-hours hold is in the way:
 * attempts waiting to be sent are SKIPPED with EXPIRED, the message's queued work is
 * removed and the message is EXPIRED. A message already delivered keeps its status, but an
 * unread app message falls back no further after expiry. An ended message is left as it is. An attempt a provider already holds cannot be recalled; a later receipt for it
 * is recorded on the attempt but does not revive the message.
 */
import { OutboxKind } from '../../../entities/OutboxItem';
import { FailureReason } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, STALE, type Transition } from './deliveryDraft';
import { hasBeenDelivered, isFinished } from './messageProgress';

export function hasExpired(message: { expiresAt: Date | null }, at: Date): boolean {
  return message.expiresAt !== null && message.expiresAt.getTime() <= at.getTime();
}

export function expiryTransition(draft: DeliveryDraft): Transition {
  const message = draft.message;
  if (!hasExpired(message, draft.now) || isFinished(message)) return STALE;
  draft.removeDue([OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY]);
  draft.skipPending(null, FailureReason.EXPIRED);
  // An app message the patient has but not read falls back no further, and keeps its status.
  if (hasBeenDelivered(message)) {
    draft.setMessage({ scheduledFor: null });
    return draft.applied();
  }
  draft.setMessage({ status: MessageStatus.EXPIRED, scheduledFor: null });
  // The contract has no EXPIRED event: subscribers and callbacks hear FAILED, and the message says EXPIRED.
  draft.deliveryEvent(DeliveryEventType.FAILED, draft.now, draft.attempts.filter((a) => a.failureReason === FailureReason.EXPIRED).at(-1) ?? null);
  return draft.applied();
}
