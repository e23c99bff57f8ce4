/**
 * The hub's Federation 2 subgraph at /subgraph: `_service { sdl }` and `_entities`, with
 * the same API keys, roles and organisation scoping as /graphql, and entity references
 * resolved in batches through the request's DataLoaders.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { Role } from '../../src/vocabulary/roles';
import { type FederationData, givenFederationData, PRACTICE_A, PRACTICE_B } from '../support/federationData';
import { apiKey, bearer, CountingLogger, createTestHub, type GraphqlResult, startTestServer, type TestServer } from '../support/testHub';

const PATIENT_ENTITIES = `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Patient { nhsNumber givenName gpPractice { odsCode name } messages(first: 3) { totalCount edges { node { id subject } } } }
    }
  }`;

const MIXED_ENTITIES = `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Patient { nhsNumber givenName messages { edges { node { id organisation { odsCode } } } } }
      ... on Message { id subject patient { nhsNumber } }
      ... on Organisation { odsCode name }
    }
  }`;

describe('the hub as a Federation 2 subgraph (/subgraph)', () => {
  const logger = new CountingLogger();
  let hub: Hub;
  let server: TestServer;
  let data: FederationData;
  let senderA: string;

  beforeAll(async () => {
    hub = await createTestHub({ clock: new ManualClock('2026-03-10T10:00:00Z'), sqlLogger: logger });
    data = await givenFederationData(hub);
    server = await startTestServer(hub);
    senderA = await apiKey(hub, Role.SENDER, PRACTICE_A);
  }, 120_000);

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  async function subgraph<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = bearer(server.adminKey)): Promise<{ status: number; body: GraphqlResult<T> }> {
    const response = await fetch(`http://127.0.0.1:${server.port}/subgraph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphqlResult<T> };
  }

  const patientRefs = (numbers: string[]) => numbers.map((nhsNumber) => ({ __typename: 'Patient', nhsNumber }));

  it('reports its SDL in _service, with the federation link and a key on Patient, Message and Organisation', async () => {
    const { status, body } = await subgraph('{ _service { sdl } }');
    expect(status).toBe(200);
    const sdl: string = body.data!._service.sdl;
    expect(sdl).toBe(readFileSync(join(__dirname, '..', '..', 'schema', 'subgraph.graphql'), 'utf8'));
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])');
    expect(sdl).toMatch(/type Patient\s+@key\(fields: "nhsNumber"\)/);
    expect(sdl).toMatch(/type Message\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Organisation\s+@key\(fields: "odsCode"\)/);

    // composition tools may ask with any role's key, but never without one
    const analyst = await subgraph('{ _service { sdl } }', {}, bearer(await apiKey(hub, Role.ANALYST)));
    expect(analyst.body.data!._service.sdl).toBe(sdl);
    const anonymous = await subgraph('{ _service { sdl } }', {}, {});
    expect(anonymous.status).toBe(401);
  });

  it('resolves 100 patient references with the same few SQL statements as 10', async () => {
    logger.reset();
    const hundred = await subgraph(PATIENT_ENTITIES, { representations: patientRefs(data.nhsNumbers) });
    const hundredStatements = logger.statements.length;
    logger.reset();
    const ten = await subgraph(PATIENT_ENTITIES, { representations: patientRefs(data.nhsNumbers.slice(0, 10)) });
    const tenStatements = logger.statements.length;

    expect(hundred.body.errors).toBeUndefined();
    expect(ten.body.errors).toBeUndefined();
    // patients, their practices, the ids on each first page, those messages, the counts: one statement each
    expect(hundredStatements).toBeGreaterThan(0);
    expect(hundredStatements).toBeLessThanOrEqual(5);
    expect(hundredStatements).toBe(tenStatements);

    const entities = hundred.body.data!._entities;
    expect(entities).toHaveLength(100);
    entities.forEach((entity: any, i: number) => {
      expect(entity.nhsNumber).toBe(data.nhsNumbers[i]);
      expect(entity.givenName).toBe(`Given${i}`);
      expect(entity.gpPractice.odsCode).toBe(i % 2 === 0 ? PRACTICE_A : PRACTICE_B);
      const mine = data.messages.filter((m) => m.nhsNumber === entity.nhsNumber).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      expect(entity.messages.totalCount).toBe(mine.length);
      expect(entity.messages.edges.map((e: any) => e.node.id)).toEqual(mine.slice(0, 3).map((m) => m.id));
    });
  });

  it('resolves message and organisation references in batches too', async () => {
    const query = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Message { id subject patient { nhsNumber } organisation { odsCode } }
        ... on Organisation { odsCode name }
      }
    }`;
    const refsFor = (messages: typeof data.messages) => [
      ...messages.map((m) => ({ __typename: 'Message', id: m.id })),
      { __typename: 'Organisation', odsCode: PRACTICE_A },
      { __typename: 'Organisation', odsCode: PRACTICE_B },
    ];
    logger.reset();
    const all = await subgraph(query, { representations: refsFor(data.messages) });
    const allStatements = logger.statements.length;
    logger.reset();
    const few = await subgraph(query, { representations: refsFor(data.messages.slice(0, 3)) });
    expect(all.body.errors).toBeUndefined();
    expect(few.body.errors).toBeUndefined();
    // messages, their patients, the organisations (references and relations share one loader)
    expect(allStatements).toBeLessThanOrEqual(3);
    expect(logger.statements.length).toBe(allStatements);
    const entities = all.body.data!._entities;
    expect(entities).toHaveLength(data.messages.length + 2);
    data.messages.forEach((m, i) => expect(entities[i]).toEqual({ id: m.id, subject: m.subject, patient: { nhsNumber: m.nhsNumber }, organisation: { odsCode: m.organisationOdsCode } }));
    expect(entities.slice(-2).map((o: any) => o.name)).toEqual(['The Densham Surgery', 'Riverside Medical Centre']);
  });

  it("answers a SENDER's references as /graphql answers its queries: other practices' patients and messages are null", async () => {
    const [p0, p1, p3] = [data.nhsNumbers[0], data.nhsNumbers[1], data.nhsNumbers[3]];
    const messageFromA = data.messages.find((m) => m.organisationOdsCode === PRACTICE_A)!;
    const messageFromB = data.messages.find((m) => m.organisationOdsCode === PRACTICE_B)!;
    const representations = [
      ...patientRefs([p0, p1, p3]),
      { __typename: 'Message', id: messageFromA.id },
      { __typename: 'Message', id: messageFromB.id },
      { __typename: 'Organisation', odsCode: PRACTICE_B },
    ];
    const { body } = await subgraph(MIXED_ENTITIES, { representations }, bearer(senderA));
    expect(body.errors).toBeUndefined();
    const [patient0, patient1, patient3, ownMessage, othersMessage, organisation] = body.data!._entities;
    expect(patient0.nhsNumber).toBe(p0);
    // patients 1 and 3 are registered at B; that A messaged patient 1 shows only in A's messages
    expect(patient1).toBeNull();
    expect(patient3).toBeNull();
    expect(ownMessage).toEqual({ __typename: 'Message', id: messageFromA.id, subject: messageFromA.subject, patient: { nhsNumber: messageFromA.nhsNumber } });
    expect(othersMessage).toBeNull();
    expect(organisation).toEqual({ __typename: 'Organisation', odsCode: PRACTICE_B, name: 'Riverside Medical Centre' });

    const plain = await server.graphql(
      `query ($p0: NhsNumber!, $p1: NhsNumber!, $p3: NhsNumber!, $a: ID!, $b: ID!) {
        p0: patient(nhsNumber: $p0) { nhsNumber givenName messages { edges { node { id organisation { odsCode } } } } }
        p1: patient(nhsNumber: $p1) { nhsNumber givenName messages { edges { node { id organisation { odsCode } } } } }
        p3: patient(nhsNumber: $p3) { nhsNumber givenName messages { edges { node { id organisation { odsCode } } } } }
        a: message(id: $a) { id subject patient { nhsNumber } }
        b: message(id: $b) { id subject patient { nhsNumber } }
        organisation(odsCode: "${PRACTICE_B}") { odsCode name }
      }`,
      { p0, p1, p3, a: messageFromA.id, b: messageFromB.id },
      bearer(senderA),
    );
    expect(plain.errors).toBeUndefined();
    const strip = ({ __typename, ...rest }: any) => rest;
    expect([strip(patient0), null, null, strip(ownMessage), null, strip(organisation)]).toEqual([
      plain.data!.p0,
      plain.data!.p1,
      plain.data!.p3,
      plain.data!.a,
      plain.data!.b,
      plain.data!.organisation,
    ]);
  });

  it('answers every kind of key for each entity exactly as /graphql answers the matching query', async () => {
    const callers: Array<[string, string]> = [
      ['SENDER of A', senderA],
      ['SENDER of B', await apiKey(hub, Role.SENDER, PRACTICE_B)],
      ['ANALYST', await apiKey(hub, Role.ANALYST)],
      ['DASHBOARD', await apiKey(hub, Role.DASHBOARD, PRACTICE_A)],
      ['PROVIDER', await apiKey(hub, Role.PROVIDER)],
      ['ADMIN', server.adminKey],
    ];
    const messageFromA = data.messages.find((m) => m.organisationOdsCode === PRACTICE_A)!;
    const probes = [
      { reference: { __typename: 'Patient', nhsNumber: data.nhsNumbers[0] }, selection: 'nhsNumber givenName', query: `patient(nhsNumber: "${data.nhsNumbers[0]}")` },
      { reference: { __typename: 'Patient', nhsNumber: data.nhsNumbers[3] }, selection: 'nhsNumber givenName', query: `patient(nhsNumber: "${data.nhsNumbers[3]}")` },
      { reference: { __typename: 'Message', id: messageFromA.id }, selection: 'id subject', query: `message(id: "${messageFromA.id}")` },
      { reference: { __typename: 'Organisation', odsCode: PRACTICE_B }, selection: 'odsCode name', query: `organisation(odsCode: "${PRACTICE_B}")` },
    ];
    const seen = new Set<string>();
    for (const [caller, key] of callers) {
      for (const probe of probes) {
        const plain = await server.graphql(`{ answer: ${probe.query} { ${probe.selection} } }`, {}, bearer(key));
        const entity = await subgraph(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${probe.reference.__typename} { ${probe.selection} } } }`, { r: [probe.reference] }, bearer(key));
        const label = `${caller} → ${probe.query}`;
        expect({ label, answer: entity.body.data!._entities[0], codes: (entity.body.errors ?? []).map((e) => e.extensions?.code) }).toEqual({
          label,
          answer: plain.data!.answer,
          codes: (plain.errors ?? []).map((e) => e.extensions?.code),
        });
        seen.add(plain.errors ? String(plain.errors[0].extensions?.code) : plain.data!.answer === null ? 'null' : 'data');
      }
    }
    // the table exercised refusals, hidden rows and visible ones
    expect([...seen].sort()).toEqual(['FORBIDDEN', 'data', 'null']);

    const refs = { representations: patientRefs([data.nhsNumbers[0]]) };
    const anonymous = await subgraph(PATIENT_ENTITIES, refs, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    const badKey = await subgraph(PATIENT_ENTITIES, refs, bearer('not-a-key'));
    expect(badKey.status).toBe(401);
  });

  it('rejects a Patient reference whose key is not a valid NHS number with INVALID_NHS_NUMBER', async () => {
    const { body } = await subgraph(PATIENT_ENTITIES, { representations: [...patientRefs(['1234567890']), { __typename: 'Patient' }, ...patientRefs([data.nhsNumbers[2]])] });
    expect(body.data!._entities[0]).toBeNull();
    expect(body.data!._entities[1]).toBeNull();
    expect(body.data!._entities[2].nhsNumber).toBe(data.nhsNumbers[2]);
    expect(body.errors!.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['INVALID_NHS_NUMBER', ['_entities', 0]],
      ['BAD_USER_INPUT', ['_entities', 1]],
    ]);
  });

  it('audits patient data read through _entities like any other read', async () => {
    const p2 = data.nhsNumbers[2];
    await subgraph(PATIENT_ENTITIES, { representations: patientRefs([p2]) }, bearer(senderA));
    const audit = await server.graphql(`{ auditEvents(first: 20) { edges { node { action nhsNumber fields operation } } } }`);
    expect(audit.errors).toBeUndefined();
    const reads = audit.data!.auditEvents.edges.map((e: any) => e.node).filter((n: any) => n.action === 'PATIENT_DATA_READ' && n.nhsNumber === p2);
    expect(reads).toEqual(expect.arrayContaining([expect.objectContaining({ fields: expect.arrayContaining(['givenName']), operation: '_entities' })]));
  });

  it('applies the same query limits as /graphql', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: _service { sdl }`).join(' ');
    const { body } = await subgraph(`{ ${aliases} }`);
    expect(body.errors![0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
