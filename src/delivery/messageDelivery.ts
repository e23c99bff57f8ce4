/**
 * Runs one delivery transition inside a unit of work that holds the message row lock:
 * loads who the message can reach, lets the pure transition (src/delivery/rules/) decide,
 * and writes its effects (attempt rows, outbox due times and events) in the same
 * transaction. A refused transition throws its coded error; a stale one writes nothing.
 */
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import type { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { Patient } from '../../entities/Patient';
import type { UnitOfWork } from '../db/unitOfWork';
import type { MessageStore } from '../messages/messageStore';
import type { PatientStore } from '../patients/patientStore';
import type { PreferenceStore } from '../preferences/preferenceStore';
import { type ChannelPreferencesView, preferencesAt } from '../preferences/preferencesInForce';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { UNRESTRICTED } from '../shared/scope';
import type { DeliveryAttemptStore } from './deliveryAttemptStore';
import type { OutboxStore } from './outboxStore';
import { DeliveryDraft, type DeliveryEffects, type Transition } from './rules/deliveryDraft';
import type { Reach } from './rules/moveOn';

export interface DeliveryDeps {
  clock: Clock;
  quietHours: boolean;
  unreadFallbackHours: number;
  stores: { messages: MessageStore; attempts: DeliveryAttemptStore; outbox: OutboxStore; patients: PatientStore; preferences: PreferenceStore };
}

export interface PatientReach extends Reach {
  patient: Patient;
  preferences: ChannelPreferencesView;
}

/**
 * The patient and the channel preferences in force at `at`; `known` passes what the caller
 * already read in this transaction (the locked patient row, a batch's preference changes).
 */
export async function reachOf(deps: DeliveryDeps, uow: UnitOfWork, nhsNumber: string, at: Date, known: { patient?: Patient; changes?: ChannelPreferenceChange[] } = {}): Promise<PatientReach> {
  const patient = known.patient ?? (await deps.stores.patients.findByNhsNumber(nhsNumber, UNRESTRICTED, uow.manager));
  if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${nhsNumber}`);
  const changes = known.changes ?? (await deps.stores.preferences.changesFor([nhsNumber], uow.manager));
  return { patient, preferences: preferencesAt(changes, at, patient.createdAt) };
}

/** What one transition decides about a locked message and its attempts. */
export type Decide = (draft: DeliveryDraft, reach: PatientReach) => Transition;

/**
 * Decides and writes one transition. Returns the effects it wrote, or null when the
 * transition was stale; `message` and `attempts` are updated in place.
 */
export async function runTransition(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], decide: Decide): Promise<DeliveryEffects | null> {
  const now = deps.clock.now();
  const reach = await reachOf(deps, uow, message.nhsNumber, now);
  const effects = effectsOf(decide(new DeliveryDraft(message, attempts, now), reach));
  if (effects) await writeEffects(deps, uow, message, attempts, effects);
  return effects;
}

/** The effects of an applied transition; null when it was stale; a refusal throws its coded error. */
export function effectsOf(transition: Transition): DeliveryEffects | null {
  if (transition.outcome === 'refused') throw new HubError(transition.code, transition.reason);
  return transition.outcome === 'applied' ? transition.effects : null;
}

/**
 * Writes what a transition decided. Plain UPDATEs of the changed columns (the effects hold
 * every change, updatedAt included); a message not stored yet (`messageIsNew`) is inserted
 * with its effects already applied.
 */
export async function writeEffects(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], effects: DeliveryEffects, options: { messageIsNew?: boolean } = {}): Promise<void> {
  const now = deps.clock.now();
  Object.assign(message, effects.message);
  if (options.messageIsNew) await deps.stores.messages.insert(message, uow.manager);
  else if (Object.keys(effects.message).length > 0) await deps.stores.messages.update(message.id, effects.message, uow.manager);
  for (const [id, fields] of effects.attempts) {
    const attempt = attempts.find((a) => a.id === id);
    if (!attempt) continue;
    Object.assign(attempt, fields);
    await deps.stores.attempts.update(id, fields, uow.manager);
  }
  await deps.stores.attempts.insert(effects.newAttempts, uow.manager);
  attempts.push(...effects.newAttempts);
  if (effects.removeDue.length > 0) await deps.stores.outbox.removeForMessage(message.id, effects.removeDue, uow.manager);
  await deps.stores.outbox.enqueue(effects.addDue.map((due) => ({ ...due, messageId: message.id })), now, uow.manager);
  for (const event of effects.events) {
    if (event.kind === 'DELIVERY') uow.events.delivery(event.type, message, event.at, event.attempt);
    else uow.events.fallback(message, event.fromChannel, event.toChannel, event.reason, event.at);
  }
}
