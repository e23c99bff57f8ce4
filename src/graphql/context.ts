/** The per-request GraphQL context: who is calling, what they may see, and fresh DataLoaders. */
import { randomUUID } from 'node:crypto';
import { AuditRecorder } from '../audit/auditRecorder';
import { scopeFor } from '../auth/accessScope';
import type { Principal } from '../auth/apiKeys';
import type { Hub } from '../hub';
import type { AccessScope } from '../shared/scope';
import { createLoaders, type Loaders } from './loaders';

export interface HubContext {
  hub: Hub;
  principal: Principal;
  scope: AccessScope;
  loaders: Loaders;
  audit: AuditRecorder;
  requestId: string;
}

export function createContext(hub: Hub, principal: Principal, requestId: string = randomUUID()): HubContext {
  const scope = scopeFor(principal);
  return { hub, principal, scope, loaders: createLoaders(hub.stores, scope), audit: new AuditRecorder(principal, requestId, hub.clock), requestId };
}
