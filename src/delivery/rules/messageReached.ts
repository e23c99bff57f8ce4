/**
 * A delivery on any channel ends the cascade: the message is DELIVERED (or READ), later
 * attempts still waiting are skipped and their due work removed. An NHS App delivery keeps
 * its unread, notified-within and expiry timers until the message is read.
 */
import type { DeliveryAttempt } from '../../../entities/DeliveryAttempt';
import { OutboxKind } from '../../../entities/OutboxItem';
import { Channel } from '../../vocabulary/delivery';
import { MessageStatus } from '../../vocabulary/messages';
import type { DeliveryDraft } from './deliveryDraft';
import { advancedStatus, isFinished } from './messageProgress';

export function messageReached(draft: DeliveryDraft, by: DeliveryAttempt | null, read: boolean, at: Date): void {
  const message = draft.message;
  // CANCELLED and FAILED are final: neither leaves an attempt a provider could still deliver.
  if (isFinished(message)) return;
  const status = advancedStatus(message, read ? MessageStatus.READ : MessageStatus.DELIVERED);
  draft.setMessage({
    ...(status ? { status } : {}),
    ...(read ? { readAt: message.readAt ?? at } : {}),
    deliveredAt: message.deliveredAt ?? at,
    deliveredChannel: message.deliveredChannel ?? by?.channel ?? null,
    scheduledFor: null,
  });
  draft.skipPending(by);
  // Once read, or delivered elsewhere, the cascade is over: no timer (unread, notified-within, expiry) is needed.
  draft.removeDue(read || by?.channel !== Channel.NHS_APP ? [OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY] : [OutboxKind.DISPATCH]);
}
