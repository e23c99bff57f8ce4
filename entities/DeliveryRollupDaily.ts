import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The hourly delivery rollups summed over Europe/London calendar days: one row per day,
 * organisation, category and delivering channel ('' when none has). RollupStore rewrites an
 * organisation's days whenever it rebuilds their hours, so deliveryMetrics can answer whole
 * days from about a twentieth of the rows. Same counters as DeliveryRollup.
 */
@Entity({ name: 'delivery_rollups_daily' })
@Index('idx_rollups_daily_org', ['organisationOdsCode', 'londonDay'])
export class DeliveryRollupDaily {
  /** YYYY-MM-DD, as DeliveryRollup.londonDay. */
  @PrimaryColumn({ name: 'london_day', type: 'varchar', length: 10 })
  londonDay: string;

  @PrimaryColumn({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  category: string;

  @PrimaryColumn({ name: 'delivered_channel', type: 'varchar', length: 16 })
  deliveredChannel: string;

  @Column({ type: 'int', default: 0 })
  messages: number;

  @Column({ type: 'int', default: 0 })
  delivered: number;

  @Column({ name: 'read_count', type: 'int', default: 0 })
  readCount: number;

  @Column({ type: 'int', default: 0 })
  failed: number;

  @Column({ type: 'int', default: 0 })
  fallbacks: number;

  @Column({ name: 'sms_fragments_avoided', type: 'int', default: 0 })
  smsFragmentsAvoided: number;

  @Column({ name: 'sms_fragments_sent', type: 'int', default: 0 })
  smsFragmentsSent: number;

  @Column({ name: 'patient_reports', type: 'int', default: 0 })
  patientReports: number;

  @Column({ name: 'h00', type: 'int', default: 0 })
  h00: number;

  @Column({ name: 'h01', type: 'int', default: 0 })
  h01: number;

  @Column({ name: 'h02', type: 'int', default: 0 })
  h02: number;

  @Column({ name: 'h03', type: 'int', default: 0 })
  h03: number;

  @Column({ name: 'h04', type: 'int', default: 0 })
  h04: number;

  @Column({ name: 'h05', type: 'int', default: 0 })
  h05: number;

  @Column({ name: 'h06', type: 'int', default: 0 })
  h06: number;

  @Column({ name: 'h07', type: 'int', default: 0 })
  h07: number;

  @Column({ name: 'h08', type: 'int', default: 0 })
  h08: number;

  @Column({ name: 'h09', type: 'int', default: 0 })
  h09: number;

  @Column({ name: 'h10', type: 'int', default: 0 })
  h10: number;

  @Column({ name: 'h11', type: 'int', default: 0 })
  h11: number;

  @Column({ name: 'h12', type: 'int', default: 0 })
  h12: number;

  @Column({ name: 'h13', type: 'int', default: 0 })
  h13: number;

  @Column({ name: 'h14', type: 'int', default: 0 })
  h14: number;

  @Column({ name: 'h15', type: 'int', default: 0 })
  h15: number;

  @Column({ name: 'h16', type: 'int', default: 0 })
  h16: number;

  @Column({ name: 'h17', type: 'int', default: 0 })
  h17: number;

  @Column({ name: 'h18', type: 'int', default: 0 })
  h18: number;

  @Column({ name: 'h19', type: 'int', default: 0 })
  h19: number;
}
