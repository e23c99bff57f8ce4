/**
 * graphql-ws on the same port and path as HTTP (/graphql). The socket serves subscriptions
 * only: a query or mutation sent over it is refused with BAD_USER_INPUT and must go over HTTP,
 * where the audit, limits and error formatting apply. Subscription documents get the same
 * parser token limit, graphql-armor rules and introspection policy as HTTP documents.
 *
 * A client authenticates with `connectionParams.authorization` (the API key, with or without
 * "Bearer "): none closes the socket with 4401, a bad or revoked key with 4403. Open sockets
 * are rechecked every few seconds, so revoking a key closes its subscriptions (4403).
 *
 * A live event is executed once for all subscribers that would get the same answer
 * (src/ws/sharedEventExecution.ts), not once per socket.
 */
import type { Server } from 'node:http';
import { getOperationAST, GraphQLError, type GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, type Principal } from '../auth/apiKeys';
import { createContext, type HubContext } from '../graphql/context';
import { createErrorFormatter } from '../graphql/errorFormatting';
import { QUERY_LIMITS, queryLimits } from '../graphql/queryLimits';
import type { Hub } from '../hub';
import { isHubError } from '../shared/errors';
import type { HubLogger } from '../shared/logger';
import { sharedEventExecution } from './sharedEventExecution';

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal?: Principal;
}

/** How often open sockets' keys are checked against revocation. */
export const KEY_RECHECK_MS = 2_000;
export const CLOSE_REVOKED = 4403;

function bearerFrom(params: Record<string, unknown> | undefined): string | null {
  const raw = params?.authorization ?? params?.Authorization;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return /^Bearer\s/i.test(raw) ? raw : `Bearer ${raw.trim()}`;
}

function refusal(message: string, code: string): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}

/** The document, or the coded errors a client gets instead (a syntax error is bad input, not a crash). */
function parsedDocument(query: unknown): DocumentNode | GraphQLError[] {
  if (typeof query !== 'string') return refusal('Send the subscription document as payload.query', 'BAD_USER_INPUT');
  try {
    return parse(query, { maxTokens: QUERY_LIMITS.maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError) return [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    throw error;
  }
}

export function startSubscriptionServer(hub: Hub, httpServer: Server, schema: GraphQLSchema, logger: HubLogger) {
  // Errors over the socket carry the same contract codes as over HTTP.
  const formatError = createErrorFormatter({ production: hub.config.production, logger });
  const validationRules: ValidationRule[] = [...specifiedRules, ...queryLimits().validationRules, ...(hub.config.production ? [NoSchemaIntrospectionCustomRule] : [])];
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  const principals = new WeakMap<WebSocket, Principal>();

  const cleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      subscribe: sharedEventExecution(),
      onConnect: async (ctx) => {
        const authorization = bearerFrom(ctx.connectionParams);
        if (!authorization) {
          ctx.extra.socket.close(4401, 'Unauthorized: send connectionParams.authorization');
          return false;
        }
        try {
          ctx.extra.principal = await authenticate(hub.stores.apiKeys, authorization);
          principals.set(ctx.extra.socket, ctx.extra.principal);
          return true;
        } catch (error) {
          if (isHubError(error)) return false;
          throw error;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        // A key revoked since the socket opened stops working on its next subscription.
        try {
          await authenticate(hub.stores.apiKeys, bearerFrom(ctx.connectionParams));
        } catch {
          return refusal('The API key is not valid or has been revoked', 'UNAUTHENTICATED');
        }
        const principal = ctx.extra.principal as Principal;
        const retryAfter = await hub.rateLimiter.take(principal.keyId);
        if (retryAfter > 0) return refusal(`Too many requests for this API key; try again in ${retryAfter} s`, 'RATE_LIMITED');
        const document = parsedDocument(payload.query);
        if (Array.isArray(document)) return document;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return refusal('Name the operation to run: the document holds none, or several without operationName', 'BAD_USER_INPUT');
        if (operation.operation !== 'subscription') {
          return refusal(`This socket serves subscriptions only; send ${operation.operation === 'mutation' ? 'mutations' : 'queries'} with POST /graphql`, 'BAD_USER_INPUT');
        }
        const invalid = validate(schema, document, validationRules);
        if (invalid.length > 0) {
          // As over HTTP, production keeps the schema to itself: no "Did you mean …?" suggestions.
          const message = (error: GraphQLError) => (hub.config.production ? error.message.replace(/ Did you mean .*\?$/, '') : error.message);
          return invalid.map((error) => new GraphQLError(message(error), { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const contextValue: HubContext & { socket: WebSocket } = { ...createContext(hub, principal), socket: ctx.extra.socket };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext: async (_ctx, _id, _payload, args, result) => {
        // Reads of personal data in a subscription event are audited like reads over HTTP.
        await (args.contextValue as HubContext).audit.flush(hub.stores.audit);
        return result.errors?.length ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined;
      },
      onError: (_ctx, _id, _payload, errors) => {
        const formatted = errors.map((e) => formatError(e.toJSON(), e));
        logger.warn({ errorCodes: formatted.map((e) => e.extensions?.code ?? 'UNKNOWN') }, 'subscription refused');
        return formatted;
      },
    },
    wsServer,
  );

  const closeRevoked = async () => {
    const open = [...wsServer.clients].filter((socket) => principals.has(socket));
    if (open.length === 0) return;
    const active = await hub.stores.apiKeys.activeIds([...new Set(open.map((socket) => principals.get(socket)!.keyId))]);
    for (const socket of open) {
      if (!active.has(principals.get(socket)!.keyId)) socket.close(CLOSE_REVOKED, 'Forbidden: the API key has been revoked');
    }
  };
  const recheck = setInterval(() => {
    closeRevoked().catch((error) => logger.error({ err: error }, 'could not recheck subscription keys'));
  }, KEY_RECHECK_MS);
  recheck.unref();

  return {
    wsServer,
    connectionCount: () => wsServer.clients.size,
    async close() {
      clearInterval(recheck);
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
