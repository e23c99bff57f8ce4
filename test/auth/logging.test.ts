/**
 * What the hub writes to its log: one JSON line per GraphQL request with who asked and
 * which operation, and never a message body or anything that identifies a patient. An
 * unexpected error is logged with a correlation id that the client also gets, and in
 * production the client gets nothing else.
 */
import 'reflect-metadata';
import { Role } from '../../src/vocabulary/roles';
import { loadConfig } from '../../src/config';
import { createHub, type Hub } from '../../src/hub';
import { type RunningServer, startServer } from '../../src/server';
import { ManualClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { givenOrganisation } from '../support/fixtures';
import { callAs, errorCodes, type HttpAnswer } from '../support/httpProbe';
import { apiKey, resetDatabase, testDatabaseUrl } from '../support/testHub';

const PATIENT = {
  nhsNumber: '4010232137',
  givenName: 'Zephyrine',
  familyName: 'Quillfeather',
  dateOfBirth: '1971-07-19',
  mobileNumber: '07700900987',
  email: 'zephyrine.quillfeather@example.org',
  postalAddress: '42 Wallaby Way, Leeds, LS2 9JT',
  nhsAppUser: true,
  gpPracticeOdsCode: 'A81001',
};
const BODY_PHRASE = 'marmalade-otter-7731';
/** Everything about the patient and the message that must never reach the log. */
const SECRETS = [
  BODY_PHRASE,
  PATIENT.nhsNumber,
  '401 023 2137',
  PATIENT.givenName,
  PATIENT.familyName,
  PATIENT.dateOfBirth,
  '19/07/1971',
  PATIENT.mobileNumber,
  '7700900987',
  PATIENT.email,
  'Wallaby',
  'Check-up reminder',
];

const captured: string[] = [];
const destination = { write: (chunk: string) => void captured.push(chunk) };

let hub: Hub;
let server: RunningServer;
let adminKey: string;
let senderKey: string;

function logLines(): Array<Record<string, any>> {
  return captured
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

const logText = () => captured.join('');

const SEND = `mutation SendAppointmentReminder($input: SendMessageInput!) {
  sendMessage(input: $input) { message { id status body patient { givenName } } }
}`;

function sendInput(overrides: Record<string, unknown> = {}) {
  return {
    nhsNumber: PATIENT.nhsNumber,
    organisationOdsCode: 'A81001',
    category: 'NHS_APP_MESSAGING',
    subject: 'Check-up reminder',
    body: `# Your check-up\n\nPlease book your yearly check-up. Your reference is ${BODY_PHRASE}.\n\nThank you.`,
    legalBasis: 'DIRECT_CARE',
    purpose: 'Annual check-up recall',
    ...overrides,
  };
}

/** Makes one stored message impossible to answer: its status is not a MessageStatus. */
async function corruptMessage(): Promise<string> {
  const sent = await callAs(server.port, adminKey, SEND, { input: sendInput({ idempotencyKey: `corrupt-${Date.now()}` }) });
  expect(sent.body?.errors).toBeUndefined();
  const id = sent.body!.data.sendMessage.message.id;
  await hub.db.dataSource.query("UPDATE messages SET status = 'BOGUS' WHERE id = ?", [id]);
  return id;
}

function correlationIdOf(answer: HttpAnswer): string {
  const error = answer.body!.errors![0];
  expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  const match = /correlation id ([0-9a-f-]{36})/.exec(error.message);
  expect(match).not.toBeNull();
  return match![1];
}

beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination });
  const config = loadConfig({ NODE_ENV: 'test', QUIET_HOURS: 'off', MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', DATABASE_URL: testDatabaseUrl() });
  hub = await createHub(config, { logger, clock: new ManualClock('2026-03-10T10:00:00Z') });
  await resetDatabase(hub);
  await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
  server = await startServer(hub, { port: 0, host: '127.0.0.1' });
  adminKey = await apiKey(hub, Role.ADMIN);
  senderKey = await apiKey(hub, Role.SENDER, 'A81001');
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('request logs', () => {
  beforeAll(async () => {
    const upsert = await callAs(server.port, senderKey, 'mutation RegisterPatient($i: PatientInput!) { upsertPatient(input: $i) { nhsNumber givenName email } }', { i: PATIENT });
    expect(upsert.body?.errors).toBeUndefined();
    const sent = await callAs(server.port, senderKey, SEND, { input: sendInput() });
    expect(sent.body?.errors).toBeUndefined();
    expect(sent.body!.data.sendMessage.message.body).toContain(BODY_PHRASE);
    await hub.dispatcher.drain();
    const card = await callAs(
      server.port,
      senderKey,
      `query PatientCard($n: NhsNumber!) { patient(nhsNumber: $n) {
        nhsNumber givenName familyName dateOfBirth mobileNumber email postalAddress
        messages(first: 5) { edges { node { subject body deliveryAttempts { channel status } } } } } }`,
      { n: '401 023 2137' },
    );
    expect(card.body?.errors).toBeUndefined();
    expect(card.body!.data.patient.givenName).toBe(PATIENT.givenName);
    // refusals whose messages or variables carry the same details
    const refused = await callAs(server.port, senderKey, SEND, { input: sendInput({ body: `<b>${BODY_PHRASE}</b> for ${PATIENT.givenName}`, idempotencyKey: 'markup' }) });
    expect(refused.body?.errors?.length).toBeGreaterThan(0);
    const badNumber = await callAs(server.port, senderKey, 'query PatientCard($n: NhsNumber!) { patient(nhsNumber: $n) { givenName } }', { n: '4010232138' });
    expect(errorCodes(badNumber)).toEqual(['INVALID_NHS_NUMBER']);
    const forbidden = await callAs(server.port, await apiKey(hub, Role.ANALYST), 'query PatientCard($n: NhsNumber!) { patient(nhsNumber: $n) { givenName } }', { n: PATIENT.nhsNumber });
    expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
  });

  it('are JSON, one object a line', () => {
    expect(captured.length).toBeGreaterThan(0);
    expect(() => logLines()).not.toThrow();
    for (const line of logLines()) expect(line).toEqual(expect.objectContaining({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) }));
  });

  it("include a 'graphql request' line with the role and operationName of each request", () => {
    const requests = logLines().filter((line) => line.msg === 'graphql request');
    const send = requests.find((line) => line.operationName === 'SendAppointmentReminder' && line.errorCodes.length === 0);
    expect(send).toMatchObject({ role: 'SENDER', operationType: 'mutation', apiKeyId: expect.any(String), requestId: expect.any(String), durationMs: expect.any(Number) });
    expect(requests.find((line) => line.operationName === 'PatientCard' && line.errorCodes.length === 0)).toMatchObject({ role: 'SENDER', operationType: 'query' });
    expect(requests.find((line) => line.operationName === 'RegisterPatient')).toMatchObject({ role: 'SENDER', operationType: 'mutation', errorCodes: [] });
    expect(requests.find((line) => line.operationName === 'PatientCard' && line.role === 'ANALYST')).toMatchObject({ errorCodes: ['FORBIDDEN'] });
  });

  it('never contain the body, the NHS number, the name, date of birth, phone, email or address', () => {
    const text = logText();
    expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
    expect(text).not.toContain('+447700900987');
  });

  it('never contain an API key', () => {
    expect(logText()).not.toContain(senderKey);
    expect(logText()).not.toContain(adminKey);
    expect(logText()).not.toContain(senderKey.slice(4, 24));
  });
});

describe('unexpected errors', () => {
  it('an error while answering is logged with the correlation id the client gets, with its cause outside production', async () => {
    const id = await corruptMessage();
    const answer = await callAs(server.port, adminKey, 'query BrokenMessage($id: ID!) { message(id: $id) { id status } }', { id });
    expect(answer.status).toBe(200);
    expect(errorCodes(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
    const correlationId = correlationIdOf(answer);
    expect(answer.body!.errors![0].extensions?.correlationId).toBe(correlationId);
    // outside production the client sees the cause after the id
    expect(answer.body!.errors![0].message).toMatch(new RegExp(`^Internal server error \\(correlation id ${correlationId}\\): .+BOGUS`));

    const logged = logLines().filter((line) => line.correlationId === correlationId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, msg: expect.stringMatching(/unexpected error/), err: expect.objectContaining({ stack: expect.any(String) }) });
    expect(logLines().find((line) => line.msg === 'graphql request' && line.operationName === 'BrokenMessage')).toMatchObject({ role: 'ADMIN', errorCodes: ['INTERNAL_SERVER_ERROR'] });
  });

  it('in production the message has only the correlation id', async () => {
    const production = await startServer({ ...hub, config: { ...hub.config, production: true } }, { port: 0, host: '127.0.0.1' });
    try {
      const id = await corruptMessage();
      const answer = await callAs(production.port, adminKey, 'query BrokenMessage($id: ID!) { message(id: $id) { id status } }', { id });
      expect(errorCodes(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
      const correlationId = correlationIdOf(answer);
      expect(answer.body!.errors![0].message).toBe(`Internal server error (correlation id ${correlationId})`);
      expect(answer.text).not.toMatch(/BOGUS|Enum|MessageStatus|stack|at .*\.ts/);
      expect(logLines().filter((line) => line.correlationId === correlationId)).toHaveLength(1);
    } finally {
      await production.stop();
    }
  });

  describe('the database goes away', () => {
    let keysHub: Hub;
    let keysServer: RunningServer;
    let productionServer: RunningServer;

    beforeAll(async () => {
      // A second hub instance on the same database checks the API keys, so requests get past
      // authentication and fail inside a resolver once this hub's database is closed.
      keysHub = await createHub(hub.config, { logger: hub.logger });
      const composed = { ...hub, stores: { ...hub.stores, apiKeys: keysHub.stores.apiKeys } };
      keysServer = await startServer(composed, { port: 0, host: '127.0.0.1' });
      productionServer = await startServer({ ...composed, config: { ...hub.config, production: true } }, { port: 0, host: '127.0.0.1' });
      expect((await callAs(keysServer.port, adminKey, '{ messagingCategories { category } }')).body?.errors).toBeUndefined();
      await hub.db.dataSource.destroy();
    });

    afterAll(async () => {
      await keysServer?.stop();
      await productionServer?.stop();
      await keysHub?.close();
    });

    it('a query that reaches the database logs the correlation id the INTERNAL_SERVER_ERROR carries', async () => {
      const answer = await callAs(keysServer.port, adminKey, 'query Categories { messagingCategories { category } }');
      expect(answer.status).toBeLessThan(500);
      expect(errorCodes(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
      const correlationId = correlationIdOf(answer);
      expect(answer.body!.errors![0].extensions?.correlationId).toBe(correlationId);
      const logged = logLines().filter((line) => line.correlationId === correlationId);
      expect(logged).toHaveLength(1);
      expect(logged[0].level).toBe(50);
    });

    it('in production its answer has only the correlation id', async () => {
      const answer = await callAs(productionServer.port, adminKey, `query PatientCard { patient(nhsNumber: "${PATIENT.nhsNumber}") { givenName } }`);
      expect(errorCodes(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
      const correlationId = correlationIdOf(answer);
      expect(answer.body!.errors![0].message).toBe(`Internal server error (correlation id ${correlationId})`);
      expect(answer.text).not.toContain(PATIENT.givenName);
      expect(logLines().filter((line) => line.correlationId === correlationId)).toHaveLength(1);
    });

    it('a request whose API key cannot be checked answers HTTP 500 with a correlation id that is logged', async () => {
      const answer = await callAs(server.port, adminKey, '{ messagingCategories { category } }');
      expect(answer.status).toBe(500);
      expect(errorCodes(answer)).toEqual(['INTERNAL_SERVER_ERROR']);
      const correlationId = correlationIdOf(answer);
      expect(answer.body!.errors![0].message).toBe(`Internal server error (correlation id ${correlationId})`);
      const logged = logLines().filter((line) => line.correlationId === correlationId);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 50, path: '/graphql' });
    });

    it('and still nothing personal was logged', () => {
      const text = logText();
      expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
      expect(() => logLines()).not.toThrow();
    });
  });
});
