/**
 * Outbox work that is not a provider call: the unread timeout of an NHS App message, and
 * receipts the simulated supplier promised. Both run in one unit of work each.
 */
import type { OutboxItem } from '../../entities/OutboxItem';
import { inUnitOfWork } from '../db/unitOfWork';
import { MessageStatus } from '../vocabulary/messages';
import { DeliveryStatus, FailureReason } from '../vocabulary/delivery';
import { continueCascade, isFinished } from './messageDelivery';
import { applyReceipt, type ReceiptDeps } from './recordReceipt';
import type { ScheduledReceipt } from './providers/channelProvider';

/** An NHS App message still unread after its timeout falls back to the next channel. */
export async function handleUnreadTimeout(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    if (!message || !still || message.status === MessageStatus.READ || isFinished(message)) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const appAttempt = attempts.find((a) => a.id === item.attemptId);
    if (!appAttempt || appAttempt.status === DeliveryStatus.READ || appAttempt.status === DeliveryStatus.FAILED) return;
    if (attempts.some((a) => a.sequence > appAttempt.sequence && a.status !== DeliveryStatus.SKIPPED)) return;
    const now = deps.clock.now();
    await continueCascade(deps, uow, message, attempts, appAttempt.channel, FailureReason.UNREAD_TIMEOUT, now);
    message.updatedAt = now;
    await deps.stores.messages.save(message, uow.manager);
  });
}

export async function deliverSimulatedReceipt(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  const receipt = JSON.parse(item.payload ?? '{}') as ScheduledReceipt;
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    if (!message || !still) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    const attempt = attempts.find((a) => a.id === item.attemptId);
    if (!attempt) return;
    const now = deps.clock.now();
    await applyReceipt(deps, uow, message, attempts, attempt, { status: receipt.status, notification: receipt.notification, failureReason: receipt.failureReason }, item.dueAt, now);
  });
}
