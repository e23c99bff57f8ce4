import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { RollupCounters } from './rollupCounters';

/**
 * Delivery counts for the messages one organisation created in one hour, by category and
 * by the channel that delivered them ('' when none has). Rebuilt from the messages table
 * whenever those messages change, so deliveryMetrics reads a few thousand rows instead of
 * millions. h00…h19 count delivery times in the buckets of deliveryTimeHistogram.ts.
 */
@Entity({ name: 'delivery_rollups' })
@Index('idx_rollups_hour', ['hourStart', 'organisationOdsCode'])
@Index('idx_rollups_day', ['londonDay', 'organisationOdsCode'])
export class DeliveryRollup extends RollupCounters {
  @PrimaryColumn({ name: 'hour_start', type: 'datetime', precision: 3 })
  hourStart: Date;

  @PrimaryColumn({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  category: string;

  @PrimaryColumn({ name: 'delivered_channel', type: 'varchar', length: 16 })
  deliveredChannel: string;

  /** The Europe/London calendar day the hour falls in (YYYY-MM-DD). */
  @Column({ name: 'london_day', type: 'varchar', length: 10 })
  londonDay: string;
}
