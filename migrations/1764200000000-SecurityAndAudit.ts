import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { autoIncrementId, datetime, text, uuidPrimary, varchar } from './columns';

/** API keys (hashes only) and the append-only audit log. */
export class SecurityAndAudit1764200000000 implements MigrationInterface {
  name = 'SecurityAndAudit1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          uuidPrimary(),
          varchar('name', 100),
          varchar('role', 16),
          varchar('organisation_ods_code', 12, true),
          varchar('key_hash', 64),
          varchar('key_prefix', 16),
          datetime('created_at'),
          datetime('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'uq_api_keys_hash', columnNames: ['key_hash'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          autoIncrementId(queryRunner),
          datetime('occurred_at'),
          varchar('api_key_id', 36),
          varchar('role', 16),
          varchar('action', 32),
          varchar('operation', 64),
          varchar('nhs_number', 10, true),
          text('fields', true),
          varchar('outcome', 32),
          varchar('request_id', 36),
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_time', columnNames: ['occurred_at'] }),
          new TableIndex({ name: 'idx_audit_patient', columnNames: ['nhs_number', 'occurred_at'] }),
          new TableIndex({ name: 'idx_audit_key', columnNames: ['api_key_id', 'occurred_at'] }),
        ],
      }),
    );
    // Append-only: the database itself refuses to change an audit entry.
    if (queryRunner.connection.driver.options.type === 'better-sqlite3') {
      await queryRunner.query(`CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`);
    } else {
      await queryRunner.query(`CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_events is append-only'`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER IF EXISTS audit_events_append_only');
    await queryRunner.dropTable('audit_events');
    await queryRunner.dropTable('api_keys');
  }
}
