/**
 * The audit log: every read of a patient's personal data (one entry per patient and
 * request, with the fields read) and every mutation with its outcome, readable only by an
 * ADMIN through auditEvents, and append-only in the database itself.
 */
import { AuditEvent } from '../../entities/AuditEvent';
import { createApiKey } from '../../src/auth/apiKeys';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { HOUR_MS } from '../../src/shared/durations';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { callAs, errorCodes } from '../support/httpProbe';
import { validSend } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const JANE = '9434765919';
const JOHN = '9434765870';
const AMELIA = '4010232137';
const START = '2026-03-10T10:00:00.000Z';

const AUDIT_EVENTS = `query ($first: Int, $after: String, $filter: AuditEventFilter) {
  auditEvents(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id occurredAt apiKeyId role action operation nhsNumber fields outcome requestId } }
  }
}`;

let hub: Hub;
let server: TestServer;
let clock: ManualClock;

interface Key {
  key: string;
  id: string;
}

async function newKey(role: Role, org: string | null = null): Promise<Key> {
  const { key, record } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role, organisationOdsCode: org, name: `audit ${role}` });
  return { key, id: record.id };
}

/** The audit entries of one key, oldest first, straight from the table. */
async function entriesOf(apiKeyId: string) {
  const rows = await hub.db.dataSource.getRepository(AuditEvent).find({ where: { apiKeyId }, order: { id: 'ASC' } });
  return rows.map((r) => ({
    action: r.action,
    operation: r.operation,
    nhsNumber: r.nhsNumber,
    fields: r.fields,
    outcome: r.outcome,
    role: r.role,
    occurredAt: r.occurredAt.toISOString(),
    requestId: r.requestId,
  }));
}

async function auditEvents(variables: Record<string, unknown>, key = server.adminKey) {
  const answer = await callAs(server.port, key, AUDIT_EVENTS, variables);
  expect(answer.body?.errors).toBeUndefined();
  return answer.body!.data.auditEvents;
}

beforeAll(async () => {
  clock = new ManualClock(START);
  hub = await createTestHub({ clock, env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000' } });
  server = await startTestServer(hub);
  await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
  await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
  await givenPatient(hub, { nhsNumber: JANE });
  await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones', email: 'john.jones@example.com' });
  await givenPatient(hub, { nhsNumber: AMELIA, givenName: 'Amelia', familyName: 'Hughes', email: 'amelia@example.com', gpPracticeOdsCode: 'B82005' });
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('reads of personal data', () => {
  it("reading patients' fields writes one PATIENT_DATA_READ entry per patient with the key, NHS number, fields and time", async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    clock.set('2026-03-10T11:00:00.000Z');
    const answer = await callAs(server.port, sender.key, '{ patients(first: 10) { edges { node { nhsNumber givenName dateOfBirth } } } }');
    expect(answer.body?.errors).toBeUndefined();
    // A81001 sees Jane and John, not Amelia (registered at B82005, never messaged by A81001)
    expect(answer.body!.data.patients.edges.map((e: any) => e.node.nhsNumber).sort()).toEqual([JANE, JOHN].sort());

    const entries = await entriesOf(sender.id);
    expect(entries).toHaveLength(2);
    const byPatient = Object.fromEntries(entries.map((e) => [e.nhsNumber, e]));
    for (const nhsNumber of [JANE, JOHN]) {
      expect(byPatient[nhsNumber]).toMatchObject({
        action: 'PATIENT_DATA_READ',
        operation: 'patients',
        fields: ['dateOfBirth', 'givenName', 'nhsNumber'],
        outcome: 'OK',
        role: 'SENDER',
        occurredAt: '2026-03-10T11:00:00.000Z',
      });
    }
    // one request, one request id
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(1);
  });

  it("a patient's fields and their messages' bodies read in one request make one entry for that patient", async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const sent = await callAs(server.port, server.adminKey, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend({ nhsNumber: JANE }) });
    expect(sent.body?.errors).toBeUndefined();
    const answer = await callAs(server.port, sender.key, `{ patient(nhsNumber: "${JANE}") { familyName messages(first: 5) { edges { node { subject body } } } } }`);
    expect(answer.body?.errors).toBeUndefined();
    expect(answer.body!.data.patient.messages.edges.length).toBeGreaterThan(0);
    expect(await entriesOf(sender.id)).toEqual([
      expect.objectContaining({ action: 'PATIENT_DATA_READ', operation: 'patient', nhsNumber: JANE, fields: ['familyName', 'message.body', 'message.subject', 'messages'], outcome: 'OK' }),
    ]);
  });

  it('a query that reads no personal data writes no entry', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const answer = await callAs(server.port, sender.key, '{ messages(first: 5) { totalCount edges { node { id status category } } } messagingCategories { category } }');
    expect(answer.body?.errors).toBeUndefined();
    expect(answer.body!.data.messages.totalCount).toBeGreaterThan(0);
    expect(await entriesOf(sender.id)).toEqual([]);
  });

  it('an alias does not hide which field the data was read through', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const answer = await callAs(server.port, sender.key, `{ harmless: patient(nhsNumber: "${JANE}") { givenName } }`);
    expect(answer.body?.errors).toBeUndefined();
    expect(await entriesOf(sender.id)).toEqual([expect.objectContaining({ action: 'PATIENT_DATA_READ', nhsNumber: JANE, fields: ['givenName'], operation: 'patient' })]);
  });

  it('a field read the key is not allowed is refused and is not recorded as read', async () => {
    const provider = await newKey(Role.PROVIDER);
    const answer = await callAs(server.port, provider.key, `{ patient(nhsNumber: "${JANE}") { givenName } }`);
    expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
    expect((await entriesOf(provider.id)).filter((e) => e.action === 'PATIENT_DATA_READ')).toEqual([]);
  });
});

