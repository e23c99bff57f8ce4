/**
 * The hub's single port: GraphQL over HTTP at /graphql, the same API as a Federation 2
 * subgraph at /subgraph, the receipts webhook and health endpoints. Every GraphQL request
 * is authenticated by API key and rate limited per key before it reaches Apollo.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { authenticate, type Principal } from './auth/apiKeys';
import { auditPlugin } from './graphql/auditPlugin';
import { requestLogPlugin } from './graphql/requestLogPlugin';
import { refuseSubscriptionsOverHttp } from './graphql/subscriptionsOverHttpPlugin';
import { createContext, type HubContext } from './graphql/context';
import { createErrorFormatter } from './graphql/errorFormatting';
import { pageSizeRule, withoutCostLimitAfterPageSizeRefusal } from './graphql/pageSizeRule';
import { QUERY_LIMITS, queryLimits } from './graphql/queryLimits';
import { buildHubSchema } from './graphql/schema';
import { buildHubSubgraphSchema } from './graphql/subgraphSchema';
import { dashboardHandler } from './http/dashboardRoute';
import { explorerHandler } from './http/explorerRoute';
import { graphqlHandler } from './http/graphqlRoute';
import { sendError, sendGraphqlError, sendJson } from './http/respond';
import { webhookReceiptsHandler } from './http/webhookRoute';
import { metricsExportHandler } from './http/metricsExportRoute';
import { prometheusHandler } from './http/prometheusRoute';
import type { Hub } from './hub';
import { isDatabaseUnavailable } from './db/connectionErrors';
import { isHubError } from './shared/errors';
import { createLogger, type HubLogger } from './shared/logger';
import { startSubscriptionServer } from './ws/subscriptionServer';

export interface RunningServer {
  url: string;
  /** Open graphql-ws sockets. */
  subscriptionSockets(): number;
  port: number;
  httpServer: Server;
  schema: GraphQLSchema;
  /** The Federation 2 subgraph schema served at /subgraph. */
  subgraphSchema: GraphQLSchema;
  /** From now on /readyz answers 503 (the first step of a graceful shutdown). */
  markShuttingDown(): void;
  /** Stops accepting connections, lets in-flight requests finish (bounded), closes WebSocket clients with 1001. */
  stop(): Promise<void>;
}

/** How long in-flight HTTP requests may run on after stop() before their connections are closed. */
const STOP_GRACE_MS = 10_000;

type RouteHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

const PRINCIPAL = Symbol('principal');
type AuthenticatedRequest = IncomingMessage & { [PRINCIPAL]?: Principal };

