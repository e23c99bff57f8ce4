/**
 * One structured log line per GraphQL request: who asked (key id and role), which
 * operation, how long it took and which error codes it answered. Never variables,
 * message bodies or patient identifiers.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationalMetrics } from '../observability/operationalMetrics';
import type { HubLogger } from '../shared/logger';
import type { HubContext } from './context';

export function requestLogPlugin(logger: HubLogger, metrics?: OperationalMetrics): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, operationName, response, errors }) {
          const single = response.body.kind === 'single' ? response.body.singleResult : null;
          const codes = (single?.errors ?? errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN'));
          for (const code of codes) metrics?.graphqlErrors.inc({ code });
          logger.info(
            {
              requestId: contextValue.requestId,
              apiKeyId: contextValue.principal?.keyId,
              role: contextValue.principal?.role,
              operationType: operation?.operation ?? null,
              operationName: operationName ?? null,
              durationMs: Number(process.hrtime.bigint() - started) / 1e6,
              errorCodes: codes,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
