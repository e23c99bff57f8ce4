/**
 * graphql-ws clients for the subscription tests: a connection whose close code can be
 * read, and a subscription that collects what arrives.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const DELIVERY_EVENT_FIELDS = 'id type messageId attemptId channel category organisationOdsCode occurredAt';
export const FALLBACK_EVENT_FIELDS = 'id messageId fromChannel toChannel reason category organisationOdsCode occurredAt';

export const DELIVERY_EVENTS = `subscription Deliveries($filter: EventFilter, $after: ID) { deliveryEvents(filter: $filter, after: $after) { ${DELIVERY_EVENT_FIELDS} } }`;
export const FALLBACK_EVENTS = `subscription Fallbacks($filter: EventFilter, $after: ID) { fallbackEvents(filter: $filter, after: $after) { ${FALLBACK_EVENT_FIELDS} } }`;

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface Connection {
  client: Client;
  /** Resolves when the server acknowledged the connection; rejects with the close info if it closed first. */
  connected: Promise<void>;
  /** Resolves when the socket closed, with the server's (or client's) close code. */
  closed: Promise<CloseInfo>;
  dispose(): Promise<void>;
}

export function connect(port: number, connectionParams?: Record<string, unknown>): Connection {
  let onConnected!: () => void;
  let onClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    closed.then((info) => reject(Object.assign(new Error(`closed with ${info.code} ${info.reason}`), info)));
  });
  connected.catch(() => undefined);
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const e = event as { code?: number; reason?: unknown };
        onClosed({ code: e.code ?? -1, reason: String(e.reason ?? '') });
      },
    },
  });
  return {
    client,
    connected,
    closed,
    async dispose() {
      await client.dispose();
    },
  };
}

export interface GraphqlErrorShape {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** One subscription: what it received, the errors it got, whether it completed. */
export class Collector<T = Record<string, any>> {
  readonly events: T[] = [];
  readonly errors: GraphqlErrorShape[] = [];
  completed = false;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.unsubscribe = client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...(result.errors as GraphqlErrorShape[]));
          if (result.data) this.events.push(...Object.values(result.data));
        },
        error: (error) => {
          if (Array.isArray(error)) this.errors.push(...(error as GraphqlErrorShape[]));
          else this.errors.push({ message: String((error as { reason?: string; message?: string })?.reason ?? (error as Error)?.message ?? error), extensions: { code: `CLOSED_${(error as { code?: number })?.code ?? ''}` } });
        },
        complete: () => {
          this.completed = true;
        },
      },
    );
  }

  codes(): Array<string | undefined> {
    return this.errors.map((e) => e.extensions?.code);
  }

  async until(condition: (events: T[]) => boolean, what = 'the expected events', ms = 10_000): Promise<T[]> {
    await waitFor(() => condition(this.events), () => `${what}; received ${JSON.stringify(this.events)}; errors ${JSON.stringify(this.errors)}`, ms);
    return this.events;
  }

  async untilCount(count: number, ms = 10_000): Promise<T[]> {
    return this.until((events) => events.length >= count, `${count} events`, ms);
  }

  async untilSettled(ms = 10_000): Promise<void> {
    await waitFor(() => this.completed || this.errors.length > 0, () => `an error or completion; received ${JSON.stringify(this.events)}`, ms);
  }
}

export async function waitFor(condition: () => boolean, describe: string | (() => string), ms = 10_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof describe === 'string' ? describe : describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
