/**
 * deliveryEvents and fallbackEvents over the real server's graphql-ws endpoint: who may
 * connect and subscribe, what an event carries, filters and organisation scoping,
 * catch-up after a reconnect, and no leaked listeners or sockets.
 */
import { MoreThan } from 'typeorm';
import { HubEvent } from '../../entities/HubEvent';
import { hashApiKey } from '../../src/auth/apiKeys';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import {
  Collector,
  connect,
  type Connection,
  DELIVERY_EVENT_FIELDS,
  DELIVERY_EVENTS,
  FALLBACK_EVENT_FIELDS,
  FALLBACK_EVENTS,
  waitFor,
} from '../support/subscriptions';
import { apiKey, createTestHub, resetDatabase, startTestServer, type TestServer } from '../support/testHub';

jest.setTimeout(60_000);

const PRACTICE = 'A81001';
const OTHER_PRACTICE = 'B82002';
const JANE = '9434765919';
/** Not an NHS App user: the NHS App is skipped for SMS at once. */
const JOHN = '9434765870';
const NOW = '2026-03-10T10:00:00.000Z';

let hub: Hub;
let server: TestServer;
let dashboardKey: string;
const open: Connection[] = [];

beforeAll(async () => {
  hub = await createTestHub({ clock: new ManualClock(NOW), env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '100000' } });
  server = await startTestServer(hub);
  dashboardKey = await apiKey(hub, Role.DASHBOARD);
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.dispose()));
  await server.stop();
  await hub.close();
});

beforeEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.dispose()));
  await settled();
  await resetDatabase(hub);
  await givenOrganisation(hub, PRACTICE, 'The Densham Surgery');
  await givenOrganisation(hub, OTHER_PRACTICE, 'Riverside Health Centre');
  await givenPatient(hub, { nhsNumber: JANE });
  await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', nhsAppUser: false, email: null });
});

/** Before each test: every socket and listener of the previous one is gone. */
let baseline = 0;
async function settled(): Promise<void> {
  await waitFor(() => server.subscriptionSockets() === 0, () => `no open sockets (have ${server.subscriptionSockets()})`, 10_000);
  baseline = hub.bus.listenerCount();
}

function connection(key: string | null, params?: Record<string, unknown>): Connection {
  const c = connect(server.port, params ?? (key === null ? undefined : { authorization: `Bearer ${key}` }));
  open.push(c);
  return c;
}

/** Subscribes, and waits until the hub has attached the subscription's bus listener. */
async function subscribed(c: Connection, query: string, variables: Record<string, unknown> = {}, listeners = 1): Promise<Collector> {
  await c.connected;
  const before = hub.bus.listenerCount();
  const collector = new Collector(c.client, query, variables);
  await waitFor(() => hub.bus.listenerCount() >= before + listeners || collector.errors.length > 0, 'the subscription to start');
  expect(collector.errors).toEqual([]);
  return collector;
}

async function sendOk(overrides: Record<string, unknown> = {}): Promise<string> {
  const result = await send(server, overrides);
  expect(result.errors).toBeUndefined();
  return result.data!.sendMessage.message.id;
}

/** Stored delivery events in sequence order, each with `id` set to its public id (its sequence), as subscribers see it. */
async function storedEvents(where: Record<string, unknown> = {}): Promise<HubEvent[]> {
  const events = await hub.db.dataSource.getRepository(HubEvent).find({ where: { kind: 'DELIVERY', ...where }, order: { sequence: 'ASC' } });
  return events.map((event) => Object.assign(event, { id: event.sequence }));
}

async function keyIdOf(key: string): Promise<string> {
  const record = (await hub.stores.apiKeys.list()).find((k) => k.keyHash === hashApiKey(key));
  expect(record).toBeDefined();
  return record!.id;
}

const idsOf = (events: ReadonlyArray<{ id?: unknown }>) => events.map((e) => String(e.id));
const sortedKeys = (fields: string) => fields.split(' ').sort();

