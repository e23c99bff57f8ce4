/**
 * Signed status callbacks, end to end: a real hub (real clock, its dispatchers running)
 * calls receivers on loopback that the test owns. Signatures verify, sequences increase,
 * retries deliver each event exactly once, Retry-After and 410 are honoured, a slow receiver
 * delays nobody else, and one organisation never sees another's messages.
 */
import { CallbackDelivery } from '../../entities/CallbackDelivery';
import { createStatusCallback } from '../../src/callbacks/registerCallback';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { systemClock } from '../../src/shared/clock';
import { type CallbackReceiver, type ReceivedCallback, signatureVerifies, startCallbackReceiver } from '../support/callbackReceiver';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import { sleep, waitFor } from '../support/subscriptions';
import { apiKey, bearer, createTestHub, resetDatabase, startTestServer, type TestServer } from '../support/testHub';

jest.setTimeout(90_000);

const PRACTICE = 'A81001';
const OTHER_PRACTICE = 'B82002';
const JANE = '9434765919';
/** Not an NHS App user: the NHS App is skipped for SMS at once. */
const JOHN = '9434765870';

let hub: Hub;
let server: TestServer;
let senderKey: string;
let otherSenderKey: string;
const receivers: CallbackReceiver[] = [];

const CREATE = `
  mutation ($input: StatusCallbackInput!) {
    createStatusCallback(input: $input) { secret callback { id organisationOdsCode url events createdAt disabledAt } }
  }`;

