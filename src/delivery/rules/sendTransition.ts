/** The first send of a new message: skipped channels, the first live attempt and its dispatch, and a QUEUED event. */
import { DeliveryEventType } from '../../vocabulary/events';
import { type DeliveryDraft, refused, type Transition } from './deliveryDraft';
import { moveOn, type MoveOnSettings, planStep, type Reach } from './moveOn';

export function sendTransition(draft: DeliveryDraft, reach: Reach, settings: MoveOnSettings): Transition {
  const step = planStep(draft.message, reach, null);
  if (!step.next) {
    return refused('NO_REACHABLE_CHANNEL', 'Neither the NHS App nor any fallback channel can reach this patient: ' + step.skipped.map((s) => `${s.channel} (${s.reason})`).join(', '));
  }
  moveOn(draft, reach, settings, null);
  draft.deliveryEvent(DeliveryEventType.QUEUED, draft.now, draft.attempts.at(-1) ?? null);
  return draft.applied();
}
