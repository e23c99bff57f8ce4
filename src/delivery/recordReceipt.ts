/**
 * Records a supplier's delivery receipt: finds and locks the attempt's message, and lets
 * receiptTransition decide what the receipt changes (src/delivery/rules/receiptTransition.ts).
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { inUnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { HubError } from '../shared/errors';
import { isRowId } from '../shared/ids';
import { DeliveryStatus, type FailureReason, NotificationStatus } from '../vocabulary/delivery';
import { type DeliveryDeps, runTransition } from './messageDelivery';
import { RECEIVABLE, receiptTransition } from './rules/receiptTransition';

export interface ReceiptInput {
  attemptId?: string | null;
  providerReference?: string | null;
  status: DeliveryStatus;
  notification?: NotificationStatus | null;
  failureReason?: FailureReason | null;
  occurredAt?: Date | null;
}

export type ReceiptDeps = DeliveryDeps & UnitOfWorkDeps;

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
    await runTransition(deps, uow, message, attempts, (draft, reach) => receiptTransition(draft, attempt.id, input, reach, deps, at));
    return attempt;
  });
}
