/**
 * Sends one due attempt through its channel's provider and records the outcome that
 * dispatchTransition decides (SENT, a retry with backoff, or a move to the next channel).
 * beforeDispatchTransition first stops an attempt that must no longer go (expired message,
 * ineligible recipient).
 * The provider is called outside any transaction; the attempt id is its idempotency key.
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import type { OutboxItem } from '../../entities/OutboxItem';
import type { Patient } from '../../entities/Patient';
import { inUnitOfWork, type UnitOfWorkDeps } from '../db/unitOfWork';
import { smsFallbackText } from '../messages/rules/contentReport';
import { UNRESTRICTED } from '../shared/scope';
import { Channel, DeliveryStatus } from '../vocabulary/delivery';
import { type DeliveryDeps, runTransition } from './messageDelivery';
import type { ChannelProvider, ProviderOutcome, ProviderRequest } from './providers/channelProvider';
import { beforeDispatchTransition } from './rules/beforeDispatchTransition';
import { DeliveryDraft } from './rules/deliveryDraft';
import { dispatchTransition } from './rules/dispatchTransition';
import { isFinished } from './rules/messageProgress';

export interface DispatchDeps extends DeliveryDeps, UnitOfWorkDeps {
  providers: Record<Channel, ChannelProvider>;
  retryBaseMs: number;
  maxProviderRetries: number;
}

const NO_PREFERENCES = { optedOutChannels: [], fallbackOrder: [] };

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

  // Expired, or a patient since marked deceased or confidential: stop before the provider hears of it.
  // Whether to stop does not depend on preferences; the locked transition below reads them.
  const unlocked = new DeliveryDraft(message, [attempt], deps.clock.now());
  if (beforeDispatchTransition(unlocked, attempt.id, { patient, preferences: NO_PREFERENCES }, deps).outcome === 'applied') {
    await inUnitOfWork(deps, async (uow) => {
      const locked = await deps.stores.messages.lockById(message.id, uow.manager);
      if (!locked) return;
      const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
      await runTransition(deps, uow, locked, attempts, (draft, reach) => beforeDispatchTransition(draft, attempt.id, reach, deps));
      await deps.stores.outbox.complete(item.id, uow.manager);
    });
    return;
  }

  const outcome = await callProvider(deps.providers[attempt.channel], providerRequest(message, attempt, patient));

  await inUnitOfWork(deps, async (uow) => {
    const locked = await deps.stores.messages.lockById(message.id, uow.manager);
    if (!locked) return;
    const attempts = await deps.stores.attempts.forMessageLocked(message.id, uow.manager);
    // A receipt may have overtaken the dispatcher's own record, or the cascade ended: then the transition is stale.
    const effects = await runTransition(deps, uow, locked, attempts, (draft, reach) => dispatchTransition(draft, attempt.id, outcome, reach, deps));
    if (effects?.retryAt) await deps.stores.outbox.reschedule(item.id, effects.retryAt, uow.manager);
    else await deps.stores.outbox.complete(item.id, uow.manager);
  });
}
