/**
 * Attack case 9: every authenticated route is rate-limited (the CSV export, /metrics and the
 * receipts webhook as well as GraphQL), and a captured signed receipt replayed any number of
 * times changes nothing.
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import type { ManualClock } from '../../src/shared/clock';
import { signWebhookBody } from '../../src/http/webhookSignature';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { SEND_MESSAGE, validSend } from '../support/sending';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

async function postReceipt(server: TestServer, hub: Hub, receipt: Record<string, unknown>) {
  const raw = JSON.stringify(receipt);
  const response = await fetch(`http://127.0.0.1:${server.port}/webhooks/receipts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Signature-SHA256': signWebhookBody(raw, hub.config.webhookSecret) },
    body: raw,
  });
  return { status: response.status, body: await response.json() };
}

describe('attack 9: rate limits on every authenticated route', () => {
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5' } });
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server?.stop();
    await hub?.close();
  });

  it('limits parallel CSV exports per key', async () => {
    const analyst = await apiKey(hub, Role.ANALYST);
    const url = `http://127.0.0.1:${server.port}/exports/delivery-metrics.csv?from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`;
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetch(url, { headers: { authorization: `Bearer ${analyst}` } }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() }))));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(7);
    expect(limited.length).toBeGreaterThanOrEqual(23);
    expect(JSON.parse(limited[0].body)).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(limited[0].retryAfter)).toBeGreaterThan(0);
  });

  it('limits /metrics per key', async () => {
    const admin = await apiKey(hub, Role.ADMIN);
    const statuses: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(7);
    expect(statuses).toContain(429);
  });

  it('limits signed receipts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i += 1) statuses.push((await postReceipt(server, hub, { providerReference: `ref-${i}`, status: 'DELIVERED' })).status);
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(7);
    expect(statuses).toContain(429);
  });
});

describe('attack 9: a replayed receipt is harmless', () => {
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub();
    server = await startTestServer(hub);
    await givenOrganisation(hub);
    await givenPatient(hub);
  });

  afterAll(async () => {
    await server?.stop();
    await hub?.close();
  });

  async function snapshot(messageId: string) {
    const q = (sql: string, params: unknown[] = []) => hub.db.dataSource.query(sql, params);
    return {
      message: await q('SELECT status, delivered_at, read_at, updated_at FROM messages WHERE id = ?', [messageId]),
      attempts: await q('SELECT id, status, notification, delivered_at, read_at, failed_at, updated_at FROM delivery_attempts WHERE message_id = ? ORDER BY sequence', [messageId]),
      events: await q('SELECT COUNT(*) AS n FROM hub_events'),
      outbox: await q('SELECT COUNT(*) AS n FROM outbox'),
    };
  }

  it('changes nothing however often a captured receipt is replayed', async () => {
    const sent = await server.graphql(SEND_MESSAGE, { input: validSend() });
    expect(sent.errors).toBeUndefined();
    const message = sent.data!.sendMessage.message;
    const attemptId = message.deliveryAttempts[0].id;
    // Receipts are for attempts a supplier has taken: the dispatcher sends it first.
    await hub.dispatcher.drain();
    const delivered = { attemptId, status: 'DELIVERED', notification: 'NOTIFIED', occurredAt: '2026-03-10T10:01:00Z' };
    const read = { attemptId, status: 'READ', occurredAt: '2026-03-10T10:05:00Z' };
    expect((await postReceipt(server, hub, delivered)).status).toBe(200);
    expect((await postReceipt(server, hub, read)).status).toBe(200);
    const before = await snapshot(message.id);
    expect(before.message[0].status).toBe('READ');
    // the replays arrive an hour later: any write would show in updated_at
    (hub.clock as ManualClock).set('2026-03-10T11:00:00Z');
    for (let i = 0; i < 3; i += 1) {
      for (const receipt of [delivered, read, { ...delivered, notification: 'UNNOTIFIED' }, { attemptId, status: 'FAILED', failureReason: 'PROVIDER_ERROR' }]) {
        const answer = await postReceipt(server, hub, receipt);
        expect(answer.status).toBe(200);
      }
    }
    expect(await snapshot(message.id)).toEqual(before);
  });
});
