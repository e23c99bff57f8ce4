import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { autoIncrementId, datetime, int, text, uuidPrimary, varchar } from './columns';

/** Message templates (and the template a message was made from), status callbacks and their outbox. */
export class TemplatesAndCallbacks1765150000000 implements MigrationInterface {
  name = 'TemplatesAndCallbacks1765150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'message_templates',
        columns: [
          uuidPrimary(),
          varchar('organisation_ods_code', 12),
          varchar('name', 200),
          varchar('category', 32),
          varchar('subject', 200, true),
          text('body'),
          varchar('legal_basis', 32),
          varchar('purpose', 500),
          datetime('archived_at', true),
          datetime('created_at'),
          datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'idx_message_templates_org', columnNames: ['organisation_ods_code', 'created_at', 'id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_message_templates_organisation', columnNames: ['organisation_ods_code'], referencedTableName: 'organisations', referencedColumnNames: ['ods_code'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' }),
        ],
      }),
    );
    await queryRunner.addColumn('messages', new TableColumn(varchar('template_id', 36, true)));
    await queryRunner.createTable(
      new Table({
        name: 'status_callbacks',
        columns: [
          uuidPrimary(),
          varchar('organisation_ods_code', 12),
          varchar('url', 2000),
          text('events'),
          varchar('sealed_secret', 200),
          datetime('created_at'),
          datetime('paused_until', true),
          datetime('disabled_at', true),
          varchar('disabled_reason', 16, true),
        ],
        indices: [new TableIndex({ name: 'idx_status_callbacks_org', columnNames: ['organisation_ods_code', 'disabled_at'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_status_callbacks_organisation', columnNames: ['organisation_ods_code'], referencedTableName: 'organisations', referencedColumnNames: ['ods_code'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'callback_deliveries',
        columns: [
          autoIncrementId(queryRunner),
          varchar('callback_id', 36),
          varchar('organisation_ods_code', 12),
          varchar('event_id', 64),
          varchar('type', 16),
          varchar('message_id', 36),
          varchar('status', 16, true),
          int('sequence'),
          text('body'),
          varchar('state', 16),
          int('tries', false, 0),
          datetime('occurred_at'),
          datetime('due_at'),
          datetime('claimed_until', true),
          varchar('claimed_by', 64, true),
          datetime('finished_at', true),
          varchar('last_error', 200, true),
        ],
        indices: [
          new TableIndex({ name: 'idx_callback_deliveries_due', columnNames: ['state', 'due_at'] }),
          new TableIndex({ name: 'idx_callback_deliveries_message', columnNames: ['message_id', 'callback_id'] }),
          new TableIndex({ name: 'uq_callback_deliveries_event', columnNames: ['callback_id', 'event_id'], isUnique: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('callback_deliveries');
    await queryRunner.dropTable('status_callbacks');
    await queryRunner.dropColumn('messages', 'template_id');
    await queryRunner.dropTable('message_templates');
  }
}
