/** Data access for organisations. */
import { In, type EntityManager } from 'typeorm';
import { Organisation } from '../../entities/Organisation';
import type { Database } from '../db/database';

export class OrganisationStore {
  constructor(private readonly db: Database) {}

  async findByOdsCodes(odsCodes: readonly string[]): Promise<Organisation[]> {
    if (odsCodes.length === 0) return [];
    return this.db.dataSource.getRepository(Organisation).findBy({ odsCode: In([...odsCodes]) });
  }

  async findByOdsCode(odsCode: string, manager?: EntityManager): Promise<Organisation | null> {
    return (manager ?? this.db.dataSource.manager).getRepository(Organisation).findOneBy({ odsCode });
  }

  async save(organisation: Organisation, manager: EntityManager): Promise<Organisation> {
    return manager.getRepository(Organisation).save(organisation);
  }
}
