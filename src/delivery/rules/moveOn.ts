/**
 * The one place a message moves on to its next channel, whatever the trigger: the first
 * send, a provider's permanent failure, a FAILED receipt, the unread timeout and the SMS
 * nudge. Channels that cannot be used are recorded as SKIPPED attempts with their reason;
 * the next usable one gets a PENDING attempt and its dispatch (held by quiet hours when
 * they apply); with none left, and no attempt still in flight, an undelivered message has
 * FAILED.
 *
 * What counts as a fallback: moving to another channel after a channel the message was
 * meant for failed, went unread or unnotified, or could not be used at send time (the
 * patient does not use the NHS App, opted out, or has no contact details). A time-critical
 * message was never meant for the NHS App, so skipping the app is not a fallback for it.
 */
import type { Message } from '../../../entities/Message';
import { OutboxKind } from '../../../entities/OutboxItem';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../../categories/messagingCategory';
import { Channel, DeliveryStatus, FailureReason } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { MessageStatus } from '../../vocabulary/messages';
import { type CascadeInput, type CascadePatient, type CascadePreferences, type CascadeStep, firstStep, firstUsable, stepAfter } from './deliveryCascade';
import type { DeliveryDraft } from './deliveryDraft';
import { hasBeenDelivered, isFinished } from './messageProgress';
import { nextAllowedSendTime } from './quietHours';

/** Who the message can reach: the patient's contact details and the preferences in force now. */
export interface Reach {
  patient: CascadePatient;
  preferences: CascadePreferences;
}

export interface MoveOnSettings {
  quietHours: boolean;
}

/** Where the cascade moves on from; null for the first send. */
export interface MoveOnFrom {
  channel: Channel;
  reason: FailureReason;
  /** Only these channels may come next (the SMS nudge). */
  only?: Channel[];
}

type CascadeMessage = Pick<Message, 'timeCritical' | 'fallbackOrder' | 'category'>;

export function cascadeInputFor(message: CascadeMessage, reach: Reach): CascadeInput {
  return {
    timeCritical: message.timeCritical,
    patient: reach.patient,
    preferences: { optedOutChannels: reach.preferences.optedOutChannels, fallbackOrder: reach.preferences.fallbackOrder },
    routingFallbackOrder: message.fallbackOrder,
  };
}

export function supportsFallback(message: Pick<Message, 'category'>): boolean {
  return MESSAGING_CATEGORY_DESCRIPTORS.find((d) => d.category === message.category)?.supportsFallback ?? false;
}

/** The skipped channels and the next channel, honouring the category's fallback support. */
export function planStep(message: CascadeMessage, reach: Reach, from: MoveOnFrom | null): CascadeStep {
  const input = cascadeInputFor(message, reach);
  if (!supportsFallback(message)) {
    if (from) return { skipped: [], next: null };
    // Without fallback only the NHS App is tried.
    const step = firstStep(input);
    return { skipped: step.skipped.filter((s) => s.channel === Channel.NHS_APP), next: step.next === Channel.NHS_APP ? Channel.NHS_APP : null };
  }
  if (!from) return firstStep(input);
  return from.only ? firstUsable(from.only, input) : stepAfter(from.channel, input);
}

/** A skipped channel the message was never meant for is passed over, not fallen back from. */
function wasMeantFor(reason: FailureReason): boolean {
  return reason !== FailureReason.TIME_CRITICAL && reason !== FailureReason.RECIPIENT_INELIGIBLE;
}

/** A new PENDING attempt on `channel` and its dispatch; quiet hours hold non-urgent sends back. */
function queueAttempt(draft: DeliveryDraft, channel: Channel, settings: MoveOnSettings): void {
  const now = draft.now;
  const attempt = draft.addAttempt(channel, DeliveryStatus.PENDING);
  const dueAt = settings.quietHours ? nextAllowedSendTime(channel, now, draft.message.timeCritical) : now;
  draft.setMessage({ scheduledFor: dueAt.getTime() > now.getTime() ? dueAt : null });
  draft.addDue({ kind: OutboxKind.DISPATCH, attemptId: attempt.id, dueAt });
}

/** Moves the draft's message on from `from` (or starts it); returns the channel queued next, if any. */
export function moveOn(draft: DeliveryDraft, reach: Reach, settings: MoveOnSettings, from: MoveOnFrom | null): Channel | null {
  // A cancelled, failed or expired message goes nowhere, whatever a late receipt or timer says.
  if (isFinished(draft.message)) return null;
  const step = planStep(draft.message, reach, from);
  for (const skip of step.skipped) draft.addAttempt(skip.channel, DeliveryStatus.SKIPPED, skip.reason);

  if (step.next) {
    queueAttempt(draft, step.next, settings);
    const origin = from ?? step.skipped.find((s) => wasMeantFor(s.reason));
    if (origin) {
      draft.setMessage({ fallbackUsed: true });
      draft.fallbackEvent(origin.channel, step.next, origin.reason, draft.now);
    }
    return step.next;
  }
  if (from) failIfNothingLeft(draft);
  return null;
}

/** An undelivered message with no channel left and no attempt still in flight has FAILED (FAILED is final). */
export function failIfNothingLeft(draft: DeliveryDraft): void {
  const inFlight = draft.attempts.some((a) => a.status === DeliveryStatus.PENDING || a.status === DeliveryStatus.SENT);
  if (inFlight || hasBeenDelivered(draft.message) || isFinished(draft.message)) return;
  draft.setMessage({ status: MessageStatus.FAILED, scheduledFor: null });
  const last = draft.attempts.filter((a) => a.status !== DeliveryStatus.SKIPPED).at(-1) ?? draft.attempts.at(-1) ?? null;
  draft.deliveryEvent(DeliveryEventType.FAILED, draft.now, last);
}