describe('connecting to the graphql-ws endpoint', () => {
  it('closes a socket that sends no connectionParams with 4401', async () => {
    const c = connection(null);
    expect((await c.closed).code).toBe(4401);
    await expect(c.connected).rejects.toMatchObject({ code: 4401 });
  });

  it('closes a socket whose connectionParams carry no authorization with 4401', async () => {
    expect((await connection(null, {}).closed).code).toBe(4401);
    expect((await connection(null, { authorization: '   ' }).closed).code).toBe(4401);
  });

  it('closes a socket with an unknown key with 4403', async () => {
    expect((await connection('nhk_thisIsNotAKeyTheHubEverIssued0000000000').closed).code).toBe(4403);
    expect((await connection(null, { authorization: 'not-even-a-key' }).closed).code).toBe(4403);
  });

  it('accepts a key with or without "Bearer "', async () => {
    await connection(dashboardKey).connected;
    await connection(null, { authorization: dashboardKey }).connected;
  });

  it('stops a revoked key: no new subscription on its open socket, and no new connection', async () => {
    const key = await apiKey(hub, Role.DASHBOARD);
    const c = connection(key);
    const before = await subscribed(c, DELIVERY_EVENTS);
    expect(await hub.stores.apiKeys.revoke(await keyIdOf(key), hub.clock.now())).toBe(true);

    const after = new Collector(c.client, DELIVERY_EVENTS);
    await after.untilSettled();
    expect(after.codes()).toEqual(['UNAUTHENTICATED']);
    expect(after.events).toEqual([]);
    expect(before.errors).toEqual([]);

    const again = connection(key);
    expect((await again.closed).code).toBe(4403);
  });

  it('refuses a SENDER key the subscriptions with FORBIDDEN, and keeps no listener for it', async () => {
    const sender = connection(await apiKey(hub, Role.SENDER, PRACTICE));
    await sender.connected;
    const deliveries = new Collector(sender.client, DELIVERY_EVENTS);
    const fallbacks = new Collector(sender.client, FALLBACK_EVENTS);
    await deliveries.untilSettled();
    await fallbacks.untilSettled();
    expect(deliveries.errors).toHaveLength(1);
    expect(fallbacks.errors).toHaveLength(1);
    await sendOk();
    expect(deliveries.events).toEqual([]);
    expect(fallbacks.events).toEqual([]);
    expect(hub.bus.listenerCount()).toBe(baseline);
    // The contract's code for a key whose role may not do this, as over HTTP.
    expect(deliveries.codes()).toEqual(['FORBIDDEN']);
    expect(fallbacks.codes()).toEqual(['FORBIDDEN']);
  });

  it('refuses an ANALYST key too', async () => {
    const analyst = connection(await apiKey(hub, Role.ANALYST));
    await analyst.connected;
    const refused = new Collector(analyst.client, DELIVERY_EVENTS);
    await refused.untilSettled();
    expect(refused.codes()).toEqual(['FORBIDDEN']);
  });
});

