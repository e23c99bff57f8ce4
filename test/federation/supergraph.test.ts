/**
 * A real supergraph: the hub's subgraph and a GP system's appointments subgraph, composed
 * with @apollo/composition and served by @apollo/gateway, which passes the caller's key on.
 * A query through the gateway joins appointments and messages for one patient, and a
 * SENDER key sees through the gateway exactly what it sees on /graphql.
 */
import type { CompositionResult } from '@apollo/composition';
import { parse } from 'graphql';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { Role } from '../../src/vocabulary/roles';
import { type Appointment, APPOINTMENTS_TYPE_DEFS, type RunningSubgraph, startAppointmentsSubgraph } from '../support/appointmentsSubgraph';
import { type FederationData, givenFederationData, PRACTICE_A, PRACTICE_B } from '../support/federationData';
import { compose, fetchSubgraphSdl, type RunningGateway, startGateway } from '../support/federationGateway';
import { apiKey, bearer, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const APPOINTMENTS_AND_MESSAGES = `
  query ($nhsNumber: NhsNumber!) {
    patient(nhsNumber: $nhsNumber) {
      nhsNumber
      givenName
      appointments { id startsAt clinician }
      messages(first: 10) { totalCount edges { node { id subject organisation { odsCode } } } }
    }
  }`;

/** Hub-only queries a SENDER runs both on /graphql and through the gateway. */
const HUB_QUERIES: Array<{ name: string; query: string; variables?: (data: FederationData) => Record<string, unknown> }> = [
  {
    name: 'patients with their timelines',
    query: `{ patients(first: 100) { totalCount edges { node { nhsNumber givenName gpPractice { odsCode } messages { totalCount edges { node { id subject organisation { odsCode } } } } } } } }`,
  },
  {
    name: 'messages with their patient and organisation',
    query: `{ messages(first: 100) { totalCount edges { node { id subject patient { nhsNumber } organisation { odsCode name } } } } }`,
  },
  {
    name: 'a patient registered elsewhere (messaged by this practice or not): as missing',
    query: `query ($visible: NhsNumber!, $hidden: NhsNumber!) { visible: patient(nhsNumber: $visible) { nhsNumber givenName messages { edges { node { id organisation { odsCode } } } } } hidden: patient(nhsNumber: $hidden) { nhsNumber givenName } }`,
    variables: (data) => ({ visible: data.nhsNumbers[1], hidden: data.nhsNumbers[3] }),
  },
  {
    name: "another practice's message by id",
    query: `query ($id: ID!) { message(id: $id) { id subject } }`,
    variables: (data) => ({ id: data.messages.find((m) => m.organisationOdsCode === PRACTICE_B)!.id }),
  },
];

describe('the hub in a supergraph behind @apollo/gateway', () => {
  let hub: Hub;
  let server: TestServer;
  let data: FederationData;
  let appointments: Appointment[];
  let appointmentsSubgraph: RunningSubgraph;
  let composition: CompositionResult;
  let gateway: RunningGateway;
  let senderA: string;

  beforeAll(async () => {
    hub = await createTestHub({ clock: new ManualClock('2026-03-10T10:00:00Z') });
    data = await givenFederationData(hub);
    server = await startTestServer(hub);
    senderA = await apiKey(hub, Role.SENDER, PRACTICE_A);
    const [p0, p1, p3] = [data.nhsNumbers[0], data.nhsNumbers[1], data.nhsNumbers[3]];
    appointments = [
      { id: 'apt-1', nhsNumber: p0, startsAt: '2026-03-12T09:10:00Z', clinician: 'Dr Patel' },
      { id: 'apt-2', nhsNumber: p0, startsAt: '2026-03-20T14:30:00Z', clinician: 'Nurse Okafor' },
      { id: 'apt-3', nhsNumber: p1, startsAt: '2026-03-13T11:00:00Z', clinician: 'Dr Evans' },
      { id: 'apt-4', nhsNumber: p3, startsAt: '2026-03-14T16:45:00Z', clinician: 'Dr Evans' },
    ];
    appointmentsSubgraph = await startAppointmentsSubgraph(appointments);
    const hubSubgraphUrl = `http://127.0.0.1:${server.port}/subgraph`;
    composition = compose([
      { name: 'messaging', url: hubSubgraphUrl, typeDefs: parse(await fetchSubgraphSdl(hubSubgraphUrl, `Bearer ${server.adminKey}`)) },
      { name: 'appointments', url: appointmentsSubgraph.url, typeDefs: APPOINTMENTS_TYPE_DEFS },
    ]);
    if (composition.errors) throw new Error(`composition failed: ${composition.errors.map((e) => e.message).join('\n')}`);
    gateway = await startGateway(composition.supergraphSdl);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await appointmentsSubgraph?.stop();
    await server?.stop();
    await hub?.close();
  });

  it('composes the hub with the appointments subgraph, joining Patient on nhsNumber', () => {
    expect(composition.errors).toBeUndefined();
    const supergraph = composition.supergraphSdl!;
    expect(supergraph).toMatch(/join__graph\(name: "messaging", url: "http:\/\/127\.0\.0\.1:\d+\/subgraph"\)/);
    expect(supergraph).toMatch(/type Patient\s+@join__type\(graph: APPOINTMENTS, key: "nhsNumber"\)\s+@join__type\(graph: MESSAGING, key: "nhsNumber"\)/);
    expect(supergraph).toMatch(/appointments: \[Appointment!\]! @join__field\(graph: APPOINTMENTS\)/);
  });

  it("answers one query with a patient's appointments (from one subgraph) and messages (from the hub), the caller's key passed through", async () => {
    const p0 = data.nhsNumbers[0];
    appointmentsSubgraph.authorizations.length = 0;
    const result = await gateway.query(APPOINTMENTS_AND_MESSAGES, { nhsNumber: p0 }, `Bearer ${senderA}`);
    expect(result.errors).toBeUndefined();
    const mine = data.messages.filter((m) => m.nhsNumber === p0).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(result.data!.patient).toEqual({
      nhsNumber: p0,
      givenName: 'Given0',
      appointments: [
        { id: 'apt-1', startsAt: '2026-03-12T09:10:00Z', clinician: 'Dr Patel' },
        { id: 'apt-2', startsAt: '2026-03-20T14:30:00Z', clinician: 'Nurse Okafor' },
      ],
      messages: { totalCount: 3, edges: mine.map((m) => ({ node: { id: m.id, subject: m.subject, organisation: { odsCode: PRACTICE_A } } })) },
    });
    expect(appointmentsSubgraph.authorizations).toEqual([`Bearer ${senderA}`]);
  });

  it.each(HUB_QUERIES)('a SENDER sees through the gateway exactly what it sees on /graphql: $name', async ({ query, variables }) => {
    const vars = variables?.(data) ?? {};
    const direct = await server.graphql(query, vars, bearer(senderA));
    const routed = await gateway.query(query, vars, `Bearer ${senderA}`);
    expect(direct.errors).toBeUndefined();
    expect(routed.errors).toBeUndefined();
    expect(routed.data).toEqual(direct.data);
    // and what it sees is only its own practice's
    const text = JSON.stringify(routed.data);
    expect(text).not.toContain(`from ${PRACTICE_B}`);
    expect(text).not.toContain(data.nhsNumbers[3]);
  });

  it("shows appointments another subgraph lists but not the hub's data for patients the key may not see", async () => {
    const result = await gateway.query(`{ upcomingAppointments { id patient { nhsNumber givenName messages { totalCount } } } }`, {}, `Bearer ${senderA}`);
    const byId = new Map<string, any>(result.data!.upcomingAppointments.map((a: any) => [a.id, a]));
    expect(byId.get('apt-1').patient).toEqual({ nhsNumber: data.nhsNumbers[0], givenName: 'Given0', messages: { totalCount: 3 } });
    // patients 1 and 3 are registered at B (A has messaged patient 1): the hub resolves both
    // references to null, so none of their data appears
    expect(byId.get('apt-3').patient).toBeNull();
    expect(byId.get('apt-4').patient).toBeNull();
    expect(JSON.stringify(result)).not.toContain('Given1');
    expect(JSON.stringify(result)).not.toContain('Given3');
  });

  it('refuses a caller without a key at the hub, not at the gateway', async () => {
    const result = await gateway.query(APPOINTMENTS_AND_MESSAGES, { nhsNumber: data.nhsNumbers[0] });
    expect(result.data?.patient ?? null).toBeNull();
    expect(result.errors!.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect((result.errors![0].extensions as any).response.status).toBe(401);
    expect(JSON.stringify(result)).not.toContain('Given0');
  });

  it('an ADMIN key sees every practice through the gateway, as on /graphql', async () => {
    const p3 = data.nhsNumbers[3];
    const routed = await gateway.query(APPOINTMENTS_AND_MESSAGES, { nhsNumber: p3 }, `Bearer ${server.adminKey}`);
    expect(routed.errors).toBeUndefined();
    expect(routed.data!.patient.appointments).toEqual([{ id: 'apt-4', startsAt: '2026-03-14T16:45:00Z', clinician: 'Dr Evans' }]);
    expect(routed.data!.patient.messages.edges.map((e: any) => e.node.organisation.odsCode)).toEqual([PRACTICE_B, PRACTICE_B, PRACTICE_B]);
  });
});
