import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { datetime, int, varchar } from './columns';

/**
 * What each hub-sent message last added to the delivery rollups, so a refresh applies
 * per-message differences instead of rebuilding whole organisation-hours. The table starts
 * empty; without 'rollups.contributions' in hub_state the next refresh rebuilds every rollup
 * and writes every message's contribution with it (RollupStore, CONTRIBUTIONS_IN_STEP).
 */
export class DeliveryContributions1765300000000 implements MigrationInterface {
  name = 'DeliveryContributions1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'delivery_contributions',
        columns: [
          { ...varchar('message_id', 36), isPrimary: true },
          datetime('hour_start'),
          varchar('organisation_ods_code', 12),
          varchar('category', 32),
          varchar('delivered_channel', 16),
          int('delivery_bucket', true),
          int('read_count'),
          int('failed'),
          int('fallbacks'),
          int('sms_fragments_avoided'),
          int('sms_fragments_sent'),
          int('patient_reports'),
          datetime('message_updated_at'),
        ],
        indices: [new TableIndex({ name: 'idx_contributions_hour', columnNames: ['hour_start'] })],
      }),
    );
    await queryRunner.query("DELETE FROM hub_state WHERE name = 'rollups.contributions'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DELETE FROM hub_state WHERE name = 'rollups.contributions'");
    await queryRunner.dropTable('delivery_contributions');
  }
}