describe('deliveryEvents', () => {
  it('tells a DASHBOARD key about a message sent over HTTP: QUEUED, then SENT once dispatched', async () => {
    const dashboard = await subscribed(connection(dashboardKey), DELIVERY_EVENTS);
    const admin = await subscribed(connection(server.adminKey), DELIVERY_EVENTS);

    const result = await send(server, { category: 'NHS_APP_MESSAGING' });
    expect(result.errors).toBeUndefined();
    const message = result.data!.sendMessage.message;
    const attemptId = message.deliveryAttempts[0].id;
    await dashboard.untilCount(1);
    await hub.dispatcher.drain();
    const events = await dashboard.untilCount(2);

    expect(events).toEqual([
      { id: expect.any(String), type: 'QUEUED', messageId: message.id, attemptId, channel: 'NHS_APP', category: 'NHS_APP_MESSAGING', organisationOdsCode: PRACTICE, occurredAt: NOW },
      { id: expect.any(String), type: 'SENT', messageId: message.id, attemptId, channel: 'NHS_APP', category: 'NHS_APP_MESSAGING', organisationOdsCode: PRACTICE, occurredAt: NOW },
    ]);
    expect(idsOf(events)).toEqual(idsOf(await storedEvents({ messageId: message.id })));
    expect(BigInt(events[1].id)).toBeGreaterThan(BigInt(events[0].id));
    // The event is exactly the documented fields: nothing about the patient.
    for (const event of events) expect(Object.keys(event).sort()).toEqual(sortedKeys(DELIVERY_EVENT_FIELDS));
    expect(await admin.untilCount(2)).toEqual(events);
  });

  it('offers no personal data on its event types, and refuses to select any', async () => {
    const introspection = await server.graphql(`{
      delivery: __type(name: "DeliveryEvent") { fields { name } }
      fallback: __type(name: "FallbackEvent") { fields { name } }
    }`);
    expect(introspection.errors).toBeUndefined();
    expect(introspection.data!.delivery.fields.map((f: { name: string }) => f.name).sort()).toEqual(sortedKeys(DELIVERY_EVENT_FIELDS));
    expect(introspection.data!.fallback.fields.map((f: { name: string }) => f.name).sort()).toEqual(sortedKeys(FALLBACK_EVENT_FIELDS));

    const c = connection(dashboardKey);
    await c.connected;
    const nosy = new Collector(c.client, 'subscription { deliveryEvents { id nhsNumber mobileNumber } }');
    await nosy.untilSettled();
    expect(nosy.errors.length).toBeGreaterThan(0);
    expect(nosy.errors.map((e) => e.message).join(' ')).toMatch(/nhsNumber/);
    expect(nosy.events).toEqual([]);
  });

  it('filters by organisation, category and message id', async () => {
    const first = await sendOk({ subject: 'First' });
    const start = (await storedEvents()).at(-1)!.id;
    const c = connection(dashboardKey);
    const all = await subscribed(c, DELIVERY_EVENTS);
    const byOrganisation = await subscribed(c, DELIVERY_EVENTS, { filter: { organisationOdsCodes: [OTHER_PRACTICE.toLowerCase()] } });
    const byCategory = await subscribed(c, DELIVERY_EVENTS, { filter: { categories: ['IM1_PFS'] } });
    const byMessage = await subscribed(c, DELIVERY_EVENTS, { filter: { messageId: first } });
    const combined = await subscribed(c, DELIVERY_EVENTS, { filter: { organisationOdsCodes: [OTHER_PRACTICE], categories: ['IM1_PFS'] } });

    const otherApp = await sendOk({ organisationOdsCode: OTHER_PRACTICE, subject: 'Other practice' });
    const ownIm1 = await sendOk({ category: 'IM1_PFS', subject: 'GP system' });
    const otherIm1 = await sendOk({ organisationOdsCode: OTHER_PRACTICE, category: 'IM1_PFS', subject: 'Other GP system' });
    await hub.dispatcher.drain();
    // Last come one event each filter matches, so each stream is complete once it has arrived.
    const last = await sendOk({ organisationOdsCode: OTHER_PRACTICE, category: 'IM1_PFS', subject: 'Last' });
    const read = await server.graphql('mutation Read($id: ID!) { markMessageRead(id: $id) { status } }', { id: first });
    expect(read.errors).toBeUndefined();

    const stored = await storedEvents({ sequence: MoreThan(start) });
    const lastRead = stored.find((e) => e.messageId === first && e.type === 'READ');
    expect(lastRead).toBeDefined();
    await all.until((events) => events.length === stored.length, `all ${stored.length} events`);
    await byOrganisation.until((events) => events.some((e) => e.messageId === last));
    await byCategory.until((events) => events.some((e) => e.messageId === last));
    await combined.until((events) => events.some((e) => e.messageId === last));
    await byMessage.until((events) => events.some((e) => e.type === 'READ'));

    const expectIds = (collector: Collector, keep: (e: HubEvent) => boolean) => {
      const received = idsOf(collector.events);
      expect(new Set(received).size).toBe(received.length);
      expect([...received].sort()).toEqual(idsOf(stored.filter(keep)).sort());
    };
    expectIds(all, () => true);
    expectIds(byOrganisation, (e) => e.organisationOdsCode === OTHER_PRACTICE);
    expectIds(byCategory, (e) => e.category === 'IM1_PFS');
    expectIds(byMessage, (e) => e.messageId === first);
    expectIds(combined, (e) => e.organisationOdsCode === OTHER_PRACTICE && e.category === 'IM1_PFS');
    // Sanity: each filter really had something to leave out.
    expect(new Set(byOrganisation.events.map((e) => e.messageId))).toEqual(new Set([otherApp, otherIm1, last]));
    expect(new Set(byCategory.events.map((e) => e.messageId))).toEqual(new Set([ownIm1, otherIm1, last]));
    expect(byMessage.events.map((e) => e.type)).toEqual(['SENT', 'READ']);
  });

  it('shows a DASHBOARD key bound to an organisation only its own events, and refuses another organisation', async () => {
    const boundKey = await apiKey(hub, Role.DASHBOARD, PRACTICE);
    const c = connection(boundKey);
    const unfiltered = await subscribed(c, DELIVERY_EVENTS);
    const own = await subscribed(c, DELIVERY_EVENTS, { filter: { organisationOdsCodes: [PRACTICE] } });

    const other = await sendOk({ organisationOdsCode: OTHER_PRACTICE, subject: 'Not yours' });
    await hub.dispatcher.drain();
    const mine = await sendOk({ subject: 'Yours' });
    for (const collector of [unfiltered, own]) {
      const events = await collector.until((received) => received.some((e) => e.messageId === mine));
      expect(events.map((e) => [e.messageId, e.type, e.organisationOdsCode])).toEqual([[mine, 'QUEUED', PRACTICE]]);
    }
    expect((await storedEvents({ messageId: other })).length).toBe(2);

    const elsewhere = new Collector(c.client, DELIVERY_EVENTS, { filter: { organisationOdsCodes: [OTHER_PRACTICE] } });
    const fallbacksElsewhere = new Collector(c.client, FALLBACK_EVENTS, { filter: { organisationOdsCodes: [OTHER_PRACTICE] } });
    await elsewhere.untilSettled();
    await fallbacksElsewhere.untilSettled();
    expect(elsewhere.errors).toHaveLength(1);
    expect(elsewhere.errors[0].message).toMatch(/A81001/);
    expect(fallbacksElsewhere.errors).toHaveLength(1);

    // Catching up is scoped too: replaying from the start shows only its organisation's events.
    const replay = await subscribed(connection(boundKey), DELIVERY_EVENTS, { after: '0' });
    await replay.until((events) => events.some((e) => e.messageId === mine));
    expect(new Set(replay.events.map((e) => e.organisationOdsCode))).toEqual(new Set([PRACTICE]));

    expect(elsewhere.codes()).toEqual(['FORBIDDEN']);
    expect(fallbacksElsewhere.codes()).toEqual(['FORBIDDEN']);
  });

  it('gives every subscriber on one key exactly the selection it asked for', async () => {
    const otherKey = await apiKey(hub, Role.DASHBOARD);
    const c = connection(dashboardKey);
    const withChannel = 'subscription ($withChannel: Boolean!) { deliveryEvents { id channel @include(if: $withChannel) } }';
    const collectors = [
      await subscribed(c, 'subscription { deliveryEvents { id type } }'),
      await subscribed(connection(dashboardKey), 'subscription { deliveryEvents { id type } }'),
      await subscribed(c, 'subscription ($after: ID) { deliveryEvents(after: $after) { id type } }', { after: null }),
      await subscribed(c, 'subscription { deliveryEvents { id messageId } }'),
      await subscribed(c, withChannel, { withChannel: true }),
      await subscribed(c, withChannel, { withChannel: false }),
      await subscribed(c, 'subscription { deliveryEvents { eventId: id type } }'),
      await subscribed(connection(otherKey), 'subscription { deliveryEvents { id type } }'),
    ];
    const id = await sendOk();
    const [queued] = await storedEvents({ messageId: id });
    for (const collector of collectors) await collector.untilCount(1);
    expect(collectors.map((collector) => collector.events)).toEqual([
      [{ id: String(queued.id), type: 'QUEUED' }],
      [{ id: String(queued.id), type: 'QUEUED' }],
      [{ id: String(queued.id), type: 'QUEUED' }],
      [{ id: String(queued.id), messageId: id }],
      [{ id: String(queued.id), channel: 'NHS_APP' }],
      [{ id: String(queued.id) }],
      [{ eventId: String(queued.id), type: 'QUEUED' }],
      [{ id: String(queued.id), type: 'QUEUED' }],
    ]);
  });

  it('sends nothing for a send the rules refuse', async () => {
    const events = await subscribed(connection(dashboardKey), DELIVERY_EVENTS);
    const fallbacks = await subscribed(connection(dashboardKey), FALLBACK_EVENTS);
    const before = await hub.db.dataSource.getRepository(HubEvent).count();

    const noLegalBasis = await send(server, { legalBasis: null, subject: 'No legal basis' });
    expect(noLegalBasis.errors?.[0]?.extensions?.code).toBe('NO_LEGAL_BASIS');
    const noPurpose = await send(server, { nhsNumber: JOHN, purpose: '  ', subject: 'No purpose' });
    expect(noPurpose.errors?.[0]?.extensions?.code).toBe('NO_LEGAL_BASIS');
    expect(await hub.db.dataSource.getRepository(HubEvent).count()).toBe(before);

    // The next accepted send's events are the first either subscriber sees.
    const ok = await sendOk({ nhsNumber: JOHN, subject: 'Accepted' });
    expect((await events.untilCount(1)).map((e) => e.messageId)).toEqual([ok]);
    expect((await fallbacks.untilCount(1)).map((e) => e.messageId)).toEqual([ok]);
    expect(events.events).toHaveLength(1);
    expect(fallbacks.events).toHaveLength(1);
  });

  it('catches a reconnecting client up on exactly what it missed, then carries on live', async () => {
    const first = connection(dashboardKey);
    const before = await subscribed(first, DELIVERY_EVENTS);
    const early = [await sendOk({ subject: 'One' }), await sendOk({ subject: 'Two' }), await sendOk({ subject: 'Three' })];
    const seen = await before.untilCount(3);
    expect(seen.map((e) => e.messageId)).toEqual(early);
    const lastSeen = seen[2].id;

    await first.dispose();
    await waitFor(() => hub.bus.listenerCount() === baseline && server.subscriptionSockets() === 0, 'the first client to go');

    // While it is away: two more sends and the dispatch of all five.
    const missedSends = [await sendOk({ subject: 'Four' }), await sendOk({ nhsNumber: JOHN, subject: 'Five' })];
    await hub.dispatcher.drain();
    const missed = await storedEvents({ sequence: MoreThan(lastSeen) });
    expect(missed).toHaveLength(2 + 5);

    const again = await subscribed(connection(dashboardKey), DELIVERY_EVENTS, { after: lastSeen });
    await again.untilCount(missed.length);
    expect(idsOf(again.events)).toEqual(idsOf(missed));
    expect(again.events.map((e) => [e.messageId, e.type])).toEqual(missed.map((e) => [e.messageId, e.type]));
    expect(new Set(again.events.filter((e) => e.type === 'QUEUED').map((e) => e.messageId))).toEqual(new Set(missedSends));

    // Then live.
    const live = await sendOk({ subject: 'Six' });
    await hub.dispatcher.drain();
    await again.untilCount(missed.length + 2);
    const all = await storedEvents({ sequence: MoreThan(lastSeen) });
    expect(idsOf(again.events)).toEqual(idsOf(all));
    expect(again.events.slice(-2).map((e) => [e.messageId, e.type])).toEqual([
      [live, 'QUEUED'],
      [live, 'SENT'],
    ]);
    const numeric = again.events.map((e) => BigInt(e.id));
    for (let i = 1; i < numeric.length; i += 1) expect(numeric[i]).toBeGreaterThan(numeric[i - 1]);
    expect(numeric[0]).toBeGreaterThan(BigInt(lastSeen));
  });

  it('refuses an `after` that is not an event id', async () => {
    const c = connection(dashboardKey);
    await c.connected;
    const bad = new Collector(c.client, DELIVERY_EVENTS, { after: 'yesterday' });
    await bad.untilSettled();
    expect(bad.events).toEqual([]);
    expect(bad.errors).toHaveLength(1);
    expect(bad.codes()).toEqual(['BAD_USER_INPUT']);
  });
});

