/** Which events a subscriber wants, and what its key lets it see. */
import type { HubEvent } from '../../entities/HubEvent';
import type { MessagingCategory } from '../vocabulary/messagingCategory';
import { HubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';

export interface EventFilter {
  organisationOdsCodes?: string[] | null;
  categories?: MessagingCategory[] | null;
  messageId?: string | null;
}

export function matchesFilter(event: HubEvent, filter: EventFilter): boolean {
  if (filter.organisationOdsCodes?.length && !filter.organisationOdsCodes.includes(event.organisationOdsCode)) return false;
  if (filter.categories?.length && !filter.categories.includes(event.category)) return false;
  if (filter.messageId && event.messageId !== filter.messageId) return false;
  return true;
}

/** A dashboard bound to an organisation only ever sees that organisation's events. */
export function scopedFilter(filter: EventFilter | null | undefined, scope: AccessScope): EventFilter {
  const requested = { ...(filter ?? {}), organisationOdsCodes: filter?.organisationOdsCodes?.map((code) => code.trim().toUpperCase()) ?? null };
  if (scope.organisationOdsCode === null) return requested;
  const own = scope.organisationOdsCode;
  if (requested.organisationOdsCodes?.length && !requested.organisationOdsCodes.includes(own)) {
    throw new HubError('FORBIDDEN', `This key sees only ${own}'s events`);
  }
  return { ...requested, organisationOdsCodes: [own] };
}

/** Event ids are increasing integers; `after` must be one. */
export function parseEventId(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null;
  if (!/^\d{1,19}$/.test(after)) throw new HubError('BAD_USER_INPUT', 'after must be the id of an earlier event');
  return after;
}
