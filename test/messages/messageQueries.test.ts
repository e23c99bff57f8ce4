/**
 * Reading messages: one message, the filtered message list, a patient's unified timeline,
 * their relations, and bringing messages from other NHS App services in with ingestMessage.
 */
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { PatientReport } from '../../entities/PatientReport';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../../src/categories/messagingCategory';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../src/vocabulary/delivery';
import type { Hub } from '../../src/hub';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../../src/vocabulary/messages';
import { buildContentReport } from '../../src/messages/rules/contentReport';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { HOUR_MS } from '../../src/shared/durations';
import { ManualClock } from '../../src/shared/clock';
import { newId } from '../../src/shared/ids';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { createTestHub, type GraphqlResult, startTestServer, type TestServer } from '../support/testHub';

const JANE = '9434765919';
const JOHN = '9434765870';
const JANET = '4010232137';
const NOW = '2026-03-10T10:00:00.000Z';

/** What the test knows about each message it created, to work out what a filter should return. */
interface Known {
  id: string;
  nhsNumber: string;
  organisationOdsCode: string;
  category: MessagingCategory;
  direction: MessageDirection;
  status: MessageStatus;
  createdAt: string;
}

function codes(result: GraphqlResult): Array<string | undefined> {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

function newestFirst(messages: Known[]): string[] {
  return [...messages].sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1)).map((m) => m.id);
}

const MESSAGES_PAGE = `
  query ($first: Int, $after: String, $filter: MessageFilter) {
    messages(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id createdAt } }
    }
  }`;

const TIMELINE = `
  query ($n: NhsNumber!, $first: Int, $after: String, $filter: MessageFilter) {
    patient(nhsNumber: $n) {
      messages(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id category direction status subject } }
      }
    }
  }`;

const INGEST = `
  mutation ($input: IngestMessageInput!) {
    ingestMessage(input: $input) {
      id category direction status subject body createdAt deliveredAt legalBasis idempotencyKey
      organisation { odsCode } patient { nhsNumber }
      contentReport { readingGrade wordCount smsFragments warnings }
    }
  }`;

