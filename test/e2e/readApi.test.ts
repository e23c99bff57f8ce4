/**
 * End to end over real HTTP: a hub seeded with the demo data, served on a random port,
 * answered by fetch exactly as a client would call it.
 */
import type { Hub } from '../../src/hub';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { MessageStatus } from '../../src/vocabulary/messages';
import { DEMO_ORGANISATIONS, demoNhsNumbers, isDatabaseEmpty, seedDemoData } from '../../src/seed/demoSeed';
import { startServer } from '../../src/server';
import { ManualClock } from '../../src/shared/clock';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';
import { Role } from '../../src/vocabulary/roles';

describe('the read API over HTTP on demo data', () => {
  let hub: Hub;
  let server: TestServer;
  let base: string;
  let seeded: { organisations: number; patients: number; messages: number };

  beforeAll(async () => {
    hub = await createTestHub({ clock: new ManualClock('2026-03-10T10:00:00Z') });
    expect(await isDatabaseEmpty(hub.db)).toBe(true);
    seeded = await seedDemoData(hub.db, hub.clock.now());
    server = await startTestServer(hub);
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  describe('the demo data', () => {
    it('has about 50 patients at the demo practices, and is no longer empty', async () => {
      expect(await isDatabaseEmpty(hub.db)).toBe(false);
      const result = await server.graphql('{ patients(first: 200) { totalCount edges { node { nhsNumber gpPractice { odsCode } } } } }');
      expect(result.errors).toBeUndefined();
      expect(result.data!.patients.totalCount).toBe(50);
      expect(seeded.patients).toBe(50);
      const numbers = result.data!.patients.edges.map((e: any) => e.node.nhsNumber).sort();
      expect(numbers).toEqual([...demoNhsNumbers(50)].sort());
      const practices = new Set(result.data!.patients.edges.map((e: any) => e.node.gpPractice.odsCode));
      expect(practices).toEqual(new Set(DEMO_ORGANISATIONS.filter((o) => o.type === 'GP_PRACTICE').map((o) => o.odsCode)));
    });

    it('has messages in every category and every status, counted in totalCount', async () => {
      const all = await server.graphql('{ messages(first: 1) { totalCount } }');
      expect(all.data!.messages.totalCount).toBe(seeded.messages);
      for (const category of Object.values(MessagingCategory)) {
        const result = await server.graphql('query ($c: MessagingCategory!) { messages(first: 1, filter: { categories: [$c] }) { totalCount edges { node { category } } } }', { c: category });
        expect(result.errors).toBeUndefined();
        expect(result.data!.messages.totalCount).toBeGreaterThan(0);
        expect(result.data!.messages.edges[0].node.category).toBe(category);
      }
      for (const status of Object.values(MessageStatus)) {
        const result = await server.graphql('query ($s: MessageStatus!) { messages(first: 1, filter: { statuses: [$s] }) { totalCount edges { node { status } } } }', { s: status });
        expect(result.errors).toBeUndefined();
        expect(result.data!.messages.totalCount).toBeGreaterThan(0);
        expect(result.data!.messages.edges[0].node.status).toBe(status);
      }
    });

    it('serves a patient with their timeline, delivery attempts and preferences in one request', async () => {
      const nhsNumber = demoNhsNumbers(1)[0];
      const result = await server.graphql(
        `query ($n: NhsNumber!) { patient(nhsNumber: $n) {
          nhsNumber givenName familyName
          channelPreferences { notificationsEnabled fallbackOrder }
          messages(first: 50) { totalCount edges { node { category status organisation { odsCode } deliveryAttempts { sequence channel } } } }
        } }`,
        { n: nhsNumber },
      );
      expect(result.errors).toBeUndefined();
      const patient = result.data!.patient;
      expect(patient).toMatchObject({ nhsNumber, givenName: 'Amelia', familyName: 'Smith' });
      // the first demo patient has a fallback order of email first
      expect(patient.channelPreferences).toEqual({ notificationsEnabled: true, fallbackOrder: ['EMAIL', 'SMS', 'LETTER'] });
      const categories = new Set(patient.messages.edges.map((e: any) => e.node.category));
      expect(categories).toEqual(new Set(Object.values(MessagingCategory)));
      expect(patient.messages.totalCount).toBe(patient.messages.edges.length);
      const sent = patient.messages.edges.filter((e: any) => e.node.category === 'NHS_APP_MESSAGING');
      for (const edge of sent) expect(edge.node.deliveryAttempts.length).toBeGreaterThan(0);
    });
  });

  describe('HTTP', () => {
    it('GET /healthz and /readyz answer 200', async () => {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    });

    it('GET /graphql from a browser serves the landing page (the explorer) outside production', async () => {
      const response = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      const html = await response.text();
      expect(html).toMatch(/<!DOCTYPE html>/i);
      expect(html).toMatch(/GraphQL explorer/);
    });

    it('a GET query without a preflight header is refused as possible CSRF', async () => {
      const query = encodeURIComponent('{ messagingCategories { category } }');
      const refused = await fetch(`${base}/graphql?query=${query}`, { headers: bearer(server.adminKey) });
      expect(refused.status).toBe(400);
      const text = await refused.text();
      expect(text).toMatch(/CSRF|Cross-Site Request Forgery/i);
      expect(text).not.toContain('NHS_APP_MESSAGING');

      // the same request with a header a browser cannot send cross-site is answered
      const allowed = await fetch(`${base}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true', ...bearer(server.adminKey) } });
      expect(allowed.status).toBe(200);
      const body = (await allowed.json()) as any;
      expect(body.data.messagingCategories.map((c: any) => c.category)).toContain('NHS_APP_MESSAGING');
    });

    it('a GET request cannot run a mutation', async () => {
      const mutation = encodeURIComponent('mutation { upsertOrganisation(input: { odsCode: "GET001", name: "Via GET", type: OTHER }) { odsCode } }');
      const response = await fetch(`${base}/graphql?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true', ...bearer(server.adminKey) } });
      expect(response.status).toBe(405);
      const check = await server.graphql('{ organisation(odsCode: "GET001") { odsCode } }');
      expect(check.data?.organisation).toBeNull();
    });

    it('a POST body over 1 MiB is refused with 413', async () => {
      const body = JSON.stringify({ query: '{ messagingCategories { category } }', variables: { padding: 'x'.repeat(1024 * 1024) } });
      const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(server.adminKey) }, body });
      expect(response.status).toBe(413);
      const answer = (await response.json()) as any;
      expect(answer.errors[0].extensions.code).toBe('BAD_USER_INPUT');

      // a body just under the limit is still answered
      const small = JSON.stringify({ query: '{ messagingCategories { category } }', variables: { padding: 'x'.repeat(1024 * 1024 - 200) } });
      const ok = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(server.adminKey) }, body: small });
      expect(ok.status).toBe(200);
    });

    it('an unknown path, or an unsupported method, answers 404', async () => {
      const unknown = await fetch(`${base}/nothing-here`);
      expect(unknown.status).toBe(404);
      const wrongMethod = await fetch(`${base}/healthz`, { method: 'DELETE' });
      expect(wrongMethod.status).toBe(404);
    });

    it('a query with a syntax error answers BAD_USER_INPUT', async () => {
      const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(server.adminKey) }, body: JSON.stringify({ query: '{ patients(first: 2 { totalCount }' }) });
      expect(response.status).toBe(400);
      const body = (await response.json()) as any;
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/Syntax Error/);
    });

    it('a query for a field that does not exist answers BAD_USER_INPUT', async () => {
      const result = await server.graphql('{ patients { totalCount nonsense } }');
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    });

    it('in production there is no landing page, no introspection and no field suggestions', async () => {
      const production = await startServer({ ...hub, config: { ...hub.config, production: true } }, { port: 0, host: '127.0.0.1' });
      const productionKey = await apiKey(hub, Role.ADMIN);
      try {
        const page = await fetch(`http://127.0.0.1:${production.port}/graphql`, { headers: { accept: 'text/html' } });
        expect(await page.text()).not.toMatch(/<html/i);
        const introspection = await fetch(`http://127.0.0.1:${production.port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(productionKey) }, body: JSON.stringify({ query: '{ __schema { types { name } } }' }) });
        const body = (await introspection.json()) as any;
        expect(body.data ?? null).toBeNull();
        expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
        // and a misspelt field gets no suggestion of the real one
        const misspelt = (await (
          await fetch(`http://127.0.0.1:${production.port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(productionKey) }, body: JSON.stringify({ query: '{ patients(first: 1) { totalCont } }' }) })
        ).json()) as any;
        expect(misspelt.errors[0].extensions.code).toBe('BAD_USER_INPUT');
        expect(misspelt.errors[0].message).not.toMatch(/Did you mean|totalCount/);
        const developmentAnswer = await server.graphql('{ patients(first: 1) { totalCont } }');
        expect(developmentAnswer.errors?.[0].message).toMatch(/Did you mean "totalCount"/);
        // ordinary queries still work
        const ordinary = await fetch(`http://127.0.0.1:${production.port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(productionKey) }, body: JSON.stringify({ query: '{ patients(first: 1) { totalCount } }' }) });
        expect(((await ordinary.json()) as any).data.patients.totalCount).toBe(50);
      } finally {
        await production.stop();
      }
    });

    it('a body that is not JSON answers 400 BAD_USER_INPUT', async () => {
      const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(server.adminKey) }, body: '{"query": ' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as any;
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    // last, because it takes the database away from this hub
    it('GET /readyz answers 503 when the database is unavailable, while /healthz still answers 200', async () => {
      await hub.db.dataSource.destroy();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'The database does not answer' } });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });
  });
});
