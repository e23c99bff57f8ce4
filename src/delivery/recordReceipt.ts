/**
 * Records a supplier's delivery receipt. Receipts are idempotent and order-tolerant: an
 * attempt only moves forward (PENDING < SENT < DELIVERED < READ, FAILED final), so a late
 * DELIVERED never undoes READ and a repeated receipt changes nothing.
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import { type UnitOfWork, inUnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { DeliveryEventType } from '../vocabulary/events';
import { MessageStatus } from '../vocabulary/messages';
import { HubError } from '../shared/errors';
import { isRowId } from '../shared/ids';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../vocabulary/delivery';
import {
  advanceMessage,
  continueCascade,
  type DeliveryDeps,
  endCascade,
  hasBeenDelivered,
  isFinished,
  patientAndPreferences,
  queueAttempt,
  skippedAttempts,
} from './messageDelivery';
import { OutboxKind } from '../../entities/OutboxItem';
import { blockReason } from './rules/deliveryCascade';
import { cascadeInputFor } from './cascadePlanner';

export interface ReceiptInput {
  attemptId?: string | null;
  providerReference?: string | null;
  status: DeliveryStatus;
  notification?: NotificationStatus | null;
  failureReason?: FailureReason | null;
  occurredAt?: Date | null;
}

export type ReceiptDeps = DeliveryDeps & UnitOfWorkDeps;

const ATTEMPT_RANK: Record<DeliveryStatus, number> = {
  [DeliveryStatus.PENDING]: 0,
  [DeliveryStatus.SENT]: 1,
  [DeliveryStatus.DELIVERED]: 2,
  [DeliveryStatus.READ]: 3,
  [DeliveryStatus.FAILED]: 4,
  [DeliveryStatus.SKIPPED]: 4,
};

const RECEIVABLE = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED];

function validate(input: ReceiptInput): void {
  if (!input.attemptId && !input.providerReference) throw new HubError('BAD_USER_INPUT', 'A receipt needs an attemptId or a providerReference');
  if (!RECEIVABLE.includes(input.status)) throw new HubError('BAD_USER_INPUT', `A receipt status must be one of ${RECEIVABLE.join(', ')}`);
  if (input.notification === NotificationStatus.NOT_ATTEMPTED && input.status === DeliveryStatus.READ) {
    throw new HubError('BAD_USER_INPUT', 'A READ receipt cannot say the notification was not attempted');
  }
}

export async function recordDeliveryReceipt(deps: ReceiptDeps, input: ReceiptInput, organisationScope: string | null = null): Promise<DeliveryAttempt> {
  validate(input);
  return inUnitOfWork(deps, async (uow) => {
    const found = input.attemptId
      ? isRowId(input.attemptId)
        ? await deps.stores.attempts.findById(input.attemptId, { organisationOdsCode: organisationScope }, uow.manager)
        : null
      : await deps.stores.attempts.findByProviderReference(input.providerReference as string, uow.manager);
    if (!found || (input.attemptId && input.providerReference && found.providerReference && found.providerReference !== input.providerReference)) {
      throw new HubError('NOT_FOUND', 'No delivery attempt matches this receipt');
    }
    const message = await deps.stores.messages.lockById(found.messageId, uow.manager);
    if (!message) throw new HubError('NOT_FOUND', 'No delivery attempt matches this receipt');
    if (organisationScope !== null && message.organisationOdsCode !== organisationScope) throw new HubError('NOT_FOUND', 'No delivery attempt matches this receipt');
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const attempt = attempts.find((a) => a.id === found.id) as DeliveryAttempt;
    const now = deps.clock.now();
    const at = input.occurredAt && input.occurredAt.getTime() <= now.getTime() ? input.occurredAt : now;
    await applyReceipt(deps, uow, message, attempts, attempt, input, at, now);
    return attempt;
  });
}

/** The receipt's effect on one attempt and its message, inside the caller's unit of work. */
export async function applyReceipt(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], attempt: DeliveryAttempt, input: ReceiptInput, at: Date, now: Date): Promise<void> {
  let attemptChanged = false;
  const rank = ATTEMPT_RANK[attempt.status];
  const finalised = attempt.status === DeliveryStatus.FAILED || attempt.status === DeliveryStatus.SKIPPED;

  if (!finalised && ATTEMPT_RANK[input.status] > rank) {
    attemptChanged = true;
    switch (input.status) {
      case DeliveryStatus.SENT:
        Object.assign(attempt, { status: DeliveryStatus.SENT, sentAt: attempt.sentAt ?? at });
        break;
      case DeliveryStatus.DELIVERED:
      case DeliveryStatus.READ: {
        const read = input.status === DeliveryStatus.READ;
        Object.assign(attempt, { status: input.status, sentAt: attempt.sentAt ?? at, deliveredAt: attempt.deliveredAt ?? at, readAt: read ? at : attempt.readAt });
        uow.events.delivery(read ? DeliveryEventType.READ : DeliveryEventType.DELIVERED, message, at, attempt);
        await messageReached(deps, uow, message, attempts, attempt, read, at, now);
        break;
      }
      case DeliveryStatus.FAILED:
        if (rank >= ATTEMPT_RANK[DeliveryStatus.DELIVERED]) {
          attemptChanged = false; // a delivered attempt cannot fail afterwards
          break;
        }
        Object.assign(attempt, { status: DeliveryStatus.FAILED, failureReason: input.failureReason ?? FailureReason.PROVIDER_ERROR, failedAt: at });
        await deps.stores.outbox.removeForMessage(message.id, [OutboxKind.UNREAD_TIMEOUT], uow.manager);
        if (isLatestLiveAttempt(attempts, attempt) && !hasBeenDelivered(message)) {
          await continueCascade(deps, uow, message, attempts, attempt.channel, attempt.failureReason as FailureReason, now);
        }
        break;
      default:
        attemptChanged = false;
    }
  }

  // Whether the device was notified is known once, and a repeated receipt must not nudge twice.
  const notificationKnown = attempt.notification === NotificationStatus.NOTIFIED || attempt.notification === NotificationStatus.UNNOTIFIED;
  if (input.notification && attempt.channel === Channel.NHS_APP && !notificationKnown && attempt.notification !== input.notification) {
    attempt.notification = input.notification;
    attemptChanged = true;
    if (input.notification === NotificationStatus.UNNOTIFIED) await nudgeBySms(deps, uow, message, attempts, now);
  }

  if (attemptChanged) {
    attempt.updatedAt = now;
    await deps.stores.attempts.save(attempt, uow.manager);
    message.updatedAt = now;
    await deps.stores.messages.save(message, uow.manager);
  }
}

