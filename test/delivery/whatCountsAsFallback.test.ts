/**
 * A fallback is a move to another channel after a channel the message was meant for failed
 * or could not be used at send time. A time-critical message was never meant for the NHS
 * App, so going straight to SMS is no fallback: not in the events, not in fallbackUsed,
 * not in deliveryMetrics.
 */
import { HubEvent } from '../../entities/HubEvent';
import { refreshRollups } from '../../src/analytics/refreshRollups';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { messageState, send } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const APP_USER = '9434765919';
const NOT_APP_USER = '9434765870';
const NO_MOBILE = '4010232137';
const URGENT = 'Your appointment tomorrow at 9am is cancelled. Please call the surgery.';

describe('what counts as a fallback', () => {
  const clock = new ManualClock('2026-03-10T10:00:00Z');
  let hub: Hub;
  let server: TestServer;
  const ids: Record<string, string> = {};

  async function sendOk(name: string, overrides: Record<string, unknown>) {
    const result = await send(server, { subject: name, ...overrides });
    expect(result.errors).toBeUndefined();
    ids[name] = result.data!.sendMessage.message.id;
  }

  async function fallbacksOf(name: string) {
    const events = await hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: ids[name], kind: 'FALLBACK' }, order: { id: 'ASC' } });
    return events.map((e) => `${e.fromChannel}->${e.toChannel}:${e.reason}`);
  }

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await givenOrganisation(hub);
    await givenPatient(hub);
    await givenPatient(hub, { nhsNumber: NOT_APP_USER, nhsAppUser: false });
    await givenPatient(hub, { nhsNumber: NO_MOBILE, mobileNumber: null });
    server = await startTestServer(hub);
    await sendOk('app', { nhsNumber: APP_USER });
    await sendOk('not an app user', { nhsNumber: NOT_APP_USER });
    await sendOk('time-critical', { nhsNumber: APP_USER, timeCritical: true, body: URGENT });
    await sendOk('time-critical without a mobile', { nhsNumber: NO_MOBILE, timeCritical: true, body: URGENT });
    await hub.dispatcher.drain();
    clock.advance(60_000);
    await refreshRollups({ rollups: hub.stores.rollups, clock });
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  it('a time-critical message going straight to SMS has not fallen back', async () => {
    expect(await fallbacksOf('time-critical')).toEqual([]);
    const state = await messageState(server, ids['time-critical']);
    expect(state.fallbackUsed).toBe(false);
    expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status, a.failureReason])).toEqual([
      ['NHS_APP', 'SKIPPED', 'TIME_CRITICAL'],
      ['SMS', 'SENT', null],
    ]);
  });

  it('a time-critical message that cannot use the SMS it was meant for falls back from SMS', async () => {
    expect(await fallbacksOf('time-critical without a mobile')).toEqual(['SMS->EMAIL:NO_CONTACT_DETAILS']);
    expect((await messageState(server, ids['time-critical without a mobile'])).fallbackUsed).toBe(true);
  });

  it('a patient who does not use the NHS App falls back from the app the message was meant for', async () => {
    expect(await fallbacksOf('not an app user')).toEqual(['NHS_APP->SMS:NOT_NHS_APP_USER']);
    expect((await messageState(server, ids['not an app user'])).fallbackUsed).toBe(true);
    expect(await fallbacksOf('app')).toEqual([]);
    expect((await messageState(server, ids.app)).fallbackUsed).toBe(false);
  });

  it('deliveryMetrics counts the same fallbacks', async () => {
    const result = await server.graphql('query ($f: MetricsFilter!) { deliveryMetrics(filter: $f) { messages fallbacks fallbackRate } }', {
      f: { from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.deliveryMetrics).toEqual([{ messages: 4, fallbacks: 2, fallbackRate: 0.5 }]);
  });
});
