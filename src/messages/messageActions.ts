/**
 * What can happen to a message after it was sent: the practice cancels it before it goes
 * out, the patient reads it, or the patient reports it as unwanted.
 */
import type { Message } from '../../entities/Message';
import { OutboxKind } from '../../entities/OutboxItem';
import { PatientReport } from '../../entities/PatientReport';
import { inUnitOfWork, type UnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { DeliveryStatus } from '../vocabulary/delivery';
import { advanceMessage, type DeliveryDeps, endCascade, isFinished } from '../delivery/messageDelivery';
import { applyReceipt } from '../delivery/recordReceipt';
import { DeliveryEventType } from '../vocabulary/events';
import { HubError } from '../shared/errors';
import { isRowId, newId } from '../shared/ids';
import type { AccessScope } from '../shared/scope';
import { MessageDirection, MessageStatus, ReportReason } from '../vocabulary/messages';
import type { PatientReportStore } from './patientReportStore';

export type MessageActionDeps = DeliveryDeps & UnitOfWorkDeps;

async function lockVisibleMessage(deps: MessageActionDeps, uow: UnitOfWork, id: string, scope: AccessScope): Promise<Message> {
  const visible = isRowId(id) ? await deps.stores.messages.findById(id, scope, uow.manager) : null;
  const message = visible ? await deps.stores.messages.lockById(visible.id, uow.manager) : null;
  if (!message) throw new HubError('NOT_FOUND', `No message with id ${id}`);
  return message;
}

/** Only before the first attempt has gone to a provider, and not while a dispatcher is sending it. */
export async function cancelMessage(deps: MessageActionDeps, id: string, scope: AccessScope): Promise<Message> {
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, id, scope);
    if (message.status === MessageStatus.CANCELLED) return message;
    if (message.direction !== MessageDirection.OUTBOUND || message.sourceReference) throw new HubError('BAD_USER_INPUT', 'Only messages sent through the hub can be cancelled');
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const sent = attempts.some((a) => a.status !== DeliveryStatus.PENDING && a.status !== DeliveryStatus.SKIPPED);
    if (sent || isFinished(message)) throw new HubError('BAD_USER_INPUT', 'This message has already been sent, so it can no longer be cancelled');
    const now = deps.clock.now();
    const due = await deps.stores.outbox.forMessage(message.id, uow.manager);
    if (due.some((item) => item.claimedUntil && item.claimedUntil.getTime() > now.getTime())) {
      throw new HubError('BAD_USER_INPUT', 'This message is being sent right now, so it can no longer be cancelled');
    }
    await deps.stores.outbox.removeForMessage(message.id, [OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.SIMULATED_RECEIPT], uow.manager);
    for (const attempt of attempts.filter((a) => a.status === DeliveryStatus.PENDING)) {
      Object.assign(attempt, { status: DeliveryStatus.SKIPPED, updatedAt: now });
      await deps.stores.attempts.save(attempt, uow.manager);
    }
    Object.assign(message, { status: MessageStatus.CANCELLED, cancelledAt: now, scheduledFor: null, updatedAt: now });
    await deps.stores.messages.save(message, uow.manager);
    uow.events.delivery(DeliveryEventType.CANCELLED, message, now);
    return message;
  });
}

/** The patient read the message: the attempt that reached them is READ and the cascade ends. */
export async function markMessageRead(deps: MessageActionDeps, id: string, scope: AccessScope): Promise<Message> {
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, id, scope);
    if (message.status === MessageStatus.READ) return message;
    if (isFinished(message)) throw new HubError('BAD_USER_INPUT', `A ${message.status.toLowerCase()} message cannot be marked as read`);
    const now = deps.clock.now();
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const reached = [...attempts].reverse().find((a) => a.status === DeliveryStatus.DELIVERED || a.status === DeliveryStatus.SENT);
    if (reached) {
      await applyReceipt(deps, uow, message, attempts, reached, { status: DeliveryStatus.READ }, now, now);
    } else {
      advanceMessage(message, MessageStatus.READ);
      Object.assign(message, { readAt: now, deliveredAt: message.deliveredAt ?? now, updatedAt: now });
      await endCascade(deps, uow, message, attempts, null, true, now);
      await deps.stores.messages.save(message, uow.manager);
      uow.events.delivery(DeliveryEventType.READ, message, now);
    }
    return message;
  });
}

export interface ReportInput {
  messageId: string;
  reason: ReportReason;
  comment?: string | null;
}

export async function reportMessage(deps: MessageActionDeps & { reports: PatientReportStore }, input: ReportInput, scope: AccessScope): Promise<PatientReport> {
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > 1000) throw new HubError('BAD_USER_INPUT', 'comment must be at most 1,000 characters');
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, input.messageId, scope);
    if (message.direction !== MessageDirection.OUTBOUND) throw new HubError('BAD_USER_INPUT', 'Patients can report messages sent to them, not messages they sent');
    const report = Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: input.reason, comment, createdAt: deps.clock.now() });
    await deps.reports.insert(report, uow.manager);
    // Reports count in the delivery metrics, which are rebuilt from changed messages.
    message.updatedAt = report.createdAt;
    await deps.stores.messages.save(message, uow.manager);
    return report;
  });
}
