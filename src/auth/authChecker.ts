/** type-graphql's @Authorized check: ADMIN may do everything, other roles what a field lists. */
import type { AuthChecker } from 'type-graphql';
import type { HubContext } from '../graphql/context';
import { Role } from '../vocabulary/roles';

export const roleAuthChecker: AuthChecker<HubContext, Role> = ({ context }, roles) => {
  const role = context.principal?.role;
  if (!role) return false;
  return role === Role.ADMIN || roles.length === 0 || roles.includes(role);
};
