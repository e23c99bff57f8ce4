/**
 * The transitions of one message's delivery, always run inside a unit of work that holds
 * the message row lock: queue an attempt, fall back to the next channel, and end the
 * cascade once a channel has delivered. Each change records its attempt rows, outbox
 * due times and events in the same transaction.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Message } from '../../entities/Message';
import { OutboxKind } from '../../entities/OutboxItem';
import type { Patient } from '../../entities/Patient';
import type { UnitOfWork } from '../db/unitOfWork';
import { DeliveryEventType } from '../vocabulary/events';
import { MessageStatus } from '../vocabulary/messages';
import type { MessageStore } from '../messages/messageStore';
import type { PatientStore } from '../patients/patientStore';
import type { PreferenceStore } from '../preferences/preferenceStore';
import { type ChannelPreferencesView, preferencesAt } from '../preferences/preferencesInForce';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { newId } from '../shared/ids';
import { UNRESTRICTED } from '../shared/scope';
import { planAfter } from './cascadePlanner';
import type { DeliveryAttemptStore } from './deliveryAttemptStore';
import { Channel, DeliveryStatus, FailureReason } from '../vocabulary/delivery';
import type { OutboxStore } from './outboxStore';
import type { SkippedChannel } from './rules/deliveryCascade';
import { nextAllowedSendTime } from './rules/quietHours';

export interface DeliveryDeps {
  clock: Clock;
  quietHours: boolean;
  unreadFallbackHours: number;
  stores: { messages: MessageStore; attempts: DeliveryAttemptStore; outbox: OutboxStore; patients: PatientStore; preferences: PreferenceStore };
}

const MESSAGE_RANK: Partial<Record<MessageStatus, number>> = {
  [MessageStatus.QUEUED]: 0,
  [MessageStatus.SENDING]: 1,
  [MessageStatus.DELIVERED]: 2,
  [MessageStatus.READ]: 3,
};

export function isFinished(message: Message): boolean {
  return message.status === MessageStatus.CANCELLED || message.status === MessageStatus.FAILED;
}

export function hasBeenDelivered(message: Message): boolean {
  return message.status === MessageStatus.DELIVERED || message.status === MessageStatus.READ;
}

/** Moves a message's status forward only; FAILED and CANCELLED are final. */
export function advanceMessage(message: Message, status: MessageStatus): boolean {
  if (isFinished(message)) return false;
  const from = MESSAGE_RANK[message.status] ?? 0;
  const to = MESSAGE_RANK[status] ?? 0;
  if (to <= from) return false;
  message.status = status;
  return true;
}

export function newAttempt(message: Message, channel: Channel, sequence: number, now: Date, fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return Object.assign(new DeliveryAttempt(), {
    id: newId(),
    messageId: message.id,
    channel,
    sequence,
    status: DeliveryStatus.PENDING,
    failureReason: null,
    providerReference: null,
    notification: null,
    retryCount: 0,
    createdAt: now,
    updatedAt: now,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    failedAt: null,
    ...fields,
  });
}

export async function patientAndPreferences(deps: DeliveryDeps, uow: UnitOfWork, nhsNumber: string, at: Date): Promise<{ patient: Patient; preferences: ChannelPreferencesView }> {
  const patient = await deps.stores.patients.findByNhsNumber(nhsNumber, UNRESTRICTED, uow.manager);
  if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${nhsNumber}`);
  const changes = await deps.stores.preferences.changesFor([nhsNumber], uow.manager);
  return { patient, preferences: preferencesAt(changes, at, patient.createdAt) };
}

export function skippedAttempts(message: Message, skipped: SkippedChannel[], firstSequence: number, now: Date): DeliveryAttempt[] {
  return skipped.map((s, i) => newAttempt(message, s.channel, firstSequence + i, now, { status: DeliveryStatus.SKIPPED, failureReason: s.reason }));
}

/** A new PENDING attempt and its DISPATCH due time; quiet hours hold non-urgent sends back. */
export async function queueAttempt(deps: DeliveryDeps, uow: UnitOfWork, message: Message, channel: Channel, sequence: number, now: Date): Promise<DeliveryAttempt> {
  const attempt = newAttempt(message, channel, sequence, now);
  const dueAt = deps.quietHours ? nextAllowedSendTime(channel, now, message.timeCritical) : now;
  message.scheduledFor = dueAt.getTime() > now.getTime() ? dueAt : null;
  await deps.stores.attempts.insert([attempt], uow.manager);
  await deps.stores.outbox.enqueue([{ kind: OutboxKind.DISPATCH, messageId: message.id, attemptId: attempt.id, dueAt }], now, uow.manager);
  return attempt;
}

/**
 * Moves on from `fromChannel` to the next channel the patient can be reached on, recording
 * skipped channels; with none left an undelivered message has FAILED.
 */
export async function continueCascade(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], fromChannel: Channel, reason: FailureReason, now: Date): Promise<DeliveryAttempt | null> {
  const { patient, preferences } = await patientAndPreferences(deps, uow, message.nhsNumber, now);
  const step = planAfter(fromChannel, message, patient, preferences);
  let sequence = Math.max(0, ...attempts.map((a) => a.sequence)) + 1;
  const skipped = skippedAttempts(message, step.skipped, sequence, now);
  await deps.stores.attempts.insert(skipped, uow.manager);
  sequence += skipped.length;

  if (step.next) {
    const attempt = await queueAttempt(deps, uow, message, step.next, sequence, now);
    message.fallbackUsed = true;
    uow.events.fallback(message, fromChannel, step.next, reason, now);
    return attempt;
  }
  if (!hasBeenDelivered(message) && !isFinished(message)) {
    message.status = MessageStatus.FAILED;
    message.scheduledFor = null;
    const last = attempts.filter((a) => a.status !== DeliveryStatus.SKIPPED).at(-1) ?? attempts.at(-1) ?? null;
    uow.events.delivery(DeliveryEventType.FAILED, message, now, last);
  }
  return null;
}

/**
 * A delivery on any channel ends the cascade: later attempts still waiting are skipped and
 * their due work removed. An NHS App delivery keeps its unread timer.
 */
export async function endCascade(deps: DeliveryDeps, uow: UnitOfWork, message: Message, attempts: DeliveryAttempt[], deliveredBy: DeliveryAttempt | null, read: boolean, now: Date): Promise<void> {
  const pending = attempts.filter((a) => a.id !== deliveredBy?.id && a.status === DeliveryStatus.PENDING);
  for (const attempt of pending) {
    Object.assign(attempt, { status: DeliveryStatus.SKIPPED, updatedAt: now });
    await deps.stores.attempts.save(attempt, uow.manager);
  }
  const kinds = read || deliveredBy?.channel !== Channel.NHS_APP ? [OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT] : [OutboxKind.DISPATCH];
  await deps.stores.outbox.removeForMessage(message.id, kinds, uow.manager);
  message.scheduledFor = null;
}

export function unreadTimeoutHours(message: Message, defaultHours: number): number {
  return message.unreadFallbackHours ?? defaultHours;
}
