/** The rows a principal may see: a SENDER (or a bound DASHBOARD) sees only its organisation's. */
import type { AccessScope } from '../shared/scope';
import type { Principal } from './apiKeys';
import { Role } from '../vocabulary/roles';

export function scopeFor(principal: Principal): AccessScope {
  const bound = principal.role === Role.SENDER || principal.role === Role.DASHBOARD;
  return { organisationOdsCode: bound ? principal.organisationOdsCode : null };
}
