/** Creates or updates an organisation by ODS code. */
import { Organisation } from '../../entities/Organisation';
import type { Database } from '../db/database';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import type { OrganisationStore } from './organisationStore';
import { OrganisationType } from '../vocabulary/organisationType';
import { assertOdsCode } from './odsCode';

export interface OrganisationDetails {
  odsCode: string;
  name: string;
  type: OrganisationType;
}

export interface OrganisationDeps {
  db: Database;
  organisations: OrganisationStore;
  clock: Clock;
}

export async function upsertOrganisation(deps: OrganisationDeps, input: OrganisationDetails): Promise<Organisation> {
  const odsCode = assertOdsCode(input.odsCode);
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new HubError('BAD_USER_INPUT', 'Organisation name must be 1 to 200 characters');
  return deps.db.transaction(async (manager) => {
    const now = deps.clock.now();
    const existing = await deps.organisations.findByOdsCode(odsCode, manager);
    const organisation = existing ?? Object.assign(new Organisation(), { odsCode, createdAt: now });
    Object.assign(organisation, { name, type: input.type, updatedAt: now });
    return deps.organisations.save(organisation, manager);
  });
}