describe('mutations', () => {
  it('a mutation writes a MUTATION entry with outcome OK', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    clock.set('2026-03-10T12:00:00.000Z');
    const answer = await callAs(server.port, sender.key, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id status } } }', { input: validSend({ nhsNumber: JOHN }) });
    expect(answer.body?.errors).toBeUndefined();
    expect(await entriesOf(sender.id)).toEqual([
      // the send consulted the patient's record (content and channel checks): logged with the NHS number
      expect.objectContaining({ action: 'PATIENT_DATA_READ', operation: 'sendMessage', nhsNumber: JOHN, outcome: 'OK', role: 'SENDER', occurredAt: '2026-03-10T12:00:00.000Z' }),
      expect.objectContaining({ action: 'MUTATION', operation: 'sendMessage', nhsNumber: null, fields: null, outcome: 'OK', role: 'SENDER', occurredAt: '2026-03-10T12:00:00.000Z' }),
    ]);
  });

  it('a failed mutation writes its error code', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const noPurpose = await callAs(server.port, sender.key, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend({ nhsNumber: JOHN, purpose: '   ' }) });
    expect(errorCodes(noPurpose)).toEqual(['NO_LEGAL_BASIS']);
    const otherPractice = await callAs(server.port, sender.key, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend({ nhsNumber: JOHN, organisationOdsCode: 'B82005' }) });
    expect(errorCodes(otherPractice)).toEqual(['FORBIDDEN']);
    const unknown = await callAs(server.port, sender.key, 'mutation { cancelMessage(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect((await entriesOf(sender.id)).map((e) => [e.action, e.operation, e.outcome])).toEqual([
      ['MUTATION', 'sendMessage', 'NO_LEGAL_BASIS'],
      ['MUTATION', 'sendMessage', 'FORBIDDEN'],
      ['MUTATION', 'cancelMessage', 'NOT_FOUND'],
    ]);
  });

  it('a mutation the role may not call is recorded as FORBIDDEN', async () => {
    const analyst = await newKey(Role.ANALYST);
    const answer = await callAs(server.port, analyst.key, 'mutation { upsertOrganisation(input: { odsCode: "AUD01", name: "Audit", type: OTHER }) { odsCode } }');
    expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
    expect((await entriesOf(analyst.id)).map((e) => [e.action, e.operation, e.outcome, e.role])).toEqual([['MUTATION', 'upsertOrganisation', 'FORBIDDEN', 'ANALYST']]);
  });

  it('each mutation of a document is recorded with its own outcome, under its field name when aliased', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const answer = await callAs(
      server.port,
      sender.key,
      `mutation ($ok: SendMessageInput!) {
        good: sendMessage(input: $ok) { message { id } }
        bad: cancelMessage(id: "not-an-id") { id }
      }`,
      { ok: validSend({ nhsNumber: JOHN }) },
    );
    // cancelMessage answers Message!, so its NOT_FOUND nulls the whole data; the send still happened
    expect(errorCodes(answer)).toEqual(['NOT_FOUND']);
    expect(answer.body!.errors![0].path).toEqual(['bad']);
    expect((await entriesOf(sender.id)).map((e) => [e.action, e.operation, e.outcome])).toEqual([
      ['PATIENT_DATA_READ', 'sendMessage', 'OK'],
      ['MUTATION', 'sendMessage', 'OK'],
      ['MUTATION', 'cancelMessage', 'NOT_FOUND'],
    ]);
  });

  it('a mutation refused before it ran (a variable that is not a valid NHS number) is not recorded as OK', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const answer = await callAs(server.port, sender.key, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend({ nhsNumber: '1234567890' }) });
    expect(errorCodes(answer)).toEqual(['INVALID_NHS_NUMBER']);
    expect((await entriesOf(sender.id)).map((e) => [e.action, e.operation, e.outcome])).toEqual([['MUTATION', 'sendMessage', 'INVALID_NHS_NUMBER']]);
  });

  it('a mutation that returns personal data also records the read', async () => {
    const sender = await newKey(Role.SENDER, 'A81001');
    const answer = await callAs(
      server.port,
      sender.key,
      `mutation { upsertPatient(input: { nhsNumber: "${JANE}", givenName: "Jane", familyName: "Smith", dateOfBirth: "1980-03-14", nhsAppUser: true, gpPracticeOdsCode: "A81001", mobileNumber: "07700900123" }) { nhsNumber mobileNumber } }`,
    );
    expect(answer.body?.errors).toBeUndefined();
    const entries = await entriesOf(sender.id);
    expect(entries.map((e) => [e.action, e.operation, e.nhsNumber, e.fields, e.outcome])).toEqual(
      expect.arrayContaining([
        ['PATIENT_DATA_READ', 'upsertPatient', JANE, ['mobileNumber', 'nhsNumber'], 'OK'],
        ['MUTATION', 'upsertPatient', null, null, 'OK'],
      ]),
    );
    expect(entries).toHaveLength(2);
  });
});

