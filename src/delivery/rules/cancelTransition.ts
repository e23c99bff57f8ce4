/** A practice may cancel a message only before any attempt has gone to a provider, and not while a dispatcher is sending it. */
import { OutboxKind } from '../../../entities/OutboxItem';
import { DeliveryStatus } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageDirection, MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, refused, STALE, type Transition } from './deliveryDraft';
import { hasBeenDelivered, isFinished } from './messageProgress';

export function cancelTransition(draft: DeliveryDraft, beingSent: boolean): Transition {
  const message = draft.message;
  if (message.status === MessageStatus.CANCELLED) return STALE;
  if (message.direction !== MessageDirection.OUTBOUND || message.sourceReference) return refused('BAD_USER_INPUT', 'Only messages sent through the hub can be cancelled');
  const sent = draft.attempts.some((a) => a.status !== DeliveryStatus.PENDING && a.status !== DeliveryStatus.SKIPPED);
  if (sent || isFinished(message) || hasBeenDelivered(message)) return refused('BAD_USER_INPUT', 'This message has already been sent, so it can no longer be cancelled');
  if (beingSent) return refused('BAD_USER_INPUT', 'This message is being sent right now, so it can no longer be cancelled');
  draft.removeDue([OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.SIMULATED_RECEIPT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY]);
  draft.skipPending();
  draft.setMessage({ status: MessageStatus.CANCELLED, cancelledAt: draft.now, scheduledFor: null });
  draft.deliveryEvent(DeliveryEventType.CANCELLED, draft.now);
  return draft.applied();
}
