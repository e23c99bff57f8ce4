/**
 * The last check before an attempt goes to a provider, since things may have changed while
 * it waited: an expired message stops (expiryTransition); a patient since marked deceased
 * has every waiting attempt SKIPPED with RECIPIENT_INELIGIBLE and the message FAILED
 * (unless it was already delivered); a
 * channel the patient can no longer be reached on safely (a record since made confidential)
 * is skipped and the cascade moves on. STALE means the attempt may go.
 */
import { OutboxKind } from '../../../entities/OutboxItem';
import { DeliveryStatus, FailureReason } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import { blockReason } from './deliveryCascade';
import { type DeliveryDraft, STALE, type Transition } from './deliveryDraft';
import { expiryTransition, hasExpired } from './expiryTransition';
import { hasBeenDelivered, isFinished } from './messageProgress';
import { cascadeInputFor, moveOn, type MoveOnSettings, type Reach } from './moveOn';
import { ineligibleNow } from './recipientEligibility';

export function beforeDispatchTransition(draft: DeliveryDraft, attemptId: string, reach: Reach, settings: MoveOnSettings): Transition {
  const attempt = draft.attempt(attemptId);
  if (!attempt || attempt.status !== DeliveryStatus.PENDING || isFinished(draft.message)) return STALE;
  if (hasExpired(draft.message, draft.now)) return expiryTransition(draft);
  if (ineligibleNow(reach.patient)) {
    draft.removeDue([OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY]);
    draft.skipPending(null, FailureReason.RECIPIENT_INELIGIBLE);
    // A message the patient already received (an app message now falling back) keeps its status.
    if (hasBeenDelivered(draft.message)) draft.setMessage({ scheduledFor: null });
    else {
      draft.setMessage({ status: MessageStatus.FAILED, scheduledFor: null });
      draft.deliveryEvent(DeliveryEventType.FAILED, draft.now, attempt);
    }
    return draft.applied();
  }
  if (blockReason(attempt.channel, cascadeInputFor(draft.message, reach)) === FailureReason.RECIPIENT_INELIGIBLE) {
    draft.setAttempt(attempt, { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.RECIPIENT_INELIGIBLE });
    draft.removeDue([OutboxKind.DISPATCH]);
    moveOn(draft, reach, settings, { channel: attempt.channel, reason: FailureReason.RECIPIENT_INELIGIBLE });
    return draft.applied();
  }
  return STALE;
}
