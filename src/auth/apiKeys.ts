/**
 * API keys: 32 random bytes, shown once, stored only as a SHA-256 hash. A plain hash is
 * enough because the keys carry 256 bits of entropy; there is nothing to brute-force.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiKey } from '../../entities/ApiKey';
import { assertOdsCode } from '../organisations/odsCode';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { newId } from '../shared/ids';
import type { OrganisationStore } from '../organisations/organisationStore';
import type { ApiKeyStore } from './apiKeyStore';
import { ORGANISATION_ALLOWED, ORGANISATION_REQUIRED, Role } from '../vocabulary/roles';

export const KEY_PREFIX = 'nhk_';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  organisationOdsCode: string | null;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface NewKey {
  role: Role;
  organisationOdsCode?: string | null;
  name?: string | null;
}

export interface KeyDeps {
  apiKeys: ApiKeyStore;
  organisations: OrganisationStore;
  clock: Clock;
}

export async function createApiKey(deps: KeyDeps, input: NewKey): Promise<{ key: string; record: ApiKey }> {
  if (!Object.values(Role).includes(input.role)) throw new HubError('BAD_USER_INPUT', `role must be one of ${Object.values(Role).join(', ')}`);
  const organisationOdsCode = input.organisationOdsCode ? assertOdsCode(input.organisationOdsCode) : null;
  if (ORGANISATION_REQUIRED.includes(input.role) && !organisationOdsCode) throw new HubError('BAD_USER_INPUT', `A ${input.role} key must be bound to an organisation (--org ODS)`);
  if (organisationOdsCode && !ORGANISATION_ALLOWED.includes(input.role)) throw new HubError('BAD_USER_INPUT', `A ${input.role} key cannot be bound to an organisation`);
  if (organisationOdsCode && !(await deps.organisations.findByOdsCode(organisationOdsCode))) {
    throw new HubError('NOT_FOUND', `No organisation with ODS code ${organisationOdsCode}: create it (upsertOrganisation) before binding a key to it`);
  }
  const key = generateApiKey();
  const record = Object.assign(new ApiKey(), {
    id: newId(),
    name: (input.name?.trim() || `${input.role.toLowerCase()} key`).slice(0, 100),
    role: input.role,
    organisationOdsCode,
    keyHash: hashApiKey(key),
    keyPrefix: key.slice(0, 12),
    createdAt: deps.clock.now(),
    revokedAt: null,
  });
  await deps.apiKeys.insert(record);
  return { key, record };
}

/** The principal for an `Authorization: Bearer <key>` header, or UNAUTHENTICATED. */
export async function authenticate(apiKeys: ApiKeyStore, authorization: string | undefined | null): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new HubError('UNAUTHENTICATED', 'Send an API key as Authorization: Bearer <key>');
  const record = match[1].startsWith(KEY_PREFIX) ? await apiKeys.findActiveByHash(hashApiKey(match[1])) : null;
  if (!record) throw new HubError('UNAUTHENTICATED', 'The API key is not valid or has been revoked');
  return { keyId: record.id, name: record.name, role: record.role, organisationOdsCode: record.organisationOdsCode };
}
