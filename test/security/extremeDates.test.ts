/**
 * Attack case 8: extreme dates. Every date input outside 1900-01-01..9999-12-31 answers
 * BAD_USER_INPUT (HTTP 400 on the plain routes); dates inside it work, and no date gives a 500.
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { signWebhookBody } from '../../src/http/webhookSignature';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { callAs, errorCodes } from '../support/httpProbe';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

let hub: Hub;
let server: TestServer;
let analyst: string;
let sender: string;

beforeAll(async () => {
  hub = await createTestHub();
  server = await startTestServer(hub);
  await givenOrganisation(hub, 'A81001');
  await givenPatient(hub);
  analyst = await apiKey(hub, Role.ANALYST);
  sender = await apiKey(hub, Role.SENDER, 'A81001');
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

const METRICS = 'query ($from: DateTime!, $to: DateTime!) { deliveryMetrics(filter: { from: $from, to: $to }, groupBy: [DAY]) { bucketStart messages } }';
const INGEST = 'mutation ($input: IngestMessageInput!) { ingestMessage(input: $input) { id createdAt } }';

function ingestAt(occurredAt: string, sourceReference: string) {
  return callAs(server.port, sender, INGEST, { input: { nhsNumber: '9434765919', organisationOdsCode: 'A81001', category: 'IM1_PFS', direction: 'INBOUND', body: 'A question', sourceReference, occurredAt } });
}

async function postReceipt(body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const response = await fetch(`http://127.0.0.1:${server.port}/webhooks/receipts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Signature-SHA256': signWebhookBody(raw, hub.config.webhookSecret) },
    body: raw,
  });
  return { status: response.status, body: await response.json() };
}

describe('attack 8: extreme dates', () => {
  it('answers a receipt dated year -1 with 400 BAD_USER_INPUT, not 500', async () => {
    for (const occurredAt of ['-000001-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1899-12-31T23:59:59Z']) {
      const answer = await postReceipt({ providerReference: 'ref-none', status: 'DELIVERED', occurredAt });
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT' } } });
    }
  });

  it('answers deliveryMetrics at the end of the range, and refuses beyond it, without INTERNAL_SERVER_ERROR', async () => {
    const edge = await callAs(server.port, analyst, METRICS, { from: '9999-12-30T00:00:00Z', to: '9999-12-31T23:59:59.999Z' });
    expect(errorCodes(edge)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(edge.status).toBeLessThan(500);
    expect(edge.body!.data?.deliveryMetrics ?? []).toEqual([]);
    const beyond = await callAs(server.port, analyst, METRICS, { from: '1899-12-31T00:00:00Z', to: '1900-01-02T00:00:00Z' });
    expect(errorCodes(beyond)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers the CSV export from year +275760 with 400, and the range edge without a 500', async () => {
    const csv = (from: string, to: string) =>
      fetch(`http://127.0.0.1:${server.port}/exports/delivery-metrics.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${analyst}` } });
    const far = await csv('+275760-09-13T00:00:00.000Z', '+275760-09-14T00:00:00.000Z');
    expect(far.status).toBe(400);
    expect(await far.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    const edge = await csv('9999-12-30T00:00:00Z', '9999-12-31T23:59:59.999Z');
    expect(edge.status).toBeLessThan(500);
    await edge.text();
  });

  it('refuses years before 1900 instead of storing them as 2000 or 2001, and keeps 1900 exact', async () => {
    for (const occurredAt of ['0999-06-01T00:00:00Z', '0001-01-01T00:00:00Z', '1899-12-31T23:59:59Z']) {
      expect(errorCodes(await ingestAt(occurredAt, `old-${occurredAt}`))).toEqual(['BAD_USER_INPUT']);
    }
    const earliest = await ingestAt('1900-01-01T00:00:00Z', 'earliest');
    expect(earliest.body!.data.ingestMessage.createdAt).toBe('1900-01-01T00:00:00.000Z');
  });

  it('refuses a date of birth before 1900', async () => {
    const answer = await callAs(server.port, sender, 'mutation ($input: PatientInput!) { upsertPatient(input: $input) { nhsNumber } }', {
      input: { nhsNumber: '9434765919', givenName: 'Jane', familyName: 'Smith', dateOfBirth: '1899-06-01', nhsAppUser: true, gpPracticeOdsCode: 'A81001' },
    });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
  });
});
