/**
 * A delivery on any channel ends the cascade: the message is DELIVERED (or READ), later
 * attempts still waiting are skipped and their due work removed. An NHS App delivery keeps
 * its unread timer until the message is read.
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
  draft.removeDue(read || by?.channel !== Channel.NHS_APP ? [OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT] : [OutboxKind.DISPATCH]);
}
