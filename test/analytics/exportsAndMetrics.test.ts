/**
 * The CSV extract and the Prometheus endpoint over real HTTP: who may use them, what they
 * answer, and that the extract agrees with deliveryMetrics.
 */
import { refreshRollups } from '../../src/analytics/refreshRollups';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

describe('delivery metrics extract and operator metrics', () => {
  const clock = new ManualClock('2026-03-10T10:00:00Z');
  let hub: Hub;
  let server: TestServer;
  let analyst: string;
  let base: string;

  beforeAll(async () => {
    hub = await createTestHub({ clock, env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '50' } });
    await givenOrganisation(hub, 'A81001');
    await givenOrganisation(hub, 'B82005', 'Riverside, "North" & Co');
    await givenPatient(hub);
    await givenPatient(hub, { nhsNumber: '9434765870', nhsAppUser: false, gpPracticeOdsCode: 'B82005' });
    server = await startTestServer(hub);
    base = `http://127.0.0.1:${server.port}`;
    analyst = await apiKey(hub, Role.ANALYST);
    for (let i = 0; i < 3; i += 1) expect((await send(server, { subject: `A ${i}` })).errors).toBeUndefined();
    for (let i = 0; i < 2; i += 1) expect((await send(server, { nhsNumber: '9434765870', organisationOdsCode: 'B82005', subject: `B ${i}` })).errors).toBeUndefined();
    expect((await send(server, { purpose: '' })).errors?.[0].extensions?.code).toBe('NO_LEGAL_BASIS');
    await hub.dispatcher.drain();
    clock.advance(60_000);
    await hub.dispatcher.drain();
    await refreshRollups({ rollups: hub.stores.rollups, clock });
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  const range = 'from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z';

  it('streams CSV with the same rows as deliveryMetrics', async () => {
    const response = await fetch(`${base}/exports/delivery-metrics.csv?${range}&groupBy=ORGANISATION,CHANNEL`, { headers: bearer(analyst) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toBe('organisationOdsCode,category,channel,bucketStart,messages,delivered,read,failed,fallbacks,deliveryRate,readRate,fallbackRate,medianSecondsToDeliver,p95SecondsToDeliver,smsFragmentsAvoided,smsFragmentsSent,patientReports,smsCostAvoidedPence,smsCostSpentPence');
    const graphql = await server.graphql(
      'query ($f: MetricsFilter!) { deliveryMetrics(filter: $f, groupBy: [ORGANISATION, CHANNEL]) { organisationOdsCode channel messages delivered } }',
      { f: { from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' } },
      bearer(analyst),
    );
    const rows = graphql.data!.deliveryMetrics as Array<{ organisationOdsCode: string; channel: string | null; messages: number; delivered: number }>;
    expect(lines).toHaveLength(rows.length + 1);
    for (const [i, row] of rows.entries()) {
      const cells = lines[i + 1].split(',');
      expect([cells[0], cells[2] || null, Number(cells[4]), Number(cells[5])]).toEqual([row.organisationOdsCode, row.channel, row.messages, row.delivered]);
    }
    expect(rows.reduce((n, r) => n + r.messages, 0)).toBe(5);
  });

  it('refuses extracts without an analyst or admin key, and bad parameters', async () => {
    expect((await fetch(`${base}/exports/delivery-metrics.csv?${range}`)).status).toBe(401);
    const sender = await apiKey(hub, Role.SENDER, 'A81001');
    expect((await fetch(`${base}/exports/delivery-metrics.csv?${range}`, { headers: bearer(sender) })).status).toBe(403);
    const missing = await fetch(`${base}/exports/delivery-metrics.csv?from=2026-03-10T00:00:00Z`, { headers: bearer(analyst) });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.code).toBe('BAD_USER_INPUT');
    expect((await fetch(`${base}/exports/delivery-metrics.csv?${range}&groupBy=WEEK`, { headers: bearer(analyst) })).status).toBe(400);
  });

  it('serves Prometheus metrics to an admin key', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: bearer(analyst) })).status).toBe(403);
    const response = await fetch(`${base}/metrics`, { headers: bearer(server.adminKey) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/hub_sends_total\{outcome="accepted"\} 5/);
    expect(text).toMatch(/hub_sends_total\{outcome="NO_LEGAL_BASIS"\} 1/);
    expect(text).toMatch(/hub_graphql_errors_total\{code="NO_LEGAL_BASIS"\} 1/);
    expect(text).toMatch(/hub_http_requests_total\{method="POST",route="\/graphql",status="200"\} \d+/);
    // Five unread timers and the simulator's promised receipts are still due.
    expect(Number(/hub_outbox_depth (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/hub_dispatcher_lag_seconds \d/);
    expect(text).toMatch(/hub_subscriptions 0/);
  });
});
