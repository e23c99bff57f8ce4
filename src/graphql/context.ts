/** The per-request GraphQL context: the hub, the caller's scope and fresh DataLoaders. */
import { randomUUID } from 'node:crypto';
import type { Hub } from '../hub';
import { type AccessScope, UNRESTRICTED } from '../shared/scope';
import { createLoaders, type Loaders } from './loaders';

export interface HubContext {
  hub: Hub;
  scope: AccessScope;
  loaders: Loaders;
  requestId: string;
}

export function createContext(hub: Hub, scope: AccessScope = UNRESTRICTED): HubContext {
  return { hub, scope, loaders: createLoaders(hub.stores, scope), requestId: randomUUID() };
}
