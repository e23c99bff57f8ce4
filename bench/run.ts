/**
 * `npm run bench [-- --quick] [--record] [--skip-metrics]`: every hot path of the hub beside a
 * floor the bench builds itself, measured in the same run on this machine.
 *
 * Needs DATABASE_URL naming a MariaDB/MySQL database whose name contains "bench" (it is
 * dropped and created again; default mysql://root@127.0.0.1:3306/hub_bench_scenarios). The metrics
 * scenario runs bench/metricsBench.ts against <database>_metrics (seeded once, kept; with
 * --quick, <database>_metrics_quick, seeded again at a small size each run).
 * REDIS_URL, when set, is handed to the hub (events then travel through Redis).
 * BENCH_PORT_BASE (default 47600) sets the loopback ports: base+1 hub, +2 floor, +3 provider.
 *
 * The hub runs as production does: `node dist/src/main.js` with NODE_ENV=production, in its
 * own process, on loopback. Writes latest.json and latest.md to bench/runs/ (git-ignored),
 * or to bench/results/ with --record. A missed target is printed, not failed.
 */
import 'reflect-metadata';
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/apiKeys';
import { ApiKeyStore } from '../src/auth/apiKeyStore';
import { openDatabase } from '../src/db/database';
import { OrganisationStore } from '../src/organisations/organisationStore';
import { systemClock } from '../src/shared/clock';
import { Role } from '../src/vocabulary/roles';
import { benchOutput, printableDatabaseUrl } from './benchOutput';
import { percentile, post, processCpuMs, rssSampler, runLoad, sleep } from './load';

const ROOT = join(__dirname, '..', '..');
/** BENCH_PORT_BASE moves the three loopback ports, so two benches can run side by side. */
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 47600);
const HUB_PORT = PORT_BASE + 1;
const FLOOR_PORT = PORT_BASE + 2;
const PROVIDER_PORT = PORT_BASE + 3;
const ORGS = ['B12001', 'B12002', 'B12003', 'B12004', 'B12005', 'B12006', 'B12007', 'B12008', 'B12009', 'B12010'];
const BODY = 'Your appointment is on Monday at 10am at the surgery. Please arrive 10 minutes early.';

interface Sizes {
  patients: number;
  acceptBatches: number;
  singles: number;
  inboxReads: number;
  dispatch: number;
  subscribers: number;
  eventsPerSecond: number;
  eventSeconds: number;
  metricsMessages: number;
}
const FULL: Sizes = { patients: 400, acceptBatches: 100, singles: 3000, inboxReads: 3000, dispatch: 5000, subscribers: 1000, eventsPerSecond: 100, eventSeconds: 10, metricsMessages: 1_000_000 };
const QUICK: Sizes = { patients: 40, acceptBatches: 10, singles: 200, inboxReads: 200, dispatch: 300, subscribers: 100, eventsPerSecond: 20, eventSeconds: 3, metricsMessages: 20_000 };

interface Line {
  scenario: string;
  figure: string;
  floor: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
  peakRssMb: number | null;
  detail?: Record<string, unknown>;
}

/** Every process the bench started, stopped if the bench fails half-way. */
const children = new Set<ChildProcess>();
let hubStarts = 0;
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

function nhsNumbers(count: number): string[] {
  const out: string[] = [];
  for (let base = 900_000_000; out.length < count; base += 1) {
    const digits = String(base).split('').map(Number);
    const check = 11 - (digits.reduce((sum, d, i) => sum + d * (10 - i), 0) % 11);
    if (check === 10) continue;
    out.push(`${base}${check === 11 ? 0 : check}`);
  }
  return out;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url.replace(/^mariadb:/i, 'mysql:')).pathname.replace(/^\//, ''));
}

function serverUrl(url: string): string {
  const parsed = new URL(url.replace(/^mariadb:/i, 'mysql:'));
  parsed.pathname = '/';
  return parsed.toString();
}

