/**
 * What sending one attempt needs: the dependencies, the request its provider gets, and the
 * call itself (made outside any transaction; the attempt id is its idempotency key).
 * dispatchBatch runs the claimed attempts and records the outcomes dispatchTransition decides.
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import type { Patient } from '../../entities/Patient';
import type { UnitOfWorkDeps } from '../db/unitOfWork';
import { smsFallbackText } from '../messages/rules/contentReport';
import { Channel } from '../vocabulary/delivery';
import type { DeliveryDeps } from './messageDelivery';
import type { ChannelProvider, ProviderOutcome, ProviderRequest } from './providers/channelProvider';

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

/** A provider that throws counts as a temporary failure. */
export async function callProvider(provider: ChannelProvider, request: ProviderRequest): Promise<ProviderOutcome> {
  try {
    return await provider.send(request);
  } catch (error) {
    return { kind: 'temporary', detail: `provider threw: ${(error as Error).message}` };
  }
}
