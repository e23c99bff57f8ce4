/** latestEventId(before:) finds where to replay from to see every event since an instant (the dashboard's last hour). */
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { HOUR_MS } from '../../src/shared/durations';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

let clock: ManualClock;
let hub: Hub;
let server: TestServer;

beforeAll(async () => {
  clock = new ManualClock('2026-03-10T10:00:00Z');
  hub = await createTestHub({ clock });
  await givenOrganisation(hub);
  await givenPatient(hub, { nhsNumber: '9434765919' });
  server = await startTestServer(hub);
});

afterAll(async () => {
  await server.stop();
  await hub.close();
});

it('answers the newest event before an instant, and the newest of all without one', async () => {
  expect((await server.graphql('{ latestEventId }')).data?.latestEventId).toBe('0');
  expect((await send(server, { subject: 'Early' })).errors).toBeUndefined();
  await hub.dispatcher.drain();
  const early = (await server.graphql('{ latestEventId }')).data?.latestEventId as string;
  expect(BigInt(early)).toBeGreaterThan(0n);

  clock.advance(2 * HOUR_MS);
  expect((await send(server, { subject: 'Late' })).errors).toBeUndefined();
  await hub.dispatcher.drain();
  const hourAgo = new Date(clock.now().getTime() - HOUR_MS);
  const result = await server.graphql('query ($before: DateTime) { all: latestEventId hourAgo: latestEventId(before: $before) none: latestEventId(before: "2026-03-10T09:00:00Z") }', {
    before: hourAgo.toISOString(),
  });
  expect(result.errors).toBeUndefined();
  const events = await hub.stores.events.after('DELIVERY', '0', {}, 1000);
  const fallbacks = await hub.stores.events.after('FALLBACK', '0', {}, 1000);
  const newestBefore = [...events, ...fallbacks].filter((e) => e.occurredAt < hourAgo).reduce((max, e) => (BigInt(e.sequence!) > max ? BigInt(e.sequence!) : max), 0n);
  expect(newestBefore).toBeGreaterThanOrEqual(BigInt(early));
  expect(result.data?.hourAgo).toBe(String(newestBefore));
  expect(BigInt(result.data?.all)).toBeGreaterThan(BigInt(early));
  expect(result.data?.none).toBe('0');
});
