import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Events get their public id, `sequence`, from the event sequencer after their transaction
 * commits, instead of every event-recording transaction queueing for one shared lock. Events
 * already stored keep their row id as their sequence, so clients' `after` cursors stay valid.
 */
export class EventSequence1765200000000 implements MigrationInterface {
  name = 'EventSequence1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('hub_events', new TableColumn({ name: 'sequence', type: 'bigint', isNullable: true }));
    await queryRunner.query('UPDATE hub_events SET sequence = id');
    await queryRunner.createIndex('hub_events', new TableIndex({ name: 'idx_hub_events_sequence', columnNames: ['sequence'], isUnique: true }));
    await queryRunner.createIndex('hub_events', new TableIndex({ name: 'idx_hub_events_org_sequence', columnNames: ['organisation_ods_code', 'sequence'] }));
    await queryRunner.dropIndex('hub_events', 'idx_hub_events_org');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex('hub_events', new TableIndex({ name: 'idx_hub_events_org', columnNames: ['organisation_ods_code', 'id'] }));
    await queryRunner.dropIndex('hub_events', 'idx_hub_events_org_sequence');
    await queryRunner.dropIndex('hub_events', 'idx_hub_events_sequence');
    await queryRunner.dropColumn('hub_events', 'sequence');
  }
}
