/** latestEventId(before:) finds where to replay from to see every event since an instant (the dashboard's last hour). */
import type { Hub } from '../../src/hub';
import { ManualClock, HOUR_MS } from '../../src/shared/clock';
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
  const result = await server.graphql('query ($before: DateTime) { all: latestEventId hourAgo: latestEventId(before: $before) none: latestEventId(before: "2026-03-10T09:00:00Z") }', {
    before: new Date(clock.now().getTime() - HOUR_MS).toISOString(),
  });
  expect(result.errors).toBeUndefined();
  expect(result.data?.hourAgo).toBe(early);
  expect(BigInt(result.data?.all)).toBeGreaterThan(BigInt(early));
  expect(result.data?.none).toBe('0');
});
