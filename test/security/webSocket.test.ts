/**
 * Attack cases 1 and 6: the WebSocket. The socket serves subscriptions only; queries and
 * mutations are refused with a coded error before anything runs, subscription documents meet
 * the same limits and validation as HTTP, bad documents answer coded errors (never a 4500
 * close), and a revoked key's open subscriptions are closed with 4403 within seconds.
 *
 * The access matrix extended to the socket: every root field × every keyed role.
 */
import { getNamedType, isObjectType, type GraphQLField } from 'graphql';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { createApiKey } from '../../src/auth/apiKeys';
import { KEY_RECHECK_MS } from '../../src/ws/subscriptionServer';
import { givenOrganisation } from '../support/fixtures';
import { callAs, subscribeAndCollect } from '../support/httpProbe';
import { connect } from '../support/subscriptions';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

let hub: Hub;
let server: TestServer;
const keys: Partial<Record<Role, string>> = {};
const ROLES = [Role.SENDER, Role.ANALYST, Role.DASHBOARD, Role.PROVIDER, Role.ADMIN];

beforeAll(async () => {
  hub = await createTestHub();
  server = await startTestServer(hub);
  await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
  for (const role of ROLES) {
    const org = role === Role.SENDER || role === Role.DASHBOARD ? 'A81001' : null;
    keys[role] = (await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role, organisationOdsCode: org, name: `ws ${role}` })).key;
  }
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

const DELIVERY_EVENTS = 'subscription { deliveryEvents { id type } }';

/** A selection that is valid for the field's type, so only the transport decides the answer. */
function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return field.name;
  const scalar = Object.values(type.getFields()).find((f) => !isObjectType(getNamedType(f.type)) && f.args.every((a) => !String(a.type).endsWith('!')));
  return `${field.name} { ${scalar ? scalar.name : '__typename'} }`;
}

describe('attack 1: the WebSocket runs only subscriptions, under the HTTP policy', () => {
  it('refuses a query with a coded error and runs nothing', async () => {
    const outcome = await subscribeAndCollect(server.port, keys[Role.ADMIN]!, '{ organisations { odsCode } }');
    expect(outcome.events).toEqual([]);
    expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(outcome.errors[0].message).toMatch(/subscriptions only.*POST \/graphql/);
  });

  it('refuses a mutation and changes nothing', async () => {
    const outcome = await subscribeAndCollect(server.port, keys[Role.ADMIN]!, 'mutation { upsertOrganisation(input: { odsCode: "WS001", name: "Socket", type: OTHER }) { odsCode } }');
    expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const check = await callAs(server.port, keys[Role.ADMIN]!, '{ organisation(odsCode: "WS001") { odsCode } }');
    expect(check.body!.data.organisation).toBeNull();
  });

  it('stops a 600-alias subscription document with QUERY_TOO_COMPLEX before it runs', async () => {
    const aliases = Array.from({ length: 600 }, (_, i) => `a${i}: id`).join(' ');
    const outcome = await subscribeAndCollect(server.port, keys[Role.DASHBOARD]!, `subscription { deliveryEvents { ${aliases} } }`);
    expect(outcome.errors.map((e) => e.extensions?.code)).toContain('QUERY_TOO_COMPLEX');
    expect(outcome.events).toEqual([]);
  });

  it('answers a validation error as BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    const outcome = await subscribeAndCollect(server.port, keys[Role.DASHBOARD]!, 'subscription { deliveryEvents { noSuchField } }');
    expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a syntax error as BAD_USER_INPUT and keeps the socket open, without a 4500 close', async () => {
    const outcome = await subscribeAndCollect(server.port, keys[Role.DASHBOARD]!, 'subscription { deliveryEvents { id ');
    expect(outcome.closeCode).toBeNull();
    expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses introspection over the socket as it refuses any query', async () => {
    const outcome = await subscribeAndCollect(server.port, keys[Role.ADMIN]!, '{ __schema { types { name } } }');
    expect(outcome.events).toEqual([]);
    expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('access matrix over the WebSocket', () => {
  it('refuses every query and mutation field for every role, and lets only DASHBOARD and ADMIN subscribe', async () => {
    const operations: Array<['query' | 'mutation' | 'subscription', GraphQLField<unknown, unknown>]> = [
      ...Object.values(server.schema.getQueryType()!.getFields()).map((f) => ['query', f] as ['query', GraphQLField<unknown, unknown>]),
      ...Object.values(server.schema.getMutationType()!.getFields()).map((f) => ['mutation', f] as ['mutation', GraphQLField<unknown, unknown>]),
      ...Object.values(server.schema.getSubscriptionType()!.getFields()).map((f) => ['subscription', f] as ['subscription', GraphQLField<unknown, unknown>]),
    ];
    expect(operations.length).toBeGreaterThan(20);
    const mismatches: string[] = [];
    for (const role of ROLES) {
      for (const [kind, field] of operations) {
        const outcome = await subscribeAndCollect(server.port, keys[role]!, `${kind} { ${selectionFor(field)} }`, { timeoutMs: kind === 'subscription' ? 300 : 3000 });
        const codes = outcome.errors.map((e) => String(e.extensions?.code));
        const expected = kind !== 'subscription' ? ['BAD_USER_INPUT'] : role === Role.DASHBOARD || role === Role.ADMIN ? [] : ['FORBIDDEN'];
        if (JSON.stringify(codes) !== JSON.stringify(expected) || outcome.events.length > 0 || outcome.closeCode !== null) {
          mismatches.push(`${role} ${kind} ${field.name}: ${JSON.stringify({ codes, events: outcome.events.length, close: outcome.closeCode })}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('closes a socket without a key with 4401 and one with a bad key with 4403', async () => {
    expect((await subscribeAndCollect(server.port, null, DELIVERY_EVENTS)).closeCode).toBe(4401);
    expect((await subscribeAndCollect(server.port, 'nhk_not-a-key', DELIVERY_EVENTS)).closeCode).toBe(4403);
  });
});

describe('attack 6: a revoked key loses its open subscriptions', () => {
  it('closes the socket with 4403 within seconds of the revocation', async () => {
    const { key, record } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.DASHBOARD, organisationOdsCode: 'A81001', name: 'soon revoked' });
    const connection = connect(server.port, { authorization: key });
    await connection.connected;
    const events: unknown[] = [];
    connection.client.subscribe({ query: DELIVERY_EVENTS }, { next: (e) => events.push(e), error: () => undefined, complete: () => undefined });
    const revoked = await callAs(server.port, keys[Role.ADMIN]!, 'mutation ($id: ID!) { revokeApiKey(id: $id) }', { id: record.id });
    expect(revoked.body!.data.revokeApiKey).toBe(true);
    const started = Date.now();
    const closed = await Promise.race([connection.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), KEY_RECHECK_MS * 3))]);
    expect(closed?.code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(KEY_RECHECK_MS * 3);
    await connection.dispose();
  });
});
