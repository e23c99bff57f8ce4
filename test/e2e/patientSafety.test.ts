/**
 * The patient safety rules end to end, on the suite's database: the real HTTP server, the
 * real dispatcher driven by the test, a clock the test moves, and real supplier endpoints
 * on loopback speaking the provider protocol.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { HubEvent } from '../../entities/HubEvent';
import { OutboxItem } from '../../entities/OutboxItem';
import { signWebhookBody } from '../../src/http/webhookSignature';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { Role } from '../../src/vocabulary/roles';
import { givenOrganisation, givenPatient, JANE_DETAILS } from '../support/fixtures';
import { messageState, send, validSend } from '../support/sending';
import { acceptAll, providerEnv, startSupplier, type Supplier, type SupplierScript } from '../support/supplierServer';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Tuesday 10 March 2026, 10:00 in London (GMT).
const WEEKDAY_MORNING = '2026-03-10T10:00:00Z';
const JANE = '9434765919';
const JOHN = '9434765870';

interface Harness {
  hub: Hub;
  server: TestServer;
  supplier: Supplier;
  clock: ManualClock;
}

async function harness(env: Record<string, string> = {}, start = WEEKDAY_MORNING, script?: SupplierScript): Promise<Harness> {
  const supplier = await startSupplier(script);
  const clock = new ManualClock(start);
  const hub = await createTestHub({ clock, env: { ...providerEnv(supplier), RETRY_BASE_MS: '1000', PROVIDER_TIMEOUT_MS: '1000', ...env } });
  await givenOrganisation(hub);
  await givenOrganisation(hub, 'B82002', 'Riverside Health Centre');
  await givenPatient(hub);
  const server = await startTestServer(hub);
  return { hub, server, supplier, clock };
}

async function close(h: Harness): Promise<void> {
  await h.server.stop();
  await h.hub.close();
  await h.supplier.close();
}

async function sendOk(h: Harness, overrides: Record<string, unknown> = {}): Promise<string> {
  const result = await send(h.server, overrides);
  expect(result.errors).toBeUndefined();
  return result.data!.sendMessage.message.id;
}

const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) => result.errors?.[0]?.extensions?.code;

async function receipt(h: Harness, body: Record<string, unknown>): Promise<number> {
  const raw = JSON.stringify(body);
  const response = await fetch(`http://127.0.0.1:${h.server.port}/webhooks/receipts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature-sha256': signWebhookBody(raw, h.hub.config.webhookSecret) },
    body: raw,
  });
  return response.status;
}

async function attempts(h: Harness, messageId: string) {
  const rows = await h.hub.db.dataSource.getRepository(DeliveryAttempt).find({ where: { messageId }, order: { sequence: 'ASC' } });
  return rows.map((a) => `${a.channel}:${a.status}${a.failureReason ? `:${a.failureReason}` : ''}`);
}

async function dueWork(h: Harness, messageId: string) {
  const items = await h.hub.db.dataSource.getRepository(OutboxItem).find({ where: { messageId } });
  return items.map((i) => i.kind).sort();
}

async function deliveryEvents(h: Harness, messageId: string) {
  const events = await h.hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId, kind: 'DELIVERY' }, order: { id: 'ASC' } });
  return events.map((e) => String(e.type));
}

async function fallbackEvents(h: Harness, messageId: string) {
  const events = await h.hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId, kind: 'FALLBACK' }, order: { id: 'ASC' } });
  return events.map((e) => `${e.fromChannel}->${e.toChannel}:${e.reason}`);
}

async function advance(h: Harness, ms: number): Promise<void> {
  h.clock.advance(ms);
  await h.hub.dispatcher.drain();
}

const UPSERT_PATIENT = `mutation ($input: PatientInput!) { upsertPatient(input: $input) { nhsNumber deceased confidential } }`;
const janeInput = (fields: Record<string, unknown>) => ({ ...JANE_DETAILS, nhsNumber: JANE, ...fields });

describe('deceased patients', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => close(h));

  it('a send to a patient marked deceased is refused with RECIPIENT_INELIGIBLE and nothing is stored', async () => {
    const marked = await h.server.graphql(UPSERT_PATIENT, { input: janeInput({ nhsNumber: JOHN, givenName: 'John', deceased: true }) });
    expect(marked.data?.upsertPatient).toEqual({ nhsNumber: JOHN, deceased: true, confidential: false });
    const before = await h.hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages');
    for (const timeCritical of [false, true]) {
      const result = await send(h.server, { nhsNumber: JOHN, timeCritical });
      expect(codeOf(result)).toBe('RECIPIENT_INELIGIBLE');
      expect(result.errors![0].message).toMatch(/deceased/);
    }
    expect(await h.hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages')).toEqual(before);
  });

  it('a patient marked deceased between send and dispatch: the attempt is SKIPPED, the message FAILED, nothing reaches a supplier', async () => {
    await givenPatient(h.hub, { deceased: false });
    const id = await sendOk(h);
    expect(await attempts(h, id)).toEqual(['NHS_APP:PENDING']);
    // A later update that leaves the flag out keeps it.
    expect((await h.server.graphql(UPSERT_PATIENT, { input: janeInput({ deceased: true }) })).data?.upsertPatient.deceased).toBe(true);
    expect((await h.server.graphql(UPSERT_PATIENT, { input: janeInput({}) })).data?.upsertPatient.deceased).toBe(true);
    h.supplier.calls.length = 0;
    await h.hub.dispatcher.drain();
    expect(h.supplier.calls).toEqual([]);
    expect(await attempts(h, id)).toEqual(['NHS_APP:SKIPPED:RECIPIENT_INELIGIBLE']);
    expect((await messageState(h.server, id)).status).toBe('FAILED');
    expect(await deliveryEvents(h, id)).toEqual(['QUEUED', 'FAILED']);
    expect(await dueWork(h, id)).toEqual([]);
  });
});

describe('confidential records', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({}, WEEKDAY_MORNING, (call) => (call.channel === 'NHS_APP' ? { status: 400, json: { error: 'no' } } : acceptAll(call, 0)));
    await givenPatient(h.hub, { confidential: true });
  });
  afterAll(() => close(h));

  it('only the NHS App carries their messages: SMS, email and letter are SKIPPED with RECIPIENT_INELIGIBLE and never handed to a supplier', async () => {
    const id = await sendOk(h);
    await h.hub.dispatcher.drain();
    expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP']);
    expect(JSON.stringify(h.supplier.calls)).not.toMatch(/07700900123|jane\.smith|High Street/);
    expect(await attempts(h, id)).toEqual(['NHS_APP:FAILED:PROVIDER_REJECTED', 'SMS:SKIPPED:RECIPIENT_INELIGIBLE', 'EMAIL:SKIPPED:RECIPIENT_INELIGIBLE', 'LETTER:SKIPPED:RECIPIENT_INELIGIBLE']);
    expect((await messageState(h.server, id)).status).toBe('FAILED');
    expect(await fallbackEvents(h, id)).toEqual([]);
  });

  it('a time-critical message to them is refused with RECIPIENT_INELIGIBLE', async () => {
    const result = await send(h.server, { timeCritical: true });
    expect(codeOf(result)).toBe('RECIPIENT_INELIGIBLE');
    expect(result.errors![0].message).toMatch(/confidential/);
  });

  it('their contact details are read by their registered practice and ADMIN only', async () => {
    const other = await apiKey(h.hub, Role.SENDER, 'B82002');
    // The other practice has messaged Jane: through its message it sees her NHS number, never her contact details.
    const sent = await send(h.server, { organisationOdsCode: 'B82002' });
    const messageId = sent.data!.sendMessage.message.id;
    const query = `{ patient(nhsNumber: "${JANE}") { nhsNumber confidential mobileNumber email postalAddress } }`;
    expect((await h.server.graphql(query, {}, bearer(other))).data?.patient).toBeNull();
    const viaMessage = await h.server.graphql(`{ message(id: "${messageId}") { patient { nhsNumber mobileNumber } } }`, {}, bearer(other));
    expect(viaMessage.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(viaMessage)).not.toContain('+447700900123');
    const listed = await h.server.graphql(`{ patients(first: 10) { edges { node { nhsNumber mobileNumber } } } }`, {}, bearer(other));
    expect(listed.data?.patients.edges).toEqual([]);
    const own = await apiKey(h.hub, Role.SENDER, 'A81001');
    expect((await h.server.graphql(query, {}, bearer(own))).data?.patient.mobileNumber).toBe('+447700900123');
    expect((await h.server.graphql(query)).data?.patient).toMatchObject({ mobileNumber: '+447700900123', email: 'jane.smith@example.com' });
  });
});

describe('expiry', () => {
  it('refuses an expiresAt in the past, and one before a quiet-hours hold ends', async () => {
    // Tuesday 23:00 in London: the NHS App window opens at 06:00.
    const h = await harness({ QUIET_HOURS: 'on' }, '2026-03-10T23:00:00Z');
    try {
      const past = await send(h.server, { expiresAt: '2026-03-10T22:59:00Z' });
      expect(codeOf(past)).toBe('BAD_USER_INPUT');
      expect(past.errors![0].message).toMatch(/already passed/);
      const held = await send(h.server, { expiresAt: '2026-03-11T05:30:00Z' });
      expect(codeOf(held)).toBe('BAD_USER_INPUT');
      expect(held.errors![0].message).toMatch(/quiet hours end at 2026-03-11T06:00:00.000Z/);
      expect(Number((await h.hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages'))[0].n)).toBe(0);
      const ok = await send(h.server, { expiresAt: '2026-03-11T07:00:00Z' });
      expect(ok.data?.sendMessage.message.id).toBeTruthy();
      expect((await h.server.graphql(`query ($id: ID!) { message(id: $id) { expiresAt } }`, { id: ok.data!.sendMessage.message.id })).data?.message.expiresAt).toBe('2026-03-11T07:00:00.000Z');
    } finally {
      await close(h);
    }
  });

  it('expiry during a quiet-hours hold: the held SMS is SKIPPED with EXPIRED, its dispatch removed and the message EXPIRED', async () => {
    // Tuesday 21:00 in London: the app may still notify (until 22:00), SMS is held until 08:00.
    const h = await harness({ QUIET_HOURS: 'on' }, '2026-03-10T21:00:00Z');
    try {
      const id = await sendOk(h, { routing: { unreadFallbackHours: 1 }, expiresAt: '2026-03-11T07:00:00Z' });
      await h.hub.dispatcher.drain();
      expect(await attempts(h, id)).toEqual(['NHS_APP:SENT']);
      await advance(h, HOUR);
      expect(await attempts(h, id)).toEqual(['NHS_APP:SENT', 'SMS:PENDING']);
      expect((await messageState(h.server, id)).scheduledFor).toBe('2026-03-11T08:00:00.000Z');
      expect(await dueWork(h, id)).toEqual(['DISPATCH', 'EXPIRY']);

      await advance(h, 9 * HOUR); // 07:00, still inside the hold
      expect(await attempts(h, id)).toEqual(['NHS_APP:SENT', 'SMS:SKIPPED:EXPIRED']);
      const state = await messageState(h.server, id);
      expect(state).toMatchObject({ status: 'EXPIRED', scheduledFor: null });
      expect(await dueWork(h, id)).toEqual([]);
      expect(await deliveryEvents(h, id)).toEqual(['QUEUED', 'SENT', 'FAILED']);

      await advance(h, 2 * HOUR); // past the end of the hold
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP']);
    } finally {
      await close(h);
    }
  });

  it('expiry racing a receipt: whichever commits first wins, and nothing is sent after expiry', async () => {
    const h = await harness();
    try {
      const expiresAt = new Date(Date.parse(WEEKDAY_MORNING) + HOUR).toISOString();
      const deliveredFirst = await sendOk(h, { expiresAt });
      const expiredFirst = await sendOk(h, { expiresAt, nhsNumber: JANE, subject: 'Your flu vaccination reminder' });
      const raced = await sendOk(h, { expiresAt, subject: 'Your flu vaccination, second reminder' });
      await h.hub.dispatcher.drain();
      const appOf = async (id: string) => (await messageState(h.server, id)).deliveryAttempts[0];

      // The receipt comes before expiry: the message is delivered, and the expiry is stale.
      h.clock.advance(30 * MINUTE);
      expect(await receipt(h, { attemptId: (await appOf(deliveredFirst)).id, status: 'DELIVERED' })).toBe(200);
      await advance(h, 30 * MINUTE);
      expect((await messageState(h.server, deliveredFirst)).status).toBe('DELIVERED');
      expect(await deliveryEvents(h, deliveredFirst)).toEqual(['QUEUED', 'SENT', 'DELIVERED']);

      // Expiry comes first: a late DELIVERED is kept on the attempt, but the message stays EXPIRED, and a late FAILED moves nothing on.
      expect((await messageState(h.server, expiredFirst)).status).toBe('EXPIRED');
      expect(await receipt(h, { attemptId: (await appOf(expiredFirst)).id, status: 'DELIVERED' })).toBe(200);
      expect((await messageState(h.server, expiredFirst)).status).toBe('EXPIRED');
      expect((await appOf(expiredFirst)).status).toBe('DELIVERED');
      expect((await messageState(h.server, raced)).status).toBe('EXPIRED');
      expect(await receipt(h, { attemptId: (await appOf(raced)).id, status: 'FAILED', failureReason: 'PROVIDER_ERROR' })).toBe(200);
      await h.hub.dispatcher.drain();
      expect(await attempts(h, raced)).toEqual(['NHS_APP:FAILED:PROVIDER_ERROR']);
      expect((await messageState(h.server, raced)).status).toBe('EXPIRED');
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP', 'NHS_APP', 'NHS_APP']);
    } finally {
      await close(h);
    }
  });

  it('a receipt and the expiry timer at the same instant: one wins, the other changes nothing', async () => {
    const h = await harness();
    try {
      const id = await sendOk(h, { expiresAt: new Date(Date.parse(WEEKDAY_MORNING) + HOUR).toISOString(), routing: { fallbackOrder: ['SMS'] } });
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, id)).deliveryAttempts[0];
      h.clock.advance(HOUR);
      const [status] = await Promise.all([receipt(h, { attemptId: app.id, status: 'FAILED', failureReason: 'PROVIDER_ERROR' }), h.hub.dispatcher.drain()]);
      expect(status).toBe(200);
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.status).toBe('EXPIRED');
      // Had the FAILED receipt won, its SMS fallback was stopped at expiry; either way no SMS went out.
      expect(['NHS_APP:FAILED:PROVIDER_ERROR', 'NHS_APP:FAILED:PROVIDER_ERROR,SMS:SKIPPED:EXPIRED']).toContain((await attempts(h, id)).join(','));
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP']);
      expect(await dueWork(h, id)).toEqual([]);
    } finally {
      await close(h);
    }
  });

  it('sendFromTemplate takes expiresAt too', async () => {
    const h = await harness();
    try {
      const saved = await h.server.graphql(
        `mutation ($i: MessageTemplateInput!) { saveMessageTemplate(input: $i) { id } }`,
        { i: { organisationOdsCode: 'A81001', name: 'Flu', category: 'NHS_APP_MESSAGING', subject: 'Flu', body: 'Hello ((givenName)), you can now book your flu vaccination. Thank you.', legalBasis: 'DIRECT_CARE', purpose: 'Seasonal flu invitation' } },
      );
      expect(saved.errors).toBeUndefined();
      const expiresAt = new Date(Date.parse(WEEKDAY_MORNING) + 2 * HOUR).toISOString();
      const sent = await h.server.graphql(
        `mutation ($i: SendFromTemplateInput!) { sendFromTemplate(input: $i) { accepted results { message { id expiresAt } error { code message } } } }`,
        { i: { templateId: saved.data!.saveMessageTemplate.id, recipients: [{ nhsNumber: JANE }], expiresAt } },
      );
      expect(sent.errors).toBeUndefined();
      expect(sent.data!.sendFromTemplate.results[0]).toMatchObject({ message: { expiresAt }, error: null });
      await advance(h, 2 * HOUR);
      expect((await messageState(h.server, sent.data!.sendFromTemplate.results[0].message.id)).status).toBe('EXPIRED');
    } finally {
      await close(h);
    }
  });
});

describe('routing.notifiedWithinMinutes', () => {
  it('falls back when the NHS App has not reported NOTIFIED in time, and not when it has', async () => {
    const h = await harness();
    try {
      const unnotified = await sendOk(h, { routing: { notifiedWithinMinutes: 60 } });
      const notified = await sendOk(h, { routing: { notifiedWithinMinutes: 60 }, subject: 'Your flu vaccination reminder' });
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, notified)).deliveryAttempts[0];
      expect(await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'NOTIFIED' })).toBe(200);
      await advance(h, 59 * MINUTE);
      expect(await attempts(h, unnotified)).toEqual(['NHS_APP:SENT']);
      await advance(h, MINUTE);
      expect(await attempts(h, unnotified)).toEqual(['NHS_APP:SENT', 'SMS:SENT']);
      expect(await fallbackEvents(h, unnotified)).toEqual(['NHS_APP->SMS:UNNOTIFIED']);
      expect(await attempts(h, notified)).toEqual(['NHS_APP:DELIVERED']);
      expect(await fallbackEvents(h, notified)).toEqual([]);
    } finally {
      await close(h);
    }
  });
});

describe('cooling off after a report', () => {
  it("an UNWANTED report pauses the organisation's non-urgent messages to the patient for REPORT_COOLING_OFF_DAYS", async () => {
    const h = await harness({ REPORT_COOLING_OFF_DAYS: '30', MAX_MESSAGES_PER_PATIENT_PER_DAY: '100' });
    try {
      const id = await sendOk(h);
      const reported = await h.server.graphql(`mutation ($i: ReportMessageInput!) { reportMessage(input: $i) { id } }`, { i: { messageId: id, reason: 'NOT_FOR_ME' } });
      expect(reported.errors).toBeUndefined();
      // Not every report asks for fewer messages.
      expect((await send(h.server, { subject: 'Second' })).errors).toBeUndefined();

      await h.server.graphql(`mutation ($i: ReportMessageInput!) { reportMessage(input: $i) { id } }`, { i: { messageId: id, reason: 'UNWANTED' } });
      h.clock.advance(DAY);
      const refused = await send(h.server, { subject: 'Third' });
      expect(codeOf(refused)).toBe('TOO_MANY_MESSAGES');
      expect(refused.errors![0].message).toMatch(/reported a message from A81001 as unwanted or too many.*paused until 2026-04-09T10:00:00.000Z/);
      // Time-critical messages, and other organisations, still go.
      expect((await send(h.server, { subject: 'Urgent', timeCritical: true })).errors).toBeUndefined();
      expect((await send(h.server, { subject: 'From Riverside', organisationOdsCode: 'B82002' })).errors).toBeUndefined();

      h.clock.advance(29 * DAY);
      expect((await send(h.server, { subject: 'After the cooling-off period' })).errors).toBeUndefined();
    } finally {
      await close(h);
    }
  });
  it('pauses a batch item the same way, alone: the urgent item and the other organisation\'s item in the batch still go', async () => {
    const h = await harness({ REPORT_COOLING_OFF_DAYS: '30', MAX_MESSAGES_PER_PATIENT_PER_DAY: '100' });
    const sendBatch = async (messages: Array<Record<string, unknown>>) =>
      (await h.server.graphql(`mutation ($input: SendMessagesInput!) { sendMessages(input: $input) { results { error { code message } message { id } } } }`, { input: { messages } })).data!.sendMessages.results;
    try {
      const id = await sendOk(h);
      await h.server.graphql(`mutation ($i: ReportMessageInput!) { reportMessage(input: $i) { id } }`, { i: { messageId: id, reason: 'TOO_MANY' } });
      h.clock.advance(DAY);
      const paused = await sendBatch([validSend({ subject: 'Routine' }), validSend({ subject: 'Urgent', timeCritical: true }), validSend({ subject: 'From Riverside', organisationOdsCode: 'B82002' })]);
      expect(paused.map((r: any) => r.error?.code ?? null)).toEqual(['TOO_MANY_MESSAGES', null, null]);
      expect(paused[0].error.message).toMatch(/paused until 2026-04-09T10:00:00.000Z/);
      expect(paused[0].message).toBeNull();

      h.clock.advance(29 * DAY);
      expect((await sendBatch([validSend({ subject: 'After the cooling-off period' })])).map((r: any) => r.error)).toEqual([null]);
    } finally {
      await close(h);
    }
  });
});
