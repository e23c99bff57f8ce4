/**
 * Turns the hub events a transaction stored into the status callbacks its organisation asked
 * for, written in the same transaction: a change and its callbacks commit or roll back together.
 *
 * - A delivery event is a MESSAGE_STATUS callback when the message's status differs from the
 *   last one reported, and a CHANNEL_STATUS callback when it concerns a delivery attempt.
 * - A fallback event is a FALLBACK callback.
 * Each callback gets the next `sequence` for its message, so a receiver can reorder them.
 */
import type { EntityManager } from 'typeorm';
import { CallbackDelivery } from '../../entities/CallbackDelivery';
import type { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { HubEvent } from '../../entities/HubEvent';
import type { Message } from '../../entities/Message';
import type { StatusCallback } from '../../entities/StatusCallback';
import { CallbackDeliveryState, StatusCallbackEvent } from '../vocabulary/callbacks';
import { callbackOutbox } from './callbackStore';

interface CallbackBody {
  eventId: string;
  type: StatusCallbackEvent;
  messageId: string;
  organisationOdsCode: string;
  nhsNumber: string;
  occurredAt: string;
  sequence: number;
  [field: string]: unknown;
}

interface Facts {
  type: StatusCallbackEvent;
  [field: string]: unknown;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function factsOf(event: HubEvent, messageStatus: string, failureReason: string | null): Facts[] {
  if (event.kind === 'FALLBACK') {
    return [{ type: StatusCallbackEvent.FALLBACK, fromChannel: event.fromChannel, toChannel: event.toChannel, reason: event.reason }];
  }
  const facts: Facts[] = [{ type: StatusCallbackEvent.MESSAGE_STATUS, status: messageStatus }];
  if (event.attemptId) {
    facts.push({ type: StatusCallbackEvent.CHANNEL_STATUS, status: event.type, attemptId: event.attemptId, channel: event.channel, failureReason });
  }
  return facts;
}

/**
 * What a transaction's events need for their status callbacks, read before the events are
 * stored (and before the event order is taken): the organisations' active callbacks and the
 * messages and attempts the events concern. Returns what writes the callbacks once the events
 * have their ids, or null when no organisation asked for any.
 */
export async function prepareStatusCallbacks(manager: EntityManager, events: HubEvent[]): Promise<((stored: HubEvent[]) => Promise<void>) | null> {
  if (events.length === 0) return null;
  const callbacks = await callbackOutbox.activeFor(unique(events.map((e) => e.organisationOdsCode)), manager);
  if (callbacks.length === 0) return null;
  const relevant = events.filter((e) => callbacks.some((c) => c.organisationOdsCode === e.organisationOdsCode));
  const messageIds = unique(relevant.map((e) => e.messageId));
  const [messages, attempts] = [
    await callbackOutbox.messages(messageIds, manager),
    await callbackOutbox.attempts(unique(relevant.flatMap((e) => (e.attemptId ? [e.attemptId] : []))), manager),
  ];
  return async (stored) => {
    const wanted = new Set(relevant);
    const storedRelevant = stored.filter((e) => wanted.has(e));
    // Read under the event order, with the callbacks written after it, so sequences never repeat.
    const earlier = await callbackOutbox.earlier(callbacks.map((c) => c.id), messageIds, manager);
    await callbackOutbox.insert(callbackRows(storedRelevant, callbacks, messages, attempts, earlier), manager);
  };
}

function callbackRows(
  relevant: HubEvent[],
  callbacks: StatusCallback[],
  messages: Array<Pick<Message, 'id' | 'nhsNumber' | 'status'>>,
  attempts: Array<Pick<DeliveryAttempt, 'id' | 'failureReason'>>,
  earlier: Array<Pick<CallbackDelivery, 'callbackId' | 'messageId' | 'type' | 'status' | 'sequence'>>,
): CallbackDelivery[] {
  const messageById = new Map(messages.map((m) => [m.id, m]));
  const failureByAttempt = new Map(attempts.map((a) => [a.id, a.failureReason]));
  const lastSequence = new Map<string, number>();
  const lastStatus = new Map<string, string | null>();
  for (const row of earlier) {
    const key = `${row.callbackId}/${row.messageId}`;
    lastSequence.set(key, Math.max(lastSequence.get(key) ?? 0, row.sequence));
    if (row.type === StatusCallbackEvent.MESSAGE_STATUS) lastStatus.set(key, row.status);
  }

  const rows: CallbackDelivery[] = [];
  for (const event of relevant) {
    const message = messageById.get(event.messageId);
    if (!message) continue;
    const facts = factsOf(event, message.status, event.attemptId ? (failureByAttempt.get(event.attemptId) ?? null) : null);
    for (const callback of callbacks.filter((c) => c.organisationOdsCode === event.organisationOdsCode)) {
      const key = `${callback.id}/${message.id}`;
      for (const fact of facts) {
        if (!callback.events.includes(fact.type)) continue;
        const status = typeof fact.status === 'string' ? fact.status : null;
        if (fact.type === StatusCallbackEvent.MESSAGE_STATUS) {
          if (lastStatus.get(key) === status) continue;
          lastStatus.set(key, status);
        }
        const sequence = (lastSequence.get(key) ?? 0) + 1;
        lastSequence.set(key, sequence);
        const eventId = `${event.id}-${fact.type}`;
        const body: CallbackBody = {
          eventId,
          messageId: message.id,
          organisationOdsCode: event.organisationOdsCode,
          nhsNumber: message.nhsNumber,
          occurredAt: event.occurredAt.toISOString(),
          sequence,
          ...fact,
        };
        rows.push(
          Object.assign(new CallbackDelivery(), {
            callbackId: callback.id,
            organisationOdsCode: event.organisationOdsCode,
            eventId,
            type: fact.type,
            messageId: message.id,
            status,
            sequence,
            body: JSON.stringify(body),
            state: CallbackDeliveryState.PENDING,
            tries: 0,
            occurredAt: event.occurredAt,
            dueAt: event.occurredAt,
            claimedUntil: null,
            claimedBy: null,
            finishedAt: null,
            lastError: null,
          }),
        );
      }
    }
  }
  return rows;
}
