/**
 * Collects the events a unit of work causes, stores them in its transaction, and hands
 * the stored rows (with their ids) to the bus only after the transaction commits.
 */
import type { EntityManager } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Channel, FailureReason } from '../vocabulary/delivery';
import { DeliveryEventType } from '../vocabulary/events';

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

  /**
   * Inserts one at a time so each row gets its increasing id back on every database. On
   * MySQL the transaction first takes one shared row lock, held until it commits, so event
   * ids are handed out in commit order: a subscriber resuming `after` an id can never miss
   * a lower id that committed later.
   */
  async store(manager: EntityManager): Promise<HubEvent[]> {
    const stored: HubEvent[] = [];
    if (this.drafts.length === 0) return stored;
    if (manager.connection.driver.options.type !== 'better-sqlite3') {
      await manager.query("INSERT INTO hub_state (name, value) VALUES ('events.order', '') ON DUPLICATE KEY UPDATE value = value");
    }
    for (const draft of this.drafts.splice(0)) {
      await manager.getRepository(HubEvent).insert(draft);
      stored.push(draft);
    }
    return stored;
  }
}
