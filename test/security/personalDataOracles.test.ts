/**
 * Attack cases 2, 3 and 4: a sender of another practice must learn nothing about a patient it
 * may not read, neither from refusals (a scripted date-of-birth probe, a name probe, the
 * NO_REACHABLE_CHANNEL reasons) nor from ingestMessage, and may not take over the patient's
 * preferences or contact details.
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { callAs, errorCodes } from '../support/httpProbe';
import { validSend } from '../support/sending';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const ORG_A = 'A81001';
const ORG_B = 'B82005';
/** Registered at A81001, born 14 March 1975. */
const PATIENT = '9434765919';
/** Registered at A81001, reachable by no channel. */
const UNREACHABLE = '9434765870';
/** Registered nowhere. */
const UNREGISTERED = '4010232137';
const DATE_OF_BIRTH = '1975-03-14';

const SEND_MESSAGES = `mutation ($input: SendMessagesInput!) { sendMessages(input: $input) { accepted rejected results { index error { code message } message { id } } } }`;
const SEND_MESSAGE = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`;

let hub: Hub;
let server: TestServer;
let senderA: string;
let senderB: string;

beforeAll(async () => {
  hub = await createTestHub({ clock: new ManualClock('2026-03-10T10:00:00Z'), env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000' } });
  server = await startTestServer(hub);
  await givenOrganisation(hub, ORG_A, 'The Densham Surgery');
  await givenOrganisation(hub, ORG_B, 'Riverside Medical Centre');
  await givenPatient(hub, { nhsNumber: PATIENT, givenName: 'Jane', familyName: 'Smith', dateOfBirth: DATE_OF_BIRTH });
  await givenPatient(hub, { nhsNumber: UNREACHABLE, givenName: 'John', familyName: 'Jones', nhsAppUser: false, mobileNumber: null, email: null, postalAddress: null });
  await givenPatient(hub, { nhsNumber: UNREGISTERED, givenName: 'Priya', familyName: 'Patel', gpPracticeOdsCode: null });
  senderA = await apiKey(hub, Role.SENDER, ORG_A);
  senderB = await apiKey(hub, Role.SENDER, ORG_B);
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

function probeItem(link: string, overrides: Record<string, unknown> = {}) {
  return validSend({ nhsNumber: PATIENT, organisationOdsCode: ORG_B, body: `Reply YES to confirm.\n\n[Check your details](${link})\n\nThank you.`, ...overrides });
}

function daysAround(center: string, span: number): string[] {
  const base = Date.parse(`${center}T00:00:00Z`);
  return Array.from({ length: span * 2 + 1 }, (_, i) => new Date(base + (i - span) * 86_400_000).toISOString().slice(0, 10));
}

const asDdMmYyyy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

async function batchAnswers(key: string, items: Record<string, unknown>[]): Promise<string[]> {
  const answer = await callAs(server.port, key, SEND_MESSAGES, { input: { messages: items } });
  expect(answer.body?.errors).toBeUndefined();
  return answer.body!.data.sendMessages.results.map((r: any) => (r.error ? `${r.error.code}: ${r.error.message}` : 'ACCEPTED'));
}

describe('attack 2: refusals that depend on a record the sender may not read', () => {
  it('a scripted date-of-birth probe learns nothing: every candidate date answers alike', async () => {
    const candidates = daysAround(DATE_OF_BIRTH, 6);
    expect(candidates).toContain(DATE_OF_BIRTH);
    // binary search as the attacker scripted it: narrow the range by which item answers differently
    let low = 0;
    let high = candidates.length - 1;
    const seen = new Set<string>();
    for (let round = 0; round < 5 && low < high; round += 1) {
      const window = candidates.slice(low, high + 1);
      const answers = await batchAnswers(senderB, window.map((date) => probeItem(`https://x.nhs.uk/check?dob=${asDdMmYyyy(date)}`)));
      answers.forEach((a) => seen.add(a));
      const odd = answers.findIndex((a) => a !== answers[0]);
      if (odd < 0) break;
      low = high = low + odd;
    }
    expect([...seen]).toHaveLength(1);
    // and the same without the keyword request, time-critical: any full date is refused for everyone
    const timeCritical = await batchAnswers(senderB, candidates.map((date) => probeItem(`https://x.nhs.uk/check?dob=${date}`, { timeCritical: true, body: `Please check.\n\n[Check](https://x.nhs.uk/check?dob=${date})\n\nThank you.` })));
    expect(new Set(timeCritical)).toEqual(new Set([timeCritical[0]]));
    expect(timeCritical[0]).toMatch(/^PERSONAL_DATA_IN_URL/);
    // nothing was stored for the prober
    expect(await hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages WHERE organisation_ods_code = ?', [ORG_B]).then((rows: any[]) => Number(rows[0].n))).toBe(0);
  });

  it('a name probe behind a rule that needs no patient data answers alike for every name', async () => {
    const names = ['smith', 'jones', 'patel', 'brown', 'jane', 'john'];
    const answers = await batchAnswers(senderB, names.map((name) => probeItem(`https://x.nhs.uk/who/${name}`)));
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toMatch(/^UNSUPPORTED_CONTENT/);
  });

  it('a name guess that gets past every other rule costs a real message, audited with the NHS number', async () => {
    const answer = await callAs(server.port, senderB, SEND_MESSAGE, { input: validSend({ nhsNumber: PATIENT, organisationOdsCode: ORG_B, body: 'Hello.\n\n[Your page](https://x.nhs.uk/who/brown)\n\nThank you.' }) });
    expect(answer.body?.errors).toBeUndefined();
    const audit = await callAs(server.port, server.adminKey, '{ auditEvents(first: 50, filter: { nhsNumber: "9434765919", action: "PATIENT_DATA_READ" }) { edges { node { operation nhsNumber } } } }');
    expect(audit.body!.data.auditEvents.edges.map((e: any) => e.node)).toContainEqual({ operation: 'sendMessage', nhsNumber: PATIENT });
  });

  it('NO_REACHABLE_CHANNEL gives channel-by-channel reasons only to a sender who may read the patient', async () => {
    for (const org of [ORG_A, ORG_B]) {
      const answer = await callAs(server.port, org === ORG_A ? senderA : senderB, SEND_MESSAGE, { input: validSend({ nhsNumber: UNREACHABLE, organisationOdsCode: org, timeCritical: true }) });
      expect(errorCodes(answer)).toEqual(['NO_REACHABLE_CHANNEL']);
      const message = answer.body!.errors![0].message;
      if (org === ORG_A) expect(message).toMatch(/SMS/);
      else expect(message).not.toMatch(/SMS|EMAIL|LETTER|NHS_APP \(|opted|contact|no /i);
    }
  });
});

