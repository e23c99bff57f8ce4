/**
 * What the dispatcher asks of a channel's supplier. Each channel has a list of providers
 * (src/delivery/providers/providerList.ts): the simulated supplier by default, or one HTTP
 * provider per URL in PROVIDER_URL_<CHANNEL>.
 */
import { type Channel, type DeliveryStatus, FailureReason, type NotificationStatus } from '../../vocabulary/delivery';

export interface ProviderRequest {
  attemptId: string;
  messageId: string;
  channel: Channel;
  nhsNumber: string;
  /** The channel's address: none for NHS_APP. */
  mobileNumber?: string;
  email?: string;
  postalAddress?: string;
  subject: string | null;
  /** Markdown for the NHS App, email and letter; plain text for SMS. */
  body: string;
  /** The patient's notification preference in force when the message was sent (NHS_APP only). */
  notificationsEnabled?: boolean;
}

/** A receipt the simulated supplier will send later, stored as a due time so a restart keeps it. */
export interface ScheduledReceipt {
  delayMs: number;
  status: DeliveryStatus;
  notification?: NotificationStatus;
  failureReason?: FailureReason;
}

/** `provider` names which of the channel's providers gave the answer. */
export type ProviderOutcome =
  | { kind: 'accepted'; providerReference: string; scheduledReceipts?: ScheduledReceipt[]; provider?: string }
  /** Permanent: the dispatcher moves to the next channel. */
  | { kind: 'rejected'; reason: FailureReason; detail: string; provider?: string }
  /** Temporary: retried with exponential backoff. */
  | { kind: 'temporary'; detail: string; provider?: string }
  /** No provider was called (every circuit is open): the attempt waits until `retryAt`, using none of its retries. */
  | { kind: 'unavailable'; detail: string; retryAt: Date; provider?: string };

export interface ChannelProvider {
  readonly name: string;
  send(request: ProviderRequest): Promise<ProviderOutcome>;
}

/**
 * A provider handed another channel's attempt: a wiring mistake, not the supplier's fault,
 * so it is never sent. Null when the request is for the provider's own channel.
 */
export function wrongChannelOutcome(provider: { name: string }, channel: Channel, request: ProviderRequest): ProviderOutcome | null {
  if (request.channel === channel) return null;
  return { kind: 'rejected', reason: FailureReason.PROVIDER_ERROR, detail: `${provider.name} cannot send a ${request.channel} attempt` };
}
