/** Data access for the channel preference history (insert-only). Reads are plain SQL: a batch send reads every item's history. */
import type { EntityManager } from 'typeorm';
import { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { Database } from '../db/database';
import { entityRows, placeholders } from '../db/entityRows';

export class PreferenceStore {
  constructor(private readonly db: Database) {}

  async changesFor(nhsNumbers: readonly string[], manager?: EntityManager): Promise<ChannelPreferenceChange[]> {
    if (nhsNumbers.length === 0) return [];
    const numbers = [...new Set(nhsNumbers)];
    const rows = entityRows(this.db.dataSource, ChannelPreferenceChange);
    return rows.read(
      manager ?? this.db.dataSource.manager,
      `SELECT ${rows.columns('c')} FROM ${rows.table} c WHERE c.nhs_number IN (${placeholders(numbers.length)}) ORDER BY c.effective_at ASC, c.requested_at ASC`,
      numbers,
    );
  }

  async insert(changes: ChannelPreferenceChange[], manager: EntityManager): Promise<void> {
    if (changes.length > 0) await manager.getRepository(ChannelPreferenceChange).insert(changes);
  }
}