describe('fallbackEvents', () => {
  it('reports the NHS App skipped for SMS for a patient who is not an app user', async () => {
    const fallbacks = await subscribed(connection(dashboardKey), FALLBACK_EVENTS);
    const deliveries = await subscribed(connection(dashboardKey), DELIVERY_EVENTS);
    const appUser = await sendOk({ subject: 'App user' });
    const result = await send(server, { nhsNumber: JOHN, subject: 'Not an app user' });
    expect(result.errors).toBeUndefined();
    const message = result.data!.sendMessage.message;

    const [event] = await fallbacks.untilCount(1);
    expect(event).toEqual({
      id: expect.any(String),
      messageId: message.id,
      fromChannel: 'NHS_APP',
      toChannel: 'SMS',
      reason: 'NOT_NHS_APP_USER',
      category: 'NHS_APP_MESSAGING',
      organisationOdsCode: PRACTICE,
      occurredAt: NOW,
    });
    expect(Object.keys(event).sort()).toEqual(sortedKeys(FALLBACK_EVENT_FIELDS));
    const stored = await hub.db.dataSource.getRepository(HubEvent).find({ where: { kind: 'FALLBACK' } });
    expect(stored.map((e) => String(e.sequence))).toEqual([event.id]);

    // Its delivery events say SMS; the app user's say NHS_APP.
    const queued = await deliveries.untilCount(2);
    expect(queued.map((e) => [e.messageId, e.type, e.channel])).toEqual([
      [appUser, 'QUEUED', 'NHS_APP'],
      [message.id, 'QUEUED', 'SMS'],
    ]);
    expect(fallbacks.events).toHaveLength(1);
  });
});

