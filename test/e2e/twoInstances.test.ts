/**
 * Events fan out across hub instances through Redis: two real hub processes (the built
 * `node dist/src/main.js`) on one database and one Redis. Messages sent through instance
 * A reach a dashboard subscribed to instance B, each event exactly once.
 *
 * On MariaDB both processes use the suite's DATABASE_URL; otherwise they share one SQLite
 * file (one host, so two processes on it work, one writer at a time).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/vocabulary/roles';
import { VALID_NHS_NUMBERS } from '../support/fixtures';
import { validSend } from '../support/sending';
import { Collector, connect, type Connection, DELIVERY_EVENTS, waitFor } from '../support/subscriptions';
import { buildHub, freePort, MAIN, ROOT } from '../support/builtHub';
import { apiKey, createTestHub, type GraphqlResult } from '../support/testHub';

/** The suite's real Redis; TEST_REDIS_URL points it elsewhere. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PRACTICE = 'A81001';
const PATIENTS = VALID_NHS_NUMBERS.slice(0, 5);

interface Instance {
  name: string;
  port: number;
  process: ChildProcess;
  output: string[];
}

let databaseUrl: string;
let adminKey: string;
let dashboardKey: string;
const instances: Instance[] = [];
const connections: Connection[] = [];


async function startInstance(name: string, port: number): Promise<Instance> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      SEED_DEMO: 'false',
      DISPATCHER: 'true',
      QUIET_HOURS: 'off',
      MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance: Instance = { name, port, process: child, output: [] };
  instances.push(instance);
  child.stdout!.on('data', (chunk) => instance.output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => instance.output.push(String(chunk)));
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  await waitFor(
    () => exited !== null || instance.output.join('').includes('listening on '),
    () => `${name} to listen; it printed:\n${instance.output.join('')}`,
    60_000,
    25,
  );
  if (exited !== null) throw new Error(`${name} exited with ${exited}:\n${instance.output.join('')}`);
  return instance;
}

async function stopInstance(instance: Instance): Promise<void> {
  const child = instance.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

async function graphql(instance: Instance, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResult> {
  const response = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlResult;
}

async function ok(instance: Instance, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const result = await graphql(instance, query, variables);
  if (result.errors) throw new Error(`${instance.name}: ${JSON.stringify(result.errors)}`);
  return result.data!;
}

const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }';

async function sendThrough(instance: Instance, n: number, subject: string): Promise<string> {
  const data = await ok(instance, SEND, { input: validSend({ nhsNumber: PATIENTS[n % PATIENTS.length], subject }) });
  return data.sendMessage.message.id;
}

function subscribeTo(instance: Instance): Collector {
  const c = connect(instance.port, { authorization: `Bearer ${dashboardKey}` });
  connections.push(c);
  return new Collector(c.client, DELIVERY_EVENTS);
}

function countsByMessage(collector: Collector, ids: Set<string>, type: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of collector.events) {
    if (event.type === type && ids.has(event.messageId)) counts.set(event.messageId, (counts.get(event.messageId) ?? 0) + 1);
  }
  return counts;
}

const everyOnce = (counts: Map<string, number>, ids: Set<string>) => [...ids].every((id) => counts.get(id) === 1);

beforeAll(async () => {
  // Build what the processes run (incremental, so quick when dist is fresh).
  await buildHub();
  expect(existsSync(MAIN)).toBe(true);

  databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'hub-two-')), 'hub.sqlite')}`;
  // Migrate, empty and key the shared database before either instance starts.
  const setup = await createTestHub({ databaseUrl });
  try {
    adminKey = await apiKey(setup, Role.ADMIN);
    dashboardKey = await apiKey(setup, Role.DASHBOARD);
  } finally {
    await setup.close();
  }

  const [portA, portB] = [await freePort(), await freePort()];
  await Promise.all([startInstance('instance A', portA), startInstance('instance B', portB)]);
}, 240_000);

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
  await Promise.all(instances.map(stopInstance));
}, 30_000);

describe('two hub instances sharing Redis', () => {
  it('delivers every event caused on instance A to a subscriber on instance B, exactly once', async () => {
    const [a, b] = instances;
    await ok(a, 'mutation { upsertOrganisation(input: { odsCode: "A81001", name: "The Densham Surgery", type: GP_PRACTICE }) { odsCode } }');
    for (const nhsNumber of PATIENTS) {
      await ok(a, 'mutation Patient($input: PatientInput!) { upsertPatient(input: $input) { nhsNumber } }', {
        input: { nhsNumber, givenName: 'Test', familyName: 'Patient', dateOfBirth: '1980-03-14', mobileNumber: '07700900123', nhsAppUser: true, gpPracticeOdsCode: PRACTICE },
      });
    }

    // No `after`: whatever B's subscribers get can only have come live through Redis.
    const onB = subscribeTo(b);
    const onA = subscribeTo(a);
    // B is listening once a probe sent through A shows up there.
    const probes = new Set<string>();
    for (let attempt = 0; ; attempt += 1) {
      probes.add(await sendThrough(a, attempt, `Probe ${attempt}`));
      try {
        await onB.until((events) => events.some((e) => probes.has(e.messageId)), 'a probe on B', 1_000);
        await onA.until((events) => events.some((e) => probes.has(e.messageId)), 'a probe on A', 1_000);
        break;
      } catch (error) {
        if (attempt >= 15) throw error;
      }
    }
    expect(onB.errors).toEqual([]);

    const sent: string[] = [];
    for (let i = 0; i < 20; i += 1) sent.push(await sendThrough(a, i, `Message ${i + 1} of 20`));
    const ids = new Set(sent);
    expect(ids.size).toBe(20);

    await onB.until((events) => events.filter((e) => e.type === 'QUEUED' && ids.has(e.messageId)).length >= 20, 'all 20 QUEUED on B', 20_000);
    // Both dispatchers run: each message is sent, and the simulated supplier's receipt follows ~2 s later.
    await onB.until((events) => events.filter((e) => e.type === 'SENT' && ids.has(e.messageId)).length >= 20, 'all 20 SENT on B', 30_000);
    await onB.until((events) => events.filter((e) => e.type === 'DELIVERED' && ids.has(e.messageId)).length >= 20, 'all 20 DELIVERED on B', 30_000);

    for (const type of ['QUEUED', 'SENT', 'DELIVERED']) {
      const counts = countsByMessage(onB, ids, type);
      expect({ type, messages: counts.size }).toEqual({ type, messages: 20 });
      expect({ type, everyOnce: everyOnce(counts, ids) }).toEqual({ type, everyOnce: true });
    }
    const queued = onB.events.filter((e) => e.type === 'QUEUED' && ids.has(e.messageId));
    expect(queued.map((e) => e.messageId)).toEqual(sent);
    for (const event of queued) expect(event).toMatchObject({ channel: 'NHS_APP', category: 'NHS_APP_MESSAGING', organisationOdsCode: PRACTICE });
    // No event (of any type) arrived twice.
    const ours = onB.events.filter((e) => ids.has(e.messageId)).map((e) => e.id);
    expect(new Set(ours).size).toBe(ours.length);

    // A's own subscriber saw the same events, including those B's dispatcher caused.
    await onA.until((events) => events.filter((e) => ids.has(e.messageId)).length >= ours.length, 'the same events on A', 10_000);
    const oursOnA = onA.events.filter((e) => ids.has(e.messageId)).map((e) => e.id);
    expect(new Set(oursOnA).size).toBe(oursOnA.length);
    expect(new Set(oursOnA)).toEqual(new Set(ours));
  }, 120_000);
});
