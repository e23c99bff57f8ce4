/**
 * How far a message has got: its status only moves forward (QUEUED < SENDING < DELIVERED
 * < READ), CANCELLED, FAILED and EXPIRED end it, and an attempt only moves forward too (PENDING <
 * SENT < DELIVERED < READ; FAILED and SKIPPED are final).
 */
import type { DeliveryAttempt } from '../../../entities/DeliveryAttempt';
import type { Message } from '../../../entities/Message';
import { DeliveryStatus } from '../../vocabulary/delivery';
import { MessageStatus } from '../../vocabulary/messages';

const MESSAGE_RANK: Record<MessageStatus, number> = {
  [MessageStatus.QUEUED]: 0,
  [MessageStatus.SENDING]: 1,
  [MessageStatus.DELIVERED]: 2,
  [MessageStatus.READ]: 3,
  [MessageStatus.FAILED]: 0,
  [MessageStatus.CANCELLED]: 0,
  [MessageStatus.EXPIRED]: 0,
};

export const ATTEMPT_RANK: Record<DeliveryStatus, number> = {
  [DeliveryStatus.PENDING]: 0,
  [DeliveryStatus.SENT]: 1,
  [DeliveryStatus.DELIVERED]: 2,
  [DeliveryStatus.READ]: 3,
  [DeliveryStatus.FAILED]: 4,
  [DeliveryStatus.SKIPPED]: 4,
};

export function isFinished(message: Pick<Message, 'status'>): boolean {
  return message.status === MessageStatus.CANCELLED || message.status === MessageStatus.FAILED || message.status === MessageStatus.EXPIRED;
}

export function hasBeenDelivered(message: Pick<Message, 'status'>): boolean {
  return message.status === MessageStatus.DELIVERED || message.status === MessageStatus.READ;
}

/** The status a message moves to, or null when that would not move it forward. */
export function advancedStatus(message: Pick<Message, 'status'>, status: MessageStatus): MessageStatus | null {
  if (isFinished(message)) return null;
  return MESSAGE_RANK[status] > MESSAGE_RANK[message.status] ? status : null;
}

/** A provider has the attempt: it was sent, and may since have been delivered or read. */
export function wasSent(attempt: Pick<DeliveryAttempt, 'status'>): boolean {
  return attempt.status === DeliveryStatus.SENT || attempt.status === DeliveryStatus.DELIVERED || attempt.status === DeliveryStatus.READ;
}

export function isAttemptFinal(attempt: Pick<DeliveryAttempt, 'status'>): boolean {
  return attempt.status === DeliveryStatus.FAILED || attempt.status === DeliveryStatus.SKIPPED;
}

/** No later attempt has been tried: the cascade is still at this attempt. */
export function isLatestLiveAttempt(attempts: readonly DeliveryAttempt[], attempt: DeliveryAttempt): boolean {
  return !attempts.some((a) => a.sequence > attempt.sequence && a.status !== DeliveryStatus.SKIPPED);
}
