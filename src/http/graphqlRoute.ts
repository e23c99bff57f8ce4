/** Serves GraphQL over HTTP by handing Node's request to Apollo Server. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { HubContext } from '../graphql/context';
import { BodyTooLargeError, readBody } from './requestBody';
import { sendGraphqlError } from './respond';

export function graphqlHandler<R extends IncomingMessage>(apollo: ApolloServer<HubContext>, contextFor: (request: R) => Promise<HubContext>) {
  return async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendGraphqlError(response, 413, 'BAD_USER_INPUT', error.message);
      throw error;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (request.method === 'POST') {
      const text = raw.toString('utf8');
      if ((headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          return sendGraphqlError(response, 400, 'BAD_USER_INPUT', 'The request body is not valid JSON');
        }
      } else {
        body = text;
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: () => contextFor(request as R),
    });
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of result.headers) responseHeaders[name] = value;
    response.writeHead(result.status ?? 200, responseHeaders);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  };
}