async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!/^[A-Za-z0-9_]*bench[A-Za-z0-9_]*$/.test(name)) throw new Error(`The bench drops its database; give it one whose name contains "bench" (got ${JSON.stringify(name)})`);
  const pool = createPool({ uri: serverUrl(url), connectionLimit: 1 });
  await pool.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await pool.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await pool.end();
}

interface Hub {
  process: ChildProcess;
  listeningAt: number;
  stop(): Promise<void>;
}

async function startHub(url: string, env: Record<string, string>): Promise<Hub> {
  mkdirSync(join(ROOT, 'bench', 'runs'), { recursive: true });
  const logFile = join(ROOT, 'bench', 'runs', `hub-${++hubStarts}.log`);
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(process.env.BENCH_HUB_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      WEBHOOK_SECRET: 'bench-webhook-secret',
      DATABASE_URL: url,
      PORT: String(HUB_PORT),
      SEED_DEMO: 'false',
      QUIET_HOURS: 'off',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000000',
      DISPATCHER: 'false',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...env,
    },
    // A file, not a pipe: a pipe the busy load generator reads late would block the hub's logging.
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const listeningAt = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the hub exited (${code}) before listening:\n${readFileSync(logFile, 'utf8').slice(-4000)}`));
    child.once('exit', onExit);
    const poll = setInterval(() => {
      if (readFileSync(logFile, 'utf8').includes('listening on http://')) {
        clearInterval(poll);
        child.off('exit', onExit);
        resolve(performance.now());
      }
    }, 20);
    child.once('exit', () => clearInterval(poll));
  });
  return {
    process: child,
    listeningAt,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

function startHelper(kind: 'inbox' | 'provider', port: number, url?: string): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'floorServers.js'), [kind, String(port), ...(url ? [url] : [])], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${kind} helper exited (${code})`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function sendInput(org: string, nhsNumber: string, key: string | null) {
  return { organisationOdsCode: org, nhsNumber, category: 'NHS_APP_MESSAGING', subject: 'Appointment', body: BODY, legalBasis: 'DIRECT_CARE', purpose: 'Appointment reminder', ...(key ? { idempotencyKey: key } : {}) };
}

const SEND_ONE = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { replayed message { id status } } }';
const SEND_MANY = 'mutation($input: SendMessagesInput!) { sendMessages(input: $input) { accepted rejected results { index error { code message } } } }';
const INBOX_HUB = 'query($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber givenName familyName messages(first: 20) { edges { cursor node { id status category subject body createdAt deliveryAttempts { id channel status sequence createdAt } } } } } }';
const INBOX_FLOOR = 'query($n: String!) { patient(nhsNumber: $n) { nhsNumber givenName familyName messages(first: 20) { edges { cursor node { id status category subject body createdAt deliveryAttempts { id channel status sequence createdAt } } } } } }';

async function rows(pool: Pool | PoolConnection, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const [result] = await pool.query(sql, params);
  return result as Array<Record<string, unknown>>;
}

async function insertRows(conn: Pool | PoolConnection, table: string, list: Array<Record<string, unknown>>): Promise<void> {
  if (list.length === 0) return;
  const columns = Object.keys(list[0]);
  await conn.query(`INSERT INTO ${table} (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [list.map((r) => columns.map((c) => r[c]))]);
}

async function resetFloorTables(pool: Pool): Promise<void> {
  for (const [floor, real] of [['floor_messages', 'messages'], ['floor_attempts', 'delivery_attempts'], ['floor_outbox', 'outbox']]) {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${floor} LIKE ${real}`);
    await pool.query(`TRUNCATE TABLE ${floor}`);
  }
}

/** The rows the hub wrote for these messages, to write again through the floor. */
async function capturedRows(pool: Pool, where: string, params: unknown[]) {
  const messages = await rows(pool, `SELECT * FROM messages WHERE ${where} ORDER BY created_at, id`, params);
  const ids = messages.map((m) => m.id);
  const byMessage = async (table: string) => {
    const found = ids.length ? await rows(pool, `SELECT * FROM ${table} WHERE message_id IN (?)`, [ids]) : [];
    const grouped = new Map<unknown, Array<Record<string, unknown>>>();
    for (const r of found) grouped.set(r.message_id, [...(grouped.get(r.message_id) ?? []), r]);
    return grouped;
  };
  return { messages, attempts: await byMessage('delivery_attempts'), outbox: await byMessage('outbox') };
}

