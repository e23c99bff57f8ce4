/** Data access for API keys. */
import type { EntityManager } from 'typeorm';
import { ApiKey } from '../../entities/ApiKey';
import type { Database } from '../db/database';

/** What a request needs to know about the key it came with. */
export type ActiveKey = Pick<ApiKey, 'id' | 'name' | 'role' | 'organisationOdsCode'>;

export class ApiKeyStore {
  constructor(private readonly db: Database) {}

  /** Read on every request, so one plain statement rather than a built query and a hydrated entity. */
  async findActiveByHash(keyHash: string): Promise<ActiveKey | null> {
    const rows: ActiveKey[] = await this.db.dataSource.query(
      'SELECT id, name, role, organisation_ods_code AS organisationOdsCode FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
      [keyHash],
    );
    return rows[0] ?? null;
  }

  /** Which of these key ids are still active (not revoked). */
  async activeIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.dataSource.getRepository(ApiKey).createQueryBuilder('k').select('k.id', 'id').where('k.id IN (:...ids) AND k.revoked_at IS NULL', { ids: [...ids] }).getRawMany<{ id: string }>();
    return new Set(rows.map((row) => row.id));
  }

  async insert(key: ApiKey, manager?: EntityManager): Promise<void> {
    await (manager ?? this.db.dataSource.manager).getRepository(ApiKey).insert(key);
  }

  async list(): Promise<ApiKey[]> {
    return this.db.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.db.dataSource.getRepository(ApiKey).createQueryBuilder().update().set({ revokedAt: at }).where('id = :id AND revoked_at IS NULL', { id }).execute();
    return (result.affected ?? 0) > 0;
  }

  async revokeByName(name: string, at: Date): Promise<void> {
    await this.db.dataSource.getRepository(ApiKey).createQueryBuilder().update().set({ revokedAt: at }).where('name = :name AND revoked_at IS NULL', { name }).execute();
  }
}
