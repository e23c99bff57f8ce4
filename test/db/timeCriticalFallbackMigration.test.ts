/**
 * Messages sent before a time-critical app skip stopped counting as a fallback: the data
 * migration clears fallback_used where the skip was the only move, keeps real fallbacks,
 * and the rollups recount the changed messages.
 */
import { TimeCriticalIsNoFallback1765090000000 } from '../../migrations/1765090000000-TimeCriticalIsNoFallback';
import { refreshRollups } from '../../src/analytics/refreshRollups';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { messageState, send } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const URGENT = 'Your appointment tomorrow at 9am is cancelled. Please call the surgery.';

describe('the migration that stops counting a time-critical app skip as a fallback', () => {
  const clock = new ManualClock('2026-03-10T10:00:00Z');
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await givenOrganisation(hub);
    await givenPatient(hub);
    await givenPatient(hub, { nhsNumber: '9434765870', nhsAppUser: false });
    await givenPatient(hub, { nhsNumber: '4010232137', mobileNumber: null });
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  async function sendOk(overrides: Record<string, unknown>): Promise<string> {
    const result = await send(server, overrides);
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage.message.id;
  }

  async function fallbacks(): Promise<number> {
    await refreshRollups({ rollups: hub.stores.rollups, clock });
    const result = await server.graphql('query ($f: MetricsFilter!) { deliveryMetrics(filter: $f) { fallbacks } }', { f: { from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' } });
    return result.data!.deliveryMetrics[0].fallbacks;
  }

  it('clears the flag where skipping the app was the only move, keeps real fallbacks, and the metrics follow', async () => {
    const legacy = await sendOk({ timeCritical: true, body: URGENT, subject: 'Urgent' });
    const noMobile = await sendOk({ nhsNumber: '4010232137', timeCritical: true, body: URGENT });
    const notAppUser = await sendOk({ nhsNumber: '9434765870' });
    // As the hub recorded it before the rule changed.
    await hub.db.dataSource.query('UPDATE messages SET fallback_used = 1 WHERE id = ?', [legacy]);
    expect(await fallbacks()).toBe(3);

    const runner = hub.db.dataSource.createQueryRunner();
    try {
      await new TimeCriticalIsNoFallback1765090000000().up(runner);
    } finally {
      await runner.release();
    }

    expect((await messageState(server, legacy)).fallbackUsed).toBe(false);
    expect((await messageState(server, noMobile)).fallbackUsed).toBe(true);
    expect((await messageState(server, notAppUser)).fallbackUsed).toBe(true);
    expect(await fallbacks()).toBe(2);
  });
});
