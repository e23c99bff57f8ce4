import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum OutboxKind {
  /** Send an attempt through its channel's provider (first try, retry or quiet-hours release). */
  DISPATCH = 'DISPATCH',
  /** Fall back when an NHS App message is still unread. */
  UNREAD_TIMEOUT = 'UNREAD_TIMEOUT',
  /** A receipt the simulated supplier promised to send. */
  SIMULATED_RECEIPT = 'SIMULATED_RECEIPT',
  /** The message's expiresAt: whatever is still outstanding is stopped. */
  EXPIRY = 'EXPIRY',
  /** Fall back when the NHS App has not reported NOTIFIED within routing.notifiedWithinMinutes. */
  NOTIFIED_TIMEOUT = 'NOTIFIED_TIMEOUT',
}

/**
 * Work the dispatcher must do at or after `dueAt`. Every timer in the hub is a row here, so a
 * restart resumes them. A dispatcher leases a row by setting `claimedUntil`; the row is
 * deleted once its work has committed.
 */
@Entity({ name: 'outbox' })
@Index('idx_outbox_due', ['dueAt'])
@Index('idx_outbox_message', ['messageId'])
export class OutboxItem {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  kind: OutboxKind;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  @Column({ name: 'attempt_id', type: 'varchar', length: 36, nullable: true })
  attemptId: string | null;

  /** Kind-specific data, e.g. the receipt a SIMULATED_RECEIPT will record. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  payload: string | null;

  @Column({ name: 'due_at', type: 'datetime', precision: 3 })
  dueAt: Date;

  @Column({ name: 'claimed_until', type: 'datetime', precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 64, nullable: true })
  claimedBy: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
