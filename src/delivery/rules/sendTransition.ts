/**
 * The first send of a new message: who may not be messaged at all, a stale or cooling-off
 * send, then the skipped channels, the first live attempt and its dispatch, the expiry
 * timer and a QUEUED event.
 */
import { OutboxKind } from '../../../entities/OutboxItem';
import { FailureReason } from '../../vocabulary/delivery';
import { DeliveryEventType } from '../../vocabulary/events';
import { type DeliveryDraft, refused, type Transition } from './deliveryDraft';
import { moveOn, type MoveOnSettings, planStep, type Reach } from './moveOn';
import { ineligibleForSend } from './recipientEligibility';

export interface SendContext {
  /** The end of a cooling-off period the patient started by reporting this organisation's messages, if one is running. */
  coolingOffUntil?: Date | null;
}

function coolingOffRefusal(draft: DeliveryDraft, context: SendContext): Transition | null {
  const until = context.coolingOffUntil;
  if (draft.message.timeCritical || !until || until.getTime() <= draft.now.getTime()) return null;
  return refused(
    'TOO_MANY_MESSAGES',
    `This patient reported a message from ${draft.message.organisationOdsCode} as unwanted or too many, so its non-urgent messages to them are paused until ${until.toISOString()}; only time-critical messages may be sent until then`,
  );
}

export function sendTransition(draft: DeliveryDraft, reach: Reach, settings: MoveOnSettings, context: SendContext = {}): Transition {
  const message = draft.message;
  const ineligible = ineligibleForSend(reach.patient, message.timeCritical);
  if (ineligible) return refused('RECIPIENT_INELIGIBLE', ineligible);
  if (message.expiresAt && message.expiresAt.getTime() <= draft.now.getTime()) {
    return refused('BAD_USER_INPUT', `expiresAt ${message.expiresAt.toISOString()} has already passed, so the message could never be delivered`);
  }
  const coolingOff = coolingOffRefusal(draft, context);
  if (coolingOff) return coolingOff;

  const step = planStep(message, reach, null);
  if (!step.next) {
    const reasons = step.skipped.map((s) => `${s.channel} (${s.reason})`).join(', ');
    if (step.skipped.some((s) => s.reason === FailureReason.RECIPIENT_INELIGIBLE)) {
      return refused('RECIPIENT_INELIGIBLE', `This patient has a confidential record and only the NHS App may carry their messages, but it cannot: ${reasons}`);
    }
    return refused('NO_REACHABLE_CHANNEL', 'Neither the NHS App nor any fallback channel can reach this patient: ' + reasons);
  }
  moveOn(draft, reach, settings, null);
  const first = draft.effects.addDue.find((due) => due.kind === OutboxKind.DISPATCH);
  if (message.expiresAt && first && first.dueAt.getTime() >= message.expiresAt.getTime()) {
    return refused(
      'BAD_USER_INPUT',
      `expiresAt ${message.expiresAt.toISOString()} comes before quiet hours end at ${first.dueAt.toISOString()}, when the first attempt could go, so the message could never be delivered`,
    );
  }
  if (message.expiresAt) draft.addDue({ kind: OutboxKind.EXPIRY, attemptId: null, dueAt: message.expiresAt });
  draft.deliveryEvent(DeliveryEventType.QUEUED, draft.now, draft.attempts.at(-1) ?? null);
  return draft.applied();
}
