/** Apollo plugin: records each mutation with its outcome, then appends the request's audit entries. */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { AuditStore } from '../audit/auditStore';
import type { HubContext } from './context';

export function auditPlugin(store: AuditStore): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, response }) {
          if (operation?.operation === 'mutation') {
            const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
            for (const selection of operation.selectionSet.selections) {
              if (selection.kind !== Kind.FIELD) continue;
              const key = selection.alias?.value ?? selection.name.value;
              // Errors without a path (refused variables) apply to the whole operation.
              const error = errors.find((e) => e.path?.[0] === key) ?? errors.find((e) => !e.path);
              contextValue.audit.mutation(selection.name.value, error ? String(error.extensions?.code ?? 'ERROR') : 'OK');
            }
          }
          await contextValue.audit.flush(store);
        },
      };
    },
  };
}
