/**
 * Channel preferences: notification changes wait out the NHS App's delay (24 hours by
 * default), opt-outs and fallback order apply at once, and every change is kept.
 */
import { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import type { Hub } from '../../src/hub';
import { HOUR_MS } from '../../src/shared/durations';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { createTestHub, type GraphqlResult, startTestServer, type TestServer } from '../support/testHub';

const PREFS = 'notificationsEnabled pendingNotificationsEnabled pendingEffectiveAt optedOutChannels fallbackOrder updatedAt';
const UPDATE = `mutation ($input: ChannelPreferencesInput!) { updateChannelPreferences(input: $input) { ${PREFS} } }`;
const READ = `query ($n: NhsNumber!) { patient(nhsNumber: $n) { channelPreferences { ${PREFS} } } }`;

function codes(result: GraphqlResult): Array<string | undefined> {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

describe('channel preferences', () => {
  const start = '2026-03-10T10:00:00.000Z';
  let clock: ManualClock;
  let hub: Hub;
  let server: TestServer;

  async function update(input: Record<string, unknown>) {
    const result = await server.graphql(UPDATE, { input });
    expect(result.errors).toBeUndefined();
    return result.data!.updateChannelPreferences;
  }

  async function read(nhsNumber: string) {
    const result = await server.graphql(READ, { n: nhsNumber });
    expect(result.errors).toBeUndefined();
    return result.data!.patient.channelPreferences;
  }

  async function history(nhsNumber: string): Promise<ChannelPreferenceChange[]> {
    return hub.db.dataSource.getRepository(ChannelPreferenceChange).find({ where: { nhsNumber }, order: { requestedAt: 'ASC', field: 'ASC' } });
  }

  beforeAll(async () => {
    clock = new ManualClock(start);
    hub = await createTestHub({ clock });
    await givenOrganisation(hub);
    for (const nhsNumber of ['9434765919', '9434765870', '4010232137', '9990000018', '9990000026', '9990000034']) {
      await givenPatient(hub, { nhsNumber });
    }
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  it('a new patient has notifications on, the default fallback order and no opt-outs', async () => {
    expect(await read('9434765919')).toEqual({
      notificationsEnabled: true,
      pendingNotificationsEnabled: null,
      pendingEffectiveAt: null,
      optedOutChannels: [],
      fallbackOrder: ['SMS', 'EMAIL', 'LETTER'],
      updatedAt: start,
    });
    expect(await history('9434765919')).toEqual([]);
  });

  it('turning notifications off is pending for 24 hours, then in force', async () => {
    const nhsNumber = '9434765870';
    const askedAt = clock.now();
    const due = new Date(askedAt.getTime() + 24 * HOUR_MS).toISOString();

    const answer = await update({ nhsNumber, notificationsEnabled: false });
    expect(answer).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false, pendingEffectiveAt: due, updatedAt: askedAt.toISOString() });
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false, pendingEffectiveAt: due });

    clock.advance(24 * HOUR_MS - 1000);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false, pendingEffectiveAt: due });

    clock.advance(1000);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: false, pendingNotificationsEnabled: null, pendingEffectiveAt: null, updatedAt: askedAt.toISOString() });

    // and turning them back on waits another 24 hours
    const again = await update({ nhsNumber, notificationsEnabled: true });
    expect(again).toMatchObject({ notificationsEnabled: false, pendingNotificationsEnabled: true, pendingEffectiveAt: new Date(clock.now().getTime() + 24 * HOUR_MS).toISOString() });
    clock.advance(24 * HOUR_MS);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null });
  });

  it('asking for the pending value again does not restart the delay', async () => {
    const nhsNumber = '4010232137';
    const due = new Date(clock.now().getTime() + 24 * HOUR_MS).toISOString();
    await update({ nhsNumber, notificationsEnabled: false });
    clock.advance(5 * HOUR_MS);
    const repeated = await update({ nhsNumber, notificationsEnabled: false });
    expect(repeated).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false, pendingEffectiveAt: due });
    expect((await history(nhsNumber)).filter((c) => c.field === 'notificationsEnabled')).toHaveLength(1);

    // asking for the value already in force records nothing
    const settled = await update({ nhsNumber: '9434765919', notificationsEnabled: true });
    expect(settled).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null });
    expect(await history('9434765919')).toEqual([]);
  });

  it('turning notifications back on before a pending change takes effect withdraws it', async () => {
    const nhsNumber = '9990000018';
    await update({ nhsNumber, notificationsEnabled: false });
    clock.advance(2 * HOUR_MS);
    const withdrawn = await update({ nhsNumber, notificationsEnabled: true });
    expect(withdrawn).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null, pendingEffectiveAt: null });
    // Past the first change's effective time, notifications were never switched off.
    clock.advance(23 * HOUR_MS);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null });
    clock.advance(48 * HOUR_MS);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null });
    // Both requests stay in the history.
    expect((await history(nhsNumber)).filter((c) => c.field === 'notificationsEnabled').map((c) => c.value)).toEqual(['false', 'true']);
  });

  it('opt-outs and fallback order apply at once', async () => {
    const nhsNumber = '9990000018';
    const answer = await update({ nhsNumber, optedOutChannels: ['LETTER'], fallbackOrder: ['EMAIL', 'SMS'] });
    expect(answer).toEqual({
      notificationsEnabled: true,
      pendingNotificationsEnabled: null,
      pendingEffectiveAt: null,
      optedOutChannels: ['LETTER'],
      fallbackOrder: ['EMAIL', 'SMS'],
      updatedAt: clock.now().toISOString(),
    });
    expect(await read(nhsNumber)).toEqual(answer);

    clock.advance(60_000);
    const cleared = await update({ nhsNumber, optedOutChannels: [] });
    expect(cleared).toMatchObject({ optedOutChannels: [], fallbackOrder: ['EMAIL', 'SMS'], updatedAt: clock.now().toISOString() });
    expect(await read(nhsNumber)).toMatchObject({ optedOutChannels: [], fallbackOrder: ['EMAIL', 'SMS'] });
  });

  it.each([
    ['a fallback order that includes NHS_APP', { fallbackOrder: ['NHS_APP', 'SMS'] }],
    ['a fallback order that lists a channel twice', { fallbackOrder: ['SMS', 'EMAIL', 'SMS'] }],
    ['opt-outs that list a channel twice', { optedOutChannels: ['EMAIL', 'EMAIL'] }],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_what, change) => {
    const nhsNumber = '9990000026';
    const result = await server.graphql(UPDATE, { input: { nhsNumber, notificationsEnabled: false, ...change } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(await history(nhsNumber)).toEqual([]);
    expect(await read(nhsNumber)).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: null, optedOutChannels: [], fallbackOrder: ['SMS', 'EMAIL', 'LETTER'] });
  });

  it('refuses an unknown patient with PATIENT_NOT_FOUND', async () => {
    const result = await server.graphql(UPDATE, { input: { nhsNumber: '999 000 0042', notificationsEnabled: false } });
    expect(codes(result)).toEqual(['PATIENT_NOT_FOUND']);
  });

  it('refuses an invalid NHS number with INVALID_NHS_NUMBER', async () => {
    const result = await server.graphql(UPDATE, { input: { nhsNumber: '9990000019', notificationsEnabled: false } });
    expect(codes(result)).toEqual(['INVALID_NHS_NUMBER']);
  });

  it('keeps every change as history in channel_preference_changes', async () => {
    const nhsNumber = '9990000034';
    const first = clock.now();
    await update({ nhsNumber, notificationsEnabled: false, fallbackOrder: ['LETTER'] });
    clock.advance(HOUR_MS);
    const second = clock.now();
    await update({ nhsNumber, fallbackOrder: ['EMAIL', 'LETTER'], optedOutChannels: ['SMS'] });

    const rows = await history(nhsNumber);
    expect(rows.map((r) => ({ field: r.field, value: JSON.parse(r.value), requestedAt: r.requestedAt.toISOString(), effectiveAt: r.effectiveAt.toISOString() }))).toEqual([
      { field: 'fallbackOrder', value: ['LETTER'], requestedAt: first.toISOString(), effectiveAt: first.toISOString() },
      { field: 'notificationsEnabled', value: false, requestedAt: first.toISOString(), effectiveAt: new Date(first.getTime() + 24 * HOUR_MS).toISOString() },
      { field: 'fallbackOrder', value: ['EMAIL', 'LETTER'], requestedAt: second.toISOString(), effectiveAt: second.toISOString() },
      { field: 'optedOutChannels', value: ['SMS'], requestedAt: second.toISOString(), effectiveAt: second.toISOString() },
    ]);
    expect(await read(nhsNumber)).toMatchObject({ fallbackOrder: ['EMAIL', 'LETTER'], optedOutChannels: ['SMS'], pendingNotificationsEnabled: false, updatedAt: second.toISOString() });
  });
});

describe('PREFERENCE_DELAY_HOURS', () => {
  let clock: ManualClock;
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    clock = new ManualClock('2026-03-10T10:00:00.000Z');
    hub = await createTestHub({ clock, env: { PREFERENCE_DELAY_HOURS: '2' } });
    await givenOrganisation(hub);
    await givenPatient(hub, { nhsNumber: '9434765919' });
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  it('sets how long a notification change waits', async () => {
    expect(hub.config.preferenceDelayHours).toBe(2);
    const result = await server.graphql(UPDATE, { input: { nhsNumber: '9434765919', notificationsEnabled: false } });
    expect(result.data?.updateChannelPreferences).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false, pendingEffectiveAt: '2026-03-10T12:00:00.000Z' });

    clock.advance(2 * HOUR_MS - 1);
    expect((await server.graphql(READ, { n: '9434765919' })).data?.patient.channelPreferences).toMatchObject({ notificationsEnabled: true, pendingNotificationsEnabled: false });
    clock.advance(1);
    expect((await server.graphql(READ, { n: '9434765919' })).data?.patient.channelPreferences).toMatchObject({ notificationsEnabled: false, pendingNotificationsEnabled: null, pendingEffectiveAt: null });
  });
});
