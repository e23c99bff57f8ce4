/**
 * Scenario 4, soak: three minutes of mixed load at a fixed rate (70% reads, 25% sends, 5%
 * delivery receipts) with 200 subscribers connected (twenty dashboards for each of ten
 * organisations). No request gets an error answer, the hub's resident memory after
 * warm-up grows less than 10%, and its event-loop delay p99 stays under 50 ms.
 */
import type { Connection as SqlConnection } from 'mysql2/promise';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Collector, connect, type Connection, DELIVERY_EVENTS } from '../support/subscriptions';
import { type Answer, graphql, type Keys, prepareDatabase, reliabilityDatabaseUrl, sendInput, sqlConnection } from './support/client';
import { type HubProcess, hubEnv, sleep, startHub } from './support/processes';
import { type Recorder, startRecorder, WEBHOOK_SECRET } from './support/recorder';

const DURATION_MS = 180_000;
const WARM_UP_MS = 40_000;
const OPERATIONS_PER_SECOND = 16;
const SUBSCRIBERS = 200;
const ORGANISATIONS = Array.from({ length: 10 }, (_, i) => `A8${String(1001 + i)}`);

let recorder: Recorder;
let hub: HubProcess;
let sql: SqlConnection;
let keys: Keys;
const connections: Connection[] = [];

interface Sample {
  at: number;
  rss: number;
}