function isLatestLiveAttempt(attempts: DeliveryAttempt[], attempt: DeliveryAttempt): boolean {
  return !attempts.some((a) => a.sequence > attempt.sequence && a.status !== DeliveryStatus.SKIPPED);
}

async function messageReached(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], attempt: DeliveryAttempt, read: boolean, at: Date, now: Date): Promise<void> {
  if (message.status === MessageStatus.CANCELLED) return;
  // A delivery after the message was marked FAILED is still a delivery the practice must see.
  if (message.status === MessageStatus.FAILED) message.status = MessageStatus.SENDING;
  advanceMessage(message, read ? MessageStatus.READ : MessageStatus.DELIVERED);
  message.deliveredAt = message.deliveredAt ?? at;
  message.deliveredChannel = message.deliveredChannel ?? attempt.channel;
  if (read) message.readAt = message.readAt ?? at;
  await endCascade(deps, uow, message, attempts, attempt, read, now);
}

/**
 * The NHS App could not notify the patient's device. When the sender asked for a nudge, or
 * the patient's notifications were off when the message was sent, an SMS tells them to look.
 */
async function nudgeBySms(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], now: Date): Promise<void> {
  if (!(message.nudgeWhenUnnotified || message.notificationsEnabledAtSend === false)) return;
  if (message.status === MessageStatus.READ || isFinished(message)) return;
  if (attempts.some((a) => a.channel === Channel.SMS && a.status !== DeliveryStatus.SKIPPED)) return;
  const { patient, preferences } = await patientAndPreferences(deps, uow, message.nhsNumber, now);
  const sequence = Math.max(0, ...attempts.map((a) => a.sequence)) + 1;
  const blocked = blockReason(Channel.SMS, cascadeInputFor(message, patient, preferences));
  if (blocked) {
    await deps.stores.attempts.insert(skippedAttempts(message, [{ channel: Channel.SMS, reason: blocked }], sequence, now), uow.manager);
    return;
  }
  await queueAttempt(deps, uow, message, Channel.SMS, sequence, now);
  message.fallbackUsed = true;
  uow.events.fallback(message, Channel.NHS_APP, Channel.SMS, FailureReason.UNNOTIFIED, now);
}
