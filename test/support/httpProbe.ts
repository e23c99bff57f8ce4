/**
 * Raw HTTP and graphql-ws calls for the access, audit and hostile-input suites: unlike
 * TestServer.graphql these keep the HTTP status, the headers and the raw text, send no key
 * unless given one, and let a test send bodies that are not GraphQL at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, type GraphQLSchema, isEnumType } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphqlResult } from './testHub';

/**
 * The committed SDL of the served schema (test/graphql/schemaDrift keeps it equal to what
 * the server builds). Tests read it rather than the public contract, which lives outside
 * the repository: CI checks the served schema against the contract (`npm run contract:check`).
 */
export const SERVED_SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'schema.graphql');

export function servedSchema(): GraphQLSchema {
  return buildSchema(readFileSync(SERVED_SCHEMA_FILE, 'utf8'));
}

/** The values of the ErrorCode enum the hub publishes (the contract's codes, by the contract check). */
export function servedErrorCodes(): string[] {
  const type = servedSchema().getType('ErrorCode');
  if (!isEnumType(type)) throw new Error('the served schema has no ErrorCode enum');
  return type.getValues().map((v) => v.name);
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON, otherwise null. */
  body: GraphqlResult<any> | null;
}

export interface RawRequest {
  method?: string;
  /** Sent as is when a string; otherwise JSON-encoded with content-type application/json. */
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  search?: string;
}

export async function httpGraphql(port: number, request: RawRequest): Promise<HttpAnswer> {
  const isRaw = typeof request.body === 'string' || Buffer.isBuffer(request.body);
  const headers: Record<string, string> = isRaw || request.body === undefined ? {} : { 'content-type': 'application/json' };
  const response = await fetch(`http://127.0.0.1:${port}/graphql${request.search ?? ''}`, {
    method: request.method ?? 'POST',
    headers: { ...headers, ...request.headers },
    body: request.body === undefined ? undefined : isRaw ? (request.body as string | Buffer) : JSON.stringify(request.body),
  });
  const text = await response.text();
  let body: GraphqlResult<any> | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** A GraphQL POST with an API key (or none when key is null). */
export async function callAs(port: number, key: string | null, query: string, variables?: Record<string, unknown>): Promise<HttpAnswer> {
  return httpGraphql(port, { body: { query, variables }, headers: key ? { authorization: `Bearer ${key}` } : {} });
}

export function errorCodes(answer: { body: GraphqlResult<any> | null }): string[] {
  return (answer.body?.errors ?? []).map((e) => String(e.extensions?.code));
}

export interface SubscriptionOutcome {
  events: any[];
  errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown }>;
  /** The close code when the server closed the socket. */
  closeCode: number | null;
  completed: boolean;
  timedOut: boolean;
}

/**
 * Subscribes over graphql-ws and collects what arrives until `enough` events came, the
 * server answered an error, closed or completed, or `timeoutMs` passed.
 */
export async function subscribeAndCollect(
  port: number,
  key: string | null,
  query: string,
  options: { enough?: number; timeoutMs?: number; variables?: Record<string, unknown> } = {},
): Promise<SubscriptionOutcome> {
  const enough = options.enough ?? 1;
  const outcome: SubscriptionOutcome = { events: [], errors: [], closeCode: null, completed: false, timedOut: false };
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
  });
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        outcome.timedOut = true;
        resolve();
      }, options.timeoutMs ?? 3000);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      client.subscribe(
        { query, variables: options.variables },
        {
          next: (result) => {
            if (result.errors?.length) {
              outcome.errors.push(...(result.errors as SubscriptionOutcome['errors']));
              finish();
              return;
            }
            outcome.events.push(result.data);
            if (outcome.events.length >= enough) finish();
          },
          error: (error: unknown) => {
            if (Array.isArray(error)) outcome.errors.push(...error);
            else if (error && typeof (error as { code?: unknown }).code === 'number') outcome.closeCode = (error as { code: number }).code;
            else outcome.errors.push({ message: String((error as Error)?.message ?? error) });
            finish();
          },
          complete: () => {
            outcome.completed = true;
            finish();
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return outcome;
}
