/**
 * Scenario 2, database faults, on a MariaDB server of the scenario's own: every connection
 * of the hub is killed mid-run (KILL from the processlist), then the server is stopped and
 * started again. The hub says not-ready while the database is down and recovers without a
 * restart; requests meanwhile get a coded error quickly; nothing accepted is lost and no
 * attempt is sent twice.
 */
import type { Connection as SqlConnection } from 'mysql2/promise';
import { auditDeliveries, CLEAN_AUDIT, type Keys, prepareDatabase, probe, rows, sendOne, sendInput, sqlConnection, unfinished, withoutReplays } from './support/client';
import { type HubProcess, hubEnv, type MariaDbProcess, sleep, startHub, startMariaDb, waitUntil } from './support/processes';
import { type Recorder, startRecorder } from './support/recorder';

const DATABASE = 'hub_reliability';

let mariadb: MariaDbProcess;
let databaseUrl: string;
let recorder: Recorder;
let hub: HubProcess;
let keys: Keys;

async function admin<T>(work: (sql: SqlConnection) => Promise<T>): Promise<T> {
  const sql = await sqlConnection(`${mariadb.serverUrl}/${DATABASE}`);
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

beforeAll(async () => {
  mariadb = await startMariaDb();
  const bootstrap = await sqlConnection(mariadb.serverUrl);
  await bootstrap.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await bootstrap.end();
  databaseUrl = `${mariadb.serverUrl}/${DATABASE}`;
  keys = await prepareDatabase(databaseUrl);
  // Suppliers answer a little slowly, so provider calls are in flight when the database goes.
  recorder = await startRecorder({ latencyMs: 400 });
  hub = await startHub('hub', hubEnv(databaseUrl, recorder.url, { DISPATCH_LEASE_MS: '4000' }));
  recorder.receiptTargets = [hub.base];
}, 240_000);

afterAll(async () => {
  await hub?.stop();
  await recorder?.close();
  await mariadb?.destroy();
}, 60_000);

it('survives killed connections and a database restart: not ready while down, coded errors fast, nothing lost, nothing sent twice', async () => {
  const accepted: string[] = [];
  let next = 0;
  const sendSome = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      const { id } = await sendOne(hub.base, keys.admin, sendInput(next, { timeCritical: next % 4 === 0 }));
      next += 1;
      if (id) accepted.push(id);
    }
  };

  await sendSome(30);
  expect(accepted).toHaveLength(30);
  expect(await probe(hub.base, '/readyz')).toBe(200);

  // 1. Kill every connection the hub holds, while its dispatcher is busy.
  const openBeforeKill = await admin((sql) => unfinished(sql, accepted));
  expect(openBeforeKill.length).toBeGreaterThan(0);
  const killed = await admin(async (sql) => {
    const mine = await rows<{ id: number }>(sql, 'SELECT CONNECTION_ID() AS id');
    const theirs = await rows<{ ID: number }>(sql, 'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> ?', [DATABASE, mine[0].id]);
    for (const row of theirs) await sql.query(`KILL ${Number(row.ID)}`).catch(() => undefined);
    return theirs.length;
  });
  expect(killed).toBeGreaterThan(0);
  // The pool replaces the dead connections: sends go on without a restart.
  await waitUntil(async () => (await sendOne(hub.base, keys.admin, sendInput(next++))).id !== null, 'a send to succeed after the kill', 20_000, 200);
  await sendSome(20);

  // 2. Stop the database.
  const sendsBefore = accepted.length;
  await mariadb.stop();
  await waitUntil(async () => (await probe(hub.base, '/readyz')) === 503, 'readyz to answer 503 while the database is down', 15_000, 200);
  expect(await probe(hub.base, '/healthz')).toBe(200);
  const during = [];
  for (let i = 0; i < 5; i += 1) during.push(await sendOne(hub.base, keys.admin, sendInput(next++)));
  for (const { id, answer } of during) {
    expect(id).toBeNull();
    // Quickly, with a contract error code, not a hang.
    expect(answer.ms).toBeLessThan(5_000);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(answer.body?.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  }
  await sleep(3_000);
  expect(await probe(hub.base, '/readyz')).toBe(503);

  // 3. Start it again: the same hub process recovers by itself.
  await mariadb.start();
  const restartedAt = Date.now();
  await waitUntil(async () => (await probe(hub.base, '/readyz')) === 200, 'readyz to recover', 60_000, 250);
  await waitUntil(async () => (await sendOne(hub.base, keys.admin, sendInput(next++))).id !== null, 'a send to succeed after the restart', 30_000, 250);
  await sendSome(20);
  expect(accepted.length).toBeGreaterThanOrEqual(sendsBefore + 20);
  expect(hub.child.exitCode).toBeNull();

  // Every accepted message was sent (the dispatcher resumed on its own), once per attempt.
  await admin(async (sql) => {
    const ids = [...accepted];
    // The ids of the sends that succeeded while waiting for recovery count as accepted too.
    for (const row of await rows<{ id: string }>(sql, 'SELECT id FROM messages')) if (!ids.includes(row.id)) ids.push(row.id);
    await waitUntil(async () => (await unfinished(sql, ids)).length === 0, async () => `all accepted messages terminal; open: ${JSON.stringify(await unfinished(sql, ids))}\n${hub.output.join('').slice(-3000)}`, 120_000, 500);
    const audit = await auditDeliveries(sql, recorder, accepted);
    expect(withoutReplays(audit)).toEqual(CLEAN_AUDIT);
    const failed = await rows<{ n: number }>(sql, "SELECT COUNT(*) AS n FROM messages WHERE id IN (?) AND status = 'FAILED'", [accepted]);
    expect(Number(failed[0].n)).toBe(0);
    // The rollup refresher resumed too: its watermark moved past the restart.
    await waitUntil(async () => {
      const [state] = await rows<{ value: string }>(sql, "SELECT value FROM hub_state WHERE name = 'rollups.watermark'");
      return Number(state?.value ?? 0) > restartedAt;
    }, 'the rollup refresher to run after the restart', 30_000, 500);
  });
}, 300_000);