export async function startServer(hub: Hub, options: { port?: number; host?: string; logger?: HubLogger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? hub.logger ?? createLogger();
  const production = hub.config.production;
  const schema = await buildHubSchema();
  const httpServer = createServer();
  const armor = queryLimits();
  const subscriptions = startSubscriptionServer(hub, httpServer, schema, logger);

  /** /graphql and /subgraph answer with the same limits, audit, logging and error formatting. */
  const hubApollo = (served: GraphQLSchema, lifecyclePlugins: ApolloServerPlugin<HubContext>[]) =>
    new ApolloServer<HubContext>({
      schema: served,
      csrfPrevention: true,
      // The process owns SIGTERM/SIGINT (src/main.ts): readiness first, then an orderly stop.
      stopOnTerminationSignals: false,
      introspection: !production,
      hideSchemaDetailsFromClientErrors: production,
      allowBatchedHttpRequests: false,
      includeStacktraceInErrorResponses: false,
      formatError: createErrorFormatter({ production, logger }),
      validationRules: [pageSizeRule, ...withoutCostLimitAfterPageSizeRefusal(armor.validationRules)],
      parseOptions: { maxTokens: QUERY_LIMITS.maxTokens },
      plugins: [
        ...armor.plugins,
        auditPlugin(hub.stores.audit),
        requestLogPlugin(logger, hub.metrics),
        refuseSubscriptionsOverHttp,
        ...lifecyclePlugins,
        // The landing page is the hub's own explorer (GET /explorer), which needs no internet.
        ApolloServerPluginLandingPageDisabled(),
        // No response is HTTP-cacheable (nothing sets a cache hint), and the cache-control
        // plugin would otherwise wrap every field's resolver to collect hints.
        ApolloServerPluginCacheControlDisabled(),
      ],
    });
  const apollo = hubApollo(schema, [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: STOP_GRACE_MS }),
    { async serverWillStart() { return { async drainServer() { await subscriptions.close(); } }; } },
  ]);
  const subgraphSchema = buildHubSubgraphSchema(schema);
  // No field traces for gateways: the hub reports through its own logs and /metrics.
  const subgraphApollo = hubApollo(subgraphSchema, [ApolloServerPluginInlineTraceDisabled()]);
  await apollo.start();
  await subgraphApollo.start();

  const contextFor = async (request: AuthenticatedRequest) => {
    const principal = request[PRINCIPAL];
    if (!principal) throw new Error('GraphQL request reached Apollo without a principal');
    return createContext(hub, principal, randomUUID());
  };

  const explorer = production ? null : explorerHandler();

  /** Authenticates and rate limits, then serves GraphQL; a browser asking for the landing page gets the explorer, with no key. */
  const authenticated = (graphql: RouteHandler): RouteHandler => async (request, response, url) => {
    const wantsLandingPage = request.method === 'GET' && !url.search && (request.headers.accept ?? '').includes('text/html');
    if (wantsLandingPage && explorer) return explorer(request, response, new URL('/explorer', url));
    if (wantsLandingPage) return graphql(request, response, url);
    let principal: Principal;
    try {
      principal = await authenticate(hub.stores.apiKeys, request.headers.authorization);
    } catch (error) {
      if (isHubError(error)) return sendGraphqlError(response, 401, error.code, error.message, { 'www-authenticate': 'Bearer' });
      throw error;
    }
    const retryAfter = await hub.rateLimiter.consume(principal.keyId);
    if (retryAfter > 0) {
      return sendGraphqlError(response, 429, 'RATE_LIMITED', `Too many requests for this API key; try again in ${retryAfter} s`, { 'retry-after': String(retryAfter) });
    }
    (request as AuthenticatedRequest)[PRINCIPAL] = principal;
    return graphql(request, response, url);
  };
  const authenticatedGraphql = authenticated(graphqlHandler(apollo, contextFor));
  const authenticatedSubgraph = authenticated(graphqlHandler(subgraphApollo, contextFor));

  let shuttingDown = false;
  const routes: Partial<Record<string, RouteHandler>> = {
    'GET /graphql': authenticatedGraphql,
    'POST /graphql': authenticatedGraphql,
    'GET /subgraph': authenticatedSubgraph,
    'POST /subgraph': authenticatedSubgraph,
    'POST /webhooks/receipts': webhookReceiptsHandler(hub),
    'GET /dashboard': dashboardHandler(),
    ...(explorer ? { 'GET /explorer': explorer } : {}),
    'GET /exports/delivery-metrics.csv': metricsExportHandler(hub),
    'GET /metrics': prometheusHandler(hub),
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      if (shuttingDown) return sendError(res, 503, 'INTERNAL_SERVER_ERROR', 'The hub is shutting down');
      const status = await hub.checkDependencies();
      if (status.ready) return sendJson(res, 200, { status: 'ready' });
      sendError(res, 503, 'INTERNAL_SERVER_ERROR', status.database === 'down' ? 'The database does not answer' : 'Redis does not answer');
    },
  };

  httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    const handler = routes[route];
    response.once('finish', () => hub.metrics.httpRequests.inc({ method: request.method ?? '', route: handler ? url.pathname : 'unmatched', status: String(response.statusCode) }));
    if (!handler) {
      sendError(response, 404, 'NOT_FOUND', `No route for ${request.method} ${url.pathname}`);
      return;
    }
    Promise.resolve(handler(request, response, url)).catch((error) => {
      if (isDatabaseUnavailable(error)) {
        logger.warn({ err: error, path: url.pathname }, 'database unavailable');
        if (!response.headersSent && url.pathname === '/graphql') sendGraphqlError(response, 503, 'INTERNAL_SERVER_ERROR', 'The database is unavailable; try again shortly', { 'retry-after': '5' });
        else if (!response.headersSent) sendError(response, 503, 'INTERNAL_SERVER_ERROR', 'The database is unavailable; try again shortly', { 'retry-after': '5' });
        else response.end();
        return;
      }
      const correlationId = randomUUID();
      logger.error({ err: error, path: url.pathname, correlationId }, 'request failed');
      const message = `Internal server error (correlation id ${correlationId})`;
      if (response.headersSent) response.end();
      else if (url.pathname === '/graphql') sendGraphqlError(response, 500, 'INTERNAL_SERVER_ERROR', message);
      else sendError(response, 500, 'INTERNAL_SERVER_ERROR', message);
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? hub.config.port, options.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    subscriptionSockets: subscriptions.connectionCount,
    port,
    httpServer,
    schema,
    subgraphSchema,
    markShuttingDown: () => {
      shuttingDown = true;
    },
    stop: async () => {
      shuttingDown = true;
      // Draining the HTTP server (with /graphql's Apollo) lets in-flight /subgraph requests finish too.
      await apollo.stop();
      await subgraphApollo.stop();
    },
  };
}
