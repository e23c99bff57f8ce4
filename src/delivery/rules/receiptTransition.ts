/**
 * A supplier's receipt for one attempt. Receipts are idempotent and order-tolerant: an
 * attempt only moves forward, so a late DELIVERED never undoes READ and a repeated receipt
 * is stale. An attempt the hub never sent cannot be delivered or read. An UNNOTIFIED NHS
 * App receipt may nudge the patient by SMS through the same move-on as every fallback.
 */
import type { DeliveryAttempt } from '../../../entities/DeliveryAttempt';
import { OutboxKind } from '../../../entities/OutboxItem';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, refused, STALE, type Transition } from './deliveryDraft';
import { messageReached } from './messageReached';
import { advancedStatus, ATTEMPT_RANK, hasBeenDelivered, isAttemptFinal, isFinished, isLatestLiveAttempt } from './messageProgress';
import { failIfNothingLeft, moveOn, type MoveOnSettings, type Reach } from './moveOn';

/** The statuses a receipt may report. */
export const RECEIVABLE: readonly DeliveryStatus[] = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED];

export interface Receipt {
  status: DeliveryStatus;
  notification?: NotificationStatus | null;
  failureReason?: FailureReason | null;
}

function applyStatus(draft: DeliveryDraft, attempt: DeliveryAttempt, receipt: Receipt, reach: Reach, settings: MoveOnSettings, at: Date): boolean {
  if (isAttemptFinal(attempt) || ATTEMPT_RANK[receipt.status] <= ATTEMPT_RANK[attempt.status]) return false;
  switch (receipt.status) {
    case DeliveryStatus.SENT: {
      // The supplier's receipt may overtake the dispatcher's own record of the send.
      draft.setAttempt(attempt, { status: DeliveryStatus.SENT, sentAt: attempt.sentAt ?? at });
      const status = advancedStatus(draft.message, MessageStatus.SENDING);
      if (status) draft.setMessage({ status, scheduledFor: null });
      return true;
    }
    case DeliveryStatus.DELIVERED:
    case DeliveryStatus.READ: {
      const read = receipt.status === DeliveryStatus.READ;
      draft.setAttempt(attempt, { status: receipt.status, sentAt: attempt.sentAt ?? at, deliveredAt: attempt.deliveredAt ?? at, readAt: read ? at : attempt.readAt });
      draft.deliveryEvent(read ? DeliveryEventType.READ : DeliveryEventType.DELIVERED, at, attempt);
      messageReached(draft, attempt, read, at);
      return true;
    }
    case DeliveryStatus.FAILED: {
      // A delivered attempt cannot fail afterwards.
      if (ATTEMPT_RANK[attempt.status] >= ATTEMPT_RANK[DeliveryStatus.DELIVERED]) return false;
      const reason = receipt.failureReason ?? FailureReason.PROVIDER_ERROR;
      draft.setAttempt(attempt, { status: DeliveryStatus.FAILED, failureReason: reason, failedAt: at });
      draft.removeDue([OutboxKind.UNREAD_TIMEOUT]);
      if (isLatestLiveAttempt(draft.attempts, attempt) && !hasBeenDelivered(draft.message)) moveOn(draft, reach, settings, { channel: attempt.channel, reason });
      else failIfNothingLeft(draft);
      return true;
    }
    default:
      return false;
  }
}

/**
 * The NHS App could not notify the patient's device. When the sender asked for a nudge, or
 * the patient's notifications were off when the message was sent, an SMS tells them to look.
 */
function nudgeBySms(draft: DeliveryDraft, reach: Reach, settings: MoveOnSettings): void {
  const message = draft.message;
  if (!(message.nudgeWhenUnnotified || message.notificationsEnabledAtSend === false)) return;
  if (message.status === MessageStatus.READ || isFinished(message)) return;
  if (draft.attempts.some((a) => a.channel === Channel.SMS && a.status !== DeliveryStatus.SKIPPED)) return;
  moveOn(draft, reach, settings, { channel: Channel.NHS_APP, reason: FailureReason.UNNOTIFIED, only: [Channel.SMS] });
}

/** Whether the device was notified is known once, so a repeated receipt never nudges twice. */
function applyNotification(draft: DeliveryDraft, attempt: DeliveryAttempt, receipt: Receipt, reach: Reach, settings: MoveOnSettings): boolean {
  const known = attempt.notification === NotificationStatus.NOTIFIED || attempt.notification === NotificationStatus.UNNOTIFIED;
  if (!receipt.notification || attempt.channel !== Channel.NHS_APP || known || attempt.notification === receipt.notification) return false;
  draft.setAttempt(attempt, { notification: receipt.notification });
  if (receipt.notification === NotificationStatus.UNNOTIFIED) nudgeBySms(draft, reach, settings);
  return true;
}

export function receiptTransition(draft: DeliveryDraft, attemptId: string, receipt: Receipt, reach: Reach, settings: MoveOnSettings, at: Date): Transition {
  const attempt = draft.attempt(attemptId);
  if (!attempt) return refused('NOT_FOUND', 'No delivery attempt matches this receipt');
  if (!RECEIVABLE.includes(receipt.status)) return refused('BAD_USER_INPUT', `A receipt status must be one of ${RECEIVABLE.join(', ')}`);
  if (attempt.status === DeliveryStatus.PENDING && (receipt.status === DeliveryStatus.DELIVERED || receipt.status === DeliveryStatus.READ)) {
    return refused('BAD_USER_INPUT', `Attempt ${attempt.id} has not been sent yet, so it cannot be ${receipt.status.toLowerCase()}`);
  }
  const statusChanged = applyStatus(draft, attempt, receipt, reach, settings, at);
  const notificationChanged = applyNotification(draft, attempt, receipt, reach, settings);
  return statusChanged || notificationChanged ? draft.applied() : STALE;
}
