/**
 * Every route other than /graphql answers a refusal in one shape,
 * {"error": {"code": <ErrorCode>, "message": "…"}}, including a path with no route; GraphQL
 * errors say what was wrong in words a client can act on.
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { QUERY_LIMITS } from '../../src/graphql/queryLimits';
import { MAX_PAGE_SIZE } from '../../src/shared/pagination';
import { servedErrorCodes } from '../support/httpProbe';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

let hub: Hub;
let server: TestServer;
let base: string;
const CODES = servedErrorCodes();

beforeAll(async () => {
  hub = await createTestHub();
  server = await startTestServer(hub);
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.stop();
  await hub.close();
});

async function refusal(path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, init);
  const body = (await response.json()) as any;
  return { status: response.status, body };
}

function expectErrorShape(answer: { body: any }, code: string) {
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'message']);
  expect(answer.body.error.code).toBe(code);
  expect(CODES).toContain(answer.body.error.code);
  expect(typeof answer.body.error.message).toBe('string');
  expect(answer.body.error.message.length).toBeGreaterThan(0);
}

describe('one error shape for every route but /graphql', () => {
  it('a path with no route: 404 NOT_FOUND', async () => {
    const answer = await refusal('/no/such/thing');
    expect(answer.status).toBe(404);
    expectErrorShape(answer, 'NOT_FOUND');
    expect(answer.body.error.message).toContain('GET /no/such/thing');
    const post = await refusal('/dashboard', { method: 'POST' });
    expect(post.status).toBe(404);
    expectErrorShape(post, 'NOT_FOUND');
  });

  it('a missing dashboard asset: 404 NOT_FOUND', async () => {
    const answer = await refusal('/dashboard?asset=no-such-asset.js');
    expect(answer.status).toBe(404);
    expectErrorShape(answer, 'NOT_FOUND');
  });

  it('the metrics extract: UNAUTHENTICATED, FORBIDDEN and BAD_USER_INPUT', async () => {
    const range = 'from=2026-03-01T00:00:00Z&to=2026-03-31T00:00:00Z';
    const none = await refusal(`/exports/delivery-metrics.csv?${range}`);
    expect(none.status).toBe(401);
    expectErrorShape(none, 'UNAUTHENTICATED');
    const dashboard = await apiKey(hub, Role.DASHBOARD);
    const forbidden = await refusal(`/exports/delivery-metrics.csv?${range}`, { headers: bearer(dashboard) });
    expect(forbidden.status).toBe(403);
    expectErrorShape(forbidden, 'FORBIDDEN');
    const bad = await refusal('/exports/delivery-metrics.csv?from=yesterday', { headers: bearer(server.adminKey) });
    expect(bad.status).toBe(400);
    expectErrorShape(bad, 'BAD_USER_INPUT');
  });

  it('Prometheus metrics: UNAUTHENTICATED and FORBIDDEN', async () => {
    const none = await refusal('/metrics');
    expect(none.status).toBe(401);
    expectErrorShape(none, 'UNAUTHENTICATED');
    const analyst = await apiKey(hub, Role.ANALYST);
    const forbidden = await refusal('/metrics', { headers: bearer(analyst) });
    expect(forbidden.status).toBe(403);
    expectErrorShape(forbidden, 'FORBIDDEN');
  });

  it('the receipts webhook: UNAUTHENTICATED without a signature', async () => {
    const answer = await refusal('/webhooks/receipts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(401);
    expectErrorShape(answer, 'UNAUTHENTICATED');
  });
});

describe('GraphQL errors say what was wrong', () => {
  it('a query over a limit names the limit, without a "Syntax Error:" prefix', async () => {
    let nested = 'id';
    for (let i = 0; i < 20; i += 1) nested = `message { deliveryAttempts { ${nested} } }`;
    const deep = `{ messages(first: 1) { edges { node { deliveryAttempts { ${nested} } } } } }`;
    const aliases = `{ ${Array.from({ length: QUERY_LIMITS.maxAliases + 2 }, (_, i) => `a${i}: messagingCategories { category }`).join(' ')} }`;
    for (const query of [deep, aliases]) {
      const result = await server.graphql(query);
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors!) {
        expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
        expect(error.message).not.toMatch(/syntax error/i);
        expect(error.message).toMatch(/^(Query depth|Aliases|Query Cost|Directives) limit of \d+ exceeded/);
      }
    }
  });

  it('first: 100000 is refused with the allowed range, as BAD_USER_INPUT', async () => {
    for (const field of ['messages', 'patients']) {
      const result = await server.graphql(`{ ${field}(first: 100000) { totalCount } }`);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].message).toContain(`from 0 to ${MAX_PAGE_SIZE}`);
    }
  });
});
