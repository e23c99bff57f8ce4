/**
 * The hub's single port: GraphQL over HTTP at /graphql, health endpoints, and (in later
 * layers) webhooks, exports, metrics, the dashboard and graphql-ws on the same server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import { createContext, type HubContext } from './graphql/context';
import { createErrorFormatter } from './graphql/errorFormatting';
import { buildHubSchema } from './graphql/schema';
import { graphqlHandler } from './http/graphqlRoute';
import { sendJson } from './http/respond';
import { webhookReceiptsHandler } from './http/webhookRoute';
import type { Hub } from './hub';
import { createLogger, type HubLogger } from './shared/logger';

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  schema: GraphQLSchema;
  stop(): Promise<void>;
}

type RouteHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

export async function startServer(hub: Hub, options: { port?: number; host?: string; logger?: HubLogger } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const production = hub.config.production;
  const schema = await buildHubSchema();
  const httpServer = createServer();

  const apollo = new ApolloServer<HubContext>({
    schema,
    csrfPrevention: true,
    introspection: !production,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter({ production, logger }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  const routes: Record<string, RouteHandler> = {
    'GET /graphql': graphqlHandler(apollo, async () => createContext(hub)),
    'POST /graphql': graphqlHandler(apollo, async () => createContext(hub)),
    'POST /webhooks/receipts': webhookReceiptsHandler(hub),
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      try {
        await hub.db.dataSource.query('SELECT 1');
        sendJson(res, 200, { status: 'ready' });
      } catch {
        sendJson(res, 503, { status: 'database unavailable' });
      }
    },
  };

  httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const handler = routes[`${request.method} ${url.pathname}`];
    if (!handler) {
      sendJson(response, 404, { error: `No route for ${request.method} ${url.pathname}` });
      return;
    }
    Promise.resolve(handler(request, response, url)).catch((error) => {
      logger.error({ err: error, path: url.pathname }, 'request failed');
      if (!response.headersSent) sendJson(response, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else response.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? hub.config.port, options.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    httpServer,
    schema,
    stop: async () => {
      await apollo.stop();
    },
  };
}