describe('attack 3: ingestMessage and preferences', () => {
  const INGEST = `mutation ($input: IngestMessageInput!) { ingestMessage(input: $input) { id patient { givenName familyName dateOfBirth mobileNumber email postalAddress gpPractice { odsCode } } } }`;
  const ingestInput = (sourceReference: string) => ({ nhsNumber: PATIENT, organisationOdsCode: ORG_B, category: 'IM1_PFS', direction: 'INBOUND', body: 'Can I book?', sourceReference });

  it("hands a sender who only ingested a message for the patient none of the patient's record", async () => {
    const answer = await callAs(server.port, senderB, INGEST, { input: ingestInput('probe-1') });
    expect(answer.text).not.toMatch(/Jane|Smith|1975|07700|example\.com|High Street|A81001/);
    expect(new Set(errorCodes(answer))).toEqual(new Set(['NOT_FOUND']));
    // its own message and the NHS number it already knew stay readable
    const own = await callAs(server.port, senderB, `mutation ($input: IngestMessageInput!) { ingestMessage(input: $input) { id patient { nhsNumber } } }`, { input: ingestInput('probe-1') });
    expect(own.body!.data.ingestMessage.patient.nhsNumber).toBe(PATIENT);
    const read = await callAs(server.port, senderB, `{ patient(nhsNumber: "${PATIENT}") { givenName } patients(first: 10) { totalCount } }`);
    expect(read.body!.data).toEqual({ patient: null, patients: { totalCount: 0 } });
  });

  it("lets no other practice change the patient's preferences, so its own time-critical message still goes", async () => {
    const optOut = await callAs(server.port, senderB, 'mutation { updateChannelPreferences(input: { nhsNumber: "9434765919", optedOutChannels: [SMS, EMAIL, LETTER] }) { optedOutChannels } }');
    expect(errorCodes(optOut)).toEqual(['PATIENT_NOT_FOUND']);
    const own = await callAs(server.port, senderA, SEND_MESSAGE, { input: validSend({ nhsNumber: PATIENT, organisationOdsCode: ORG_A, timeCritical: true }) });
    expect(own.body?.errors).toBeUndefined();
  });
});

describe('attack 4: claiming a patient who has no practice', () => {
  it('refuses a sender taking over an unregistered patient and changing their contact details', async () => {
    const claim = await callAs(
      server.port,
      senderB,
      'mutation ($input: PatientInput!) { upsertPatient(input: $input) { nhsNumber } }',
      { input: { nhsNumber: UNREGISTERED, givenName: 'Priya', familyName: 'Patel', dateOfBirth: '1990-01-01', mobileNumber: '07700900999', email: 'attacker@example.com', nhsAppUser: true, gpPracticeOdsCode: ORG_B } },
    );
    expect(errorCodes(claim)).toEqual(['FORBIDDEN']);
    const stored = await callAs(server.port, server.adminKey, `{ patient(nhsNumber: "${UNREGISTERED}") { mobileNumber email gpPractice { odsCode } } }`);
    expect(stored.body!.data.patient).toEqual({ mobileNumber: '+447700900123', email: 'jane.smith@example.com', gpPractice: null });
  });
});
