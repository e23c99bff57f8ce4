/**
 * Every relation a query follows is loaded in one batched statement per kind, so the number
 * of SQL statements a list query costs does not grow with the number of rows it returns.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { Channel, DeliveryStatus, FailureReason } from '../../src/vocabulary/delivery';
import type { Hub } from '../../src/hub';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../../src/vocabulary/messages';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { ManualClock } from '../../src/shared/clock';
import { newId } from '../../src/shared/ids';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { CountingLogger, createTestHub, type GraphqlResult, startTestServer, type TestServer } from '../support/testHub';

const ORGANISATIONS = [
  { odsCode: 'A81001', name: 'The Densham Surgery', type: OrganisationType.GP_PRACTICE },
  { odsCode: 'B82005', name: 'Riverside Medical Centre', type: OrganisationType.GP_PRACTICE },
  { odsCode: 'RXQ', name: 'Northshire Hospitals NHS Trust', type: OrganisationType.HOSPITAL_TRUST },
];
const PATIENT_COUNT = 20;
const MESSAGE_COUNT = 50;

const MESSAGES_WITH_RELATIONS = `
  query ($first: Int!) {
    messages(first: $first) {
      edges { node {
        id
        patient { nhsNumber givenName }
        organisation { name }
        deliveryAttempts { id status message { id } }
        reports { id }
      } }
    }
  }`;

const PATIENTS_WITH_TIMELINES = `
  query ($first: Int!) {
    patients(first: $first) {
      edges { node { nhsNumber messages(first: 3) { totalCount edges { node { id } } } } }
    }
  }`;

describe('DataLoader batching', () => {
  const start = new Date('2026-03-10T10:00:00.000Z');
  const logger = new CountingLogger();
  let hub: Hub;
  let server: TestServer;
  const nhsNumbers: string[] = [];
  const messages: Message[] = [];
  const attemptsByMessage = new Map<string, string[]>();
  const reportsByMessage = new Map<string, string[]>();

  beforeAll(async () => {
    hub = await createTestHub({ clock: new ManualClock(start), sqlLogger: logger });
    for (const o of ORGANISATIONS) await givenOrganisation(hub, o.odsCode, o.name, o.type);
    for (let stem = 999300001; nhsNumbers.length < PATIENT_COUNT; stem += 1) {
      const nhsNumber = withCheckDigit(String(stem));
      if (!nhsNumber) continue;
      await givenPatient(hub, { nhsNumber, givenName: `Given${nhsNumbers.length}`, familyName: `Family${String(nhsNumbers.length).padStart(2, '0')}`, gpPracticeOdsCode: ORGANISATIONS[nhsNumbers.length % 2].odsCode });
      nhsNumbers.push(nhsNumber);
    }

    const attempts: DeliveryAttempt[] = [];
    const reports: PatientReport[] = [];
    for (let i = 0; i < MESSAGE_COUNT; i += 1) {
      const createdAt = new Date(start.getTime() - (i + 1) * 60_000);
      const message = Object.assign(new Message(), {
        id: newId(),
        organisationOdsCode: ORGANISATIONS[i % ORGANISATIONS.length].odsCode,
        nhsNumber: nhsNumbers[i % PATIENT_COUNT],
        category: MessagingCategory.NHS_APP_MESSAGING,
        direction: MessageDirection.OUTBOUND,
        subject: `Message ${i}`,
        body: 'Your appointment is on Monday.',
        legalBasis: LegalBasis.DIRECT_CARE,
        purpose: 'Appointment reminder',
        timeCritical: false,
        idempotencyKey: `batch-${i}`,
        requestHash: null,
        sourceReference: null,
        status: MessageStatus.DELIVERED,
        scheduledFor: null,
        deliveredChannel: Channel.SMS,
        fallbackUsed: true,
        readingGrade: 3.2,
        wordCount: 5,
        smsFragments: 1,
        contentWarnings: [],
        fallbackOrder: null,
        unreadFallbackHours: null,
        nudgeWhenUnnotified: false,
        notificationsEnabledAtSend: true,
        createdAt,
        updatedAt: createdAt,
        deliveredAt: createdAt,
        readAt: null,
        cancelledAt: null,
      });
      messages.push(message);
      const pair = [
        Object.assign(new DeliveryAttempt(), { id: newId(), messageId: message.id, channel: Channel.NHS_APP, sequence: 1, status: DeliveryStatus.SKIPPED, failureReason: FailureReason.NOT_NHS_APP_USER, providerReference: null, notification: null, retryCount: 0, createdAt, updatedAt: createdAt, sentAt: null, deliveredAt: null, readAt: null, failedAt: null }),
        Object.assign(new DeliveryAttempt(), { id: newId(), messageId: message.id, channel: Channel.SMS, sequence: 2, status: DeliveryStatus.DELIVERED, failureReason: null, providerReference: `sms-${i}`, notification: null, retryCount: 0, createdAt, updatedAt: createdAt, sentAt: createdAt, deliveredAt: createdAt, readAt: null, failedAt: null }),
      ];
      attemptsByMessage.set(message.id, pair.map((a) => a.id));
      attempts.push(...pair);
      if (i % 4 === 0) {
        const report = Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: ReportReason.TOO_MANY, comment: null, createdAt });
        reportsByMessage.set(message.id, [report.id]);
        reports.push(report);
      }
    }
    await hub.db.dataSource.getRepository(Message).insert([...messages]);
    await hub.db.dataSource.getRepository(DeliveryAttempt).insert([...attempts]);
    await hub.db.dataSource.getRepository(PatientReport).insert([...reports]);
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  async function counted(query: string, variables: Record<string, unknown>): Promise<{ result: GraphqlResult; statements: string[] }> {
    logger.reset();
    const result = await server.graphql(query, variables);
    const statements = [...logger.statements];
    expect(result.errors).toBeUndefined();
    return { result, statements };
  }

  it('messages with patient, organisation, attempts (and their message) and reports: the same few statements for 50 rows as for 5', async () => {
    const fifty = await counted(MESSAGES_WITH_RELATIONS, { first: 50 });
    const five = await counted(MESSAGES_WITH_RELATIONS, { first: 5 });

    expect(fifty.statements.length).toBeGreaterThan(0);
    expect(fifty.statements.length).toBeLessThanOrEqual(6);
    expect(fifty.statements.length).toBe(five.statements.length);

    const nodes = fifty.result.data!.messages.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(MESSAGE_COUNT);
    expect(five.result.data!.messages.edges).toHaveLength(5);
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const node of nodes) {
      const message = byId.get(node.id)!;
      const patientIndex = nhsNumbers.indexOf(message.nhsNumber);
      expect(node.patient).toEqual({ nhsNumber: message.nhsNumber, givenName: `Given${patientIndex}` });
      expect(node.organisation).toEqual({ name: ORGANISATIONS.find((o) => o.odsCode === message.organisationOdsCode)!.name });
      expect(node.deliveryAttempts.map((a: any) => a.id)).toEqual(attemptsByMessage.get(node.id));
      expect(node.deliveryAttempts.map((a: any) => a.status)).toEqual(['SKIPPED', 'DELIVERED']);
      for (const attempt of node.deliveryAttempts) expect(attempt.message).toEqual({ id: node.id });
      expect(node.reports.map((r: any) => r.id)).toEqual(reportsByMessage.get(node.id) ?? []);
    }
    expect(nodes.filter((n: any) => n.reports.length > 0)).toHaveLength(Math.ceil(MESSAGE_COUNT / 4));
  });

  it('patients with their timelines: the same statements for 20 patients as for 2', async () => {
    const twenty = await counted(PATIENTS_WITH_TIMELINES, { first: 20 });
    const two = await counted(PATIENTS_WITH_TIMELINES, { first: 2 });

    expect(twenty.statements.length).toBeLessThanOrEqual(6);
    expect(twenty.statements.length).toBe(two.statements.length);

    const edges = twenty.result.data!.patients.edges;
    expect(edges).toHaveLength(PATIENT_COUNT);
    expect(two.result.data!.patients.edges).toHaveLength(2);
    for (const edge of edges) {
      const mine = messages.filter((m) => m.nhsNumber === edge.node.nhsNumber).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      expect(edge.node.messages.totalCount).toBe(mine.length);
      expect(edge.node.messages.edges.map((e: any) => e.node.id)).toEqual(mine.slice(0, 3).map((m) => m.id));
    }
    // patients 0-9 have three messages and 10-19 two: each gets its own page
    expect(edges.map((e: any) => e.node.messages.totalCount).sort()).toEqual([...Array(10).fill(2), ...Array(10).fill(3)]);
  });
});
