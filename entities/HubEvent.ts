import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { MessagingCategory } from '../src/vocabulary/messagingCategory';
import type { Channel, FailureReason } from '../src/vocabulary/delivery';

export type HubEventKind = 'DELIVERY' | 'FALLBACK';

/**
 * A delivery or fallback event, stored in the transaction that caused it. After that
 * transaction commits the event sequencer gives it its `sequence`, the public event id, in
 * the order events become visible, and publishes it; a client catches up after a reconnect by
 * reading the sequence after the last one it saw. Events carry no personal data.
 */
@Entity({ name: 'hub_events' })
@Index('idx_hub_events_message', ['messageId'])
@Index('idx_hub_events_org_sequence', ['organisationOdsCode', 'sequence'])
@Index('idx_hub_events_sequence', ['sequence'], { unique: true })
export class HubEvent {
  /** The row's key, given when the event is stored (status callbacks name the event by it). */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** The public event id: null until the sequencer numbers the committed event. Read as a string on both databases. */
  @Column({ type: 'bigint', nullable: true, transformer: { from: (value: unknown) => (value == null ? null : String(value)), to: (value: unknown) => value } })
  sequence: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind: HubEventKind;

  /** DeliveryEventType for DELIVERY events; null for FALLBACK. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  type: string | null;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  @Column({ name: 'attempt_id', type: 'varchar', length: 36, nullable: true })
  attemptId: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  channel: Channel | null;

  @Column({ name: 'from_channel', type: 'varchar', length: 16, nullable: true })
  fromChannel: Channel | null;

  @Column({ name: 'to_channel', type: 'varchar', length: 16, nullable: true })
  toChannel: Channel | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  reason: FailureReason | null;

  @Column({ type: 'varchar', length: 32 })
  category: MessagingCategory;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;
}
