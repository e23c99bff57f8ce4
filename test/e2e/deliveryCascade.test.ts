/**
 * Every cascade path, end to end: the real HTTP server, the real dispatcher and a real
 * supplier HTTP endpoint speaking the provider protocol, on the suite's database.
 */
import { HubEvent } from '../../entities/HubEvent';
import { OutboxItem } from '../../entities/OutboxItem';
import { signWebhookBody } from '../../src/http/webhookSignature';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { messageState, send } from '../support/sending';
import { providerEnv, startSupplier, type Supplier, type SupplierScript } from '../support/supplierServer';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const HOUR = 60 * 60 * 1000;
// Tuesday 10 March 2026, 10:00 in London (GMT): inside every quiet-hours window.
const WEEKDAY_MORNING = '2026-03-10T10:00:00Z';

interface Harness {
  hub: Hub;
  server: TestServer;
  supplier: Supplier;
  clock: ManualClock;
}

async function harness(script?: SupplierScript, env: Record<string, string> = {}, start = WEEKDAY_MORNING): Promise<Harness> {
  const supplier = await startSupplier(script);
  const clock = new ManualClock(start);
  const hub = await createTestHub({ clock, env: { ...providerEnv(supplier), RETRY_BASE_MS: '1000', PROVIDER_TIMEOUT_MS: '300', ...env } });
  await givenOrganisation(hub);
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

async function receipt(h: Harness, body: Record<string, unknown>): Promise<number> {
  const raw = JSON.stringify(body);
  const response = await fetch(`http://127.0.0.1:${h.server.port}/webhooks/receipts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature-sha256': signWebhookBody(raw, h.hub.config.webhookSecret) },
    body: raw,
  });
  return response.status;
}

async function fallbackEvents(h: Harness, messageId: string) {
  const events = await h.hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId, kind: 'FALLBACK' }, order: { id: 'ASC' } });
  return events.map((e) => `${e.fromChannel}->${e.toChannel}:${e.reason}`);
}

async function dueWork(h: Harness, messageId: string) {
  const items = await h.hub.db.dataSource.getRepository(OutboxItem).find({ where: { messageId } });
  return items.map((i) => i.kind).sort();
}

const byChannel = (answers: Record<string, number>): SupplierScript => (call) => {
  const status = answers[call.channel] ?? 202;
  return { status, json: status < 300 ? { providerReference: `ref-${call.channel}-${call.idempotencyKey}` } : { error: 'refused' } };
};

describe('the NHS App delivery cascade', () => {
  it('delivers to the NHS App and records delivered then read, with no fallback', async () => {
    const h = await harness();
    try {
      const id = await sendOk(h);
      await h.hub.dispatcher.drain();
      let state = await messageState(h.server, id);
      expect(state.status).toBe('SENDING');
      const [app] = state.deliveryAttempts;
      expect(app).toMatchObject({ channel: 'NHS_APP', status: 'SENT', sequence: 1 });
      expect(h.supplier.calls).toHaveLength(1);
      expect(h.supplier.calls[0]).toMatchObject({ channel: 'NHS_APP', idempotencyKey: app.id });
      expect(await dueWork(h, id)).toEqual(['UNREAD_TIMEOUT']);

      expect(await receipt(h, { providerReference: app.providerReference, status: 'DELIVERED', notification: 'NOTIFIED' })).toBe(200);
      state = await messageState(h.server, id);
      expect(state).toMatchObject({ status: 'DELIVERED', deliveredChannel: 'NHS_APP', fallbackUsed: false });
      expect(state.deliveryAttempts[0].notification).toBe('NOTIFIED');

      h.clock.advance(HOUR);
      expect(await receipt(h, { attemptId: app.id, status: 'READ' })).toBe(200);
      state = await messageState(h.server, id);
      expect(state.status).toBe('READ');
      expect(state.readAt).not.toBeNull();
      expect(await dueWork(h, id)).toEqual([]);
      h.clock.advance(48 * HOUR);
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls).toHaveLength(1);
      expect(await fallbackEvents(h, id)).toEqual([]);
    } finally {
      await close(h);
    }
  });

  it('falls back to SMS at once when the NHS App rejects the message', async () => {
    const h = await harness(byChannel({ NHS_APP: 422 }));
    try {
      const id = await sendOk(h);
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status, a.failureReason])).toEqual([
        ['NHS_APP', 'FAILED', 'PROVIDER_REJECTED'],
        ['SMS', 'SENT', null],
      ]);
      expect(state.fallbackUsed).toBe(true);
      expect(await fallbackEvents(h, id)).toEqual(['NHS_APP->SMS:PROVIDER_REJECTED']);
      const sms = h.supplier.calls.find((c) => c.channel === 'SMS')!;
      expect(sms.body.mobileNumber).toBe('+447700900123');
      expect(sms.body.body).not.toContain('](');

      await receipt(h, { attemptId: state.deliveryAttempts[1].id, status: 'DELIVERED' });
      expect(await messageState(h.server, id)).toMatchObject({ status: 'DELIVERED', deliveredChannel: 'SMS' });
    } finally {
      await close(h);
    }
  });

  it('skips the NHS App for a patient who does not use it and sends the SMS', async () => {
    const h = await harness();
    try {
      await givenPatient(h.hub, { nhsNumber: '9434765870', givenName: 'Sam', familyName: 'Jones', nhsAppUser: false });
      const id = await sendOk(h, { nhsNumber: '9434765870' });
      const sent = (await messageState(h.server, id)).deliveryAttempts;
      expect(sent.map((a: any) => [a.channel, a.status, a.failureReason])).toEqual([
        ['NHS_APP', 'SKIPPED', 'NOT_NHS_APP_USER'],
        ['SMS', 'PENDING', null],
      ]);
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['SMS']);
      expect(await fallbackEvents(h, id)).toEqual(['NHS_APP->SMS:NOT_NHS_APP_USER']);
    } finally {
      await close(h);
    }
  });

  it('never sends a time-critical message to the app and ignores quiet hours', async () => {
    // 23:30 on a Friday in London: SMS quiet hours apply to everything but urgent messages.
    const h = await harness(undefined, { QUIET_HOURS: 'on' }, '2026-03-13T23:30:00Z');
    try {
      const id = await sendOk(h, { timeCritical: true, body: 'Your appointment tomorrow at 9am is cancelled. Please call the surgery.' });
      let state = await messageState(h.server, id);
      expect(state.scheduledFor).toBeNull();
      expect(state.deliveryAttempts[0]).toMatchObject({ channel: 'NHS_APP', status: 'SKIPPED', failureReason: 'TIME_CRITICAL' });
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['SMS']);
      state = await messageState(h.server, id);
      expect(state.deliveryAttempts[1]).toMatchObject({ channel: 'SMS', status: 'SENT' });
    } finally {
      await close(h);
    }
  });

  it('falls back with UNREAD_TIMEOUT when an app message is still unread after the timeout', async () => {
    const h = await harness();
    try {
      const id = await sendOk(h, { routing: { unreadFallbackHours: 2 } });
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, id)).deliveryAttempts[0];
      await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'NOTIFIED' });

      h.clock.advance(2 * HOUR - 60_000);
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls).toHaveLength(1);

      h.clock.advance(60_000);
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status])).toEqual([
        ['NHS_APP', 'DELIVERED'],
        ['SMS', 'SENT'],
      ]);
      expect(state.fallbackUsed).toBe(true);
      expect(await fallbackEvents(h, id)).toEqual(['NHS_APP->SMS:UNREAD_TIMEOUT']);
    } finally {
      await close(h);
    }
  });

  it('does not fall back on unread when the timeout is 0, and a read message never falls back', async () => {
    const h = await harness();
    try {
      const never = await sendOk(h, { routing: { unreadFallbackHours: 0 } });
      const read = await sendOk(h, { subject: 'Second message', idempotencyKey: 'read-one' });
      await h.hub.dispatcher.drain();
      expect(await dueWork(h, never)).toEqual([]);
      const readApp = (await messageState(h.server, read)).deliveryAttempts[0];
      await receipt(h, { attemptId: readApp.id, status: 'READ' });
      h.clock.advance(72 * HOUR);
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP', 'NHS_APP']);
      expect(await fallbackEvents(h, never)).toEqual([]);
      expect(await fallbackEvents(h, read)).toEqual([]);
    } finally {
      await close(h);
    }
  });

  it('nudges by SMS when the app could not notify and the sender asked for it', async () => {
    const h = await harness();
    try {
      const nudged = await sendOk(h, { routing: { nudgeWhenUnnotified: true } });
      const quiet = await sendOk(h, { subject: 'No nudge', idempotencyKey: 'no-nudge' });
      await h.hub.dispatcher.drain();
      for (const id of [nudged, quiet]) {
        const app = (await messageState(h.server, id)).deliveryAttempts[0];
        await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'UNNOTIFIED' });
        // a repeated receipt must not nudge twice
        await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'UNNOTIFIED' });
      }
      await h.hub.dispatcher.drain();
      const nudgedState = await messageState(h.server, nudged);
      expect(nudgedState.deliveryAttempts.map((a: any) => [a.channel, a.status, a.notification])).toEqual([
        ['NHS_APP', 'DELIVERED', 'UNNOTIFIED'],
        ['SMS', 'SENT', null],
      ]);
      expect(await fallbackEvents(h, nudged)).toEqual(['NHS_APP->SMS:UNNOTIFIED']);
      expect((await messageState(h.server, quiet)).deliveryAttempts).toHaveLength(1);
    } finally {
      await close(h);
    }
  });

  it('nudges when the patient had notifications off at send time, using the preference then in force', async () => {
    const h = await harness(undefined, { PREFERENCE_DELAY_HOURS: '24' });
    try {
      const turnOff = await h.server.graphql('mutation { updateChannelPreferences(input: { nhsNumber: "9434765919", notificationsEnabled: false }) { notificationsEnabled pendingNotificationsEnabled } }');
      expect(turnOff.data!.updateChannelPreferences).toEqual({ notificationsEnabled: true, pendingNotificationsEnabled: false });
      // Still in force: notifications on, so an unnotified receipt does not nudge.
      const before = await sendOk(h, { subject: 'Before the change' });
      h.clock.advance(25 * HOUR);
      const after = await sendOk(h, { subject: 'After the change' });
      await h.hub.dispatcher.drain();
      for (const id of [before, after]) {
        const app = (await messageState(h.server, id)).deliveryAttempts[0];
        await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'UNNOTIFIED' });
      }
      await h.hub.dispatcher.drain();
      expect(await fallbackEvents(h, before)).toEqual([]);
      expect(await fallbackEvents(h, after)).toEqual(['NHS_APP->SMS:UNNOTIFIED']);
      const nudge = h.supplier.calls.find((c) => c.channel === 'SMS');
      expect(nudge?.body.messageId).toBe(after);
      expect(h.supplier.calls.find((c) => c.body.messageId === after && c.channel === 'NHS_APP')?.body.notificationsEnabled).toBe(false);
    } finally {
      await close(h);
    }
  });

  it('holds a message in quiet hours and sends it when the window opens', async () => {
    // Friday 13 March 2026 at 23:00 London: push waits until 06:00, SMS until Monday 08:00.
    const h = await harness(byChannel({ NHS_APP: 400 }), { QUIET_HOURS: 'on' }, '2026-03-13T23:00:00Z');
    try {
      const id = await sendOk(h);
      let state = await messageState(h.server, id);
      expect(state.scheduledFor).toBe('2026-03-14T06:00:00.000Z');
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls).toHaveLength(0);

      h.clock.set('2026-03-14T06:00:00Z');
      await h.hub.dispatcher.drain();
      state = await messageState(h.server, id);
      // The app refused it on Saturday morning: the SMS fallback waits for Monday 08:00.
      expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status])).toEqual([
        ['NHS_APP', 'FAILED'],
        ['SMS', 'PENDING'],
      ]);
      expect(state.scheduledFor).toBe('2026-03-16T08:00:00.000Z');
      h.clock.set('2026-03-16T07:59:00Z');
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP']);
      h.clock.set('2026-03-16T08:00:00Z');
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP', 'SMS']);
      expect((await messageState(h.server, id)).scheduledFor).toBeNull();
    } finally {
      await close(h);
    }
  });

  it('retries temporary provider errors with exponential backoff, then succeeds', async () => {
    let calls = 0;
    const h = await harness(() => {
      calls += 1;
      return calls <= 2 ? { status: 503 } : { status: 200, json: { providerReference: 'ok-after-retries' } };
    });
    try {
      const id = await sendOk(h);
      await h.hub.dispatcher.drain();
      expect((await messageState(h.server, id)).deliveryAttempts[0]).toMatchObject({ status: 'PENDING', retryCount: 1 });
      h.clock.advance(999);
      await h.hub.dispatcher.drain();
      expect(calls).toBe(1);
      h.clock.advance(1);
      await h.hub.dispatcher.drain();
      expect(calls).toBe(2);
      // The second retry waits twice as long.
      h.clock.advance(1999);
      await h.hub.dispatcher.drain();
      expect(calls).toBe(2);
      h.clock.advance(1);
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, id)).deliveryAttempts[0];
      expect(app).toMatchObject({ status: 'SENT', retryCount: 2, providerReference: 'ok-after-retries' });
      expect(new Set(h.supplier.calls.map((c) => c.idempotencyKey))).toEqual(new Set([app.id]));
    } finally {
      await close(h);
    }
  });

  it('treats a supplier that does not answer in time as temporary, and moves on after the retries run out', async () => {
    const h = await harness((call) => (call.channel === 'NHS_APP' ? 'hang' : { status: 202, json: { providerReference: 'sms-ok' } }), { MAX_PROVIDER_RETRIES: '2' });
    try {
      const id = await sendOk(h);
      for (let i = 0; i < 3; i += 1) {
        await h.hub.dispatcher.drain();
        h.clock.advance(10_000);
      }
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status, a.failureReason, a.retryCount])).toEqual([
        ['NHS_APP', 'FAILED', 'PROVIDER_ERROR', 2],
        ['SMS', 'SENT', null, 0],
      ]);
      expect(await fallbackEvents(h, id)).toEqual(['NHS_APP->SMS:PROVIDER_ERROR']);
    } finally {
      await close(h);
    }
  });

  it('marks the message FAILED when every channel fails, with each fallback recorded', async () => {
    const h = await harness(byChannel({ NHS_APP: 400, SMS: 400, EMAIL: 400, LETTER: 400 }));
    try {
      const id = await sendOk(h);
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.status).toBe('FAILED');
      expect(state.deliveryAttempts.map((a: any) => [a.sequence, a.channel, a.status])).toEqual([
        [1, 'NHS_APP', 'FAILED'],
        [2, 'SMS', 'FAILED'],
        [3, 'EMAIL', 'FAILED'],
        [4, 'LETTER', 'FAILED'],
      ]);
      expect(await fallbackEvents(h, id)).toEqual(['NHS_APP->SMS:PROVIDER_REJECTED', 'SMS->EMAIL:PROVIDER_REJECTED', 'EMAIL->LETTER:PROVIDER_REJECTED']);
      const failed = await h.hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: id, kind: 'DELIVERY', type: 'FAILED' } });
      expect(failed).toHaveLength(1);
      expect(h.supplier.calls.find((c) => c.channel === 'LETTER')?.body.postalAddress).toBe('1 High Street, Leeds, LS1 4AB');
    } finally {
      await close(h);
    }
  });

  it('follows routing.fallbackOrder over the patient preferences, and skips opted-out channels', async () => {
    const h = await harness(byChannel({ NHS_APP: 400 }));
    try {
      const routed = await sendOk(h, { routing: { fallbackOrder: ['LETTER', 'SMS'] } });
      await h.server.graphql('mutation { updateChannelPreferences(input: { nhsNumber: "9434765919", optedOutChannels: [SMS] }) { optedOutChannels } }');
      const optedOut = await sendOk(h, { subject: 'Opted out of SMS', idempotencyKey: 'opted' });
      await h.hub.dispatcher.drain();
      expect((await messageState(h.server, routed)).deliveryAttempts.map((a: any) => a.channel)).toEqual(['NHS_APP', 'LETTER']);
      const skipped = (await messageState(h.server, optedOut)).deliveryAttempts;
      expect(skipped.map((a: any) => [a.channel, a.status, a.failureReason])).toEqual([
        ['NHS_APP', 'FAILED', 'PROVIDER_REJECTED'],
        ['SMS', 'SKIPPED', 'CHANNEL_OPTED_OUT'],
        ['EMAIL', 'SENT', null],
      ]);
    } finally {
      await close(h);
    }
  });

  it('keeps late receipts in order: a DELIVERED after READ changes nothing', async () => {
    const h = await harness();
    try {
      const id = await sendOk(h);
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, id)).deliveryAttempts[0];
      await receipt(h, { attemptId: app.id, status: 'READ' });
      const afterRead = await messageState(h.server, id);
      await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'NOTIFIED' });
      const afterLate = await messageState(h.server, id);
      expect(afterLate.status).toBe('READ');
      expect(afterLate.deliveryAttempts[0].status).toBe('READ');
      expect(afterLate.deliveryAttempts[0].readAt).toBe(afterRead.deliveryAttempts[0].readAt);
    } finally {
      await close(h);
    }
  });

  it('refuses to mark read a message quiet hours still hold, which then goes out when the window opens', async () => {
    const h = await harness(undefined, { QUIET_HOURS: 'on' }, '2026-03-13T23:00:00Z');
    try {
      const id = await sendOk(h);
      const read = await h.server.graphql('mutation ($id: ID!) { markMessageRead(id: $id) { status } }', { id });
      expect(read.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const state = await messageState(h.server, id);
      expect(state).toMatchObject({ status: 'QUEUED', readAt: null, deliveredAt: null, scheduledFor: '2026-03-14T06:00:00.000Z' });
      expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status])).toEqual([['NHS_APP', 'PENDING']]);
      expect(await dueWork(h, id)).toEqual(['DISPATCH']);
      h.clock.set('2026-03-14T06:00:00Z');
      await h.hub.dispatcher.drain();
      expect(h.supplier.calls.map((c) => c.body.messageId)).toEqual([id]);
    } finally {
      await close(h);
    }
  });

  it('refuses a DELIVERED receipt for an attempt that was never sent, and keeps its pending send', async () => {
    const h = await harness(byChannel({ NHS_APP: 422, EMAIL: 503 }));
    try {
      const id = await sendOk(h, { routing: { fallbackOrder: ['EMAIL'] } });
      await h.hub.dispatcher.drain();
      const email = (await messageState(h.server, id)).deliveryAttempts[1];
      expect(email).toMatchObject({ channel: 'EMAIL', status: 'PENDING' });
      expect(await receipt(h, { attemptId: email.id, status: 'DELIVERED' })).toBe(400);
      const state = await messageState(h.server, id);
      expect(state).toMatchObject({ status: 'QUEUED', deliveredChannel: null, deliveredAt: null });
      expect(state.deliveryAttempts[1]).toMatchObject({ status: 'PENDING', deliveredAt: null });
      expect(await dueWork(h, id)).toEqual(['DISPATCH']);
    } finally {
      await close(h);
    }
  });

  it('never nudges by SMS in a category without fallback', async () => {
    const h = await harness();
    try {
      const id = await sendOk(h, { category: 'IM1_PFS', routing: { nudgeWhenUnnotified: true } });
      await h.hub.dispatcher.drain();
      const app = (await messageState(h.server, id)).deliveryAttempts[0];
      expect(await receipt(h, { attemptId: app.id, status: 'DELIVERED', notification: 'UNNOTIFIED' })).toBe(200);
      await h.hub.dispatcher.drain();
      const state = await messageState(h.server, id);
      expect(state.deliveryAttempts.map((a: any) => [a.sequence, a.channel, a.status, a.notification])).toEqual([[1, 'NHS_APP', 'DELIVERED', 'UNNOTIFIED']]);
      expect(state).toMatchObject({ status: 'DELIVERED', fallbackUsed: false });
      expect(await fallbackEvents(h, id)).toEqual([]);
      expect(h.supplier.calls.map((c) => c.channel)).toEqual(['NHS_APP']);
    } finally {
      await close(h);
    }
  });

  it('resumes stored timers after a restart', async () => {
    const supplier = await startSupplier();
    const clock = new ManualClock(WEEKDAY_MORNING);
    const env = { ...providerEnv(supplier), QUIET_HOURS: 'on' };
    const first = await createTestHub({ clock, env });
    try {
      await givenOrganisation(first);
      await givenPatient(first);
      clock.set('2026-03-10T23:00:00Z');
      const server = await startTestServer(first);
      const result = await send(server);
      const id = result.data!.sendMessage.message.id;
      expect(result.data!.sendMessage.message.scheduledFor).toBe('2026-03-11T06:00:00.000Z');
      await server.stop();
      await first.close();

      // A new process on the same database: nothing was lost and the hold still applies.
      const second = await createTestHub({ clock, env, databaseUrl: first.config.databaseUrl, keepData: true });
      try {
        await second.dispatcher.drain();
        expect(supplier.calls).toHaveLength(0);
        clock.set('2026-03-11T06:00:00Z');
        await second.dispatcher.drain();
        expect(supplier.calls.map((c) => c.body.messageId)).toEqual([id]);
      } finally {
        await second.close();
      }
    } finally {
      await supplier.close();
    }
  });
});