function lineFor(scenario: string, figure: number, floor: number, unit: string, ratioTarget: number, extra: { p99?: number; p99Target?: number; minimum?: number; peakRssMb: number; detail?: Record<string, unknown> }): Line {
  const ratio = floor > 0 ? figure / floor : 0;
  let met = ratio >= ratioTarget;
  let target = `ratio ≥ ${ratioTarget.toFixed(2)}`;
  if (extra.p99Target !== undefined) {
    target += `, p99 ≤ ${extra.p99Target} ms`;
    met = met && (extra.p99 ?? Infinity) <= extra.p99Target;
  }
  if (extra.minimum !== undefined) {
    target += ` and ≥ ${extra.minimum.toLocaleString('en-GB')} ${unit}`;
    met = met && figure >= extra.minimum;
  }
  return {
    scenario,
    figure: `${round(figure).toLocaleString('en-GB')} ${unit}${extra.p99 !== undefined ? `, p99 ${round(extra.p99)} ms` : ''}`,
    floor: `${round(floor).toLocaleString('en-GB')} ${unit}`,
    ratio: round(ratio, 3),
    target,
    met,
    peakRssMb: extra.peakRssMb,
    detail: extra.detail,
  };
}

/** The hub's CPU milliseconds per unit of work between two readings of processCpuMs; null without /proc. */
function cpuPer(before: number | null, after: number | null, units: number): number | null {
  return before === null || after === null || units <= 0 ? null : round((after - before) / units, 2);
}

