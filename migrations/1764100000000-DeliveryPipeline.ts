import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { autoIncrementId, datetime, varchar } from './columns';

/** The outbox of due work (dispatch, retries, timers) and the stored delivery/fallback events. */
export class DeliveryPipeline1764100000000 implements MigrationInterface {
  name = 'DeliveryPipeline1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outbox',
        columns: [
          autoIncrementId(queryRunner),
          varchar('kind', 32),
          varchar('message_id', 36),
          varchar('attempt_id', 36, true),
          varchar('payload', 500, true),
          datetime('due_at'),
          datetime('claimed_until', true),
          varchar('claimed_by', 64, true),
          datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_outbox_due', columnNames: ['due_at'] }),
          new TableIndex({ name: 'idx_outbox_message', columnNames: ['message_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'hub_events',
        columns: [
          autoIncrementId(queryRunner),
          varchar('kind', 16),
          varchar('type', 16, true),
          varchar('message_id', 36),
          varchar('attempt_id', 36, true),
          varchar('channel', 16, true),
          varchar('from_channel', 16, true),
          varchar('to_channel', 16, true),
          varchar('reason', 32, true),
          varchar('category', 32),
          varchar('organisation_ods_code', 12),
          datetime('occurred_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_hub_events_message', columnNames: ['message_id'] }),
          new TableIndex({ name: 'idx_hub_events_org', columnNames: ['organisation_ods_code', 'id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('hub_events');
    await queryRunner.dropTable('outbox');
  }
}