/** The hub's resident set size, read from /proc (no request of its own that could disturb it). */
function residentBytes(): number {
  const status = readFileSync(`/proc/${hub.child.pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error('no VmRSS for the hub');
  return Number(match[1]) * 1024;
}

/** The hub's own metrics; each scrape also resets its event-loop delay histogram. */
async function scrape(): Promise<{ rss: number; lagP99: number }> {
  const response = await fetch(`${hub.base}/metrics`, { headers: { authorization: `Bearer ${keys.admin}` } });
  const text = await response.text();
  const value = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
    if (!match) throw new Error(`/metrics has no ${name}`);
    return Number(match[1]);
  };
  return { rss: value('hub_process_process_resident_memory_bytes'), lagP99: value('hub_process_nodejs_eventloop_lag_p99_seconds') };
}

beforeAll(async () => {
  const databaseUrl = reliabilityDatabaseUrl();
  keys = await prepareDatabase(databaseUrl, ORGANISATIONS);
  sql = await sqlConnection(databaseUrl);
  recorder = await startRecorder({ latencyMs: 20 });
  // Receipts are part of the load the test drives itself.
  recorder.sendReceipts = false;
  hub = await startHub('hub', hubEnv(databaseUrl, recorder.url));
}, 180_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose().catch(() => undefined)));
  await hub?.stop();
  await recorder?.close();
  await sql?.end();
}, 60_000);

it('three minutes of mixed load: no errors, flat memory, event-loop p99 under 50 ms', async () => {
  const collectors: Collector[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 1) {
    const connection = connect(hub.port, { authorization: `Bearer ${keys.dashboard}` });
    connections.push(connection);
    await connection.connected;
    collectors.push(new Collector(connection.client, DELIVERY_EVENTS, { filter: { organisationOdsCodes: [ORGANISATIONS[i % ORGANISATIONS.length]] } }));
  }

  const failures: string[] = [];
  const sent: string[] = [];
  const receipted = new Set<string>();
  let operations = 0;
  const check = (what: string, answer: Answer) => {
    if (answer.status !== 200 || answer.body?.errors?.length) failures.push(`${what}: ${answer.status} ${JSON.stringify(answer.body?.errors ?? answer.body)}`);
  };

  const read = async (n: number) => {
    if (n % 2 === 0 || sent.length === 0) {
      check('list', await graphql(hub.base, keys.admin, '{ messages(first: 10) { totalCount edges { node { id status } } } }'));
    } else {
      const id = sent[n % sent.length];
      check('message', await graphql(hub.base, keys.admin, 'query M($id: ID!) { message(id: $id) { id status deliveryAttempts { id status channel } } }', { id }));
    }
  };
  let sends = 0;
  const send = async (n: number) => {
    const organisation = ORGANISATIONS[sends++ % ORGANISATIONS.length];
    const answer = await graphql(hub.base, keys.admin, 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', {
      input: sendInput(n, { organisationOdsCode: organisation, idempotencyKey: `soak-${n}` }),
    });
    check('send', answer);
    const id = answer.body?.data?.sendMessage?.message?.id;
    if (id) sent.push(id);
  };
  const receipt = async () => {
    const attemptId = [...recorder.deliveries.keys()].find((key) => !receipted.has(key));
    if (!attemptId) return;
    receipted.add(attemptId);
    const body = JSON.stringify({ attemptId, status: 'DELIVERED' });
    const response = await fetch(`${hub.base}/webhooks/receipts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-sha256': createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex') },
      body,
    });
    const text = await response.text();
    if (!response.ok) failures.push(`receipt: ${response.status} ${text}`);
  };

  const samples: Sample[] = [];
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let nextSample = started + 5_000;
  let warmedUp = false;
  // Open loop: operations start on a fixed schedule whether or not earlier ones finished.
  for (let n = 0; Date.now() - started < DURATION_MS; n += 1) {
    const due = started + (n * 1000) / OPERATIONS_PER_SECOND;
    if (due > Date.now()) await sleep(due - Date.now());
    const roll = n % 20;
    const operation = roll < 14 ? read(n) : roll < 19 ? send(n) : receipt();
    const tracked = operation.catch((error) => {
      failures.push(`operation ${n} threw: ${(error as Error).message}`);
    });
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
    operations += 1;
    if (Date.now() >= nextSample) {
      nextSample += 5_000;
      if (!warmedUp && Date.now() - started >= WARM_UP_MS) {
        // Resets the delay histogram: the final scrape then covers exactly the measured period.
        await scrape();
        warmedUp = true;
      }
      if (warmedUp) samples.push({ at: Date.now() - started, rss: residentBytes() });
    }
  }
  await Promise.all([...inFlight]);
  const final = await scrape();

  expect(operations).toBeGreaterThanOrEqual(Math.floor((DURATION_MS / 1000) * OPERATIONS_PER_SECOND * 0.95));
  expect(failures.slice(0, 10)).toEqual([]);
  expect(sent.length).toBeGreaterThan(500);

  // Memory: the last 30 s against the first 30 s after warm-up.
  const firstWindow = samples.filter((s) => s.at < WARM_UP_MS + 35_000).map((s) => s.rss);
  const lastWindow = samples.filter((s) => s.at >= DURATION_MS - 30_000).map((s) => s.rss);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  expect(firstWindow.length).toBeGreaterThan(2);
  expect(lastWindow.length).toBeGreaterThan(2);
  const growth = mean(lastWindow) / mean(firstWindow) - 1;
  console.log(`soak: ${operations} operations, ${sent.length} sends; RSS growth ${(growth * 100).toFixed(1)}%; event-loop p99 ${(final.lagP99 * 1000).toFixed(1)} ms; RSS MB every 5 s: ${samples.map((s) => Math.round(s.rss / 2 ** 20)).join(' ')}`);
  expect({ rssGrowthUnder10Percent: growth < 0.1, growth }).toEqual({ rssGrowthUnder10Percent: true, growth });

  // Event-loop delay p99 over the whole measured period (warm-up excluded).
  expect(final.rss).toBeGreaterThan(0);
  expect({ lagP99Ms: final.lagP99 * 1000, under50: final.lagP99 < 0.05 }).toEqual({ lagP99Ms: final.lagP99 * 1000, under50: true });

  // The subscribers were really served: each organisation's dashboards saw its sends.
  expect(collectors.every((c) => c.errors.length === 0)).toBe(true);
  expect(collectors.filter((c) => c.events.length > 0).length).toBe(SUBSCRIBERS);
}, 420_000);
