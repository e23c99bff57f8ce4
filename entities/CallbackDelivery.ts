import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { CallbackDeliveryState, StatusCallbackEvent } from '../src/vocabulary/callbacks';

/**
 * One status callback to send: written in the transaction of the change it reports, then
 * POSTed by the callback dispatcher, retried until `giveUpAt`. The body is fixed when the
 * row is written, so every retry sends the same bytes.
 */
@Entity({ name: 'callback_deliveries' })
@Index('idx_callback_deliveries_due', ['state', 'dueAt'])
@Index('idx_callback_deliveries_message', ['messageId', 'callbackId'])
@Index('uq_callback_deliveries_event', ['callbackId', 'eventId'], { unique: true })
export class CallbackDelivery {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'callback_id', type: 'varchar', length: 36 })
  callbackId: string;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  /** The id the receiver sees (Idempotency-Key): the hub event's id and the callback type. */
  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId: string;

  @Column({ type: 'varchar', length: 16 })
  type: StatusCallbackEvent;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  /** The message's status for MESSAGE_STATUS, the attempt's for CHANNEL_STATUS. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  status: string | null;

  @Column({ type: 'integer' })
  sequence: number;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 16 })
  state: CallbackDeliveryState;

  @Column({ type: 'integer', default: 0 })
  tries: number;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'due_at', type: 'datetime', precision: 3 })
  dueAt: Date;

  @Column({ name: 'claimed_until', type: 'datetime', precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy: string | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  /** The last answer that was not a success (status code or network error), for operators. */
  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError: string | null;
}
