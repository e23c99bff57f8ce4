/**
 * The changes one delivery transition makes, worked out in memory: the transition edits
 * copies of the message and its attempts through this draft, which records every change
 * as an effect for the use case to write. Nothing here touches the database.
 */
import { DeliveryAttempt } from '../../../entities/DeliveryAttempt';
import { Message } from '../../../entities/Message';
import type { OutboxKind } from '../../../entities/OutboxItem';
import type { ErrorCode } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { type Channel, DeliveryStatus, type FailureReason } from '../../vocabulary/delivery';
import type { DeliveryEventType } from '../../vocabulary/events';

export interface DueWork {
  kind: OutboxKind;
  attemptId: string | null;
  dueAt: Date;
  payload?: string | null;
}

export type EventDraft =
  | { kind: 'DELIVERY'; type: DeliveryEventType; at: Date; attempt: { id: string; channel: Channel } | null }
  | { kind: 'FALLBACK'; fromChannel: Channel; toChannel: Channel; reason: FailureReason; at: Date };

export interface DeliveryEffects {
  /** Fields to set on the message. */
  message: Partial<Message>;
  /** Fields to set on existing attempts, by id. */
  attempts: Map<string, Partial<DeliveryAttempt>>;
  newAttempts: DeliveryAttempt[];
  addDue: DueWork[];
  /** Kinds of the message's due work to remove (before `addDue` is added). */
  removeDue: OutboxKind[];
  events: EventDraft[];
  /** The outbox item being handled is tried again at this time instead of being completed. */
  retryAt: Date | null;
}

/** The answer of a transition: applied with its effects, ignored as stale, or refused with an error code. */
export type Transition = { outcome: 'applied'; effects: DeliveryEffects } | { outcome: 'stale' } | { outcome: 'refused'; code: ErrorCode; reason: string };

export const STALE: Transition = { outcome: 'stale' };

export function refused(code: ErrorCode, reason: string): Transition {
  return { outcome: 'refused', code, reason };
}

/**
 * A message's updated_at for a change made at `now`: always later than the one it replaces,
 * even within one millisecond (or on a clock that went back), so every change to a message is
 * seen as a change by whoever compares stamps (the rollup refresher skips a message whose
 * updated_at is the one it already counted).
 */
export function laterStamp(previous: Date | null | undefined, now: Date): Date {
  const before = previous instanceof Date ? previous.getTime() : Number.NaN;
  return Number.isNaN(before) || before < now.getTime() ? now : new Date(before + 1);
}

export class DeliveryDraft {
  readonly message: Message;
  readonly attempts: DeliveryAttempt[];
  readonly effects: DeliveryEffects = { message: {}, attempts: new Map(), newAttempts: [], addDue: [], removeDue: [], events: [], retryAt: null };
  /** The message's new updated_at: `now`, or later than the one it has (see laterStamp). */
  private readonly messageStamp: Date;

  constructor(
    message: Message,
    attempts: readonly DeliveryAttempt[],
    readonly now: Date,
  ) {
    this.message = Object.assign(new Message(), message);
    this.messageStamp = laterStamp(message.updatedAt, now);
    this.attempts = attempts.map((a) => Object.assign(new DeliveryAttempt(), a)).sort((a, b) => a.sequence - b.sequence);
  }

  applied(): Transition {
    return { outcome: 'applied', effects: this.effects };
  }

  attempt(id: string | null | undefined): DeliveryAttempt | undefined {
    return this.attempts.find((a) => a.id === id);
  }

  setMessage(fields: Partial<Message>): void {
    Object.assign(this.message, fields, { updatedAt: this.messageStamp });
    Object.assign(this.effects.message, fields, { updatedAt: this.messageStamp });
  }

  setAttempt(attempt: DeliveryAttempt, fields: Partial<DeliveryAttempt>): void {
    Object.assign(attempt, fields, { updatedAt: this.now });
    const added = this.effects.newAttempts.find((a) => a.id === attempt.id);
    if (added) Object.assign(added, fields, { updatedAt: this.now });
    else this.effects.attempts.set(attempt.id, { ...this.effects.attempts.get(attempt.id), ...fields, updatedAt: this.now });
    this.touchMessage();
  }

  /** A new attempt with the next sequence number. */
  addAttempt(channel: Channel, status: DeliveryStatus, failureReason: FailureReason | null = null): DeliveryAttempt {
    const attempt = Object.assign(new DeliveryAttempt(), {
      id: newId(),
      messageId: this.message.id,
      channel,
      sequence: Math.max(0, ...this.attempts.map((a) => a.sequence)) + 1,
      status,
      failureReason,
      providerReference: null,
      provider: null,
      notification: null,
      retryCount: 0,
      createdAt: this.now,
      updatedAt: this.now,
      sentAt: null,
      deliveredAt: null,
      readAt: null,
      failedAt: null,
    });
    this.attempts.push(attempt);
    this.effects.newAttempts.push(attempt);
    this.touchMessage();
    return attempt;
  }

  /** Every attempt still waiting to be sent (but `except`) is skipped, with `reason` when one is given. */
  skipPending(except: DeliveryAttempt | null = null, reason: FailureReason | null = null): void {
    for (const attempt of this.attempts.filter((a) => a !== except && a.status === DeliveryStatus.PENDING)) {
      this.setAttempt(attempt, { status: DeliveryStatus.SKIPPED, ...(reason ? { failureReason: reason } : {}) });
    }
  }

  addDue(work: DueWork): void {
    this.effects.addDue.push(work);
  }

  removeDue(kinds: OutboxKind[]): void {
    for (const kind of kinds) if (!this.effects.removeDue.includes(kind)) this.effects.removeDue.push(kind);
  }

  retryAt(at: Date): void {
    this.effects.retryAt = at;
  }

  deliveryEvent(type: DeliveryEventType, at: Date, attempt: DeliveryAttempt | null = null): void {
    this.effects.events.push({ kind: 'DELIVERY', type, at, attempt: attempt ? { id: attempt.id, channel: attempt.channel } : null });
  }

  fallbackEvent(fromChannel: Channel, toChannel: Channel, reason: FailureReason, at: Date): void {
    this.effects.events.push({ kind: 'FALLBACK', fromChannel, toChannel, reason, at });
  }

  private touchMessage(): void {
    this.message.updatedAt = this.messageStamp;
    this.effects.message.updatedAt = this.messageStamp;
  }
}
