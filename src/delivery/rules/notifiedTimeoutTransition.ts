/**
 * routing.notifiedWithinMinutes (the NHS rule for time-sensitive messages): when the NHS App
 * has not reported NOTIFIED within that time, the message falls back to its next channel,
 * as an UNNOTIFIED app message would.
 */
import { DeliveryStatus, FailureReason, NotificationStatus } from '../../vocabulary/delivery';
import { MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, STALE, type Transition } from './deliveryDraft';
import { isFinished, isLatestLiveAttempt } from './messageProgress';
import { moveOn, type MoveOnSettings, type Reach } from './moveOn';

export function notifiedTimeoutTransition(draft: DeliveryDraft, attemptId: string | null, reach: Reach, settings: MoveOnSettings): Transition {
  if (draft.message.status === MessageStatus.READ || isFinished(draft.message)) return STALE;
  const app = draft.attempt(attemptId);
  if (!app || app.notification === NotificationStatus.NOTIFIED) return STALE;
  if (app.status !== DeliveryStatus.SENT && app.status !== DeliveryStatus.DELIVERED) return STALE;
  if (!isLatestLiveAttempt(draft.attempts, app)) return STALE;
  moveOn(draft, reach, settings, { channel: app.channel, reason: FailureReason.UNNOTIFIED });
  return draft.applied();
}