describe('message queries', () => {
  const clock = new ManualClock(NOW);
  let hub: Hub;
  let server: TestServer;
  const known: Known[] = [];

  const hoursAgo = (hours: number) => new Date(new Date(NOW).getTime() - hours * HOUR_MS);

  /** Inserts a sent message straight through the message store, as the send pipeline would. */
  async function insertMessage(fields: Partial<Message> & Pick<Message, 'nhsNumber' | 'organisationOdsCode' | 'createdAt'>): Promise<Message> {
    const subject = fields.subject === undefined ? 'Your appointment' : fields.subject;
    const body = fields.body ?? 'Your appointment is on Monday at 10am. Please arrive 10 minutes early.';
    const report = buildContentReport(subject, body);
    const message = Object.assign(new Message(), {
      id: newId(),
      category: MessagingCategory.NHS_APP_MESSAGING,
      direction: MessageDirection.OUTBOUND,
      subject,
      body,
      legalBasis: LegalBasis.DIRECT_CARE,
      purpose: 'Appointment reminder',
      timeCritical: false,
      idempotencyKey: null,
      requestHash: null,
      sourceReference: null,
      status: MessageStatus.DELIVERED,
      scheduledFor: null,
      deliveredChannel: null,
      fallbackUsed: false,
      readingGrade: report.readingGrade,
      wordCount: report.wordCount,
      smsFragments: report.smsFragments,
      contentWarnings: report.warnings,
      fallbackOrder: null,
      unreadFallbackHours: null,
      nudgeWhenUnnotified: false,
      notificationsEnabledAtSend: null,
      updatedAt: fields.createdAt,
      deliveredAt: null,
      readAt: null,
      cancelledAt: null,
      ...fields,
    });
    await hub.stores.messages.insert(message, hub.db.dataSource.manager);
    known.push({ id: message.id, nhsNumber: message.nhsNumber, organisationOdsCode: message.organisationOdsCode, category: message.category, direction: message.direction, status: message.status, createdAt: message.createdAt.toISOString() });
    return message;
  }

  async function ingest(input: Record<string, unknown>): Promise<GraphqlResult> {
    const result = await server.graphql(INGEST, { input });
    const message = result.data?.ingestMessage;
    if (message && !known.some((k) => k.id === message.id)) {
      known.push({ id: message.id, nhsNumber: message.patient.nhsNumber, organisationOdsCode: message.organisation.odsCode, category: message.category, direction: message.direction, status: message.status, createdAt: message.createdAt });
    }
    return result;
  }

  async function ingested(input: Record<string, unknown>): Promise<Record<string, any>> {
    const result = await ingest(input);
    expect(result.errors).toBeUndefined();
    return result.data!.ingestMessage;
  }

  async function listIds(filter: Record<string, unknown> | null, first = 200): Promise<string[]> {
    const result = await server.graphql(MESSAGES_PAGE, { first, filter });
    expect(result.errors).toBeUndefined();
    return result.data!.messages.edges.map((e: { node: { id: string } }) => e.node.id);
  }

  async function rowCount(sql: string, params: unknown[] = []): Promise<number> {
    const rows: Array<{ n: string | number }> = await hub.db.dataSource.query(sql, params);
    return Number(rows[0].n);
  }

  beforeAll(async () => {
    hub = await createTestHub({ clock });
    await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
    await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
    await givenOrganisation(hub, 'RXQ', 'Northshire Hospitals NHS Trust', OrganisationType.HOSPITAL_TRUST);
    await givenPatient(hub, { nhsNumber: JANE, givenName: 'Jane', familyName: 'Smith', gpPracticeOdsCode: 'A81001' });
    await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Smith', gpPracticeOdsCode: 'B82005' });
    await givenPatient(hub, { nhsNumber: JANET, givenName: 'Janet', familyName: 'Jones', gpPracticeOdsCode: 'B82005' });
    server = await startTestServer(hub);

    await insertMessage({ nhsNumber: JANE, organisationOdsCode: 'A81001', status: MessageStatus.READ, createdAt: hoursAgo(10) });
    await insertMessage({ nhsNumber: JANE, organisationOdsCode: 'A81001', status: MessageStatus.FAILED, createdAt: hoursAgo(9) });
    await insertMessage({ nhsNumber: JOHN, organisationOdsCode: 'B82005', status: MessageStatus.QUEUED, createdAt: hoursAgo(8) });
    await insertMessage({ nhsNumber: JOHN, organisationOdsCode: 'RXQ', status: MessageStatus.DELIVERED, createdAt: hoursAgo(7) });
    await insertMessage({ nhsNumber: JANET, organisationOdsCode: 'B82005', status: MessageStatus.CANCELLED, createdAt: hoursAgo(6) });
    await insertMessage({ nhsNumber: JANE, organisationOdsCode: 'RXQ', status: MessageStatus.SENDING, createdAt: hoursAgo(5) });
    await ingested({ nhsNumber: JANE, organisationOdsCode: 'A81001', category: 'IM1_PFS', direction: 'INBOUND', subject: 'Repeat prescription', body: 'Can I collect my prescription on Friday?', sourceReference: 'emis-1', occurredAt: hoursAgo(4).toISOString() });
    await ingested({ nhsNumber: JANE, organisationOdsCode: 'A81001', category: 'ONLINE_CONSULTATION', direction: 'OUTBOUND', subject: 'Your consultation', body: 'A physiotherapist will call you tomorrow.', sourceReference: 'oc-1', occurredAt: hoursAgo(3).toISOString() });
    await ingested({ nhsNumber: JANE, organisationOdsCode: 'RXQ', category: 'PHR', direction: 'OUTBOUND', subject: 'Clinic letter', body: '# Outpatient appointment\n\nYour appointment is on 3 March at 2pm.', sourceReference: 'phr-1', occurredAt: hoursAgo(2).toISOString() });
    await ingested({ nhsNumber: JOHN, organisationOdsCode: 'B82005', category: 'IM1_PFS', direction: 'OUTBOUND', subject: null, body: 'Your prescription is ready.', sourceReference: 'emis-2', occurredAt: hoursAgo(1).toISOString() });
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  describe('message(id)', () => {
    it('returns the message with its organisation and patient', async () => {
      const target = known[0];
      const result = await server.graphql(`query ($id: ID!) { message(id: $id) { id category direction status subject legalBasis purpose timeCritical fallbackUsed createdAt organisation { odsCode name } patient { nhsNumber givenName } } }`, { id: target.id });
      expect(result.errors).toBeUndefined();
      expect(result.data?.message).toEqual({
        id: target.id,
        category: 'NHS_APP_MESSAGING',
        direction: 'OUTBOUND',
        status: 'READ',
        subject: 'Your appointment',
        legalBasis: 'DIRECT_CARE',
        purpose: 'Appointment reminder',
        timeCritical: false,
        fallbackUsed: false,
        createdAt: hoursAgo(10).toISOString(),
        organisation: { odsCode: 'A81001', name: 'The Densham Surgery' },
        patient: { nhsNumber: JANE, givenName: 'Jane' },
      });
    });

    it('answers null for an id no message has, or one that is not an id at all', async () => {
      const result = await server.graphql('query ($a: ID!, $b: ID!) { a: message(id: $a) { id } b: message(id: $b) { id } }', { a: newId(), b: 'not-an-id' });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ a: null, b: null });
    });

    it('contentReport gives the reading grade, word count and SMS fragments stored for the body', async () => {
      const target = known.find((k) => k.category === MessagingCategory.PHR)!;
      const result = await server.graphql('query ($id: ID!) { message(id: $id) { contentReport { readingGrade wordCount smsFragments warnings } } }', { id: target.id });
      const expected = buildContentReport('Clinic letter', '# Outpatient appointment\n\nYour appointment is on 3 March at 2pm.');
      expect(result.data?.message.contentReport).toEqual(expected);
      expect(expected.wordCount).toBeGreaterThan(5);
      expect(expected.smsFragments).toBe(1);
      expect(typeof expected.readingGrade).toBe('number');

      const long = await ingested({ nhsNumber: JANET, organisationOdsCode: 'B82005', category: 'IM1_PFS', direction: 'OUTBOUND', body: 'Please call the surgery. '.repeat(20), sourceReference: 'emis-long', occurredAt: hoursAgo(30).toISOString() });
      expect(long.contentReport.wordCount).toBe(80);
      expect(long.contentReport.smsFragments).toBeGreaterThan(1);
    });
  });

  describe('messages', () => {
    it('lists every message newest first, with a totalCount', async () => {
      const result = await server.graphql(MESSAGES_PAGE, { first: 200 });
      expect(result.errors).toBeUndefined();
      expect(result.data!.messages.edges.map((e: any) => e.node.id)).toEqual(newestFirst(known));
      expect(result.data!.messages.totalCount).toBe(known.length);
      const times = result.data!.messages.edges.map((e: any) => e.node.createdAt);
      expect(times).toEqual([...times].sort().reverse());
    });

    const filters: Array<[string, Record<string, unknown>, (k: Known) => boolean]> = [
      ['categories', { categories: ['IM1_PFS', 'PHR'] }, (k) => k.category === 'IM1_PFS' || k.category === 'PHR'],
      ['categories (one)', { categories: ['NHS_APP_MESSAGING'] }, (k) => k.category === 'NHS_APP_MESSAGING'],
      ['statuses', { statuses: ['READ', 'FAILED', 'CANCELLED'] }, (k) => ['READ', 'FAILED', 'CANCELLED'].includes(k.status)],
      ['statuses (one)', { statuses: ['QUEUED'] }, (k) => k.status === 'QUEUED'],
      ['direction INBOUND', { direction: 'INBOUND' }, (k) => k.direction === 'INBOUND'],
      ['direction OUTBOUND', { direction: 'OUTBOUND' }, (k) => k.direction === 'OUTBOUND'],
      ['organisationOdsCode', { organisationOdsCode: 'RXQ' }, (k) => k.organisationOdsCode === 'RXQ'],
      ['nhsNumber', { nhsNumber: '943 476 5870' }, (k) => k.nhsNumber === JOHN],
      ['createdAfter (exclusive)', { createdAfter: hoursAgo(5).toISOString() }, (k) => k.createdAt > hoursAgo(5).toISOString()],
      ['createdBefore (exclusive)', { createdBefore: hoursAgo(5).toISOString() }, (k) => k.createdAt < hoursAgo(5).toISOString()],
      ['createdAfter and createdBefore', { createdAfter: hoursAgo(9).toISOString(), createdBefore: hoursAgo(2).toISOString() }, (k) => k.createdAt > hoursAgo(9).toISOString() && k.createdAt < hoursAgo(2).toISOString()],
      ['several fields together', { categories: ['NHS_APP_MESSAGING', 'IM1_PFS'], nhsNumber: JANE, organisationOdsCode: 'A81001', direction: 'OUTBOUND' }, (k) => ['NHS_APP_MESSAGING', 'IM1_PFS'].includes(k.category) && k.nhsNumber === JANE && k.organisationOdsCode === 'A81001' && k.direction === 'OUTBOUND'],
    ];

    it.each(filters)('filter by %s returns just the matching messages, newest first', async (_name, filter, matches) => {
      const expected = newestFirst(known.filter(matches));
      // the filter must really narrow the list, and match something
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(known.length);
      expect(await listIds(filter)).toEqual(expected);
      const counted = await server.graphql(MESSAGES_PAGE, { first: 1, filter });
      expect(counted.data!.messages.totalCount).toBe(expected.length);
    });

    it('a filter that matches nothing gives an empty list', async () => {
      expect(await listIds({ categories: ['PHR'], direction: 'INBOUND' })).toEqual([]);
      expect(await listIds({ organisationOdsCode: 'ZZZ999' })).toEqual([]);
      expect(await listIds({ createdAfter: NOW })).toEqual([]);
    });

    it('filters by ODS code however the caller writes it, as organisation(odsCode) does', async () => {
      const expected = newestFirst(known.filter((k) => k.organisationOdsCode === 'RXQ'));
      expect(await listIds({ organisationOdsCode: 'rxq' })).toEqual(expected);
      expect(await listIds({ organisationOdsCode: ' RXQ ' })).toEqual(expected);
      const timeline = await server.graphql(TIMELINE, { n: JANE, first: 50, filter: { organisationOdsCode: 'rxq' } });
      expect(timeline.data!.patient.messages.edges.map((e: any) => e.node.id)).toEqual(expected.filter((id) => known.find((k) => k.id === id)!.nhsNumber === JANE));
      expect(timeline.data!.patient.messages.totalCount).toBe(2);
    });

    it('refuses a date that does not exist rather than reading it as another day', async () => {
      for (const createdBefore of ['2026-02-30T00:00:00Z', '2026-02-29', '2026-04-31T12:00:00.000Z']) {
        const result = await server.graphql(MESSAGES_PAGE, { first: 5, filter: { createdBefore } });
        expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      }
      const literal = await server.graphql('{ messages(filter: { createdAfter: "2026-02-30T00:00:00Z" }) { totalCount } }');
      expect(codes(literal)).toEqual(['BAD_USER_INPUT']);
      // 2028 is a leap year
      const leap = await server.graphql(MESSAGES_PAGE, { first: 5, filter: { createdBefore: '2028-02-29T00:00:00+01:00' } });
      expect(leap.errors).toBeUndefined();
      expect(leap.data!.messages.totalCount).toBe(known.length);
    });

    it('refuses a createdAfter that is not an ISO 8601 date with BAD_USER_INPUT', async () => {
      const result = await server.graphql(MESSAGES_PAGE, { first: 5, filter: { createdAfter: 'yesterday' } });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    });

    it('walking pages visits every message once, with totalCount the whole list', async () => {
      for (const first of [1, 3, 4]) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let i = 0; i < 100; i += 1) {
          const result: GraphqlResult = await server.graphql(MESSAGES_PAGE, { first, after });
          expect(result.errors).toBeUndefined();
          expect(result.data!.messages.totalCount).toBe(known.length);
          seen.push(...result.data!.messages.edges.map((e: any) => e.node.id));
          if (!result.data!.messages.pageInfo.hasNextPage) break;
          after = result.data!.messages.pageInfo.endCursor;
        }
        expect(seen).toEqual(newestFirst(known));
      }
    });

    it('paginates a filtered list within the filter', async () => {
      const filter = { nhsNumber: JANE };
      const page1 = await server.graphql(MESSAGES_PAGE, { first: 2, filter });
      const page2 = await server.graphql(MESSAGES_PAGE, { first: 10, filter, after: page1.data!.messages.pageInfo.endCursor });
      const all = [...page1.data!.messages.edges, ...page2.data!.messages.edges].map((e: any) => e.node.id);
      expect(all).toEqual(newestFirst(known.filter((k) => k.nhsNumber === JANE)));
      expect(page2.data!.messages.pageInfo.hasNextPage).toBe(false);
    });

    it('refuses a malformed cursor, or a patient list cursor, with BAD_USER_INPUT', async () => {
      const patientCursor = (await server.graphql('{ patients(first: 1) { pageInfo { endCursor } } }')).data!.patients.pageInfo.endCursor;
      for (const after of ['garbage', patientCursor, Buffer.from('["message","not a date","x"]').toString('base64url')]) {
        expect(codes(await server.graphql(MESSAGES_PAGE, { first: 2, after }))).toEqual(['BAD_USER_INPUT']);
      }
      expect(codes(await server.graphql(MESSAGES_PAGE, { first: 500 }))).toEqual(['BAD_USER_INPUT']);
    });

    it('does not repeat or skip messages when newer and older ones arrive between pages', async () => {
      const before = newestFirst(known);
      const page1 = await server.graphql(MESSAGES_PAGE, { first: 3 });
      const seen: string[] = page1.data!.messages.edges.map((e: any) => e.node.id);

      const newer = await insertMessage({ nhsNumber: JANET, organisationOdsCode: 'A81001', createdAt: clock.now() });
      const older = await insertMessage({ nhsNumber: JANET, organisationOdsCode: 'A81001', createdAt: hoursAgo(100) });
      // and one in the middle of the pages still to come
      const middle = await insertMessage({ nhsNumber: JANET, organisationOdsCode: 'A81001', createdAt: new Date(hoursAgo(6).getTime() + 1) });

      let after: string | null = page1.data!.messages.pageInfo.endCursor;
      while (after) {
        const result: GraphqlResult = await server.graphql(MESSAGES_PAGE, { first: 3, after });
        seen.push(...result.data!.messages.edges.map((e: any) => e.node.id));
        after = result.data!.messages.pageInfo.hasNextPage ? result.data!.messages.pageInfo.endCursor : null;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).not.toContain(newer.id);
      expect(seen).toContain(older.id);
      expect(seen).toContain(middle.id);
      expect(seen.filter((id) => id !== older.id && id !== middle.id)).toEqual(before);
      expect(seen).toEqual(newestFirst(known).filter((id) => id !== newer.id));
    });

    it('orders messages created in the same millisecond by id, and pages through them without loss', async () => {
      const sameInstant = new Date(hoursAgo(50).getTime() + 123);
      const tied = [];
      for (let i = 0; i < 5; i += 1) tied.push(await insertMessage({ nhsNumber: JANET, organisationOdsCode: 'RXQ', createdAt: sameInstant }));
      const filter = { nhsNumber: JANET, organisationOdsCode: 'RXQ' };
      const expected = newestFirst(known.filter((k) => k.nhsNumber === JANET && k.organisationOdsCode === 'RXQ'));
      expect(expected).toHaveLength(5);

      const seen: string[] = [];
      let after: string | null = null;
      do {
        const result: GraphqlResult = await server.graphql(MESSAGES_PAGE, { first: 2, after, filter });
        expect(result.errors).toBeUndefined();
        seen.push(...result.data!.messages.edges.map((e: any) => e.node.id));
        after = result.data!.messages.pageInfo.hasNextPage ? result.data!.messages.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(expected);
    });
  });

  describe('Patient.messages, the unified timeline', () => {
    it('includes messages ingested from IM1 PFS, online consultation and PHR alongside NHS App messages', async () => {
      const result = await server.graphql(TIMELINE, { n: JANE, first: 50 });
      expect(result.errors).toBeUndefined();
      const timeline = result.data!.patient.messages;
      expect(timeline.edges.map((e: any) => e.node.id)).toEqual(newestFirst(known.filter((k) => k.nhsNumber === JANE)));
      expect(timeline.totalCount).toBe(known.filter((k) => k.nhsNumber === JANE).length);
      expect(new Set(timeline.edges.map((e: any) => e.node.category))).toEqual(new Set(['NHS_APP_MESSAGING', 'IM1_PFS', 'ONLINE_CONSULTATION', 'PHR']));
      // newest first: the PHR letter, the consultation reply, then the patient's IM1 message
      expect(timeline.edges.slice(0, 3).map((e: any) => [e.node.category, e.node.direction, e.node.subject])).toEqual([
        ['PHR', 'OUTBOUND', 'Clinic letter'],
        ['ONLINE_CONSULTATION', 'OUTBOUND', 'Your consultation'],
        ['IM1_PFS', 'INBOUND', 'Repeat prescription'],
      ]);
    });

    it('applies the filter and counts within it', async () => {
      const filter = { categories: ['IM1_PFS', 'ONLINE_CONSULTATION', 'PHR'] };
      const result = await server.graphql(TIMELINE, { n: JANE, first: 50, filter });
      const expected = newestFirst(known.filter((k) => k.nhsNumber === JANE && k.category !== 'NHS_APP_MESSAGING'));
      expect(expected).toHaveLength(3);
      expect(result.data!.patient.messages.edges.map((e: any) => e.node.id)).toEqual(expected);
      expect(result.data!.patient.messages.totalCount).toBe(3);

      const inbound = await server.graphql(TIMELINE, { n: JANE, filter: { direction: 'INBOUND' } });
      expect(inbound.data!.patient.messages.edges.map((e: any) => e.node.subject)).toEqual(['Repeat prescription']);
      expect(inbound.data!.patient.messages.totalCount).toBe(1);

      const status = await server.graphql(TIMELINE, { n: JANE, filter: { statuses: ['FAILED'], organisationOdsCode: 'A81001' } });
      expect(status.data!.patient.messages.edges.map((e: any) => e.node.status)).toEqual(['FAILED']);

      const otherPatient = await server.graphql(TIMELINE, { n: JANE, filter: { nhsNumber: JOHN } });
      expect(otherPatient.data!.patient.messages).toMatchObject({ edges: [], totalCount: 0 });
    });

    it('paginates with first and after', async () => {
      const expected = newestFirst(known.filter((k) => k.nhsNumber === JANE));
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i += 1) {
        const result: GraphqlResult = await server.graphql(TIMELINE, { n: JANE, first: 2, after });
        expect(result.errors).toBeUndefined();
        const connection = result.data!.patient.messages;
        expect(connection.edges.length).toBeLessThanOrEqual(2);
        expect(connection.totalCount).toBe(expected.length);
        seen.push(...connection.edges.map((e: any) => e.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    });

    it('gives each patient in a list their own timeline', async () => {
      const result = await server.graphql('{ patients(first: 10) { edges { node { nhsNumber messages(first: 2) { totalCount edges { node { id } } } } } } }');
      expect(result.errors).toBeUndefined();
      for (const edge of result.data!.patients.edges) {
        const mine = newestFirst(known.filter((k) => k.nhsNumber === edge.node.nhsNumber));
        expect(edge.node.messages.totalCount).toBe(mine.length);
        expect(edge.node.messages.edges.map((e: any) => e.node.id)).toEqual(mine.slice(0, 2));
      }
      expect(result.data!.patients.edges).toHaveLength(3);
    });
  });

  describe('ingestMessage', () => {
    it('stores the message as delivered, at the time it happened in the other service', async () => {
      const message = await ingested({ nhsNumber: '401 023 2137', organisationOdsCode: ' b82005 ', category: 'ONLINE_CONSULTATION', direction: 'INBOUND', subject: '  Sore knee ', body: 'My knee is sore.', sourceReference: ' oc-77 ', occurredAt: '2026-03-09T08:15:00Z' });
      expect(message).toMatchObject({
        category: 'ONLINE_CONSULTATION',
        direction: 'INBOUND',
        status: 'DELIVERED',
        subject: 'Sore knee',
        body: 'My knee is sore.',
        createdAt: '2026-03-09T08:15:00.000Z',
        deliveredAt: '2026-03-09T08:15:00.000Z',
        legalBasis: null,
        idempotencyKey: null,
        organisation: { odsCode: 'B82005' },
        patient: { nhsNumber: JANET },
      });
      const read = await server.graphql('query ($id: ID!) { message(id: $id) { id status createdAt } }', { id: message.id });
      expect(read.data?.message).toEqual({ id: message.id, status: 'DELIVERED', createdAt: '2026-03-09T08:15:00.000Z' });
    });

    it('uses the current time when occurredAt is not given', async () => {
      const message = await ingested({ nhsNumber: JANET, organisationOdsCode: 'B82005', category: 'IM1_PFS', direction: 'OUTBOUND', body: 'See you on Monday.', sourceReference: 'emis-now' });
      expect(message.createdAt).toBe(clock.now().toISOString());
    });

    it('is idempotent on sourceReference: the second call returns the first message and stores nothing new', async () => {
      const input = { nhsNumber: JOHN, organisationOdsCode: 'B82005', category: 'IM1_PFS', direction: 'INBOUND', body: 'Is my prescription ready?', sourceReference: 'emis-dup', occurredAt: hoursAgo(20).toISOString() };
      const first = await ingested(input);
      const second = await ingested({ ...input, body: 'A different body sent again with the same reference' });
      expect(second.id).toBe(first.id);
      expect(second.body).toBe('Is my prescription ready?');
      expect(await rowCount("SELECT COUNT(*) AS n FROM messages WHERE source_reference = 'emis-dup'")).toBe(1);

      // the reference belongs to the organisation: another organisation may use the same one
      const elsewhere = await ingested({ ...input, organisationOdsCode: 'A81001' });
      expect(elsewhere.id).not.toBe(first.id);
      expect(await rowCount("SELECT COUNT(*) AS n FROM messages WHERE source_reference = 'emis-dup'")).toBe(2);
    });

    it('creates exactly one message when the same sourceReference arrives concurrently', async () => {
      const input = { nhsNumber: JANE, organisationOdsCode: 'A81001', category: 'IM1_PFS', direction: 'INBOUND', body: 'Two clicks on send.', sourceReference: 'emis-race', occurredAt: hoursAgo(12).toISOString() };
      const [a, b] = await Promise.all([ingest(input), ingest(input)]);
      expect(a.errors).toBeUndefined();
      expect(b.errors).toBeUndefined();
      expect(a.data!.ingestMessage.id).toBe(b.data!.ingestMessage.id);
      expect(await rowCount("SELECT COUNT(*) AS n FROM messages WHERE source_reference = 'emis-race'")).toBe(1);

      const many = await Promise.all(Array.from({ length: 6 }, () => ingest({ ...input, sourceReference: 'emis-race-6' })));
      expect(many.flatMap((r) => r.errors ?? [])).toEqual([]);
      expect(new Set(many.map((r) => r.data!.ingestMessage.id)).size).toBe(1);
      expect(await rowCount("SELECT COUNT(*) AS n FROM messages WHERE source_reference = 'emis-race-6'")).toBe(1);
    });

    const base = { nhsNumber: JANE, organisationOdsCode: 'A81001', category: 'IM1_PFS', direction: 'INBOUND', body: 'Hello', sourceReference: 'emis-bad' };
    it.each<[string, Record<string, unknown>, string]>([
      ['an NHS App messaging message (those are sent, not ingested)', { category: 'NHS_APP_MESSAGING', direction: 'OUTBOUND' }, 'BAD_USER_INPUT'],
      ['an inbound PHR message (PHR is outbound only)', { category: 'PHR', direction: 'INBOUND' }, 'BAD_USER_INPUT'],
      ['a blank body', { body: '   ' }, 'BAD_USER_INPUT'],
      ['a blank sourceReference', { sourceReference: '  ' }, 'BAD_USER_INPUT'],
      ['an occurredAt in the future', { occurredAt: new Date(new Date(NOW).getTime() + HOUR_MS).toISOString() }, 'BAD_USER_INPUT'],
      ['a patient the hub does not know', { nhsNumber: '9990000018' }, 'PATIENT_NOT_FOUND'],
      ['an organisation the hub does not know', { organisationOdsCode: 'Z99999' }, 'NOT_FOUND'],
      ['an invalid NHS number', { nhsNumber: '9434765918' }, 'INVALID_NHS_NUMBER'],
    ])('refuses %s and stores nothing', async (_what, change, code) => {
      const before = await rowCount('SELECT COUNT(*) AS n FROM messages');
      const result = await ingest({ ...base, ...change });
      expect(codes(result)).toEqual([code]);
      expect(await rowCount('SELECT COUNT(*) AS n FROM messages')).toBe(before);
    });
  });

  describe('relations', () => {
    let message: Message;
    let attemptIds: string[];
    let reportIds: string[];

    beforeAll(async () => {
      message = await insertMessage({ nhsNumber: JOHN, organisationOdsCode: 'B82005', status: MessageStatus.DELIVERED, fallbackUsed: true, deliveredChannel: Channel.SMS, createdAt: hoursAgo(40) });
      const at = (minutes: number) => new Date(message.createdAt.getTime() + minutes * 60_000);
      const attempt = (sequence: number, channel: Channel, fields: Partial<DeliveryAttempt>) =>
        Object.assign(new DeliveryAttempt(), { id: newId(), messageId: message.id, channel, sequence, status: DeliveryStatus.PENDING, failureReason: null, providerReference: null, notification: null, retryCount: 0, createdAt: at(sequence), updatedAt: at(sequence), sentAt: null, deliveredAt: null, readAt: null, failedAt: null, ...fields });
      // inserted out of order: the API must still list them by sequence
      const attempts = [
        attempt(2, Channel.SMS, { status: DeliveryStatus.DELIVERED, providerReference: 'sms-123', sentAt: at(3), deliveredAt: at(4) }),
        attempt(1, Channel.NHS_APP, { status: DeliveryStatus.FAILED, failureReason: FailureReason.UNNOTIFIED, notification: NotificationStatus.UNNOTIFIED, failedAt: at(2), retryCount: 1 }),
      ];
      attemptIds = [attempts[1].id, attempts[0].id];
      await hub.db.dataSource.getRepository(DeliveryAttempt).insert(attempts);
      const reports = [
        Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: ReportReason.NOT_FOR_ME, comment: 'This is my father', createdAt: at(60) }),
        Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: ReportReason.UNWANTED, comment: null, createdAt: at(30) }),
      ];
      reportIds = [reports[1].id, reports[0].id];
      await hub.db.dataSource.getRepository(PatientReport).insert(reports);
    });

    it('Message.deliveryAttempts lists the attempts in sequence, and DeliveryAttempt.message leads back', async () => {
      const result = await server.graphql(`query ($id: ID!) { message(id: $id) {
        deliveryAttempts { id sequence channel status failureReason notification providerReference retryCount sentAt deliveredAt failedAt message { id status patient { nhsNumber } } }
      } }`, { id: message.id });
      expect(result.errors).toBeUndefined();
      const attempts = result.data!.message.deliveryAttempts;
      expect(attempts.map((a: any) => a.id)).toEqual(attemptIds);
      expect(attempts[0]).toMatchObject({ sequence: 1, channel: 'NHS_APP', status: 'FAILED', failureReason: 'UNNOTIFIED', notification: 'UNNOTIFIED', retryCount: 1, failedAt: new Date(message.createdAt.getTime() + 120_000).toISOString(), sentAt: null });
      expect(attempts[1]).toMatchObject({ sequence: 2, channel: 'SMS', status: 'DELIVERED', failureReason: null, providerReference: 'sms-123', deliveredAt: new Date(message.createdAt.getTime() + 240_000).toISOString() });
      for (const attempt of attempts) expect(attempt.message).toEqual({ id: message.id, status: 'DELIVERED', patient: { nhsNumber: JOHN } });
    });

    it('Message.reports lists the patient reports oldest first, and PatientReport.message leads back', async () => {
      const result = await server.graphql('query ($id: ID!) { message(id: $id) { reports { id reason comment createdAt message { id } } } }', { id: message.id });
      expect(result.errors).toBeUndefined();
      expect(result.data!.message.reports).toEqual([
        { id: reportIds[0], reason: 'UNWANTED', comment: null, createdAt: new Date(message.createdAt.getTime() + 30 * 60_000).toISOString(), message: { id: message.id } },
        { id: reportIds[1], reason: 'NOT_FOR_ME', comment: 'This is my father', createdAt: new Date(message.createdAt.getTime() + 60 * 60_000).toISOString(), message: { id: message.id } },
      ]);
    });

    it('a message with no attempts or reports has empty lists', async () => {
      const result = await server.graphql('query ($id: ID!) { message(id: $id) { deliveryAttempts { id } reports { id } } }', { id: known[0].id });
      expect(result.data!.message).toEqual({ deliveryAttempts: [], reports: [] });
    });
  });

  describe('messagingCategories', () => {
    it('describes the four messaging services a patient can meet in the NHS App', async () => {
      const result = await server.graphql('{ messagingCategories { category name description directions supportsFallback supportsReplies sendsNotifications } }');
      expect(result.errors).toBeUndefined();
      expect(result.data!.messagingCategories).toEqual(MESSAGING_CATEGORY_DESCRIPTORS.map((d) => ({ ...d })));
      expect(result.data!.messagingCategories.map((c: any) => c.category)).toEqual(['NHS_APP_MESSAGING', 'IM1_PFS', 'ONLINE_CONSULTATION', 'PHR']);
      expect(result.data!.messagingCategories.find((c: any) => c.category === 'NHS_APP_MESSAGING')).toMatchObject({ directions: ['OUTBOUND'], supportsFallback: true, supportsReplies: false });
      expect(result.data!.messagingCategories.find((c: any) => c.category === 'IM1_PFS')).toMatchObject({ directions: ['OUTBOUND', 'INBOUND'], supportsReplies: true });
    });
  });
});