beforeAll(async () => {
  hub = await createTestHub({ clock: systemClock, env: { CALLBACK_RETRY_BASE_MS: '300', DISPATCH_INTERVAL_MS: '50', PROVIDER_TIMEOUT_MS: '1000', MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000' } });
  server = await startTestServer(hub);
  hub.startBackgroundWork();
  // A key can only be bound to an organisation that exists.
  await givenOrganisation(hub, PRACTICE, 'The Densham Surgery');
  await givenOrganisation(hub, OTHER_PRACTICE, 'Riverside Health Centre');
  senderKey = await apiKey(hub, Role.SENDER, PRACTICE);
  otherSenderKey = await apiKey(hub, Role.SENDER, OTHER_PRACTICE);
});

afterAll(async () => {
  await server.stop();
  await hub.close();
  await Promise.all(receivers.map((r) => r.close()));
});

beforeEach(async () => {
  await hub.callbackDispatcher.idle();
  await resetDatabase(hub);
  await givenOrganisation(hub, PRACTICE, 'The Densham Surgery');
  await givenOrganisation(hub, OTHER_PRACTICE, 'Riverside Health Centre');
  await givenPatient(hub, { nhsNumber: JANE });
  await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', nhsAppUser: false, email: null, gpPracticeOdsCode: OTHER_PRACTICE });
});

async function receiver(): Promise<CallbackReceiver> {
  const started = await startCallbackReceiver();
  receivers.push(started);
  return started;
}

async function register(target: CallbackReceiver, key = senderKey, organisationOdsCode = PRACTICE, events?: string[]): Promise<{ id: string; secret: string }> {
  const result = await server.graphql(CREATE, { input: { organisationOdsCode, url: target.url, events } }, bearer(key));
  expect(result.errors).toBeUndefined();
  const created = result.data!.createStatusCallback;
  return { id: created.callback.id, secret: created.secret };
}

async function sendFrom(organisationOdsCode: string, nhsNumber: string, subject = 'Your flu vaccination'): Promise<string> {
  const result = await send(server, { organisationOdsCode, nhsNumber, subject });
  expect(result.errors).toBeUndefined();
  return result.data!.sendMessage.message.id;
}

const accepted = (calls: ReceivedCallback[]) => calls.filter((c) => c.status >= 200 && c.status < 300);
const deliveredReported = (target: CallbackReceiver, messageId: string) =>
  accepted(target.calls).some((c) => c.body.messageId === messageId && c.body.type === 'MESSAGE_STATUS' && c.body.status === 'DELIVERED');

describe('status callbacks', () => {
  it('are signed, carry an increasing sequence per message and no message content, and reach only their own organisation', async () => {
    const mine = await receiver();
    const theirs = await receiver();
    const { secret } = await register(mine);
    const other = await register(theirs, otherSenderKey, OTHER_PRACTICE);
    expect(secret).toMatch(/^whsec_/);

    const toJane = await sendFrom(PRACTICE, JANE);
    const toJohn = await sendFrom(PRACTICE, JOHN);
    await waitFor(() => deliveredReported(mine, toJane) && deliveredReported(mine, toJohn), () => `both DELIVERED; got ${JSON.stringify(mine.calls.map((c) => c.body))}`, 30_000);
    const fromOther = await sendFrom(OTHER_PRACTICE, JOHN, 'Your blood test');
    await waitFor(() => deliveredReported(theirs, fromOther), 'the other practice’s DELIVERED', 30_000);
    await sleep(500);

    const nowSeconds = Date.now() / 1000;
    for (const call of mine.calls) {
      expect(signatureVerifies(call, secret)).toBe(true);
      expect(signatureVerifies(call, other.secret)).toBe(false);
      expect(signatureVerifies({ ...call, rawBody: call.rawBody.replace('"sequence":', '"sequence": ') }, secret)).toBe(false);
      expect(Math.abs(Number(call.headers['x-hub-timestamp']) - nowSeconds)).toBeLessThan(60);
      expect(call.headers['idempotency-key']).toBe(call.body.eventId);
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.body).toMatchObject({ organisationOdsCode: PRACTICE, occurredAt: expect.any(String) });
      // No message body or patient details beyond the NHS number.
      expect(call.rawBody).not.toMatch(/flu|vaccination|Jane|John|Smith|07700900123|example\.com|High Street|1980/);
      expect([JANE, JOHN]).toContain(call.body.nhsNumber);
    }
    // Every event once, each with its own id.
    expect(new Set(mine.calls.map((c) => c.body.eventId)).size).toBe(mine.calls.length);

    for (const messageId of [toJane, toJohn]) {
      const sequences = mine.calls.filter((c) => c.body.messageId === messageId).map((c) => c.body.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => i + 1));
    }
    const story = (messageId: string) => mine.calls.filter((c) => c.body.messageId === messageId).map((c) => [c.body.type, c.body.status ?? c.body.toChannel, c.body.channel ?? null]);
    expect(story(toJane)).toEqual([
      ['MESSAGE_STATUS', 'QUEUED', null],
      ['CHANNEL_STATUS', 'QUEUED', 'NHS_APP'],
      ['MESSAGE_STATUS', 'SENDING', null],
      ['CHANNEL_STATUS', 'SENT', 'NHS_APP'],
      ['MESSAGE_STATUS', 'DELIVERED', null],
      ['CHANNEL_STATUS', 'DELIVERED', 'NHS_APP'],
    ]);
    const fallback = mine.calls.find((c) => c.body.messageId === toJohn && c.body.type === 'FALLBACK');
    expect(fallback?.body).toMatchObject({ fromChannel: 'NHS_APP', toChannel: 'SMS', reason: expect.any(String) });
    const channelStatus = mine.calls.find((c) => c.body.messageId === toJohn && c.body.type === 'CHANNEL_STATUS');
    expect(channelStatus?.body).toMatchObject({ attemptId: expect.any(String), channel: 'SMS', status: 'QUEUED' });

    // The other practice's receiver saw only its own message, and this one never saw it.
    expect(new Set(theirs.calls.map((c) => c.body.messageId))).toEqual(new Set([fromOther]));
    expect(mine.calls.some((c) => c.body.messageId === fromOther)).toBe(false);
    for (const call of theirs.calls) expect(signatureVerifies(call, other.secret)).toBe(true);
  });

  it('deliver each event exactly once to a receiver that answers 500 twice and then 200', async () => {
    const flaky = await receiver();
    flaky.answer = (_call, earlier) => ({ status: earlier < 2 ? 500 : 200 });
    const { id } = await register(flaky, senderKey, PRACTICE, ['MESSAGE_STATUS']);
    const messageId = await sendFrom(PRACTICE, JANE);
    await waitFor(() => deliveredReported(flaky, messageId), 'DELIVERED after the retries', 40_000);
    await sleep(1_500);

    const byEvent = new Map<string, ReceivedCallback[]>();
    for (const call of flaky.calls) byEvent.set(call.body.eventId, [...(byEvent.get(call.body.eventId) ?? []), call]);
    expect([...byEvent.values()].map((calls) => calls.map((c) => c.status))).toEqual([
      [500, 500, 200],
      [500, 500, 200],
      [500, 500, 200],
    ]);
    // Retries can bring them out of order; the sequence puts them back.
    const inOrder = accepted(flaky.calls).sort((a, b) => a.body.sequence - b.body.sequence);
    expect(inOrder.map((c) => [c.body.sequence, c.body.status])).toEqual([
      [1, 'QUEUED'],
      [2, 'SENDING'],
      [3, 'DELIVERED'],
    ]);
    // Backed off: the second retry waited longer than the first.
    for (const calls of byEvent.values()) {
      const [first, second, third] = calls.map((c) => c.receivedAt);
      expect(second - first).toBeGreaterThanOrEqual(140);
      expect(third - second).toBeGreaterThanOrEqual(290);
    }
    const rows = await hub.db.dataSource.getRepository(CallbackDelivery).find({ where: { callbackId: id } });
    expect(rows.map((r) => [r.state, r.tries])).toEqual([
      ['DELIVERED', 3],
      ['DELIVERED', 3],
      ['DELIVERED', 3],
    ]);
  });

  it('do not call a receiver that answered 429 with Retry-After: 2 again within 2 seconds', async () => {
    const busy = await receiver();
    let refusedAt: number | null = null;
    busy.answer = (call) => {
      if (refusedAt === null) {
        refusedAt = call.receivedAt;
        return { status: 429, headers: { 'retry-after': '2' } };
      }
      return { status: 200 };
    };
    await register(busy);
    const messageId = await sendFrom(PRACTICE, JANE);
    const refusedEventAccepted = () => accepted(busy.calls).some((c) => c.body.eventId === busy.calls[0].body.eventId);
    await waitFor(() => deliveredReported(busy, messageId) && refusedEventAccepted(), 'DELIVERED, and the refused event accepted', 40_000);
    const [first, ...later] = busy.calls;
    expect(first.status).toBe(429);
    expect(later.length).toBeGreaterThan(0);
    for (const call of later) expect(call.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2_000);
    // The refused event itself came again, with the same id, and was accepted.
    expect(accepted(later).filter((c) => c.body.eventId === first.body.eventId)).toHaveLength(1);
  });

  it('are disabled when the receiver answers 410 Gone', async () => {
    const gone = await receiver();
    gone.answer = () => ({ status: 410 });
    const { id } = await register(gone);
    await sendFrom(PRACTICE, JANE);
    await waitFor(() => gone.calls.length > 0, 'the first call', 20_000);
    await sleep(1_000);
    await sendFrom(PRACTICE, JANE, 'Another message');
    await sleep(3_000);
    expect(gone.calls).toHaveLength(1);
    const listed = await server.graphql('{ statusCallbacks { id disabledAt } }', {}, bearer(senderKey));
    expect(listed.data!.statusCallbacks).toEqual([{ id, disabledAt: expect.any(String) }]);
    const rows = await hub.db.dataSource.getRepository(CallbackDelivery).find({ where: { callbackId: id } });
    expect(rows.every((r) => r.state === 'DROPPED')).toBe(true);
  });

  it('never let a slow receiver delay message delivery or another organisation’s callbacks', async () => {
    const slow = await receiver();
    slow.answer = () => ({ status: 200, delayMs: 5_000 });
    const quick = await receiver();
    await register(slow);
    await register(quick, otherSenderKey, OTHER_PRACTICE);
    const slowOnes = [];
    for (let i = 0; i < 5; i += 1) slowOnes.push(await sendFrom(PRACTICE, JANE, `Slow ${i}`));
    await sleep(300);
    const started = Date.now();
    const quickOne = await sendFrom(OTHER_PRACTICE, JOHN, 'Quick');
    await waitFor(() => quick.calls.some((c) => c.body.messageId === quickOne && c.body.type === 'MESSAGE_STATUS'), 'the other practice’s first callback', 10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The slow receiver's practice still has its messages sent as usual.
    const statuses = async () => (await hub.db.dataSource.query('SELECT status FROM messages WHERE organisation_ods_code = ?', [PRACTICE])).map((r: any) => r.status);
    let last: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      last = await statuses();
      if (last.length === 5 && last.every((s) => s === 'DELIVERED')) break;
      await sleep(200);
    }
    expect(last).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED']);
  });

  it('never let one organisation with many slow receivers take more than its share of the dispatcher', async () => {
    const slowOnes: CallbackReceiver[] = [];
    for (let i = 0; i < 6; i += 1) {
      const slow = await receiver();
      slow.answer = () => ({ status: 200, delayMs: 800 });
      await register(slow, senderKey, PRACTICE, ['MESSAGE_STATUS']);
      slowOnes.push(slow);
    }
    const quick = await receiver();
    await register(quick, otherSenderKey, OTHER_PRACTICE, ['MESSAGE_STATUS']);
    for (let i = 0; i < 3; i += 1) await sendFrom(PRACTICE, JANE, `Busy ${i}`);
    await sleep(300);
    const started = Date.now();
    const quickOne = await sendFrom(OTHER_PRACTICE, JOHN, 'Quick');
    await waitFor(() => quick.calls.some((c) => c.body.messageId === quickOne), 'the other practice’s callback', 10_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => slowOnes.every((r) => r.calls.filter((c) => c.body.status === 'QUEUED').length === 3), 'every slow receiver told of every message', 40_000);
    // Never more than four of the practice's receivers were waited on at once.
    const calls = slowOnes.flatMap((r) => r.calls.map((c) => c.receivedAt));
    const mostAtOnce = Math.max(...calls.map((at) => calls.filter((other) => other <= at && at < other + 800).length));
    expect(mostAtOnce).toBeLessThanOrEqual(4);
    expect(mostAtOnce).toBeGreaterThan(1);
  });

  it('are registered with https URLs only in production, never to loopback, link-local or private addresses', async () => {
    const deps = { db: hub.db, clock: hub.clock, callbacks: hub.stores.callbacks, organisations: hub.stores.organisations, production: true, masterSecret: 'x' };
    const scope = { organisationOdsCode: null };
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://localhost/hook', 'https://10.1.2.3/hook', 'https://169.254.169.254/latest', 'https://[::1]/hook', 'https://[fe80::1]/hook', 'https://192.168.0.10/x', 'https://[::ffff:10.0.0.1]/x', 'https://user:pw@example.com/x']) {
      await expect(createStatusCallback(deps, { organisationOdsCode: PRACTICE, url }, scope)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect(await hub.stores.callbacks.list(null, scope)).toEqual([]);
  });
});
