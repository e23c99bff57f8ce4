import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../src/categories/messagingCategory';
import { bool, datetime, double, int, text, uuidPrimary, varchar } from './columns';

/** Organisations, patients, preference history, categories, messages, attempts and reports. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'organisations',
        columns: [{ ...varchar('ods_code', 12), isPrimary: true }, varchar('name', 200), varchar('type', 32), datetime('created_at'), datetime('updated_at')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'patients',
        columns: [
          { ...varchar('nhs_number', 10), isPrimary: true },
          varchar('given_name', 100),
          varchar('family_name', 100),
          varchar('date_of_birth', 10),
          varchar('mobile_number', 20, true),
          varchar('email', 254, true),
          varchar('postal_address', 500, true),
          bool('nhs_app_user'),
          varchar('gp_practice_ods_code', 12, true),
          datetime('created_at'),
          datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_patients_name', columnNames: ['family_name', 'given_name'] }),
          new TableIndex({ name: 'idx_patients_gp_practice', columnNames: ['gp_practice_ods_code'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_patients_gp_practice', columnNames: ['gp_practice_ods_code'], referencedTableName: 'organisations', referencedColumnNames: ['ods_code'], onDelete: 'SET NULL', onUpdate: 'NO ACTION' }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'channel_preference_changes',
        columns: [uuidPrimary(), varchar('nhs_number', 10), varchar('field', 32), varchar('value', 200), datetime('requested_at'), datetime('effective_at')],
        indices: [new TableIndex({ name: 'idx_preference_changes_patient', columnNames: ['nhs_number', 'field', 'effective_at'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_preference_changes_patient', columnNames: ['nhs_number'], referencedTableName: 'patients', referencedColumnNames: ['nhs_number'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'messaging_categories',
        columns: [
          { ...varchar('category', 32), isPrimary: true },
          varchar('name', 100),
          varchar('description', 1000),
          text('directions'),
          bool('supports_fallback'),
          bool('supports_replies'),
          bool('sends_notifications'),
        ],
      }),
    );
    for (const d of MESSAGING_CATEGORY_DESCRIPTORS) {
      await queryRunner.query(
        'INSERT INTO messaging_categories (category, name, description, directions, supports_fallback, supports_replies, sends_notifications) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [d.category, d.name, d.description, JSON.stringify(d.directions), d.supportsFallback ? 1 : 0, d.supportsReplies ? 1 : 0, d.sendsNotifications ? 1 : 0],
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'messages',
        columns: [
          uuidPrimary(),
          varchar('organisation_ods_code', 12),
          varchar('nhs_number', 10),
          varchar('category', 32),
          varchar('direction', 16),
          varchar('subject', 200, true),
          text('body'),
          varchar('legal_basis', 32, true),
          varchar('purpose', 500, true),
          bool('time_critical', false),
          varchar('idempotency_key', 200, true),
          varchar('request_hash', 64, true),
          varchar('source_reference', 200, true),
          varchar('status', 16),
          datetime('scheduled_for', true),
          varchar('delivered_channel', 16, true),
          bool('fallback_used', false),
          double('reading_grade'),
          int('word_count'),
          int('sms_fragments'),
          text('content_warnings'),
          text('fallback_order', true),
          int('unread_fallback_hours', true),
          bool('nudge_when_unnotified', false),
          bool('notifications_enabled_at_send', undefined, true),
          datetime('created_at'),
          datetime('updated_at'),
          datetime('delivered_at', true),
          datetime('read_at', true),
          datetime('cancelled_at', true),
        ],
        indices: [
          new TableIndex({ name: 'idx_messages_patient_time', columnNames: ['nhs_number', 'created_at', 'id'] }),
          new TableIndex({ name: 'idx_messages_org_time', columnNames: ['organisation_ods_code', 'created_at', 'id'] }),
          new TableIndex({ name: 'idx_messages_status_time', columnNames: ['status', 'created_at'] }),
          new TableIndex({ name: 'idx_messages_time', columnNames: ['created_at', 'id'] }),
          new TableIndex({ name: 'uq_messages_idempotency', columnNames: ['organisation_ods_code', 'idempotency_key'], isUnique: true }),
          new TableIndex({ name: 'uq_messages_source_reference', columnNames: ['organisation_ods_code', 'source_reference'], isUnique: true }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_messages_organisation', columnNames: ['organisation_ods_code'], referencedTableName: 'organisations', referencedColumnNames: ['ods_code'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' }),
          new TableForeignKey({ name: 'fk_messages_patient', columnNames: ['nhs_number'], referencedTableName: 'patients', referencedColumnNames: ['nhs_number'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'delivery_attempts',
        columns: [
          uuidPrimary(),
          varchar('message_id', 36),
          varchar('channel', 16),
          int('sequence'),
          varchar('status', 16),
          varchar('failure_reason', 32, true),
          varchar('provider_reference', 200, true),
          varchar('notification', 16, true),
          int('retry_count', false, 0),
          datetime('created_at'),
          datetime('updated_at'),
          datetime('sent_at', true),
          datetime('delivered_at', true),
          datetime('read_at', true),
          datetime('failed_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_attempts_message_sequence', columnNames: ['message_id', 'sequence'], isUnique: true }),
          new TableIndex({ name: 'idx_attempts_provider_reference', columnNames: ['provider_reference'] }),
          new TableIndex({ name: 'idx_attempts_created', columnNames: ['created_at'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_attempts_message', columnNames: ['message_id'], referencedTableName: 'messages', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'patient_reports',
        columns: [uuidPrimary(), varchar('message_id', 36), varchar('reason', 16), varchar('comment', 1000, true), datetime('created_at')],
        indices: [new TableIndex({ name: 'idx_reports_message', columnNames: ['message_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_reports_message', columnNames: ['message_id'], referencedTableName: 'messages', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['patient_reports', 'delivery_attempts', 'messages', 'messaging_categories', 'channel_preference_changes', 'patients', 'organisations']) {
      await queryRunner.dropTable(table);
    }
  }
}
