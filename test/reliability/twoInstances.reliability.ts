/**
 * Scenario 5, two instances: two hubs, each with its dispatcher, on one database and one
 * Redis. One is killed with SIGKILL while sends and dispatches are in flight; the other
 * finishes all the work, and no attempt is sent under two keys or recorded twice.
 */
import type { Connection as SqlConnection } from 'mysql2/promise';
import { auditDeliveries, CLEAN_AUDIT, type Keys, prepareDatabase, reliabilityDatabaseUrl, rows, sendOne, sendInput, sqlConnection, unfinished, withoutReplays } from './support/client';
import { type HubProcess, hubEnv, type RedisProcess, startHub, startRedis, waitUntil } from './support/processes';
import { type Recorder, startRecorder } from './support/recorder';

const MESSAGES = 150;

let redis: RedisProcess;
let recorder: Recorder;
let hubs: HubProcess[] = [];
let sql: SqlConnection;
let keys: Keys;

beforeAll(async () => {
  const databaseUrl = reliabilityDatabaseUrl();
  keys = await prepareDatabase(databaseUrl);
  sql = await sqlConnection(databaseUrl);
  redis = await startRedis();
  // Slow enough that the killed hub dies with provider calls in flight.
  recorder = await startRecorder({ latencyMs: 150, errorRate: 0.1 });
  const env = hubEnv(databaseUrl, recorder.url, { REDIS_URL: redis.url, DISPATCH_LEASE_MS: '4000' });
  hubs = await Promise.all([startHub('hub A', env), startHub('hub B', env)]);
  recorder.receiptTargets = hubs.map((hub) => hub.base);
}, 180_000);

afterAll(async () => {
  await Promise.all(hubs.map((hub) => hub.stop()));
  await recorder?.close();
  await redis?.stop();
  await sql?.end();
}, 60_000);

it('the surviving hub finishes everything after the other is SIGKILLed, with no double sends', async () => {
  const [a, b] = hubs;
  const accepted: string[] = [];
  // Sends go through both hubs concurrently, in two streams.
  const stream = async (from: number) => {
    for (let n = from; n < MESSAGES; n += 2) {
      const target = hubs[n % 2].child.exitCode === null && hubs[n % 2].child.signalCode === null ? hubs[n % 2] : b;
      let result = await sendOne(target.base, keys.admin, sendInput(n, { timeCritical: n % 3 === 0 }));
      // A send cut off by the kill is retried on the survivor with the same idempotency key.
      if (!result.id) result = await sendOne(b.base, keys.admin, sendInput(n, { timeCritical: n % 3 === 0 }));
      if (!result.id) throw new Error(`send ${n} refused: ${JSON.stringify(result.answer.body)}`);
      accepted.push(result.id);
    }
  };
  const sending = Promise.all([stream(0), stream(1)]);

  await waitUntil(() => recorder.calls.length >= 40, 'dispatches to be under way', 60_000, 50);
  const aWasDispatching = recorder.calls.length;
  await a.kill();
  expect(a.child.signalCode).toBe('SIGKILL');
  await sending;
  expect(new Set(accepted).size).toBe(MESSAGES);
  expect(aWasDispatching).toBeGreaterThan(0);

  await waitUntil(async () => (await unfinished(sql, accepted)).length === 0, async () => `all messages finished; open ${JSON.stringify(await unfinished(sql, accepted))}`, 120_000, 500);
  const audit = await auditDeliveries(sql, recorder, accepted);
  expect(withoutReplays(audit)).toEqual(CLEAN_AUDIT);
  const statuses = await rows<{ status: string; n: number }>(sql, 'SELECT status, COUNT(*) AS n FROM messages WHERE id IN (?) GROUP BY status', [accepted]);
  expect(Object.fromEntries(statuses.map((row) => [row.status, Number(row.n)]))).toEqual({ DELIVERED: MESSAGES });
}, 300_000);
