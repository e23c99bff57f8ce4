/**
 * Registering and deleting status callbacks. The signing secret is made here, returned once,
 * and kept only sealed. In production the URL must be https and resolve to public addresses.
 */
import { StatusCallback } from '../../entities/StatusCallback';
import type { Database } from '../db/database';
import type { OrganisationStore } from '../organisations/organisationStore';
import { assertOdsCode } from '../organisations/odsCode';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { AccessScope } from '../shared/scope';
import { StatusCallbackEvent } from '../vocabulary/callbacks';
import { newCallbackSecret, sealSecret } from './callbackSecret';
import type { CallbackStore } from './callbackStore';
import { assertPublicHost, parseCallbackUrl } from './callbackUrl';

export interface CallbackDeps {
  db: Database;
  clock: Clock;
  callbacks: CallbackStore;
  organisations: OrganisationStore;
  production: boolean;
  /** Seals the secrets (WEBHOOK_SECRET). */
  masterSecret: string;
}

export interface CallbackRegistration {
  organisationOdsCode: string;
  url: string;
  events?: StatusCallbackEvent[] | null;
}

/** Active callbacks one organisation may have. */
const MAX_ACTIVE_PER_ORGANISATION = 10;

export async function createStatusCallback(deps: CallbackDeps, input: CallbackRegistration, scope: AccessScope): Promise<{ callback: StatusCallback; secret: string }> {
  const organisationOdsCode = assertOdsCode(input.organisationOdsCode);
  if (scope.organisationOdsCode !== null && scope.organisationOdsCode !== organisationOdsCode) {
    throw new HubError('FORBIDDEN', `This key may only manage callbacks of ${scope.organisationOdsCode}`);
  }
  const url = parseCallbackUrl(input.url, deps.production);
  if (deps.production) await assertPublicHost(url);
  const events = input.events == null ? Object.values(StatusCallbackEvent) : [...new Set(input.events)];
  if (events.length === 0) throw new HubError('BAD_USER_INPUT', 'events must name at least one event, or be left out for all of them');
  const secret = newCallbackSecret();
  const callback = await deps.db.transaction(async (manager) => {
    if (!(await deps.organisations.findByOdsCode(organisationOdsCode, manager))) throw new HubError('NOT_FOUND', `No organisation with ODS code ${organisationOdsCode}`);
    const active = (await deps.callbacks.list(organisationOdsCode, scope)).filter((c) => c.disabledAt === null);
    if (active.length >= MAX_ACTIVE_PER_ORGANISATION) throw new HubError('BAD_USER_INPUT', `${organisationOdsCode} already has ${MAX_ACTIVE_PER_ORGANISATION} callbacks; delete one first`);
    const created = Object.assign(new StatusCallback(), {
      id: newId(),
      organisationOdsCode,
      url: url.toString(),
      events,
      sealedSecret: sealSecret(secret, deps.masterSecret),
      createdAt: deps.clock.now(),
      pausedUntil: null,
      disabledAt: null,
      disabledReason: null,
    });
    await deps.callbacks.insert(created, manager);
    return created;
  });
  return { callback, secret };
}

/** Stops calling the URL; callbacks not yet sent to it are dropped. */
export async function deleteStatusCallback(deps: CallbackDeps, id: string, scope: AccessScope): Promise<StatusCallback> {
  return deps.db.transaction(async (manager) => {
    const callback = await deps.callbacks.findById(id, scope, manager);
    if (!callback) throw new HubError('NOT_FOUND', `No status callback ${id}`);
    if (callback.disabledAt === null) {
      const now = deps.clock.now();
      await deps.callbacks.disable(id, 'DELETED', now, manager);
      Object.assign(callback, { disabledAt: now, disabledReason: 'DELETED' });
    }
    return callback;
  });
}
