/**
 * deliveryMetrics against a small fixture whose every figure is worked out by hand below.
 *
 *  msg  org     category            created (UTC)        outcome                         frags  reports  SMS sent
 *  M1   A81001  NHS_APP_MESSAGING   10 Jun 09:00         app, delivered +30 s, read      2      1        0
 *  M2   A81001  NHS_APP_MESSAGING   10 Jun 09:10         fallback, SMS delivered +90 s   1      0        1
 *  M3   A81001  NHS_APP_MESSAGING   10 Jun 23:30         fallback, FAILED                3      0        1
 *                                   (= 11 Jun 00:30 in London, BST)
 *  M4   B82005  NHS_APP_MESSAGING   11 Jun 10:00         app, delivered +8 s             1      2        0
 *  M5   B82005  IM1_PFS             11 Jun 11:00         sent, no receipt yet            1      0        0
 *  M6   A81001  NHS_APP_MESSAGING    9 Jun 12:00         outside the range
 *  M7   A81001  PHR (ingested)      10 Jun 12:00         not sent through the hub: never counted
 *
 * Range 10 Jun 00:00Z – 12 Jun 00:00Z. Delivery times 8 s, 30 s, 90 s fall in the
 * histogram buckets [5,10), [30,60), [60,120); percentiles interpolate inside the bucket:
 * median rank 1.5 → 30 + 0.5×30 = 45; p95 rank 2.85 → 60 + 0.85×60 = 111.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { refreshRollups } from '../../src/analytics/refreshRollups';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { newId } from '../../src/shared/ids';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const QUERY = `query ($filter: MetricsFilter!, $groupBy: [MetricsDimension!]) {
  deliveryMetrics(filter: $filter, groupBy: $groupBy) {
    organisationOdsCode category channel bucketStart messages delivered read failed fallbacks
    deliveryRate readRate fallbackRate medianSecondsToDeliver p95SecondsToDeliver
    smsFragmentsAvoided smsFragmentsSent patientReports smsCostAvoidedPence smsCostSpentPence
  }
}`;
const RANGE = { from: '2026-06-10T00:00:00Z', to: '2026-06-12T00:00:00Z' };

describe('deliveryMetrics on a hand-worked fixture', () => {
  const clock = new ManualClock('2026-06-15T12:00:00Z');
  let hub: Hub;
  let server: TestServer;
  let analystKey: string;

  async function metrics(filter: Record<string, unknown>, groupBy?: string[], key = analystKey) {
    const result = await server.graphql(QUERY, { filter: { ...RANGE, ...filter }, groupBy }, bearer(key));
    expect(result.errors).toBeUndefined();
    return result.data!.deliveryMetrics as Array<Record<string, unknown>>;
  }

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await givenOrganisation(hub, 'A81001');
    await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
    await givenPatient(hub);
    server = await startTestServer(hub);
    analystKey = await apiKey(hub, Role.ANALYST);

    const at = (iso: string, plusSeconds = 0) => new Date(new Date(iso).getTime() + plusSeconds * 1000);
    const message = (id: string, fields: Partial<Message>) =>
      Object.assign(new Message(), {
        id,
        organisationOdsCode: 'A81001',
        nhsNumber: '9434765919',
        category: 'NHS_APP_MESSAGING',
        direction: 'OUTBOUND',
        subject: null,
        body: 'Fixture',
        legalBasis: 'DIRECT_CARE',
        purpose: 'Fixture',
        timeCritical: false,
        idempotencyKey: null,
        requestHash: null,
        sourceReference: null,
        status: 'QUEUED',
        scheduledFor: null,
        deliveredChannel: null,
        fallbackUsed: false,
        readingGrade: 3,
        wordCount: 1,
        smsFragments: 1,
        contentWarnings: [],
        fallbackOrder: null,
        unreadFallbackHours: null,
        nudgeWhenUnnotified: false,
        notificationsEnabledAtSend: true,
        updatedAt: clock.now(),
        deliveredAt: null,
        readAt: null,
        cancelledAt: null,
        ...fields,
      });
    const ids = { M1: newId(), M2: newId(), M3: newId(), M4: newId(), M5: newId(), M6: newId(), M7: newId() };
    await hub.db.dataSource.getRepository(Message).insert([
      message(ids.M1, { createdAt: at('2026-06-10T09:00:00Z'), status: 'READ' as any, deliveredChannel: 'NHS_APP' as any, deliveredAt: at('2026-06-10T09:00:00Z', 30), readAt: at('2026-06-10T10:00:00Z'), smsFragments: 2 }),
      message(ids.M2, { createdAt: at('2026-06-10T09:10:00Z'), status: 'DELIVERED' as any, deliveredChannel: 'SMS' as any, deliveredAt: at('2026-06-10T09:10:00Z', 90), fallbackUsed: true }),
      message(ids.M3, { createdAt: at('2026-06-10T23:30:00Z'), status: 'FAILED' as any, fallbackUsed: true, smsFragments: 3 }),
      message(ids.M4, { organisationOdsCode: 'B82005', createdAt: at('2026-06-11T10:00:00Z'), status: 'DELIVERED' as any, deliveredChannel: 'NHS_APP' as any, deliveredAt: at('2026-06-11T10:00:00Z', 8) }),
      message(ids.M5, { organisationOdsCode: 'B82005', category: 'IM1_PFS' as any, createdAt: at('2026-06-11T11:00:00Z'), status: 'SENDING' as any }),
      message(ids.M6, { createdAt: at('2026-06-09T12:00:00Z'), status: 'DELIVERED' as any, deliveredChannel: 'NHS_APP' as any, deliveredAt: at('2026-06-09T12:00:05Z') }),
      message(ids.M7, { category: 'PHR' as any, sourceReference: 'phr-1', legalBasis: null, purpose: null, createdAt: at('2026-06-10T12:00:00Z'), status: 'DELIVERED' as any, deliveredAt: at('2026-06-10T12:00:00Z') }),
    ]);
    const attempt = (messageId: string, sequence: number, channel: string, status: string, sentAt: Date | null) =>
      Object.assign(new DeliveryAttempt(), { id: newId(), messageId, channel, sequence, status, failureReason: null, providerReference: null, notification: null, retryCount: 0, createdAt: clock.now(), updatedAt: clock.now(), sentAt, deliveredAt: null, readAt: null, failedAt: null });
    await hub.db.dataSource.getRepository(DeliveryAttempt).insert([
      attempt(ids.M1, 1, 'NHS_APP', 'READ', at('2026-06-10T09:00:01Z')),
      attempt(ids.M2, 1, 'NHS_APP', 'FAILED', at('2026-06-10T09:10:01Z')),
      attempt(ids.M2, 2, 'SMS', 'DELIVERED', at('2026-06-10T09:10:30Z')),
      attempt(ids.M3, 1, 'NHS_APP', 'FAILED', at('2026-06-10T23:30:01Z')),
      attempt(ids.M3, 2, 'SMS', 'FAILED', at('2026-06-10T23:31:00Z')),
      attempt(ids.M3, 3, 'EMAIL', 'SKIPPED', null),
      attempt(ids.M4, 1, 'NHS_APP', 'DELIVERED', at('2026-06-11T10:00:01Z')),
    ]);
    const report = (messageId: string) => Object.assign(new PatientReport(), { id: newId(), messageId, reason: 'UNWANTED', comment: null, createdAt: clock.now() });
    await hub.db.dataSource.getRepository(PatientReport).insert([report(ids.M1), report(ids.M4), report(ids.M4)]);
    await refreshRollups({ rollups: hub.stores.rollups, clock });
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  it('answers the national total for the range', async () => {
    expect(await metrics({})).toEqual([
      {
        organisationOdsCode: null,
        category: null,
        channel: null,
        bucketStart: null,
        messages: 5,
        delivered: 3,
        read: 1,
        failed: 1,
        fallbacks: 2,
        deliveryRate: 0.6,
        readRate: 0.3333,
        fallbackRate: 0.4,
        medianSecondsToDeliver: 45,
        p95SecondsToDeliver: 111,
        smsFragmentsAvoided: 3,
        smsFragmentsSent: 4,
        patientReports: 3,
        smsCostAvoidedPence: 6.9,
        smsCostSpentPence: 9.2,
      },
    ]);
  });

  it('groups by organisation and Europe/London day', async () => {
    const rows = await metrics({}, ['ORGANISATION', 'DAY']);
    expect(rows.map((r) => [r.organisationOdsCode, r.bucketStart, r.messages, r.delivered, r.read, r.failed, r.fallbacks])).toEqual([
      // London midnight in June is 23:00 UTC the day before.
      ['A81001', '2026-06-09T23:00:00.000Z', 2, 2, 1, 0, 1],
      ['A81001', '2026-06-10T23:00:00.000Z', 1, 0, 0, 1, 1],
      ['B82005', '2026-06-10T23:00:00.000Z', 2, 1, 0, 0, 0],
    ]);
    expect(rows.map((r) => [r.deliveryRate, r.readRate, r.fallbackRate])).toEqual([
      [1, 0.5, 0.5],
      [0, 0, 1],
      [0.5, 0, 0],
    ]);
    // A: 30 s and 90 s → median rank 1 → 30 + 1×30 = 60; p95 rank 1.9 → 60 + 0.9×60 = 114.
    // B: 8 s → median 5 + 0.5×5 = 7.5; p95 5 + 0.95×5 = 9.75, shown to one decimal.
    expect(rows.map((r) => [r.medianSecondsToDeliver, r.p95SecondsToDeliver])).toEqual([
      [60, 114],
      [null, null],
      [7.5, 9.8],
    ]);
    expect(rows.map((r) => [r.smsFragmentsAvoided, r.smsFragmentsSent, r.patientReports])).toEqual([
      [2, 1, 1],
      [0, 3, 0],
      [1, 0, 2],
    ]);
  });

  it('groups by the channel that delivered, by category, and by hour', async () => {
    const byChannel = await metrics({}, ['CHANNEL']);
    expect(byChannel.map((r) => [r.channel, r.messages, r.delivered, r.read, r.failed])).toEqual(
      expect.arrayContaining([
        [null, 2, 0, 0, 1],
        ['NHS_APP', 2, 2, 1, 0],
        ['SMS', 1, 1, 0, 0],
      ]),
    );
    expect(byChannel).toHaveLength(3);
    const byCategory = await metrics({}, ['CATEGORY']);
    expect(byCategory.map((r) => [r.category, r.messages])).toEqual([
      ['IM1_PFS', 1],
      ['NHS_APP_MESSAGING', 4],
    ]);
    const byHour = await metrics({ organisationOdsCodes: ['A81001'] }, ['HOUR']);
    expect(byHour.map((r) => [r.bucketStart, r.messages])).toEqual([
      ['2026-06-10T09:00:00.000Z', 2],
      ['2026-06-10T23:00:00.000Z', 1],
    ]);
  });

  it('shows patient reports per 1,000 messages by organisation and category', async () => {
    const query = `query ($filter: MetricsFilter!, $groupBy: [MetricsDimension!]) {
      deliveryMetrics(filter: $filter, groupBy: $groupBy) { organisationOdsCode category messages patientReports reportsPerThousandMessages }
    }`;
    const result = await server.graphql(query, { filter: RANGE, groupBy: ['ORGANISATION', 'CATEGORY'] }, bearer(analystKey));
    expect(result.errors).toBeUndefined();
    const rows = result.data!.deliveryMetrics as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.organisationOdsCode, r.category, r.messages, r.patientReports, r.reportsPerThousandMessages])).toEqual([
      ['A81001', 'NHS_APP_MESSAGING', 3, 1, 333.33],
      ['B82005', 'IM1_PFS', 1, 0, 0],
      // two reports about one message: 2,000 per 1,000
      ['B82005', 'NHS_APP_MESSAGING', 1, 2, 2000],
    ]);
  });

  it('filters by organisation, category and channel', async () => {
    expect((await metrics({ organisationOdsCodes: ['B82005'] }))[0]).toMatchObject({ messages: 2, delivered: 1, patientReports: 2 });
    expect((await metrics({ categories: ['IM1_PFS'] }))[0]).toMatchObject({ messages: 1, delivered: 0 });
    expect((await metrics({ channels: ['SMS'] }))[0]).toMatchObject({ messages: 1, delivered: 1, smsFragmentsSent: 1 });
    expect((await metrics({ from: '2026-06-09T00:00:00Z' }))[0]).toMatchObject({ messages: 6, delivered: 4 });
  });

  it('refuses a range that runs backwards or groups by both DAY and HOUR', async () => {
    const backwards = await server.graphql(QUERY, { filter: { from: RANGE.to, to: RANGE.from } }, bearer(analystKey));
    expect(backwards.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const both = await server.graphql(QUERY, { filter: RANGE, groupBy: ['DAY', 'HOUR'] }, bearer(analystKey));
    expect(both.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('folds later changes in when the rollups are refreshed', async () => {
    const m5 = await hub.db.dataSource.getRepository(Message).findOneByOrFail({ category: 'IM1_PFS' as any });
    clock.advance(60_000);
    await hub.db.dataSource.getRepository(Message).update({ id: m5.id }, { status: 'DELIVERED' as any, deliveredChannel: 'NHS_APP' as any, deliveredAt: new Date('2026-06-11T11:00:02Z'), updatedAt: clock.now() });
    expect((await metrics({}))[0]).toMatchObject({ delivered: 3 });
    await refreshRollups({ rollups: hub.stores.rollups, clock });
    expect((await metrics({}))[0]).toMatchObject({ delivered: 4, smsFragmentsAvoided: 4 });
  });

  it('is for analysts and dashboards: a sender is refused', async () => {
    const senderKey = await apiKey(hub, Role.SENDER, 'A81001');
    const refused = await server.graphql(QUERY, { filter: RANGE }, bearer(senderKey));
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const dashboard = await apiKey(hub, Role.DASHBOARD, 'B82005');
    expect((await metrics({}, undefined, dashboard))[0]).toMatchObject({ messages: 2 });
  });
});
