/** An NHS App message still unread when its timer runs out falls back to the next channel. */
import { DeliveryStatus, FailureReason } from '../../vocabulary/delivery';
import { MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, STALE, type Transition } from './deliveryDraft';
import { isFinished, isLatestLiveAttempt } from './messageProgress';
import { moveOn, type MoveOnSettings, type Reach } from './moveOn';

export function unreadTimeoutTransition(draft: DeliveryDraft, attemptId: string | null, reach: Reach, settings: MoveOnSettings): Transition {
  if (draft.message.status === MessageStatus.READ || isFinished(draft.message)) return STALE;
  const app = draft.attempt(attemptId);
  if (!app || app.status === DeliveryStatus.READ || app.status === DeliveryStatus.FAILED || app.status === DeliveryStatus.SKIPPED) return STALE;
  if (!isLatestLiveAttempt(draft.attempts, app)) return STALE;
  moveOn(draft, reach, settings, { channel: app.channel, reason: FailureReason.UNREAD_TIMEOUT });
  return draft.applied();
}
