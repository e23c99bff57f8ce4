import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { bool, datetime, int, varchar } from './columns';

/** Deceased and confidential patients, message expiry, the notified-within fallback and the provider of each attempt. */
export class PatientSafety1765160000000 implements MigrationInterface {
  name = 'PatientSafety1765160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('patients', new TableColumn(bool('deceased', false)));
    await queryRunner.addColumn('patients', new TableColumn(bool('confidential', false)));
    await queryRunner.addColumn('messages', new TableColumn(int('notified_within_minutes', true)));
    await queryRunner.addColumn('messages', new TableColumn(datetime('expires_at', true)));
    await queryRunner.addColumn('delivery_attempts', new TableColumn(varchar('provider', 100, true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('delivery_attempts', 'provider');
    await queryRunner.dropColumn('messages', 'expires_at');
    await queryRunner.dropColumn('messages', 'notified_within_minutes');
    await queryRunner.dropColumn('patients', 'confidential');
    await queryRunner.dropColumn('patients', 'deceased');
  }
}
