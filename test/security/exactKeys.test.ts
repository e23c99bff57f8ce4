/**
 * Attack case 7: keys compared case-insensitively. A sourceReference "caseref" must not
 * return another patient's "CaseRef" message (nor drop the new one), and an idempotencyKey
 * "idemkey" is a different key from "IdemKey".
 */
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { callAs } from '../support/httpProbe';
import { validSend } from '../support/sending';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const ORG = 'A81001';
const JANE = '9434765919';
const JOHN = '9434765870';
const INGEST = 'mutation ($input: IngestMessageInput!) { ingestMessage(input: $input) { id body patient { nhsNumber } } }';
const SEND = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { replayed message { id body } } }';

let hub: Hub;
let server: TestServer;
let sender: string;

beforeAll(async () => {
  hub = await createTestHub({ env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '100' } });
  server = await startTestServer(hub);
  await givenOrganisation(hub, ORG);
  await givenPatient(hub, { nhsNumber: JANE });
  await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones' });
  sender = await apiKey(hub, Role.SENDER, ORG);
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('attack 7: exact keys', () => {
  it('keeps a sourceReference differing only in case as a different message', async () => {
    const ingest = (nhsNumber: string, sourceReference: string, body: string) =>
      callAs(server.port, sender, INGEST, { input: { nhsNumber, organisationOdsCode: ORG, category: 'IM1_PFS', direction: 'INBOUND', body, sourceReference } });
    const first = await ingest(JANE, 'CaseRef', "Jane's question");
    const second = await ingest(JOHN, 'caseref', "John's question");
    expect(first.body?.errors).toBeUndefined();
    expect(second.body?.errors).toBeUndefined();
    expect(second.body!.data.ingestMessage).toMatchObject({ body: "John's question", patient: { nhsNumber: JOHN } });
    expect(second.body!.data.ingestMessage.id).not.toBe(first.body!.data.ingestMessage.id);
    // the same reference, same case, is still the same message
    const again = await ingest(JANE, 'CaseRef', "Jane's question");
    expect(again.body!.data.ingestMessage.id).toBe(first.body!.data.ingestMessage.id);
  });

  it('treats idempotency keys differing only in case as different keys', async () => {
    const first = await callAs(server.port, sender, SEND, { input: validSend({ idempotencyKey: 'IdemKey', body: 'Your first letter is ready.\n\nThank you.' }) });
    const second = await callAs(server.port, sender, SEND, { input: validSend({ idempotencyKey: 'idemkey', body: 'Your second letter is ready.\n\nThank you.' }) });
    expect(first.body?.errors).toBeUndefined();
    expect(second.body?.errors).toBeUndefined();
    expect(second.body!.data.sendMessage.replayed).toBe(false);
    expect(second.body!.data.sendMessage.message.id).not.toBe(first.body!.data.sendMessage.message.id);
    const replay = await callAs(server.port, sender, SEND, { input: validSend({ idempotencyKey: 'IdemKey', body: 'Your first letter is ready.\n\nThank you.' }) });
    expect(replay.body!.data.sendMessage).toMatchObject({ replayed: true, message: { id: first.body!.data.sendMessage.message.id } });
  });
});
