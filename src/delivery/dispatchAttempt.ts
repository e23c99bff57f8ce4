/**
 * Sends one due attempt through its channel's provider and records the outcome: SENT (with
 * the unread timer and any receipts the simulator promised), a retry with backoff after a
 * temporary error, or a fallback to the next channel after a permanent one. The provider is
 * called outside any transaction; the attempt id is its idempotency key.
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import { OutboxKind, type OutboxItem } from '../../entities/OutboxItem';
import type { Patient } from '../../entities/Patient';
import { inUnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { DeliveryEventType } from '../vocabulary/events';
import { MessageStatus } from '../vocabulary/messages';
import { smsFallbackText } from '../messages/rules/contentReport';
import { HOUR_MS } from '../shared/durations';
import { UNRESTRICTED } from '../shared/scope';
import { Channel, DeliveryStatus, FailureReason } from '../vocabulary/delivery';
import { advanceMessage, continueCascade, type DeliveryDeps, isFinished, unreadTimeoutHours } from './messageDelivery';
import type { ChannelProvider, ProviderOutcome, ProviderRequest } from './providers/channelProvider';
import { retryDelayMs } from './retryPolicy';

export interface DispatchDeps extends DeliveryDeps, UnitOfWorkDeps {
  providers: Record<Channel, ChannelProvider>;
  retryBaseMs: number;
  maxProviderRetries: number;
}

export function providerRequest(message: Message, attempt: DeliveryAttempt, patient: Patient): ProviderRequest {
  const request: ProviderRequest = {
    attemptId: attempt.id,
    messageId: message.id,
    channel: attempt.channel,
    nhsNumber: patient.nhsNumber,
    subject: message.subject,
    body: attempt.channel === Channel.SMS ? smsFallbackText(message.subject, message.body) : message.body,
  };
  if (attempt.channel === Channel.SMS && patient.mobileNumber) request.mobileNumber = patient.mobileNumber;
  if (attempt.channel === Channel.EMAIL && patient.email) request.email = patient.email;
  if (attempt.channel === Channel.LETTER && patient.postalAddress) request.postalAddress = patient.postalAddress;
  if (attempt.channel === Channel.NHS_APP) request.notificationsEnabled = message.notificationsEnabledAtSend !== false;
  return request;
}

async function callProvider(provider: ChannelProvider, request: ProviderRequest): Promise<ProviderOutcome> {
  try {
    return await provider.send(request);
  } catch (error) {
    return { kind: 'temporary', detail: `provider threw: ${(error as Error).message}` };
  }
}

export async function dispatchAttempt(deps: DispatchDeps, item: OutboxItem): Promise<void> {
  const attempt = item.attemptId ? await deps.stores.attempts.findById(item.attemptId, UNRESTRICTED) : null;
  const message = attempt ? await deps.stores.messages.findById(attempt.messageId, UNRESTRICTED) : null;
  const patient = message ? await deps.stores.patients.findByNhsNumber(message.nhsNumber, UNRESTRICTED) : null;
  if (!attempt || !message || !patient || attempt.status !== DeliveryStatus.PENDING || isFinished(message)) {
    await deps.db.transaction((manager) => deps.stores.outbox.complete(item.id, manager));
    return;
  }

  const outcome = await callProvider(deps.providers[attempt.channel], providerRequest(message, attempt, patient));

  await inUnitOfWork(deps, async (uow) => {
    const locked = await deps.stores.messages.lockById(message.id, uow.manager);
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const current = attempts.find((a) => a.id === attempt.id);
    if (!locked || !current) return;
    const now = deps.clock.now();
    if (current.status !== DeliveryStatus.PENDING) {
      // A receipt overtook the dispatcher's own record (or the cascade ended): nothing to add.
      await deps.stores.outbox.complete(item.id, uow.manager);
      return;
    }

    if (outcome.kind === 'accepted') {
      Object.assign(current, { status: DeliveryStatus.SENT, sentAt: now, providerReference: outcome.providerReference, updatedAt: now });
      advanceMessage(locked, MessageStatus.SENDING);
      locked.scheduledFor = null;
      uow.events.delivery(DeliveryEventType.SENT, locked, now, current);
      const due = [];
      const unreadHours = unreadTimeoutHours(locked, deps.unreadFallbackHours);
      if (current.channel === Channel.NHS_APP && unreadHours > 0) {
        due.push({ kind: OutboxKind.UNREAD_TIMEOUT, messageId: locked.id, attemptId: current.id, dueAt: new Date(now.getTime() + unreadHours * HOUR_MS) });
      }
      for (const receipt of outcome.scheduledReceipts ?? []) {
        due.push({ kind: OutboxKind.SIMULATED_RECEIPT, messageId: locked.id, attemptId: current.id, payload: JSON.stringify(receipt), dueAt: new Date(now.getTime() + receipt.delayMs) });
      }
      await deps.stores.outbox.enqueue(due, now, uow.manager);
      await deps.stores.outbox.complete(item.id, uow.manager);
    } else if (outcome.kind === 'temporary' && current.retryCount < deps.maxProviderRetries) {
      Object.assign(current, { retryCount: current.retryCount + 1, updatedAt: now });
      await deps.stores.outbox.reschedule(item.id, new Date(now.getTime() + retryDelayMs(current.retryCount, deps.retryBaseMs)), uow.manager);
    } else {
      const reason = outcome.kind === 'rejected' ? outcome.reason : FailureReason.PROVIDER_ERROR;
      Object.assign(current, { status: DeliveryStatus.FAILED, failureReason: reason, failedAt: now, updatedAt: now });
      await deps.stores.outbox.complete(item.id, uow.manager);
      await continueCascade(deps, uow, locked, attempts, current.channel, reason, now);
    }
    locked.updatedAt = now;
    await deps.stores.attempts.save(current, uow.manager);
    await deps.stores.messages.save(locked, uow.manager);
  });
}
