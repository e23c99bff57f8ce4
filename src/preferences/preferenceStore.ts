/** Data access for the channel preference history (insert-only). */
import { In, type EntityManager } from 'typeorm';
import { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { Database } from '../db/database';

export class PreferenceStore {
  constructor(private readonly db: Database) {}

  async changesFor(nhsNumbers: readonly string[], manager?: EntityManager): Promise<ChannelPreferenceChange[]> {
    if (nhsNumbers.length === 0) return [];
    return (manager ?? this.db.dataSource.manager).getRepository(ChannelPreferenceChange).find({
      where: { nhsNumber: In([...nhsNumbers]) },
      order: { effectiveAt: 'ASC', requestedAt: 'ASC' },
    });
  }

  async insert(changes: ChannelPreferenceChange[], manager: EntityManager): Promise<void> {
    if (changes.length > 0) await manager.getRepository(ChannelPreferenceChange).insert(changes);
  }
}
