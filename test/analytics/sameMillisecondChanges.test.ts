/**
 * The rollup refresher skips a message whose updated_at is the one it last counted, so every
 * change to a message must move its updated_at, even two changes within one millisecond: a
 * read marked in the same millisecond as the send that a refresh has already counted must
 * still reach the metrics.
 */
import { refreshRollups } from '../../src/analytics/refreshRollups';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { laterStamp } from '../../src/delivery/rules/deliveryDraft';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const clock = new ManualClock('2026-03-10T10:00:00Z');
let hub: Hub;
let server: TestServer;

beforeAll(async () => {
  hub = await createTestHub({ clock });
  await givenOrganisation(hub);
  await givenPatient(hub);
  server = await startTestServer(hub);
});

afterAll(async () => {
  await server.stop();
  await hub.close();
});

async function counted(): Promise<{ messages: number; read: number }> {
  const [row] = await hub.db.dataSource.query('SELECT SUM(messages) AS messages, SUM(read_count) AS read_count FROM delivery_rollups');
  return { messages: Number(row.messages ?? 0), read: Number(row.read_count ?? 0) };
}

it('counts a read made in the same millisecond as the send a refresh has already counted', async () => {
  const sent = await send(server);
  expect(sent.errors).toBeUndefined();
  const id = sent.data!.sendMessage.message.id;
  await hub.dispatcher.drain();
  await refreshRollups({ rollups: hub.stores.rollups, clock });
  expect(await counted()).toEqual({ messages: 1, read: 0 });

  // The clock has not moved: the read happens in the same millisecond.
  const read = await server.graphql('mutation ($id: ID!) { markMessageRead(id: $id) { status readAt } }', { id });
  expect(read.errors).toBeUndefined();
  expect(read.data!.markMessageRead.status).toBe('READ');
  await refreshRollups({ rollups: hub.stores.rollups, clock });
  expect(await counted()).toEqual({ messages: 1, read: 1 });
});

it('stamps each change later than the one before it, whatever the clock says', () => {
  const previous = new Date('2026-03-10T10:00:00.000Z');
  expect(laterStamp(previous, new Date('2026-03-10T10:00:05.000Z')).toISOString()).toBe('2026-03-10T10:00:05.000Z');
  expect(laterStamp(previous, previous).toISOString()).toBe('2026-03-10T10:00:00.001Z');
  expect(laterStamp(previous, new Date('2026-03-10T09:59:00.000Z')).toISOString()).toBe('2026-03-10T10:00:00.001Z');
  expect(laterStamp(null, previous)).toBe(previous);
});