describe('clean-up', () => {
  it('leaves no bus listener and no socket behind after 1,000 connect, subscribe, disconnect cycles', async () => {
    await sendOk();
    const [only] = await storedEvents();
    const justBefore = String(BigInt(only.id) - 1n);
    const listenersBefore = hub.bus.listenerCount();
    let received = 0;

    const cycle = async (i: number) => {
      const c = connect(server.port, { authorization: `Bearer ${dashboardKey}` });
      try {
        await c.connected;
        if (i % 4 === 3) {
          // Gone before the hub has even set the subscription up.
          new Collector(c.client, i % 8 === 3 ? FALLBACK_EVENTS : DELIVERY_EVENTS);
        } else {
          // Gone once the subscription is running: the replayed event proves it is.
          const collector = new Collector(c.client, DELIVERY_EVENTS, { after: justBefore });
          await collector.untilCount(1, 20_000);
          expect(collector.events.map((e) => e.id)).toEqual([String(only.id)]);
          received += 1;
        }
      } finally {
        await c.dispose();
      }
    };

    for (let start = 0; start < 1000; start += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => cycle(start + k)));
    }
    expect(received).toBe(750);
    await waitFor(
      () => hub.bus.listenerCount() === listenersBefore && server.subscriptionSockets() === 0,
      () => `listeners back to ${listenersBefore} (now ${hub.bus.listenerCount()}) and no sockets (now ${server.subscriptionSockets()})`,
      10_000,
    );
    expect(hub.bus.listenerCount()).toBe(listenersBefore);
    expect(server.subscriptionSockets()).toBe(0);
  }, 180_000);
});