async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const sizes = quick ? QUICK : FULL;
  const url = process.env.DATABASE_URL?.trim() || 'mysql://root@127.0.0.1:3306/hub_bench_scenarios';
  if (!/^(mysql|mariadb):/i.test(url)) throw new Error('The bench needs a MariaDB/MySQL DATABASE_URL');
  process.stdout.write(`bench: database ${printableDatabaseUrl(url)}${quick ? ' (quick sizes)' : ''}\n`);
  const output = benchOutput(args, ROOT);
  const lines: Line[] = [];
  const started = performance.now();

  await recreateDatabase(url);
  const db = await openDatabase(url);
  const now = new Date();
  const patients = nhsNumbers(sizes.patients);
  await db.dataSource.query(`INSERT INTO organisations (ods_code, name, type, created_at, updated_at) VALUES ${ORGS.map(() => "(?, ?, 'GP_PRACTICE', ?, ?)").join(', ')}`, ORGS.flatMap((o) => [o, `Bench practice ${o}`, now, now]));
  await db.dataSource.query(
    `INSERT INTO patients (nhs_number, given_name, family_name, date_of_birth, mobile_number, email, postal_address, nhs_app_user, gp_practice_ods_code, created_at, updated_at) VALUES ${patients.map(() => '(?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)').join(', ')}`,
    patients.flatMap((n, i) => [n, `Given${i}`, `Family${i}`, '1970-01-01', '+447700900123', `p${i}@example.nhs.uk`, '1 High Street, Leeds, LS1 1AA', ORGS[0], now, now]),
  );
  const keyDeps = { apiKeys: new ApiKeyStore(db), organisations: new OrganisationStore(db), clock: systemClock };
  const senderKeys: string[] = [];
  for (const org of ORGS) senderKeys.push((await createApiKey(keyDeps, { role: Role.SENDER, organisationOdsCode: org, name: `bench ${org}` })).key);
  const dashboardKey = (await createApiKey(keyDeps, { role: Role.DASHBOARD, name: 'bench dashboard' })).key;
  const [{ version: mariadbVersion }] = await db.dataSource.query('SELECT VERSION() AS version');
  await db.close();

  const pool = createPool({ uri: url, connectionLimit: 32, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const hubUrl = new URL(`http://127.0.0.1:${HUB_PORT}/graphql`);
  const auth = { authorization: `Bearer ${senderKeys[0]}` };
  const gql = (query: string, variables: unknown, headers = auth) => post(agent, hubUrl, JSON.stringify({ query, variables }), headers);

  // ---- accept: sendMessages in batches of 100, 4 concurrent -------------------------------
  let hub = await startHub(url, {});
  {
    const batch = (b: number, prefix: string) => ({ messages: Array.from({ length: 100 }, (_, j) => sendInput(ORGS[0], patients[(b * 100 + j) % patients.length], `${prefix}-${b}-${j}`)) });
    for (let b = 0; b < 2; b += 1) await gql(SEND_MANY, { input: batch(b, 'warm') });
    const rss = rssSampler(hub.process.pid!);
    const cpuBefore = processCpuMs(hub.process.pid!);
    const load = await runLoad(4, sizes.acceptBatches, async (b) => {
      const answer = await gql(SEND_MANY, { input: batch(b, 'acc') });
      const accepted = (JSON.parse(answer.text) as { data?: { sendMessages?: { accepted: number } } }).data?.sendMessages?.accepted;
      return accepted === 100 ? null : answer.text.slice(0, 300);
    });
    const peak = rss.stop();
    const cpuMsPerMessage = cpuPer(cpuBefore, processCpuMs(hub.process.pid!), (load.requests - load.failures) * 100);
    if (load.failures) log(`accept: ${load.failures} batches failed, first: ${load.firstFailure}`);
    const hubRate = (load.requests - load.failures) * 100 / load.seconds;

    await resetFloorTables(pool);
    const captured = await capturedRows(pool, "idempotency_key LIKE 'acc-%'", []);
    const batches: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < captured.messages.length; i += 100) batches.push(captured.messages.slice(i, i + 100));
    const floorLoad = await runLoad(4, batches.length, async (i) => {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        await insertRows(conn, 'floor_messages', batches[i]);
        await insertRows(conn, 'floor_attempts', batches[i].flatMap((m) => captured.attempts.get(m.id) ?? []));
        await insertRows(conn, 'floor_outbox', batches[i].flatMap((m) => captured.outbox.get(m.id) ?? []));
        await conn.commit();
        return null;
      } finally {
        conn.release();
      }
    });
    const floorRate = captured.messages.length / floorLoad.seconds;
    lines.push(lineFor('accept: sendMessages, batches of 100, 4 concurrent', hubRate, floorRate, 'msg/s', 0.4, { peakRssMb: peak, detail: { batches: load.requests, failures: load.failures, p99BatchMs: round(percentile(load.latenciesMs, 99)), hubCpuMsPerMessage: cpuMsPerMessage } }));
    log(`accept ${round(hubRate)} msg/s vs floor ${round(floorRate)} msg/s (ratio ${round(hubRate / floorRate, 3)}), hub CPU ${cpuMsPerMessage} ms/message`);
  }

  // ---- single: sendMessage, concurrency 32 -----------------------------------------------
  {
    for (let i = 0; i < 64; i += 1) await gql(SEND_ONE, { input: sendInput(ORGS[0], patients[i % patients.length], `warm1-${i}`) });
    const rss = rssSampler(hub.process.pid!);
    const cpuBefore = processCpuMs(hub.process.pid!);
    const load = await runLoad(32, sizes.singles, async (i) => {
      const answer = await gql(SEND_ONE, { input: sendInput(ORGS[0], patients[i % patients.length], `one-${i}`) });
      return answer.text.includes('"status":"QUEUED"') ? null : answer.text.slice(0, 300);
    });
    const peak = rss.stop();
    const cpuMsPerRequest = cpuPer(cpuBefore, processCpuMs(hub.process.pid!), load.requests - load.failures);
    if (load.failures) log(`single: ${load.failures} failed, first: ${load.firstFailure}`);
    const hubRate = (load.requests - load.failures) / load.seconds;

    await resetFloorTables(pool);
    const captured = await capturedRows(pool, "idempotency_key LIKE 'one-%'", []);
    const floorLoad = await runLoad(32, captured.messages.length, async (i) => {
      const message = captured.messages[i];
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        await conn.query('SELECT nhs_number FROM patients WHERE nhs_number = ? FOR UPDATE', [message.nhs_number]);
        await insertRows(conn, 'floor_messages', [message]);
        await insertRows(conn, 'floor_attempts', captured.attempts.get(message.id) ?? []);
        await insertRows(conn, 'floor_outbox', captured.outbox.get(message.id) ?? []);
        await conn.commit();
        return null;
      } finally {
        conn.release();
      }
    });
    const floorRate = captured.messages.length / floorLoad.seconds;
    const p99 = percentile(load.latenciesMs, 99);
    lines.push(lineFor('single: sendMessage, concurrency 32', hubRate, floorRate, 'req/s', 0.3, { p99, p99Target: 100, peakRssMb: peak, detail: { requests: load.requests, failures: load.failures, floorP99Ms: round(percentile(floorLoad.latenciesMs, 99)), hubCpuMsPerRequest: cpuMsPerRequest } }));
    log(`single ${round(hubRate)} req/s p99 ${round(p99)} ms vs floor ${round(floorRate)} req/s (ratio ${round(hubRate / floorRate, 3)}), hub CPU ${cpuMsPerRequest} ms/request`);
  }

  // ---- inbox read: a patient's 20 messages with attempts, SENDER key, concurrency 16 ------
  {
    const floor = await startHelper('inbox', FLOOR_PORT, url);
    const floorUrl = new URL(`http://127.0.0.1:${FLOOR_PORT}/graphql`);
    const read = (target: URL, query: string) => async (i: number) => {
      const answer = await post(agent, target, JSON.stringify({ query, variables: { n: patients[i % patients.length] } }), auth);
      const parsed = JSON.parse(answer.text) as { data?: { patient?: { messages: { edges: unknown[] } } }; errors?: unknown };
      return parsed.data?.patient?.messages.edges.length === 20 && !parsed.errors ? null : answer.text.slice(0, 300);
    };
    for (let i = 0; i < 100; i += 1) {
      await read(hubUrl, INBOX_HUB)(i);
      await read(floorUrl, INBOX_FLOOR)(i);
    }
    const rss = rssSampler(hub.process.pid!);
    const cpuBefore = processCpuMs(hub.process.pid!);
    const load = await runLoad(16, sizes.inboxReads, read(hubUrl, INBOX_HUB));
    const peak = rss.stop();
    const cpuMsPerRequest = cpuPer(cpuBefore, processCpuMs(hub.process.pid!), load.requests - load.failures);
    const floorLoad = await runLoad(16, sizes.inboxReads, read(floorUrl, INBOX_FLOOR));
    await stopChild(floor);
    if (load.failures) log(`inbox: ${load.failures} failed, first: ${load.firstFailure}`);
    if (floorLoad.failures) log(`inbox floor: ${floorLoad.failures} failed, first: ${floorLoad.firstFailure}`);
    const p99 = percentile(load.latenciesMs, 99);
    lines.push(
      lineFor('inbox read: 20 messages with attempts, SENDER key, concurrency 16', (load.requests - load.failures) / load.seconds, (floorLoad.requests - floorLoad.failures) / floorLoad.seconds, 'req/s', 0.6, {
        p99,
        p99Target: 25,
        peakRssMb: peak,
        detail: { requests: load.requests, failures: load.failures, floorP99Ms: round(percentile(floorLoad.latenciesMs, 99)), hubCpuMsPerRequest: cpuMsPerRequest },
      }),
    );
    log(`inbox ${round(load.requests / load.seconds)} req/s p99 ${round(p99)} ms vs floor ${round(floorLoad.requests / floorLoad.seconds)} req/s (ratio ${lines[lines.length - 1].ratio}), hub CPU ${cpuMsPerRequest} ms/request`);
  }
  await hub.stop();

  // ---- dispatch: N queued messages to an HTTP provider on loopback ------------------------
  {
    const provider = await startHelper('provider', PROVIDER_PORT);
    const providerUrl = `http://127.0.0.1:${PROVIDER_PORT}/send`;
    const queued = await rows(pool, "SELECT id FROM outbox WHERE kind = 'DISPATCH' ORDER BY id LIMIT 1 OFFSET ?", [sizes.dispatch - 1]);
    if (queued.length === 0) throw new Error(`fewer than ${sizes.dispatch} messages are queued for the dispatch scenario`);
    const boundary = queued[0].id;
    await resetFloorTables(pool);
    await pool.query("INSERT INTO floor_outbox SELECT * FROM outbox WHERE kind = 'DISPATCH' AND id <= ?", [boundary]);
    await pool.query('INSERT INTO floor_attempts SELECT a.* FROM delivery_attempts a JOIN floor_outbox o ON o.attempt_id = a.id');
    await pool.query("DELETE FROM outbox WHERE kind = 'DISPATCH' AND id > ?", [boundary]);

    hub = await startHub(url, { DISPATCHER: 'true', PROVIDER_URL_NHS_APP: providerUrl, PROVIDER_URL_SMS: providerUrl, PROVIDER_URL_EMAIL: providerUrl, PROVIDER_URL_LETTER: providerUrl });
    const rss = rssSampler(hub.process.pid!);
    const deadline = performance.now() + (quick ? 60_000 : 300_000);
    let left = sizes.dispatch;
    while (left > 0 && performance.now() < deadline) {
      await sleep(50);
      left = Number((await rows(pool, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'DISPATCH'"))[0].n);
    }
    const seconds = (performance.now() - hub.listeningAt) / 1000;
    const peak = rss.stop();
    await hub.stop();
    const sent = Number((await rows(pool, "SELECT COUNT(*) AS n FROM delivery_attempts a JOIN floor_attempts f ON f.id = a.id WHERE a.status <> 'PENDING'"))[0].n);
    const hubRate = (sizes.dispatch - left) / seconds;

    const providerAgent = new Agent({ keepAlive: true, maxSockets: 50 });
    const floorStart = performance.now();
    for (;;) {
      const conn = await pool.getConnection();
      let claimed: Array<Record<string, unknown>>;
      try {
        await conn.beginTransaction();
        claimed = await rows(conn, "SELECT o.id, o.attempt_id, a.message_id FROM floor_outbox o JOIN floor_attempts a ON a.id = o.attempt_id WHERE o.due_at <= '2100-01-01' ORDER BY o.due_at LIMIT 50 FOR UPDATE OF o SKIP LOCKED");
        if (claimed.length) await conn.query("UPDATE floor_outbox SET claimed_by = 'floor', claimed_until = '2100-01-01' WHERE id IN (?)", [claimed.map((c) => c.id)]);
        await conn.commit();
      } catch {
        // MariaDB before 10.6 has no FOR UPDATE OF: lock the outbox rows alone.
        await conn.rollback();
        await conn.beginTransaction();
        claimed = await rows(conn, "SELECT o.id, o.attempt_id, o.message_id FROM floor_outbox o WHERE o.due_at <= '2100-01-01' ORDER BY o.due_at LIMIT 50 FOR UPDATE SKIP LOCKED");
        if (claimed.length) await conn.query("UPDATE floor_outbox SET claimed_by = 'floor', claimed_until = '2100-01-01' WHERE id IN (?)", [claimed.map((c) => c.id)]);
        await conn.commit();
      } finally {
        conn.release();
      }
      if (claimed.length === 0) break;
      const references = await Promise.all(claimed.map(async (c) => JSON.parse((await post(providerAgent, new URL(providerUrl), JSON.stringify({ attemptId: c.attempt_id, messageId: c.message_id, channel: 'NHS_APP', subject: 'Appointment', body: BODY }), { 'Idempotency-Key': String(c.attempt_id) })).text).providerReference as string));
      await pool.query(`UPDATE floor_attempts SET status = 'SENT', sent_at = NOW(3), provider_reference = CASE id ${claimed.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (?)`, [...claimed.flatMap((c, i) => [c.attempt_id, references[i]]), claimed.map((c) => c.attempt_id)]);
      await pool.query('DELETE FROM floor_outbox WHERE id IN (?)', [claimed.map((c) => c.id)]);
    }
    const floorRate = sizes.dispatch / ((performance.now() - floorStart) / 1000);
    providerAgent.destroy();
    await stopChild(provider);
    lines.push(lineFor(`dispatch: ${sizes.dispatch.toLocaleString('en-GB')} queued messages to an HTTP provider on loopback`, hubRate, floorRate, 'msg/s', 0.4, { minimum: 1000, peakRssMb: peak, detail: { left, attemptsNoLongerPending: sent } }));
    log(`dispatch ${round(hubRate)} msg/s (left ${left}) vs floor ${round(floorRate)} msg/s`);
  }

  // ---- subscriptions: subscribers while events are committed ------------------------------
  {
    hub = await startHub(url, {});
    const after = String((await rows(pool, 'SELECT COALESCE(MAX(sequence), 0) AS id FROM hub_events'))[0].id);
    const received = new Map<number, number>();
    const latencies: number[] = [];
    const clients = Array.from({ length: sizes.subscribers }, (_, i) => {
      const org = i % ORGS.length;
      const client = createClient({ url: `ws://127.0.0.1:${HUB_PORT}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: dashboardKey }, lazy: false, retryAttempts: 0 });
      received.set(i, 0);
      client.subscribe<{ deliveryEvents: { id: string; occurredAt: string } }>(
        { query: 'subscription($after: ID, $org: String!) { deliveryEvents(after: $after, filter: { organisationOdsCodes: [$org] }) { id occurredAt organisationOdsCode type messageId } }', variables: { after, org: ORGS[org] } },
        {
          next: (value) => {
            const event = value.data?.deliveryEvents;
            if (!event) return;
            latencies.push(Date.now() - Date.parse(event.occurredAt));
            received.set(i, (received.get(i) ?? 0) + 1);
          },
          error: (error) => log(`subscriber ${i}: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
          complete: () => undefined,
        },
      );
      return client;
    });
    await sleep(quick ? 2000 : 8000);
    const rss = rssSampler(hub.process.pid!);
    const total = sizes.eventsPerSecond * sizes.eventSeconds;
    const sendStart = performance.now();
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < total; i += 1) {
      const due = sendStart + (i * 1000) / sizes.eventsPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const org = i % ORGS.length;
      sends.push(gql(SEND_ONE, { input: sendInput(ORGS[org], patients[i % patients.length], `sub-${i}`) }, { authorization: `Bearer ${senderKeys[org]}` }));
    }
    await Promise.all(sends);
    await sleep(3000);
    const peak = rss.stop();
    const expected = await rows(pool, 'SELECT organisation_ods_code AS org, COUNT(*) AS n FROM hub_events WHERE sequence > ? GROUP BY organisation_ods_code', [after]);
    const expectedByOrg = new Map(expected.map((r) => [String(r.org), Number(r.n)]));
    let missed = 0;
    for (const [i, count] of received) missed += Math.max(0, (expectedByOrg.get(ORGS[i % ORGS.length]) ?? 0) - count);
    await Promise.all(clients.map((c) => c.dispose()));
    await hub.stop();
    const p99 = percentile(latencies, 99);
    const committed = [...expectedByOrg.values()].reduce((a, b) => a + b, 0);
    lines.push({
      scenario: `subscriptions: ${sizes.subscribers.toLocaleString('en-GB')} subscribers (${ORGS.length} organisations), ${sizes.eventsPerSecond} events/s committed`,
      figure: `p99 ${round(p99)} ms commit→receipt, ${missed} missed of ${latencies.length + missed} deliveries`,
      floor: '-',
      ratio: null,
      target: 'p99 ≤ 100 ms, none missed',
      met: p99 <= 100 && missed === 0 && latencies.length > 0,
      peakRssMb: peak,
      detail: { eventsCommitted: committed, deliveries: latencies.length, p50Ms: round(percentile(latencies, 50)), p99Ms: round(p99), maxMs: round(Math.max(...latencies)) },
    });
    log(`subscriptions p99 ${round(p99)} ms, ${missed} missed`);
  }
  await pool.end();
  agent.destroy();

  // ---- metrics queries and rollup refresh (bench/metricsBench.ts) -------------------------
  if (!args.includes('--skip-metrics')) {
    const metricsUrl = url.replace(/\/([^/?]+)(\?|$)/, (_m, name: string, tail: string) => `/${name}_metrics${quick ? '_quick' : ''}${tail}`);
    const metricsArgs = ['--messages', String(sizes.metricsMessages), ...(quick ? ['--reset'] : []), ...(output.recorded ? ['--record'] : [])];
    const runMetrics = (extra: string[]) => spawnSync(process.execPath, [join(__dirname, 'metricsBench.js'), ...metricsArgs, ...extra], { env: { ...process.env, DATABASE_URL: metricsUrl }, stdio: ['ignore', 'inherit', 'inherit'] });
    const startedMetrics = performance.now();
    let result = runMetrics([]);
    if (result.status === 2) result = runMetrics(['--reset']);
    const file = join(output.dir, `metrics-${/mariadb/i.test(mariadbVersion) ? 'mariadb' : 'mysql'}.json`);
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as { rows: { hubSentMessages: number }; results: Array<{ id: string; query: string; medianMs: number; maxMs: number }> };
    for (const t of metrics.results) {
      const isRefresh = t.id === 'd';
      lines.push({
        scenario: isRefresh ? `rollup refresh per 1,000 changed messages (${metrics.rows.hubSentMessages.toLocaleString('en-GB')} messages)` : `metrics: ${t.query} (${metrics.rows.hubSentMessages.toLocaleString('en-GB')} messages)`,
        figure: `median ${t.medianMs} ms, max ${t.maxMs} ms`,
        floor: '-',
        ratio: null,
        target: isRefresh ? '≤ 1,000 ms' : '< 1,000 ms',
        met: isRefresh ? t.medianMs <= 1000 : t.medianMs < 1000,
        peakRssMb: null,
      });
    }
    log(`metrics took ${round((performance.now() - startedMetrics) / 1000)} s`);
  }

  const peakAll = Math.max(...lines.map((l) => l.peakRssMb ?? 0));
  lines.push({ scenario: 'memory: the hub’s peak RSS over every scenario above', figure: `${peakAll} MB`, floor: '-', ratio: null, target: '< 512 MB', met: peakAll < 512, peakRssMb: peakAll });

  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, mariadb: String(mariadbVersion), quick };
  const header = `Hub benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, MariaDB ${machine.mariadb}${quick ? ' — quick sizes, not a speed measurement' : ''}`;
  const table = [
    '| scenario | hub | floor, same run | ratio | target | met | hub peak RSS |',
    '|---|---|---|---|---|---|---|',
    ...lines.map((l) => `| ${l.scenario} | ${l.figure} | ${l.floor} | ${l.ratio ?? '-'} | ${l.target} | ${l.met === null ? '-' : l.met ? 'yes' : 'no'} | ${l.peakRssMb === null ? '-' : `${l.peakRssMb} MB`} |`),
  ].join('\n');
  mkdirSync(output.dir, { recursive: true });
  writeFileSync(join(output.dir, 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, sizes, seconds: round((performance.now() - started) / 1000), lines }, null, 2)}\n`);
  writeFileSync(join(output.dir, 'latest.md'), `${header}\n\n${table}\n`);
  process.stdout.write(`\n${header}\n\n${table}\n\nbench: wrote ${join(output.dir, 'latest.json')} and latest.md${output.recorded ? ' (recorded)' : ' (not recorded: add -- --record to update bench/results/)'}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  },
);
