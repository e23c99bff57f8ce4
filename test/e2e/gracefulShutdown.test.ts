/**
 * SIGTERM on the built hub (`node dist/src/main.js`): /readyz answers 503 at once while
 * the hub keeps serving for SHUTDOWN_DELAY_MS, then it stops accepting, lets the provider
 * calls in hand finish and records them, gives back its claims on the rest, closes its
 * WebSocket clients with 1001 and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxItem } from '../../entities/OutboxItem';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Role } from '../../src/vocabulary/roles';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import { Collector, connect, DELIVERY_EVENTS, waitFor } from '../support/subscriptions';
import { buildHub, freePort, MAIN, ROOT } from '../support/builtHub';
import { apiKey, createTestHub } from '../support/testHub';

const SUPPLIER_DELAY_MS = 1500;
const MESSAGES = 20;

let databaseUrl: string;
let adminKey: string;
let dashboardKey: string;
let supplier: Server;
let supplierUrl: string;
const callsReceived: string[] = [];
let child: ChildProcess | null = null;

async function status(port: number, path: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    await response.text();
    return response.status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  await buildHub();
  databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'hub-shutdown-')), 'hub.sqlite')}`;
  const setup = await createTestHub({ databaseUrl });
  try {
    await givenOrganisation(setup);
    await givenPatient(setup);
    adminKey = await apiKey(setup, Role.ADMIN);
    dashboardKey = await apiKey(setup, Role.DASHBOARD);
  } finally {
    await setup.close();
  }
  // A slow supplier: every call is still in flight for a while.
  supplier = createServer((request, response) => {
    const key = String(request.headers['idempotency-key']);
    callsReceived.push(key);
    request.resume();
    setTimeout(() => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ providerReference: `ref-${key}` }));
    }, SUPPLIER_DELAY_MS);
  });
  await new Promise<void>((done) => supplier.listen(0, '127.0.0.1', done));
  supplierUrl = `http://127.0.0.1:${(supplier.address() as AddressInfo).port}/send`;
}, 240_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  supplier?.closeAllConnections();
  await new Promise((done) => supplier?.close(done));
});

it('SIGTERM: not ready at once, in-flight sends finish, claims released, sockets closed with 1001, exit 0', async () => {
  const port = await freePort();
  const output: string[] = [];
  child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SEED_DEMO: 'false',
      QUIET_HOURS: 'off',
      LOG_LEVEL: 'warn',
      MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000',
      PROVIDER_URL_NHS_APP: supplierUrl,
      PROVIDER_URL_SMS: supplierUrl,
      PROVIDER_URL_EMAIL: supplierUrl,
      PROVIDER_URL_LETTER: supplierUrl,
      DISPATCH_INTERVAL_MS: '100',
      SHUTDOWN_DELAY_MS: '1000',
      UNREAD_FALLBACK_HOURS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const exit = new Promise<{ code: number | null; at: number }>((done) => child!.once('exit', (code) => done({ code, at: Date.now() })));
  await waitFor(() => output.join('').includes('listening on ') || child!.exitCode !== null, () => `the hub to listen: ${output.join('')}`, 60_000, 25);
  expect(await status(port, '/readyz')).toBe(200);

  const socket = connect(port, { authorization: `Bearer ${dashboardKey}` });
  await socket.connected;
  const events = new Collector(socket.client, DELIVERY_EVENTS);

  for (let i = 0; i < MESSAGES; i += 1) {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query: 'mutation S($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', variables: { input: validSend({ subject: `Shutdown ${i}` }) } }),
    });
    const body = (await response.json()) as { errors?: unknown };
    expect(body.errors).toBeUndefined();
  }
  await waitFor(() => callsReceived.length > 0, 'a provider call in flight', 10_000);
  await events.untilCount(1);

  const signalled = Date.now();
  child.kill('SIGTERM');
  // Still serving during the delay, but no longer ready; alive all the same.
  let readiness = 200;
  while (readiness === 200 && Date.now() - signalled < 900) readiness = await status(port, '/readyz');
  expect(readiness).toBe(503);
  expect(await status(port, '/healthz')).toBe(200);

  const closed = await socket.closed;
  expect(closed.code).toBe(1001);
  const { code, at } = await exit;
  expect({ code, output: code === 0 ? '' : output.join('') }).toEqual({ code: 0, output: '' });
  expect(at - signalled).toBeLessThan(15_000);
  expect(await status(port, '/healthz')).toBe(0);

  // Every call the supplier received was answered in time and recorded; nothing stays claimed.
  const after = await createTestHub({ databaseUrl, keepData: true });
  try {
    const attempts = await after.db.dataSource.getRepository(DeliveryAttempt).find();
    const sent = attempts.filter((a) => a.status === 'SENT').map((a) => a.id);
    expect(new Set(sent)).toEqual(new Set(callsReceived));
    expect(sent.length).toBeLessThan(MESSAGES);
    const outbox = await after.db.dataSource.getRepository(OutboxItem).find();
    expect(outbox.length).toBe(MESSAGES - sent.length);
    expect(outbox.filter((item) => item.claimedBy !== null)).toEqual([]);
  } finally {
    await after.close();
  }
}, 120_000);
