import { HubError } from '../shared/errors';
import type { Principal } from './apiKeys';
import { Role } from '../vocabulary/roles';

/** For code paths @Authorized does not cover (a subscription's subscribe step). */
export function assertRole(principal: Principal | undefined, roles: Role[]): void {
  if (!principal) throw new HubError('UNAUTHENTICATED', 'Send an API key');
  if (principal.role !== Role.ADMIN && !roles.includes(principal.role)) throw new HubError('FORBIDDEN', 'This API key is not allowed to do that');
}
