/**
 * Scenario 6, crash: batched sends into one hub that is killed with kill -9 three times
 * and started again each time. Time-critical messages (SMS first) are in the mix, and NHS
 * App messages fall back when unread after a shortened timeout. The client retries a batch
 * cut off by a kill with the same idempotency keys. In the end every accepted message is
 * terminal and no message has two attempts on one channel or a channel sent under two keys.
 */
import type { Connection as SqlConnection } from 'mysql2/promise';
import { auditDeliveries, CLEAN_AUDIT, type Keys, prepareDatabase, probe, reliabilityDatabaseUrl, rows, sendBatch, sendInput, sqlConnection, unfinished, withoutReplays } from './support/client';
import { freePort, type HubProcess, hubEnv, sleep, startHub, waitUntil } from './support/processes';
import { type Recorder, startRecorder } from './support/recorder';

const BATCHES = 12;
const BATCH_SIZE = 50;
const KILLS = 3;
/** About 1.8 s: NHS App messages still unread then fall back to SMS. */
const UNREAD_FALLBACK_HOURS = '0.0005';

let recorder: Recorder;
let hub: HubProcess;
let env: Record<string, string>;
let port: number;
let sql: SqlConnection;
let keys: Keys;

beforeAll(async () => {
  const databaseUrl = reliabilityDatabaseUrl();
  keys = await prepareDatabase(databaseUrl);
  sql = await sqlConnection(databaseUrl);
  recorder = await startRecorder({ latencyMs: 30, errorRate: 0.05 });
  env = hubEnv(databaseUrl, recorder.url, { UNREAD_FALLBACK_HOURS, DISPATCH_LEASE_MS: '4000' });
  port = await freePort();
  hub = await startHub('hub', env, port);
  recorder.receiptTargets = [hub.base];
}, 180_000);

afterAll(async () => {
  await hub?.stop();
  await recorder?.close();
  await sql?.end();
}, 60_000);

it('after three kill -9s every accepted message is terminal and no channel is attempted twice', async () => {
  const ids: Array<string | null> = Array.from({ length: BATCHES * BATCH_SIZE }, () => null);
  let batchesDone = 0;
  let restarting = false;

  const sender = (async () => {
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const inputs = Array.from({ length: BATCH_SIZE }, (_, i) => {
        const n = batch * BATCH_SIZE + i;
        return sendInput(n, { timeCritical: n % 4 === 0 });
      });
      for (let tries = 0; ; tries += 1) {
        try {
          if (restarting) throw new Error('hub restarting');
          const result = await sendBatch(hub.base, keys.admin, inputs);
          result.forEach((id, i) => (ids[batch * BATCH_SIZE + i] = id));
          break;
        } catch (error) {
          if (tries > 200) throw error;
          await sleep(250);
        }
      }
      batchesDone += 1;
    }
  })();

  for (let kill = 1; kill <= KILLS; kill += 1) {
    await waitUntil(() => batchesDone >= kill * 3, `batch ${kill * 3}`, 120_000, 20);
    // Mid-batch, with dispatches in flight.
    await sleep(150);
    restarting = true;
    await hub.kill();
    await sleep(300);
    hub = await startHub('hub', env, port);
    restarting = false;
  }
  await sender;

  const accepted = ids.filter((id): id is string => id !== null);
  expect(accepted).toHaveLength(BATCHES * BATCH_SIZE);
  expect(new Set(accepted).size).toBe(accepted.length);
  expect(await probe(hub.base, '/readyz')).toBe(200);

  await waitUntil(async () => (await unfinished(sql, accepted)).length === 0, async () => `every message terminal; open ${(await unfinished(sql, accepted)).length}`, 180_000, 1000);

  const audit = await auditDeliveries(sql, recorder, accepted);
  expect(withoutReplays(audit)).toEqual(CLEAN_AUDIT);
  // The mix really contained both paths.
  const fellBack = await rows<{ n: number }>(sql, "SELECT COUNT(*) AS n FROM delivery_attempts WHERE message_id IN (?) AND channel = 'SMS' AND sequence > 1", [accepted]);
  const timeCritical = await rows<{ n: number }>(sql, 'SELECT COUNT(*) AS n FROM messages WHERE id IN (?) AND time_critical = 1', [accepted]);
  expect(Number(fellBack[0].n)).toBeGreaterThan(0);
  expect(Number(timeCritical[0].n)).toBe(BATCHES * BATCH_SIZE / 4);
}, 420_000);
