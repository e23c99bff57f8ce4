/**
 * Scenario 3, Redis outage: two hubs share one database and a Redis server of the
 * scenario's own; subscribers on both follow the delivery events while sends keep coming
 * through both. Redis is stopped for 10 s and started again. Sends never fail, the hubs
 * say not-ready while Redis is away, and every subscriber ends with every event exactly
 * once, each message's events in order.
 */
import type { Connection as SqlConnection } from 'mysql2/promise';
import { Collector, connect, type Connection, DELIVERY_EVENTS } from '../support/subscriptions';
import { graphql, type Keys, prepareDatabase, probe, reliabilityDatabaseUrl, rows, sendOne, sendInput, sqlConnection, unfinished } from './support/client';
import { type HubProcess, hubEnv, type RedisProcess, sleep, startHub, startRedis, waitUntil } from './support/processes';
import { type Recorder, startRecorder } from './support/recorder';

const OUTAGE_MS = 10_000;
const SUBSCRIBERS_PER_HUB = 3;

let redis: RedisProcess;
let recorder: Recorder;
let hubs: HubProcess[] = [];
let sql: SqlConnection;
let keys: Keys;
const connections: Connection[] = [];

beforeAll(async () => {
  const databaseUrl = reliabilityDatabaseUrl();
  keys = await prepareDatabase(databaseUrl);
  sql = await sqlConnection(databaseUrl);
  redis = await startRedis();
  recorder = await startRecorder({ latencyMs: 20 });
  const env = hubEnv(databaseUrl, recorder.url, { REDIS_URL: redis.url });
  hubs = await Promise.all([startHub('hub A', env), startHub('hub B', env)]);
  recorder.receiptTargets = hubs.map((hub) => hub.base);
}, 180_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose().catch(() => undefined)));
  await Promise.all(hubs.map((hub) => hub.stop()));
  await recorder?.close();
  await redis?.stop();
  await sql?.end();
}, 60_000);

it('loses no event across a 10 s Redis outage: every subscriber gets every event once, in order', async () => {
  const latest = await graphql(hubs[0].base, keys.dashboard, '{ latestEventId }');
  const start = latest.body?.data?.latestEventId as string;
  expect(start).toMatch(/^\d+$/);

  const collectors: Collector[] = [];
  for (const hub of hubs) {
    for (let i = 0; i < SUBSCRIBERS_PER_HUB; i += 1) {
      const connection = connect(hub.port, { authorization: `Bearer ${keys.dashboard}` });
      connections.push(connection);
      await connection.connected;
      collectors.push(new Collector(connection.client, DELIVERY_EVENTS, { after: start }));
    }
  }

  const accepted: string[] = [];
  const refused: unknown[] = [];
  let sending = true;
  let n = 0;
  const sender = (async () => {
    while (sending) {
      const hub = hubs[n % hubs.length];
      const { id, answer } = await sendOne(hub.base, keys.admin, sendInput(n, { timeCritical: n % 5 === 0 }));
      n += 1;
      if (id) accepted.push(id);
      else refused.push(answer.body);
      await sleep(100);
    }
  })();

  await sleep(4_000);
  await redis.stop();
  const outageStarted = Date.now();
  for (const hub of hubs) await waitUntil(async () => (await probe(hub.base, '/readyz')) === 503, `${hub.name} to say not-ready without Redis`, 8_000, 200);
  const sentBeforeOutage = accepted.length;
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
  const sentDuringOutage = accepted.length - sentBeforeOutage;
  await redis.start();
  for (const hub of hubs) await waitUntil(async () => (await probe(hub.base, '/readyz')) === 200, `${hub.name} to be ready again`, 20_000, 200);
  await sleep(4_000);
  sending = false;
  await sender;

  // The hubs kept accepting sends throughout.
  expect(refused).toEqual([]);
  expect(sentDuringOutage).toBeGreaterThan(10);

  await waitUntil(async () => (await unfinished(sql, accepted)).length === 0, 'every message delivered', 60_000, 500);
  const stored = await rows<{ id: string; message_id: string }>(sql, "SELECT sequence AS id, message_id FROM hub_events WHERE kind = 'DELIVERY' AND sequence > ? ORDER BY sequence", [start]);
  const expected = stored.map((row) => String(row.id));
  expect(expected.length).toBeGreaterThan(accepted.length * 2);

  for (const [i, collector] of collectors.entries()) {
    await collector.until((events) => events.length >= expected.length, `subscriber ${i} to have all ${expected.length} events`, 30_000).catch((error) => {
      const got = new Set(collector.events.map((e) => e.id));
      throw new Error(`${error.message.slice(0, 300)}; missing ${JSON.stringify(expected.filter((id) => !got.has(id)).slice(0, 20))}`);
    });
    // A moment more: anything extra (a duplicate) would arrive now.
    await sleep(200);
    const ids = collector.events.map((e) => String(e.id));
    expect({ subscriber: i, duplicates: ids.length - new Set(ids).size }).toEqual({ subscriber: i, duplicates: 0 });
    expect({ subscriber: i, ids: [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) }).toEqual({ subscriber: i, ids: expected });
    const lastByMessage = new Map<string, bigint>();
    for (const event of collector.events) {
      const id = BigInt(event.id);
      const previous = lastByMessage.get(event.messageId);
      expect({ subscriber: i, message: event.messageId, inOrder: previous === undefined || previous < id }).toEqual({ subscriber: i, message: event.messageId, inOrder: true });
      lastByMessage.set(event.messageId, id);
    }
    expect(collector.errors).toEqual([]);
  }
}, 300_000);
