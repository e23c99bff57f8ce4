/**
 * A token bucket per API key (RATE_LIMIT_PER_SECOND refill, RATE_LIMIT_BURST size): a key
 * that sends faster is answered 429 RATE_LIMITED with Retry-After, other keys carry on,
 * and the key is let through again once tokens have refilled. Rates are wall-clock.
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { callAs, errorCodes } from '../support/httpProbe';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const QUERY = '{ messagingCategories { category } }';

let hub: Hub;
let server: TestServer;

beforeAll(async () => {
  hub = await createTestHub({ env: { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '3' } });
  server = await startTestServer(hub);
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('the configured rates reached the hub', () => {
  expect(hub.config.rateLimitPerSecond).toBe(2);
  expect(hub.config.rateLimitBurst).toBe(3);
});

it('the 4th immediate request with one key answers 429 RATE_LIMITED with Retry-After; another key is unaffected; after ~600 ms it passes again', async () => {
  const key = await apiKey(hub, Role.ANALYST);
  const other = await apiKey(hub, Role.ANALYST);

  const first = await Promise.all([callAs(server.port, key, QUERY), callAs(server.port, key, QUERY), callAs(server.port, key, QUERY)]);
  for (const answer of first) {
    expect(answer.status).toBe(200);
    expect(answer.body?.errors).toBeUndefined();
    expect(answer.body!.data.messagingCategories).toHaveLength(4);
  }

  const fourth = await callAs(server.port, key, QUERY);
  expect(fourth.status).toBe(429);
  expect(errorCodes(fourth)).toEqual(['RATE_LIMITED']);
  expect(fourth.body?.data ?? null).toBeNull();
  const retryAfter = fourth.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(2);
  // nothing was executed for it
  expect(fourth.text).not.toContain('NHS_APP_MESSAGING');

  // a second key has its own bucket
  const others = await Promise.all([callAs(server.port, other, QUERY), callAs(server.port, other, QUERY), callAs(server.port, other, QUERY)]);
  expect(others.map((a) => a.status)).toEqual([200, 200, 200]);

  // half a second refills one token at 2 per second
  await sleep(600);
  const again = await callAs(server.port, key, QUERY);
  expect(again.status).toBe(200);
  expect(again.body?.errors).toBeUndefined();
  // and that token was the only one
  const tooSoon = await callAs(server.port, key, QUERY);
  expect(tooSoon.status).toBe(429);
  expect(errorCodes(tooSoon)).toEqual(['RATE_LIMITED']);
});

it('a mutation is limited the same way, and a refused one changes nothing', async () => {
  const key = await apiKey(hub, Role.ADMIN);
  const upsert = (n: number) => callAs(server.port, key, `mutation { upsertOrganisation(input: { odsCode: "RL${n}00", name: "Rate ${n}", type: OTHER }) { odsCode } }`);
  const answers = [];
  for (let n = 1; n <= 4; n += 1) answers.push(await upsert(n));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
  const rows: Array<{ ods_code: string }> = await hub.db.dataSource.query("SELECT ods_code FROM organisations WHERE ods_code LIKE 'RL%' ORDER BY ods_code");
  expect(rows.map((r) => r.ods_code)).toEqual(['RL100', 'RL200', 'RL300']);
});

it('requests without a key are refused as UNAUTHENTICATED before the limiter counts anything', async () => {
  const key = await apiKey(hub, Role.ANALYST);
  for (let i = 0; i < 5; i += 1) {
    const answer = await callAs(server.port, null, QUERY);
    expect(answer.status).toBe(401);
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
  }
  expect((await callAs(server.port, key, QUERY)).status).toBe(200);
});
