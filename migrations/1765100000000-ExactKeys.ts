import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys that callers choose, and that must match byte for byte: "CaseRef" is not "caseref". */
const EXACT_KEY_COLUMNS: Array<[table: string, column: string]> = [
  ['messages', 'idempotency_key'],
  ['messages', 'source_reference'],
  ['delivery_attempts', 'provider_reference'],
];

/**
 * Idempotency keys, source references and provider references compare exactly. MariaDB's
 * default collations fold case (and accents), so these columns move to utf8mb4_bin; SQLite
 * compares text with BINARY unless told otherwise, so it has nothing to change.
 */
export class ExactKeys1765100000000 implements MigrationInterface {
  name = 'ExactKeys1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.setCollation(queryRunner, 'utf8mb4_bin');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.setCollation(queryRunner, null);
  }

  private async setCollation(queryRunner: QueryRunner, collation: string | null): Promise<void> {
    const type = queryRunner.connection.driver.options.type;
    if (type !== 'mysql' && type !== 'mariadb') return;
    for (const [tableName, columnName] of EXACT_KEY_COLUMNS) {
      const table = await queryRunner.getTable(tableName);
      const column = table?.findColumnByName(columnName);
      if (!table || !column) throw new Error(`${tableName}.${columnName} is missing`);
      const changed = column.clone();
      changed.charset = 'utf8mb4';
      changed.collation = collation ?? undefined;
      await queryRunner.changeColumn(table, column, changed);
    }
  }
}
