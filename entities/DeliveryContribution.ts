import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What one hub-sent message last added to the delivery rollups: the hourly row it was counted
 * in (its keys) and what it counted there. A refresh compares each changed message's new
 * contribution with this one and applies only the difference to the hourly and daily rows, so
 * it never re-reads the other messages of an hour. Written with the rollups it describes, in
 * the same transaction (src/analytics/rollupStore.ts).
 */
@Entity({ name: 'delivery_contributions' })
@Index('idx_contributions_hour', ['hourStart'])
export class DeliveryContribution {
  @PrimaryColumn({ name: 'message_id', type: 'varchar', length: 36 })
  messageId: string;

  /** The UTC hour the message was created in. */
  @Column({ name: 'hour_start', type: 'datetime', precision: 3 })
  hourStart: Date;

  @Column({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @Column({ type: 'varchar', length: 32 })
  category: string;

  /** The channel that delivered it, '' when none has (as in DeliveryRollup). */
  @Column({ name: 'delivered_channel', type: 'varchar', length: 16 })
  deliveredChannel: string;

  /** Its delivery-time histogram bucket (deliveryTimeHistogram.ts), null while not delivered. */
  @Column({ name: 'delivery_bucket', type: 'int', nullable: true })
  deliveryBucket: number | null;

  /** 1 when read, else 0. */
  @Column({ name: 'read_count', type: 'int' })
  readCount: number;

  /** 1 when FAILED, else 0. */
  @Column({ type: 'int' })
  failed: number;

  /** 1 when it used a fallback, else 0. */
  @Column({ type: 'int' })
  fallbacks: number;

  @Column({ name: 'sms_fragments_avoided', type: 'int' })
  smsFragmentsAvoided: number;

  @Column({ name: 'sms_fragments_sent', type: 'int' })
  smsFragmentsSent: number;

  @Column({ name: 'patient_reports', type: 'int' })
  patientReports: number;

  /** The message's updated_at when this was computed: a refresh skips a message that has not changed since. */
  @Column({ name: 'message_updated_at', type: 'datetime', precision: 3 })
  messageUpdatedAt: Date;
}
