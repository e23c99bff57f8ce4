/**
 * The patient read the message. The attempt that reached them becomes READ as if its
 * receipt had said so; a message delivered outside the cascade (ingested from another
 * system, so without attempts) is simply read. A message that no channel has sent cannot
 * have been read.
 */
import { DeliveryStatus } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import { type DeliveryDraft, refused, STALE, type Transition } from './deliveryDraft';
import { messageReached } from './messageReached';
import { isFinished, wasSent } from './messageProgress';
import type { MoveOnSettings, Reach } from './moveOn';
import { receiptTransition } from './receiptTransition';

export function readTransition(draft: DeliveryDraft, reach: Reach, settings: MoveOnSettings): Transition {
  const message = draft.message;
  if (message.status === MessageStatus.READ) return STALE;
  if (isFinished(message)) return refused('BAD_USER_INPUT', `A ${message.status.toLowerCase()} message cannot be marked as read`);
  const reached = [...draft.attempts].reverse().find(wasSent);
  if (reached) return receiptTransition(draft, reached.id, { status: DeliveryStatus.READ }, reach, settings, draft.now);
  if (draft.attempts.length > 0 || message.status !== MessageStatus.DELIVERED) {
    return refused('BAD_USER_INPUT', 'This message has not been sent to the patient yet, so it cannot have been read');
  }
  messageReached(draft, null, true, draft.now);
  draft.deliveryEvent(DeliveryEventType.READ, draft.now);
  return draft.applied();
}
