/**
 * Status callbacks survive a crash: a real hub process (the built `node dist/src/main.js`) is
 * killed with SIGKILL while it is retrying a callback, and a new process on the same database
 * delivers every event, exactly once, signed with the same secret.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/vocabulary/roles';
import { type CallbackReceiver, signatureVerifies, startCallbackReceiver } from '../support/callbackReceiver';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import { waitFor } from '../support/subscriptions';
import { buildHub, freePort, MAIN, ROOT } from '../support/builtHub';
import { apiKey, createTestHub, type GraphqlResult } from '../support/testHub';

jest.setTimeout(180_000);


interface HubProcess {
  port: number;
  child: ChildProcess;
  output: string[];
}

let databaseUrl: string;
let adminKey: string;
let receiver: CallbackReceiver;
const processes: HubProcess[] = [];


async function startHubProcess(): Promise<HubProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SEED_DEMO: 'false',
      QUIET_HOURS: 'off',
      DISPATCH_INTERVAL_MS: '50',
      PROVIDER_TIMEOUT_MS: '1000',
      CALLBACK_RETRY_BASE_MS: '500',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: HubProcess = { port, child, output: [] };
  processes.push(started);
  child.stdout!.on('data', (chunk) => started.output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => started.output.push(String(chunk)));
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  await waitFor(() => exited !== null || started.output.join('').includes('listening on '), () => `the hub to listen; it printed:\n${started.output.join('')}`, 60_000, 25);
  if (exited !== null) throw new Error(`the hub exited with ${exited}:\n${started.output.join('')}`);
  return started;
}

async function kill(hub: HubProcess, signal: NodeJS.Signals): Promise<void> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) return;
  const gone = new Promise<void>((done) => hub.child.once('exit', () => done()));
  hub.child.kill(signal);
  await gone;
}

async function graphql(hub: HubProcess, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const response = await fetch(`http://127.0.0.1:${hub.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as GraphqlResult;
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

beforeAll(async () => {
  await buildHub();
  databaseUrl = process.env.DATABASE_URL ?? `sqlite:${join(mkdtempSync(join(tmpdir(), 'hub-callbacks-')), 'hub.sqlite')}`;
  const setup = await createTestHub({ databaseUrl });
  try {
    adminKey = await apiKey(setup, Role.ADMIN);
    await givenOrganisation(setup);
    await givenPatient(setup);
  } finally {
    await setup.close();
  }
  receiver = await startCallbackReceiver();
}, 240_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => kill(p, 'SIGTERM')));
  await receiver?.close();
}, 30_000);

describe('status callbacks across a crash', () => {
  it('are still delivered, exactly once each, after a hub killed with SIGKILL mid-retry restarts', async () => {
    receiver.answer = () => ({ status: 500 });
    const first = await startHubProcess();
    const created = await graphql(first, 'mutation ($input: StatusCallbackInput!) { createStatusCallback(input: $input) { secret callback { id } } }', {
      input: { organisationOdsCode: 'A81001', url: receiver.url, events: ['MESSAGE_STATUS'] },
    });
    const { secret } = created.createStatusCallback;
    const sent = await graphql(first, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend() });
    const messageId = sent.sendMessage.message.id;

    // Mid-retry: the first event has been refused at least twice.
    await waitFor(() => receiver.calls.filter((c) => c.body.status === 'QUEUED').length >= 2, () => `two tries; got ${receiver.calls.length} calls`, 30_000);
    await kill(first, 'SIGKILL');
    const refusedBeforeCrash = receiver.calls.length;
    expect(receiver.calls.every((c) => c.status === 500)).toBe(true);

    receiver.answer = () => ({ status: 200 });
    await startHubProcess();
    const accepted = () => receiver.calls.filter((c) => c.status === 200);
    // A callback the killed process had claimed waits for its claim to lapse (seconds), then goes.
    const reported = () => new Set(accepted().map((c) => c.body.status));
    await waitFor(() => ['QUEUED', 'SENDING', 'DELIVERED'].every((status) => reported().has(status)), () => `every status after the restart; got ${JSON.stringify(receiver.calls.map((c) => [c.status, c.body.status]))}`, 60_000);
    await new Promise((done) => setTimeout(done, 1_500));

    expect(receiver.calls.length).toBeGreaterThan(refusedBeforeCrash);
    // Retries may bring events out of order; the sequence puts them back.
    const inOrder = accepted().sort((a, b) => a.body.sequence - b.body.sequence);
    expect(inOrder.map((c) => [c.body.messageId, c.body.status, c.body.sequence])).toEqual([
      [messageId, 'QUEUED', 1],
      [messageId, 'SENDING', 2],
      [messageId, 'DELIVERED', 3],
    ]);
    for (const call of receiver.calls) expect(signatureVerifies(call, secret)).toBe(true);
    const acceptedIds = accepted().map((c) => c.body.eventId);
    expect(new Set(acceptedIds).size).toBe(acceptedIds.length);
  });
});
