/**
 * A real supergraph for the federation tests: the hub's subgraph SDL (fetched from its
 * `_service { sdl }`, as rover does) composed with other subgraphs by @apollo/composition,
 * served by @apollo/gateway. The gateway forwards the caller's Authorization header to
 * every subgraph, so the hub authenticates and scopes the caller, not the gateway.
 */
import { composeServices, type CompositionResult } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { type DocumentNode, parse } from 'graphql';
import type { GraphqlResult } from './testHub';

export interface SubgraphEndpoint {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

interface CallerContext {
  authorization?: string;
}

/** The SDL a subgraph reports about itself, asked with the given Authorization header. */
export async function fetchSubgraphSdl(url: string, authorization: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: 'query __ApolloGetServiceDefinition__ { _service { sdl } }' }),
  });
  const body = (await response.json()) as GraphqlResult<{ _service: { sdl: string } }>;
  if (!body.data) throw new Error(`could not read the subgraph SDL at ${url}: ${JSON.stringify(body.errors)}`);
  return body.data._service.sdl;
}

export function compose(subgraphs: SubgraphEndpoint[]): CompositionResult {
  return composeServices(subgraphs.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
}

export interface RunningGateway {
  url: string;
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, authorization?: string): Promise<GraphqlResult<T>>;
  stop(): Promise<void>;
}

export async function startGateway(supergraphSdl: string): Promise<RunningGateway> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<CallerContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer<CallerContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return {
    url,
    async query(query, variables, authorization) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphqlResult<any>;
    },
    stop: () => server.stop(),
  };
}

