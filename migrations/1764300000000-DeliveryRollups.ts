import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { datetime, int, varchar } from './columns';

/** Hourly delivery rollups for deliveryMetrics, the refresher's state, and an index to find changed messages. */
export class DeliveryRollups1764300000000 implements MigrationInterface {
  name = 'DeliveryRollups1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'delivery_rollups',
        columns: [
          { ...datetime('hour_start'), isPrimary: true },
          { ...varchar('organisation_ods_code', 12), isPrimary: true },
          { ...varchar('category', 32), isPrimary: true },
          { ...varchar('delivered_channel', 16), isPrimary: true },
          varchar('london_day', 10),
          int('messages', false, 0),
          int('delivered', false, 0),
          int('read_count', false, 0),
          int('failed', false, 0),
          int('fallbacks', false, 0),
          int('sms_fragments_avoided', false, 0),
          int('sms_fragments_sent', false, 0),
          int('patient_reports', false, 0),
          int('h00', false, 0),
          int('h01', false, 0),
          int('h02', false, 0),
          int('h03', false, 0),
          int('h04', false, 0),
          int('h05', false, 0),
          int('h06', false, 0),
          int('h07', false, 0),
          int('h08', false, 0),
          int('h09', false, 0),
          int('h10', false, 0),
          int('h11', false, 0),
          int('h12', false, 0),
          int('h13', false, 0),
          int('h14', false, 0),
          int('h15', false, 0),
          int('h16', false, 0),
          int('h17', false, 0),
          int('h18', false, 0),
          int('h19', false, 0),
        ],
        indices: [
          new TableIndex({ name: 'idx_rollups_hour', columnNames: ['hour_start', 'organisation_ods_code'] }),
          new TableIndex({ name: 'idx_rollups_day', columnNames: ['london_day', 'organisation_ods_code'] }),
        ],
      }),
    );
    await queryRunner.createTable(new Table({ name: 'hub_state', columns: [{ ...varchar('name', 64), isPrimary: true }, varchar('value', 200)] }));
    await queryRunner.createIndex('messages', new TableIndex({ name: 'idx_messages_updated', columnNames: ['updated_at'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('messages', 'idx_messages_updated');
    await queryRunner.dropTable('hub_state');
    await queryRunner.dropTable('delivery_rollups');
  }
}
