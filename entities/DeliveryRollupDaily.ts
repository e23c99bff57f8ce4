import { Entity, Index, PrimaryColumn } from 'typeorm';
import { RollupCounters } from './rollupCounters';

/**
 * The hourly delivery rollups summed over Europe/London calendar days: one row per day,
 * organisation, category and delivering channel ('' when none has). RollupStore rewrites an
 * organisation's days whenever it rebuilds their hours, so deliveryMetrics can answer whole
 * days from about a twentieth of the rows. Same counters as DeliveryRollup.
 */
@Entity({ name: 'delivery_rollups_daily' })
@Index('idx_rollups_daily_org', ['organisationOdsCode', 'londonDay'])
export class DeliveryRollupDaily extends RollupCounters {
  /** YYYY-MM-DD, as DeliveryRollup.londonDay. */
  @PrimaryColumn({ name: 'london_day', type: 'varchar', length: 10 })
  londonDay: string;

  @PrimaryColumn({ name: 'organisation_ods_code', type: 'varchar', length: 12 })
  organisationOdsCode: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  category: string;

  @PrimaryColumn({ name: 'delivered_channel', type: 'varchar', length: 16 })
  deliveredChannel: string;
}
