/**
 * graphql-ws subscriptions on the same port and path as HTTP (/graphql). A client
 * authenticates with `connectionParams.authorization` (the API key, with or without
 * "Bearer "): none closes the socket with 4401, a bad or revoked key with 4403.
 */
import type { Server } from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { authenticate, type Principal } from '../auth/apiKeys';
import { createContext } from '../graphql/context';
import { createErrorFormatter } from '../graphql/errorFormatting';
import type { Hub } from '../hub';
import { isHubError } from '../shared/errors';
import type { HubLogger } from '../shared/logger';

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal?: Principal;
}

function bearerFrom(params: Record<string, unknown> | undefined): string | null {
  const raw = params?.authorization ?? params?.Authorization;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return /^Bearer\s/i.test(raw) ? raw : `Bearer ${raw.trim()}`;
}

export function startSubscriptionServer(hub: Hub, httpServer: Server, schema: GraphQLSchema, logger: HubLogger) {
  // Errors over the socket carry the same contract codes as over HTTP.
  const formatError = createErrorFormatter({ production: hub.config.production, logger });
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  const cleanup = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const authorization = bearerFrom(ctx.connectionParams);
        if (!authorization) {
          ctx.extra.socket.close(4401, 'Unauthorized: send connectionParams.authorization');
          return false;
        }
        try {
          ctx.extra.principal = await authenticate(hub.stores.apiKeys, authorization);
          return true;
        } catch (error) {
          if (isHubError(error)) return false;
          throw error;
        }
      },
      onSubscribe: async (ctx) => {
        // A key revoked since the socket opened stops working on its next subscription.
        try {
          await authenticate(hub.stores.apiKeys, bearerFrom(ctx.connectionParams));
        } catch {
          return [new GraphQLError('The API key is not valid or has been revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (ctx.extra.principal && hub.rateLimiter.take(ctx.extra.principal.keyId) > 0) {
          return [new GraphQLError('Too many requests for this API key', { extensions: { code: 'RATE_LIMITED' } })];
        }
        return undefined;
      },
      context: (ctx) => ({ ...createContext(hub, ctx.extra.principal as Principal), socket: ctx.extra.socket }),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined),
      onError: (_ctx, _id, _payload, errors) => {
        const formatted = errors.map((e) => formatError(e.toJSON(), e));
        logger.warn({ errorCodes: formatted.map((e) => e.extensions?.code ?? 'UNKNOWN') }, 'subscription refused');
        return formatted;
      },
    },
    wsServer,
  );
  return {
    wsServer,
    connectionCount: () => wsServer.clients.size,
    async close() {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
