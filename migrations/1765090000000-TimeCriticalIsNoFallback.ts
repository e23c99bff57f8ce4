import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A time-critical message was never meant for the NHS App, so skipping the app is no
 * fallback. Messages sent before this rule counted it: clear fallback_used where the app
 * skip was their only move (no channel they were meant for failed, or was skipped at send
 * time, with another attempt after it), and mark them changed so the rollup refresher
 * recounts their hours. The event log is history and stays as it was.
 */
export class TimeCriticalIsNoFallback1765090000000 implements MigrationInterface {
  name = 'TimeCriticalIsNoFallback1765090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const now = new Date().toISOString().replace('T', ' ').slice(0, 23);
    await queryRunner.query(
      `UPDATE messages SET fallback_used = 0, updated_at = ?
       WHERE time_critical = 1 AND fallback_used = 1 AND NOT EXISTS (
         SELECT 1 FROM delivery_attempts meant
         WHERE meant.message_id = messages.id AND meant.channel <> 'NHS_APP'
           AND (meant.status = 'FAILED' OR (meant.status = 'SKIPPED' AND meant.failure_reason IN ('NO_CONTACT_DETAILS', 'CHANNEL_OPTED_OUT')))
           AND EXISTS (
             SELECT 1 FROM delivery_attempts later
             WHERE later.message_id = meant.message_id AND later.sequence > meant.sequence
               AND (later.status <> 'SKIPPED' OR later.failure_reason IS NULL)))`,
      [now],
    );
  }

  async down(): Promise<void> {
    // Which messages counted the app skip as a fallback is not kept; there is nothing to restore.
  }
}
