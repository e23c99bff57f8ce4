/**
 * Collects the events a unit of work causes and stores them in its transaction; the event
 * sequencer numbers and publishes them once that transaction has committed.
 */
import type { EntityManager } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Channel, FailureReason } from '../vocabulary/delivery';
import { DeliveryEventType } from '../vocabulary/events';
import { insertEvents } from './eventStore';

interface MessageRef {
  id: string;
  category: MessagingCategory;
  organisationOdsCode: string;
}

export class EventRecorder {
  private readonly drafts: HubEvent[] = [];

  delivery(type: DeliveryEventType, message: MessageRef, at: Date, attempt?: { id: string; channel: Channel } | null): void {
    this.drafts.push(
      Object.assign(new HubEvent(), {
        kind: 'DELIVERY' as const,
        type,
        messageId: message.id,
        attemptId: attempt?.id ?? null,
        channel: attempt?.channel ?? null,
        fromChannel: null,
        toChannel: null,
        reason: null,
        category: message.category,
        organisationOdsCode: message.organisationOdsCode,
        occurredAt: at,
      }),
    );
  }

  fallback(message: MessageRef, fromChannel: Channel, toChannel: Channel, reason: FailureReason, at: Date): void {
    this.drafts.push(
      Object.assign(new HubEvent(), {
        kind: 'FALLBACK' as const,
        type: null,
        messageId: message.id,
        attemptId: null,
        channel: null,
        fromChannel,
        toChannel,
        reason,
        category: message.category,
        organisationOdsCode: message.organisationOdsCode,
        occurredAt: at,
      }),
    );
  }

  /** Takes over another recorder's events (a batch item's, once the item has succeeded). */
  absorb(other: EventRecorder): void {
    this.drafts.push(...other.drafts.splice(0));
  }

  /** The events collected so far, not yet stored (they get their ids when stored). */
  pending(): readonly HubEvent[] {
    return this.drafts;
  }

  /** Stores the collected events in the caller's transaction and returns them with their row ids. */
  async store(manager: EntityManager): Promise<HubEvent[]> {
    return insertEvents(this.drafts.splice(0), manager);
  }
}
