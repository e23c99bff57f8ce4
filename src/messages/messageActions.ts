/**
 * What can happen to a message after it was sent: the practice cancels it before it goes
 * out, the patient reads it, or the patient reports it as unwanted.
 */
import type { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { inUnitOfWork, type UnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { type DeliveryDeps, runTransition } from '../delivery/messageDelivery';
import { cancelTransition } from '../delivery/rules/cancelTransition';
import { laterStamp } from '../delivery/rules/deliveryDraft';
import { readTransition } from '../delivery/rules/readTransition';
import { HubError } from '../shared/errors';
import { isRowId, newId } from '../shared/ids';
import type { AccessScope } from '../shared/scope';
import { MessageDirection, ReportReason } from '../vocabulary/messages';
import type { Clock } from '../shared/clock';
import type { MessageStore } from './messageStore';
import type { PatientReportStore } from './patientReportStore';

export type MessageActionDeps = DeliveryDeps & UnitOfWorkDeps;

/** reportMessage needs no delivery settings: only the message and report stores. */
export interface ReportDeps extends UnitOfWorkDeps {
  clock: Clock;
  stores: { messages: MessageStore; reports: PatientReportStore };
}

async function lockVisibleMessage(deps: { stores: { messages: MessageStore } }, uow: UnitOfWork, id: string, scope: AccessScope): Promise<Message> {
  const visible = isRowId(id) ? await deps.stores.messages.findById(id, scope, uow.manager) : null;
  const message = visible ? await deps.stores.messages.lockById(visible.id, uow.manager) : null;
  if (!message) throw new HubError('NOT_FOUND', `No message with id ${id}`);
  return message;
}

/** Only before the first attempt has gone to a provider, and not while a dispatcher is sending it. */
export async function cancelMessage(deps: MessageActionDeps, id: string, scope: AccessScope): Promise<Message> {
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, id, scope);
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const now = deps.clock.now();
    const due = await deps.stores.outbox.forMessage(message.id, uow.manager);
    const beingSent = due.some((item) => item.claimedUntil && item.claimedUntil.getTime() > now.getTime());
    await runTransition(deps, uow, message, attempts, (draft) => cancelTransition(draft, beingSent));
    return message;
  });
}

/** The patient read the message: the attempt that reached them is READ and the cascade ends. */
export async function markMessageRead(deps: MessageActionDeps, id: string, scope: AccessScope): Promise<Message> {
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, id, scope);
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    await runTransition(deps, uow, message, attempts, (draft, reach) => readTransition(draft, reach, deps));
    return message;
  });
}

export interface ReportInput {
  messageId: string;
  reason: ReportReason;
  comment?: string | null;
}

export async function reportMessage(deps: ReportDeps, input: ReportInput, scope: AccessScope): Promise<PatientReport> {
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > 1000) throw new HubError('BAD_USER_INPUT', 'comment must be at most 1,000 characters');
  return inUnitOfWork(deps, async (uow) => {
    const message = await lockVisibleMessage(deps, uow, input.messageId, scope);
    if (message.direction !== MessageDirection.OUTBOUND) throw new HubError('BAD_USER_INPUT', 'Patients can report messages sent to them, not messages they sent');
    const report = Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: input.reason, comment, createdAt: deps.clock.now() });
    await deps.stores.reports.insert(report, uow.manager);
    // Reports count in the delivery metrics, which are rebuilt from changed messages.
    await deps.stores.messages.update(message.id, { updatedAt: laterStamp(message.updatedAt, report.createdAt) }, uow.manager);
    return report;
  });
}
