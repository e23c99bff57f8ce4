/**
 * Several providers for one channel, end to end: two real supplier endpoints on loopback
 * behind PROVIDER_URL_SMS=primary,secondary. The primary fails until its circuit opens, the
 * secondary takes every attempt under the attempt's own idempotency key, then the primary
 * recovers through HALF_OPEN. providerHealth and /metrics show each circuit.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { Role } from '../../src/vocabulary/roles';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { send } from '../support/sending';
import { acceptAll, startSupplier, type Supplier } from '../support/supplierServer';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const OPEN_MS = 60_000;
const HEALTH = '{ providerHealth { channel provider state recentCalls recentFailureRate lastFailureAt } }';

describe('provider failover with a circuit breaker per provider', () => {
  let hub: Hub;
  let server: TestServer;
  let primary: Supplier;
  let secondary: Supplier;
  let clock: ManualClock;
  let primaryUp = false;

  beforeAll(async () => {
    primary = await startSupplier((call) => (primaryUp ? acceptAll(call, 0) : { status: 503, json: { error: 'down for maintenance' } }));
    secondary = await startSupplier();
    clock = new ManualClock('2026-03-10T10:00:00Z');
    hub = await createTestHub({
      clock,
      env: {
        PROVIDER_URL_SMS: `${primary.url}, ${secondary.url}`,
        PROVIDER_CIRCUIT_FAILURE_RATE: '0.5',
        PROVIDER_CIRCUIT_MIN_CALLS: '4',
        PROVIDER_CIRCUIT_OPEN_MS: String(OPEN_MS),
        MAX_MESSAGES_PER_PATIENT_PER_DAY: '100',
        PROVIDER_TIMEOUT_MS: '2000',
      },
    });
    await givenOrganisation(hub);
    await givenPatient(hub);
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
    await primary.close();
    await secondary.close();
  });

  async function sendSms(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      // Time-critical messages go straight to SMS.
      const result = await send(server, { timeCritical: true, subject: `Your results ${i}` });
      expect(result.errors).toBeUndefined();
      ids.push(result.data!.sendMessage.message.id);
    }
    return ids;
  }

  async function smsAttempts(ids: string[]): Promise<DeliveryAttempt[]> {
    const rows = await hub.db.dataSource.getRepository(DeliveryAttempt).find({ where: { channel: 'SMS' as never } });
    return rows.filter((row) => ids.includes(row.messageId));
  }

  const smsHealth = async () => {
    const result = await server.graphql(HEALTH);
    expect(result.errors).toBeUndefined();
    return result.data!.providerHealth.filter((row: { channel: string }) => row.channel === 'SMS');
  };

  it('fails over to the secondary until the primary circuit opens, then skips the primary; one idempotency key per attempt', async () => {
    // One at a time, so the circuit sees the calls in order (a dispatcher sends several at once).
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      ids.push(...(await sendSms(1)));
      await hub.dispatcher.drain();
    }

    const attempts = await smsAttempts(ids);
    expect(attempts.map((a) => a.status)).toEqual(Array(10).fill('SENT'));
    const secondaryName = `http:SMS:${new URL(secondary.url).host}`;
    expect(new Set(attempts.map((a) => a.provider))).toEqual(new Set([secondaryName]));
    // Every attempt reached the secondary exactly once, under its own id.
    const secondaryKeys = secondary.calls.map((c) => c.idempotencyKey);
    expect(secondaryKeys.sort()).toEqual(attempts.map((a) => a.id).sort());
    expect(new Set(secondaryKeys).size).toBe(10);
    // The primary saw the first MIN_CALLS attempts, under the same keys, and none after its circuit opened.
    expect(primary.calls).toHaveLength(4);
    for (const call of primary.calls) expect(secondaryKeys).toContain(call.idempotencyKey);
    expect(new Set(primary.calls.map((c) => c.idempotencyKey)).size).toBe(4);

    const [primaryHealth, secondaryHealth] = await smsHealth();
    expect(primaryHealth).toMatchObject({ provider: `http:SMS:${new URL(primary.url).host}`, state: 'OPEN', recentCalls: 4, recentFailureRate: 1, lastFailureAt: '2026-03-10T10:00:00.000Z' });
    expect(secondaryHealth).toMatchObject({ provider: secondaryName, state: 'CLOSED', recentCalls: 10, recentFailureRate: 0, lastFailureAt: null });

    const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: bearer(server.adminKey) });
    const text = await metrics.text();
    expect(text).toContain(`hub_provider_circuit_state{channel="SMS",provider="${primaryHealth.provider}"} 2`);
    expect(text).toContain(`hub_provider_recent_failure_rate{channel="SMS",provider="${primaryHealth.provider}"} 1`);
    expect(text).toContain(`hub_provider_circuit_state{channel="SMS",provider="${secondaryName}"} 0`);
  });

  it('after PROVIDER_CIRCUIT_OPEN_MS the primary gets one trial call (HALF_OPEN) and closes when it answers', async () => {
    primaryUp = true;
    clock.advance(OPEN_MS - 1);
    expect((await smsHealth())[0].state).toBe('OPEN');
    clock.advance(1);
    expect((await smsHealth())[0].state).toBe('HALF_OPEN');
    primary.calls.length = 0;
    secondary.calls.length = 0;

    const [trial] = await sendSms(1);
    await hub.dispatcher.drain();
    expect(primary.calls.map((c) => c.idempotencyKey)).toEqual((await smsAttempts([trial])).map((a) => a.id));
    expect(secondary.calls).toEqual([]);
    expect((await smsAttempts([trial]))[0]).toMatchObject({ status: 'SENT', provider: `http:SMS:${new URL(primary.url).host}` });
    expect((await smsHealth())[0]).toMatchObject({ state: 'CLOSED', recentCalls: 0, recentFailureRate: 0 });

    const more = await sendSms(3);
    await hub.dispatcher.drain();
    expect(primary.calls).toHaveLength(4);
    expect(secondary.calls).toEqual([]);
    expect((await smsAttempts(more)).map((a) => a.status)).toEqual(['SENT', 'SENT', 'SENT']);
  });

  it('a failed trial call opens the circuit again', async () => {
    primaryUp = false;
    for (let i = 0; i < 4; i += 1) {
      await sendSms(1);
      await hub.dispatcher.drain();
    }
    expect((await smsHealth())[0].state).toBe('OPEN');
    clock.advance(OPEN_MS);
    primary.calls.length = 0;
    const [id] = await sendSms(1);
    await hub.dispatcher.drain();
    expect(primary.calls).toHaveLength(1);
    expect((await smsHealth())[0].state).toBe('OPEN');
    expect((await smsAttempts([id]))[0].provider).toBe(`http:SMS:${new URL(secondary.url).host}`);
  });

  it('providerHealth is for ADMIN and DASHBOARD keys only', async () => {
    const dashboard = await apiKey(hub, Role.DASHBOARD);
    expect((await server.graphql(HEALTH, {}, bearer(dashboard))).errors).toBeUndefined();
    const sender = await apiKey(hub, Role.SENDER, 'A81001');
    expect((await server.graphql(HEALTH, {}, bearer(sender))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