describe('auditEvents', () => {
  // Every assertion is about entries of keys made here, so other writers of the same
  // database cannot change the answers.
  let reader: Key;
  let writer: Key;
  let pager: Key;
  const T1 = '2026-03-11T09:00:00.000Z';
  const T2 = '2026-03-11T10:00:00.000Z';
  const T3 = '2026-03-11T11:00:00.000Z';
  const PAGER_READS = 7;

  beforeAll(async () => {
    reader = await newKey(Role.SENDER, 'A81001');
    writer = await newKey(Role.SENDER, 'A81001');
    pager = await newKey(Role.SENDER, 'A81001');
    clock.set(T1);
    expect((await callAs(server.port, reader.key, `{ patient(nhsNumber: "${JANE}") { givenName } }`)).body?.errors).toBeUndefined();
    clock.set(T2);
    expect((await callAs(server.port, reader.key, `{ patient(nhsNumber: "${JOHN}") { familyName } }`)).body?.errors).toBeUndefined();
    expect((await callAs(server.port, writer.key, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }', { input: validSend({ nhsNumber: JANE }) })).body?.errors).toBeUndefined();
    clock.set(T3);
    expect((await callAs(server.port, reader.key, `{ patient(nhsNumber: "${JANE}") { email } }`)).body?.errors).toBeUndefined();
    for (let i = 0; i < PAGER_READS; i += 1) {
      expect((await callAs(server.port, pager.key, `{ patient(nhsNumber: "${i % 2 ? JANE : JOHN}") { givenName } }`)).body?.errors).toBeUndefined();
    }
  });

  it('pages newest first without repeating or skipping entries', async () => {
    const all = await auditEvents({ first: 200, filter: { apiKeyId: pager.id } });
    expect(all.totalCount).toBe(PAGER_READS);
    expect(all.edges).toHaveLength(PAGER_READS);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const ids = all.edges.map((e: any) => Number(e.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // newest first: the last read (i = 6, John) comes first
    expect(all.edges[0].node).toMatchObject({ apiKeyId: pager.id, action: 'PATIENT_DATA_READ', nhsNumber: JOHN, fields: ['givenName'], occurredAt: T3, role: 'SENDER', operation: 'patient' });
    expect(all.edges.map((e: any) => e.node.nhsNumber)).toEqual([JOHN, JANE, JOHN, JANE, JOHN, JANE, JOHN]);

    const paged: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (; pages < 10; pages += 1) {
      const result: any = await auditEvents({ first: 2, after, filter: { apiKeyId: pager.id } });
      expect(result.edges.length).toBeLessThanOrEqual(2);
      expect(result.totalCount).toBe(PAGER_READS);
      paged.push(...result.edges.map((e: any) => Number(e.node.id)));
      if (!result.pageInfo.hasNextPage) break;
      expect(result.pageInfo.endCursor).toBe(result.edges.at(-1).cursor);
      after = result.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(paged).toEqual(ids);

    // the unfiltered log is newest first too, and holds the newest of these entries
    const newest = await auditEvents({ first: 200 });
    const newestIds = newest.edges.map((e: any) => Number(e.node.id));
    expect(newestIds).toEqual([...newestIds].sort((a, b) => b - a));
    expect(newestIds).toEqual(expect.arrayContaining(ids));

    const bad = await callAs(server.port, server.adminKey, AUDIT_EVENTS, { first: 2, after: 'not-a-cursor' });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('filters by action, apiKeyId, nhsNumber and time', async () => {
    const byReader = await auditEvents({ first: 50, filter: { apiKeyId: reader.id } });
    expect(byReader.edges.map((e: any) => [e.node.nhsNumber, e.node.fields, e.node.occurredAt, e.node.apiKeyId])).toEqual([
      [JANE, ['email'], T3, reader.id],
      [JOHN, ['familyName'], T2, reader.id],
      [JANE, ['givenName'], T1, reader.id],
    ]);
    expect(byReader.totalCount).toBe(3);

    const writerMutations = await auditEvents({ first: 50, filter: { action: 'MUTATION', apiKeyId: writer.id } });
    expect(writerMutations.edges.map((e: any) => [e.node.action, e.node.operation, e.node.outcome, e.node.nhsNumber, e.node.fields])).toEqual([['MUTATION', 'sendMessage', 'OK', null, null]]);
    // the writer's send consulted Jane's record, and nothing else of theirs was read
    const writerReads = await auditEvents({ first: 50, filter: { action: 'PATIENT_DATA_READ', apiKeyId: writer.id } });
    expect(writerReads.edges.map((e: any) => [e.node.nhsNumber, e.node.operation])).toEqual([[JANE, 'sendMessage']]);
    const readerReads = await auditEvents({ first: 50, filter: { action: 'PATIENT_DATA_READ', apiKeyId: reader.id } });
    expect(readerReads.totalCount).toBe(3);
    const readerMutations = await auditEvents({ first: 50, filter: { action: 'MUTATION', apiKeyId: reader.id } });
    expect(readerMutations.totalCount).toBe(0);

    // an action filter alone returns only that action
    for (const action of ['MUTATION', 'PATIENT_DATA_READ']) {
      const only = await auditEvents({ first: 200, filter: { action } });
      expect(only.edges.length).toBeGreaterThan(0);
      for (const edge of only.edges) expect(edge.node.action).toBe(action);
    }

    // an NHS number (spaces allowed) alone returns only that patient's reads
    const janeAll = await auditEvents({ first: 200, filter: { nhsNumber: '943 476 5919' } });
    expect(janeAll.edges.length).toBeGreaterThan(0);
    for (const edge of janeAll.edges) expect(edge.node.nhsNumber).toBe(JANE);
    const jane = await auditEvents({ first: 200, filter: { nhsNumber: '943 476 5919', apiKeyId: reader.id } });
    expect(jane.edges.map((e: any) => e.node.fields)).toEqual([['email'], ['givenName']]);

    // from is inclusive, to exclusive
    const window = (from: string | null, to: string | null, apiKeyId: string) => auditEvents({ first: 200, filter: { from, to, apiKeyId } });
    expect((await window(T2, T3, reader.id)).edges.map((e: any) => e.node.occurredAt)).toEqual([T2]);
    expect((await window(T2, T3, writer.id)).edges.map((e: any) => [e.node.action, e.node.operation])).toEqual([['MUTATION', 'sendMessage'], ['PATIENT_DATA_READ', 'sendMessage']]);
    expect((await window(T1, T2, reader.id)).edges.map((e: any) => e.node.occurredAt)).toEqual([T1]);
    expect((await window(T2, null, reader.id)).edges.map((e: any) => e.node.occurredAt)).toEqual([T3, T2]);
    expect((await window(null, T2, reader.id)).edges.map((e: any) => e.node.occurredAt)).toEqual([T1]);
    expect(await window(new Date(Date.parse(T3) + HOUR_MS).toISOString(), null, reader.id)).toMatchObject({ totalCount: 0, edges: [] });
    const unrestrictedWindow = await auditEvents({ first: 200, filter: { from: T2, to: T3 } });
    for (const edge of unrestrictedWindow.edges) expect(edge.node.occurredAt).toBe(T2);

    const combined = await auditEvents({ first: 200, filter: { action: 'PATIENT_DATA_READ', apiKeyId: reader.id, nhsNumber: JANE, from: T3 } });
    expect(combined.edges.map((e: any) => e.node.fields)).toEqual([['email']]);

    const badAction = await callAs(server.port, server.adminKey, AUDIT_EVENTS, { filter: { action: 'DELETE' } });
    expect(errorCodes(badAction)).toEqual(['BAD_USER_INPUT']);
  });

  it('only ADMIN can query it', async () => {
    for (const [role, org] of [[Role.SENDER, 'A81001'], [Role.ANALYST, null], [Role.DASHBOARD, null], [Role.PROVIDER, null]] as Array<[Role, string | null]>) {
      const { key } = await newKey(role, org);
      const answer = await callAs(server.port, key, AUDIT_EVENTS, { first: 5 });
      expect({ role, codes: errorCodes(answer) }).toEqual({ role, codes: ['FORBIDDEN'] });
      expect(answer.body?.data ?? null).toBeNull();
      expect(answer.text).not.toContain(reader.id);
    }
    const anonymous = await callAs(server.port, null, AUDIT_EVENTS, { first: 5 });
    expect(anonymous.status).toBe(401);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the audit_events table', () => {
  it('refuses an UPDATE (append-only trigger) and keeps the entry as it was', async () => {
    const [row] = await hub.db.dataSource.query('SELECT id, outcome, nhs_number FROM audit_events ORDER BY id DESC LIMIT 1');
    expect(row).toBeDefined();
    await expect(hub.db.dataSource.query("UPDATE audit_events SET outcome = 'TAMPERED' WHERE id = ?", [row.id])).rejects.toThrow(/append-only/);
    await expect(hub.db.dataSource.query('UPDATE audit_events SET nhs_number = NULL, fields = NULL WHERE id = ?', [row.id])).rejects.toThrow(/append-only/);
    const [after] = await hub.db.dataSource.query('SELECT id, outcome, nhs_number FROM audit_events WHERE id = ?', [row.id]);
    expect(after).toEqual(row);
    expect(await hub.db.dataSource.query("SELECT id FROM audit_events WHERE outcome = 'TAMPERED'")).toEqual([]);
  });
});
