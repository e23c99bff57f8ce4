/**
 * Outbox work that is not a provider call: the unread and notified-within timeouts of an NHS
 * App message, a message's expiry, and receipts the simulated supplier promised. Each runs
 * in one unit of work.
 */
import type { OutboxItem } from '../../entities/OutboxItem';
import { inUnitOfWork } from '../db/unitOfWork';
import { runTransition } from './messageDelivery';
import type { ScheduledReceipt } from './providers/channelProvider';
import type { ReceiptDeps } from './recordReceipt';
import { STALE } from './rules/deliveryDraft';
import { receiptTransition } from './rules/receiptTransition';
import { expiryTransition } from './rules/expiryTransition';
import { notifiedTimeoutTransition } from './rules/notifiedTimeoutTransition';
import { unreadTimeoutTransition } from './rules/unreadTimeoutTransition';

/** An NHS App message still unread after its timeout falls back to the next channel. */
export async function handleUnreadTimeout(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    if (!message || !still) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    await runTransition(deps, uow, message, attempts, (draft, reach) => unreadTimeoutTransition(draft, item.attemptId, reach, deps));
  });
}

/** The NHS App has not reported NOTIFIED in time: the message falls back (routing.notifiedWithinMinutes). */
export async function handleNotifiedTimeout(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    if (!message || !still) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    await runTransition(deps, uow, message, attempts, (draft, reach) => notifiedTimeoutTransition(draft, item.attemptId, reach, deps));
  });
}

/** The message's expiresAt has come: whatever is still outstanding stops. */
export async function handleExpiry(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    if (!message || !still) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    await runTransition(deps, uow, message, attempts, (draft) => expiryTransition(draft));
  });
}

export async function deliverSimulatedReceipt(deps: ReceiptDeps, item: OutboxItem): Promise<void> {
  const receipt = JSON.parse(item.payload ?? '{}') as ScheduledReceipt;
  await inUnitOfWork(deps, async (uow) => {
    const message = await deps.stores.messages.lockById(item.messageId, uow.manager);
    const still = await deps.stores.outbox.complete(item.id, uow.manager);
    const attemptId = item.attemptId;
    if (!message || !still || !attemptId) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    // The simulator only promises receipts for attempts it accepted, so a refusal cannot arise; if it did, the receipt is dropped.
    await runTransition(deps, uow, message, attempts, (draft, reach) => {
      const transition = receiptTransition(draft, attemptId, receipt, reach, deps, item.dueAt);
      return transition.outcome === 'refused' ? STALE : transition;
    });
  });
}
