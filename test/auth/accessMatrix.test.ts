/**
 * Who may call what: every root field of the served schema × every kind of caller, over
 * real HTTP (and graphql-ws for subscriptions) against a hub with two practices.
 *
 * The table below must have a row for every Query, Mutation and Subscription field the
 * server builds: a field added without a row fails "the table covers every root field".
 *
 * Callers: a SENDER of A81001 (the practice that owns the rows under test), a SENDER of
 * B82005 (another practice: A81001's rows must answer exactly like missing ones), ANALYST,
 * DASHBOARD, PROVIDER, ADMIN and a request without a key.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, execute, getNamedType, GraphQLObjectType, GraphQLSchema, isObjectType, parse, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Role } from '../../src/vocabulary/roles';
import { createContext } from '../../src/graphql/context';
import { createErrorFormatter } from '../../src/graphql/errorFormatting';
import { buildHubSchema } from '../../src/graphql/schema';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { UNRESTRICTED } from '../../src/shared/scope';
import { createApiKey } from '../../src/auth/apiKeys';
import { createStatusCallback } from '../../src/callbacks/registerCallback';
import { saveTemplate } from '../../src/templates/saveTemplate';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { LegalBasis } from '../../src/vocabulary/messages';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { callAs, errorCodes, type HttpAnswer, subscribeAndCollect } from '../support/httpProbe';
import { send } from '../support/sending';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const ORG_A = 'A81001';
const ORG_B = 'B82005';
/** Registered at A81001. */
const PATIENT_A = '9434765919';
/** Registered at B82005; not an NHS App user, so B82005's message to them falls back. */
const PATIENT_B = '9434765870';
/** Registered at B82005 and messaged by A81001: only B82005 reads their record; A81001 sees its message. */
const PATIENT_AB = '4010232137';
/** Registered at A81001: the patient the rows the cells create are sent to. */
const PATIENT_FRESH = '9990000018';
/** A valid NHS number that is never stored. */
const NOBODY = '9990000034';

const CALLERS = ['SENDER_OWN', 'SENDER_OTHER', 'ANALYST', 'DASHBOARD', 'PROVIDER', 'ADMIN', 'NO_KEY'] as const;
type Caller = (typeof CALLERS)[number];
type KeyedCaller = Exclude<Caller, 'NO_KEY'>;

/**
 * ALLOW: answered without errors, with sensible data.
 * FORBIDDEN: FORBIDDEN at the root field, nothing changed.
 * MISSING: answered exactly as the same request naming a row that does not exist (null, NOT_FOUND, or absent from a list).
 * FORBIDDEN_ITEM: a batch answered per item, and the item is FORBIDDEN.
 * A request without a key is always HTTP 401 UNAUTHENTICATED.
 */
type Outcome = 'ALLOW' | 'FORBIDDEN' | 'MISSING' | 'FORBIDDEN_ITEM';
type Access = Record<KeyedCaller, Outcome>;

interface Probe {
  query: string;
  variables?: Record<string, unknown>;
}

interface Prepared {
  probe: Probe;
  /** What the request could change, read before and after a refused call. */
  state?: () => Promise<unknown>;
  /** The same request for a row that does not exist (MISSING cells). */
  absentTwin?: Probe;
  target?: string;
}

interface Row {
  access: Access;
  prepare(): Promise<Prepared>;
  allowed(data: any, caller: KeyedCaller, prepared: Prepared): void | Promise<void>;
  /** MISSING cells: the error code a missing row answers with (none when it answers null). */
  missingCode?: string;
  /** MISSING cells on lists: the other organisation's rows are not there. */
  absent?(data: any, caller: KeyedCaller): void;
  /** FORBIDDEN_ITEM cells: the per-item errors of the answer. */
  itemErrors?(data: any): string[];
}

const only = (allowed: KeyedCaller[], rest: Outcome = 'FORBIDDEN'): Access => {
  const access = {} as Access;
  for (const caller of CALLERS) if (caller !== 'NO_KEY') access[caller] = allowed.includes(caller) ? 'ALLOW' : rest;
  return access;
};

let hub: Hub;
let server: TestServer;
let clock: ManualClock;
const keys = {} as Record<Caller, string | null>;
const keyIds = {} as Record<KeyedCaller, string>;
let msgA: string;
let msgB: string;
let msgAB: string;
let servedRootFields: Record<'Query' | 'Mutation' | 'Subscription', Set<string>>;

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return hub.db.dataSource.query(query, params);
}

async function adminSend(nhsNumber: string, organisationOdsCode: string, extra: Record<string, unknown> = {}): Promise<{ id: string; attemptId: string }> {
  const result = await send(server, { nhsNumber, organisationOdsCode, ...extra });
  expect(result.errors).toBeUndefined();
  return { id: result.data!.sendMessage.message.id, attemptId: result.data!.sendMessage.message.deliveryAttempts[0].id };
}

/** A message of A81001 whose NHS App attempt has been sent (SENT, not yet delivered). */
async function dispatchedMessage(): Promise<{ id: string; attemptId: string }> {
  const sent = await adminSend(PATIENT_FRESH, ORG_A);
  await hub.dispatcher.drain();
  const [attempt] = await sql('SELECT status FROM delivery_attempts WHERE id = ?', [sent.attemptId]);
  expect(attempt.status).toBe('SENT');
  return sent;
}

async function messageStatus(id: string): Promise<string> {
  const [row] = await sql('SELECT status FROM messages WHERE id = ?', [id]);
  return row.status;
}

const count = async (query: string, params: unknown[]) => Number((await sql(query, params))[0].n);

function sendInput(nhsNumber = PATIENT_FRESH): Record<string, unknown> {
  return {
    nhsNumber,
    organisationOdsCode: ORG_A,
    category: 'NHS_APP_MESSAGING',
    subject: 'Your flu vaccination',
    body: 'You can now book your flu vaccination at the surgery. Thank you.',
    legalBasis: 'DIRECT_CARE',
    purpose: 'Seasonal flu invitation',
  };
}

const messagesOfA81001Sent = (nhsNumber: string) => count('SELECT COUNT(*) AS n FROM messages WHERE organisation_ods_code = ? AND nhs_number = ?', [ORG_A, nhsNumber]);

const TEMPLATE_BODY = 'Hello ((givenName)), your ((thing)) is ready to collect. Thank you.';

function templateInput(organisationOdsCode: string, name = `matrix template ${randomUUID()}`) {
  return { organisationOdsCode, name, category: MessagingCategory.NHS_APP_MESSAGING, subject: 'Ready to collect', body: TEMPLATE_BODY, legalBasis: LegalBasis.DIRECT_CARE, purpose: 'Collection reminder' };
}

/** A template of the given practice, made through the use case. */
async function templateOf(organisationOdsCode: string): Promise<string> {
  const template = await saveTemplate({ db: hub.db, clock: hub.clock, templates: hub.stores.templates, organisations: hub.stores.organisations }, null, templateInput(organisationOdsCode), UNRESTRICTED);
  return template.id;
}

/** Disables a practice's callbacks, so the cells never reach its limit of active ones. */
async function clearCallbacks(organisationOdsCode: string): Promise<void> {
  await sql('UPDATE status_callbacks SET disabled_at = ? WHERE organisation_ods_code = ? AND disabled_at IS NULL', ['2026-03-10 10:00:00.000', organisationOdsCode]);
}

/** A status callback of the given practice (never called: this hub runs no callback dispatcher). */
async function callbackOf(organisationOdsCode: string): Promise<string> {
  await clearCallbacks(organisationOdsCode);
  const deps = { db: hub.db, clock: hub.clock, callbacks: hub.stores.callbacks, organisations: hub.stores.organisations, production: false, masterSecret: 'matrix' };
  const { callback } = await createStatusCallback(deps, { organisationOdsCode, url: `https://callbacks.example/${randomUUID()}` }, UNRESTRICTED);
  return callback.id;
}

const QUERY_ROWS: Record<string, Row> = {
  messageTemplate: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => {
      const id = await templateOf(ORG_A);
      const query = 'query ($id: ID!) { messageTemplate(id: $id) { id organisationOdsCode body placeholders archived } }';
      return { target: id, probe: { query, variables: { id } }, absentTwin: { query, variables: { id: randomUUID() } } };
    },
    allowed: (data, _caller, prepared) => expect(data.messageTemplate).toEqual({ id: prepared.target, organisationOdsCode: ORG_A, body: TEMPLATE_BODY, placeholders: ['givenName', 'thing'], archived: false }),
    absent: (data) => expect(data).toEqual({ messageTemplate: null }),
  },

  messageTemplates: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => {
      const [own, other] = [await templateOf(ORG_A), await templateOf(ORG_B)];
      return { target: JSON.stringify([own, other]), probe: { query: '{ messageTemplates(first: 200) { totalCount edges { node { id organisationOdsCode } } } }' } };
    },
    allowed: (data, caller, prepared) => {
      const [own, other] = JSON.parse(prepared.target!);
      const ids = data.messageTemplates.edges.map((e: any) => e.node.id);
      expect(ids).toContain(own);
      expect(data.messageTemplates.totalCount).toBe(ids.length);
      if (caller === 'ADMIN') expect(ids).toContain(other);
      else expect(new Set(data.messageTemplates.edges.map((e: any) => e.node.organisationOdsCode))).toEqual(new Set([ORG_A]));
    },
    absent: (data) => {
      const orgs = new Set(data.messageTemplates.edges.map((e: any) => e.node.organisationOdsCode));
      expect(orgs).toEqual(new Set([ORG_B]));
      expect(data.messageTemplates.totalCount).toBe(data.messageTemplates.edges.length);
    },
  },

  previewTemplate: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const id = await templateOf(ORG_A);
      const query = 'query ($id: ID!, $n: NhsNumber!) { previewTemplate(templateId: $id, nhsNumber: $n, personalisation: [{ name: "thing", value: "prescription" }]) { subject body } }';
      return { probe: { query, variables: { id, n: PATIENT_A } }, absentTwin: { query, variables: { id: randomUUID(), n: PATIENT_A } }, state: () => count('SELECT COUNT(*) AS n FROM messages', []) };
    },
    allowed: (data) => expect(data.previewTemplate).toEqual({ subject: 'Ready to collect', body: 'Hello Jane, your prescription is ready to collect. Thank you.' }),
  },

  statusCallbacks: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => {
      const [own, other] = [await callbackOf(ORG_A), await callbackOf(ORG_B)];
      return { target: JSON.stringify([own, other]), probe: { query: '{ statusCallbacks { id organisationOdsCode url events } }' } };
    },
    allowed: (data, caller, prepared) => {
      const [own, other] = JSON.parse(prepared.target!);
      const ids = data.statusCallbacks.map((c: any) => c.id);
      expect(ids).toContain(own);
      if (caller === 'ADMIN') expect(ids).toContain(other);
      else expect(new Set(data.statusCallbacks.map((c: any) => c.organisationOdsCode))).toEqual(new Set([ORG_A]));
    },
    absent: (data) => expect(new Set(data.statusCallbacks.map((c: any) => c.organisationOdsCode))).toEqual(new Set([ORG_B])),
  },

  auditEvents: {
    access: only(['ADMIN']),
    prepare: async () => ({ probe: { query: '{ auditEvents(first: 5) { totalCount edges { node { id action operation } } } }' } }),
    allowed: (data) => {
      // the admin's sends in beforeAll were audited
      expect(data.auditEvents.totalCount).toBeGreaterThanOrEqual(3);
      expect(data.auditEvents.edges.length).toBeGreaterThan(0);
      for (const edge of data.auditEvents.edges) expect(['PATIENT_DATA_READ', 'MUTATION']).toContain(edge.node.action);
    },
  },

  message: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => {
      const query = 'query ($id: ID!) { message(id: $id) { id status subject body organisation { odsCode } patient { nhsNumber } deliveryAttempts { id status } } }';
      return { probe: { query, variables: { id: msgA } }, absentTwin: { query, variables: { id: randomUUID() } } };
    },
    allowed: (data) => {
      expect(data.message).toMatchObject({ id: msgA, status: 'SENDING', organisation: { odsCode: ORG_A }, patient: { nhsNumber: PATIENT_A } });
      expect(data.message.body).toContain('flu vaccination');
      expect(data.message.deliveryAttempts).toEqual([{ id: expect.any(String), status: 'SENT' }]);
    },
    absent: (data) => expect(data).toEqual({ message: null }),
  },

  messages: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => ({ probe: { query: '{ messages(first: 100) { totalCount edges { node { id organisation { odsCode } } } } }' } }),
    allowed: (data, caller) => {
      const ids = data.messages.edges.map((e: any) => e.node.id);
      expect(ids).toEqual(expect.arrayContaining([msgA, msgAB]));
      expect(data.messages.totalCount).toBe(ids.length);
      if (caller === 'ADMIN') {
        expect(ids).toContain(msgB);
      } else {
        expect(ids).not.toContain(msgB);
        expect(new Set(data.messages.edges.map((e: any) => e.node.organisation.odsCode))).toEqual(new Set([ORG_A]));
      }
    },
    absent: (data) => {
      const ids = data.messages.edges.map((e: any) => e.node.id);
      expect(ids).toContain(msgB);
      expect(ids).not.toContain(msgA);
      expect(ids).not.toContain(msgAB);
      expect(data.messages.totalCount).toBe(ids.length);
      expect(new Set(data.messages.edges.map((e: any) => e.node.organisation.odsCode))).toEqual(new Set([ORG_B]));
    },
  },

  messagingCategories: {
    access: only(['SENDER_OWN', 'SENDER_OTHER', 'ANALYST', 'DASHBOARD', 'ADMIN']),
    prepare: async () => ({ probe: { query: '{ messagingCategories { category name supportsFallback } }' } }),
    allowed: (data) => {
      expect(data.messagingCategories.map((c: any) => c.category).sort()).toEqual(['IM1_PFS', 'NHS_APP_MESSAGING', 'ONLINE_CONSULTATION', 'PHR']);
      for (const c of data.messagingCategories) expect(c.name).toEqual(expect.any(String));
    },
  },

  // Organisations are reference data (public ODS codes and names): every sender reads any
  // of them, e.g. the gpPractice of a patient it messaged who is registered elsewhere.
  organisation: {
    access: only(['SENDER_OWN', 'SENDER_OTHER', 'ADMIN']),
    prepare: async () => ({ probe: { query: `{ organisation(odsCode: "${ORG_A}") { odsCode name type } }` } }),
    allowed: (data) => expect(data.organisation).toEqual({ odsCode: ORG_A, name: 'The Densham Surgery', type: 'GP_PRACTICE' }),
  },

  patient: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => {
      const query = `query ($n: NhsNumber!) { patient(nhsNumber: $n) {
        nhsNumber givenName familyName dateOfBirth mobileNumber email postalAddress nhsAppUser
        gpPractice { odsCode } channelPreferences { notificationsEnabled fallbackOrder }
        messages(first: 20) { totalCount edges { node { id } } } } }`;
      return { probe: { query, variables: { n: PATIENT_A } }, absentTwin: { query, variables: { n: NOBODY } } };
    },
    allowed: (data) => {
      expect(data.patient).toMatchObject({ nhsNumber: PATIENT_A, givenName: 'Jane', familyName: 'Smith', dateOfBirth: '1980-03-14', nhsAppUser: true, gpPractice: { odsCode: ORG_A } });
      expect(data.patient.channelPreferences.notificationsEnabled).toBe(true);
      expect(data.patient.messages.edges.map((e: any) => e.node.id)).toContain(msgA);
    },
    absent: (data) => expect(data).toEqual({ patient: null }),
  },

  patients: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    prepare: async () => ({ probe: { query: '{ patients(first: 50) { totalCount edges { node { nhsNumber } } } }' } }),
    allowed: (data, caller) => {
      const numbers = data.patients.edges.map((e: any) => e.node.nhsNumber);
      expect(data.patients.totalCount).toBe(numbers.length);
      // registered at A81001; a patient A81001 only messaged shows no demographics to it
      expect(numbers).toEqual(expect.arrayContaining([PATIENT_A, PATIENT_FRESH]));
      if (caller === 'ADMIN') expect(numbers).toEqual(expect.arrayContaining([PATIENT_B, PATIENT_AB]));
      else expect(numbers).not.toEqual(expect.arrayContaining([PATIENT_B]));
      if (caller !== 'ADMIN') expect(numbers).not.toContain(PATIENT_AB);
    },
    absent: (data) => {
      const numbers = data.patients.edges.map((e: any) => e.node.nhsNumber);
      expect(numbers).toEqual(expect.arrayContaining([PATIENT_B, PATIENT_AB]));
      expect(numbers).not.toContain(PATIENT_A);
      expect(numbers).not.toContain(PATIENT_FRESH);
      expect(data.patients.totalCount).toBe(numbers.length);
    },
  },

  apiKeys: {
    access: only(['ADMIN']),
    prepare: async () => ({ probe: { query: '{ apiKeys { id role organisationOdsCode keyPrefix revokedAt } }' } }),
    allowed: async (data) => {
      const [{ n }] = await sql('SELECT COUNT(*) AS n FROM api_keys');
      expect(data.apiKeys).toHaveLength(Number(n));
      for (const key of data.apiKeys) expect(key.keyPrefix).toMatch(/^nhk_/);
      expect(JSON.stringify(data.apiKeys)).not.toMatch(/key_hash|keyHash/);
    },
  },

  latestEventId: {
    access: only(['DASHBOARD', 'ADMIN']),
    prepare: async () => ({ probe: { query: '{ latestEventId }' } }),
    allowed: async (data) => {
      expect(data.latestEventId).toMatch(/^\d+$/);
      const [{ newest }] = await sql('SELECT MAX(sequence) AS newest FROM hub_events');
      const [{ ofMsgB }] = await sql('SELECT MAX(sequence) AS ofMsgB FROM hub_events WHERE message_id = ?', [msgB]);
      // the newest stored event: at least the last one of the fixture, at most the newest now
      expect(BigInt(data.latestEventId)).toBeGreaterThanOrEqual(BigInt(ofMsgB));
      expect(BigInt(data.latestEventId)).toBeLessThanOrEqual(BigInt(newest));
    },
  },

  providerHealth: {
    access: only(['DASHBOARD', 'ADMIN']),
    prepare: async () => ({ probe: { query: '{ providerHealth { channel provider state recentCalls recentFailureRate lastFailureAt } }' } }),
    allowed: (data) => {
      // one row per configured provider, every channel in the contract's order
      expect(data.providerHealth.map((row: { channel: string }) => row.channel)).toEqual(['NHS_APP', 'SMS', 'EMAIL', 'LETTER']);
      for (const row of data.providerHealth) {
        expect(['CLOSED', 'OPEN', 'HALF_OPEN']).toContain(row.state);
        expect(row.recentFailureRate).toBeGreaterThanOrEqual(0);
        expect(row.recentFailureRate).toBeLessThanOrEqual(1);
      }
    },
  },

  // (A row for a contract field the server does not serve yet only checks that it is in the contract.)
  deliveryMetrics: {
    access: only(['ANALYST', 'DASHBOARD', 'ADMIN']),
    prepare: async () => ({
      probe: {
        query: 'query ($f: MetricsFilter!) { deliveryMetrics(filter: $f, groupBy: [ORGANISATION]) { organisationOdsCode messages delivered failed fallbacks deliveryRate } }',
        variables: { f: { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' } },
      },
    }),
    allowed: (data) => {
      expect(Array.isArray(data.deliveryMetrics)).toBe(true);
      for (const row of data.deliveryMetrics) {
        for (const n of [row.messages, row.delivered, row.failed, row.fallbacks]) expect(Number.isInteger(n) && n >= 0).toBe(true);
      }
    },
  },
};

const MUTATION_ROWS: Record<string, Row> = {
  saveMessageTemplate: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN' },
    prepare: async () => {
      const input = templateInput(ORG_A);
      return {
        target: input.name,
        probe: { query: 'mutation ($i: MessageTemplateInput!) { saveMessageTemplate(input: $i) { id name organisationOdsCode placeholders } }', variables: { i: input } },
        state: () => count('SELECT COUNT(*) AS n FROM message_templates WHERE name = ?', [input.name]),
      };
    },
    allowed: (data, _caller, prepared) => expect(data.saveMessageTemplate).toMatchObject({ name: prepared.target, organisationOdsCode: ORG_A, placeholders: ['givenName', 'thing'] }),
  },

  archiveMessageTemplate: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const id = await templateOf(ORG_A);
      const query = 'mutation ($id: ID!) { archiveMessageTemplate(id: $id) { id archived } }';
      return { target: id, probe: { query, variables: { id } }, absentTwin: { query, variables: { id: randomUUID() } }, state: () => count('SELECT COUNT(*) AS n FROM message_templates WHERE id = ? AND archived_at IS NOT NULL', [id]) };
    },
    allowed: (data, _caller, prepared) => expect(data.archiveMessageTemplate).toEqual({ id: prepared.target, archived: true }),
  },

  sendFromTemplate: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const id = await templateOf(ORG_A);
      const query = 'mutation ($id: ID!, $n: NhsNumber!) { sendFromTemplate(input: { templateId: $id, recipients: [{ nhsNumber: $n, personalisation: [{ name: "thing", value: "prescription" }] }] }) { accepted rejected results { error { code } message { id templateId body } } } }';
      return { target: id, probe: { query, variables: { id, n: PATIENT_FRESH } }, absentTwin: { query, variables: { id: randomUUID(), n: PATIENT_FRESH } }, state: () => count('SELECT COUNT(*) AS n FROM messages WHERE template_id = ?', [id]) };
    },
    allowed: (data, _caller, prepared) => {
      expect(data.sendFromTemplate).toMatchObject({ accepted: 1, rejected: 0 });
      expect(data.sendFromTemplate.results[0].message).toMatchObject({ templateId: prepared.target, body: 'Hello Amelia, your prescription is ready to collect. Thank you.' });
    },
  },

  createStatusCallback: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN' },
    prepare: async () => {
      const url = `https://callbacks.example/${randomUUID()}`;
      await clearCallbacks(ORG_A);
      return {
        target: url,
        probe: { query: 'mutation ($i: StatusCallbackInput!) { createStatusCallback(input: $i) { secret callback { organisationOdsCode url events disabledAt } } }', variables: { i: { organisationOdsCode: ORG_A, url } } },
        state: () => count('SELECT COUNT(*) AS n FROM status_callbacks WHERE url = ?', [url]),
      };
    },
    allowed: (data, _caller, prepared) => {
      expect(data.createStatusCallback.callback).toEqual({ organisationOdsCode: ORG_A, url: prepared.target, events: ['MESSAGE_STATUS', 'CHANNEL_STATUS', 'FALLBACK'], disabledAt: null });
      expect(data.createStatusCallback.secret).toMatch(/^whsec_/);
    },
  },

  deleteStatusCallback: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const id = await callbackOf(ORG_A);
      const query = 'mutation ($id: ID!) { deleteStatusCallback(id: $id) { id disabledAt } }';
      return { target: id, probe: { query, variables: { id } }, absentTwin: { query, variables: { id: randomUUID() } }, state: () => count('SELECT COUNT(*) AS n FROM status_callbacks WHERE id = ? AND disabled_at IS NOT NULL', [id]) };
    },
    allowed: (data, _caller, prepared) => expect(data.deleteStatusCallback).toEqual({ id: prepared.target, disabledAt: expect.any(String) }),
  },

  cancelMessage: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const { id } = await adminSend(PATIENT_FRESH, ORG_A);
      const query = 'mutation ($id: ID!) { cancelMessage(id: $id) { id status } }';
      return { target: id, probe: { query, variables: { id } }, absentTwin: { query, variables: { id: randomUUID() } }, state: () => messageStatus(id) };
    },
    allowed: (data, _caller, prepared) => expect(data.cancelMessage).toEqual({ id: prepared.target, status: 'CANCELLED' }),
  },

  ingestMessage: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN' },
    prepare: async () => {
      const sourceReference = `im1-${randomUUID()}`;
      return {
        target: sourceReference,
        probe: {
          query: 'mutation ($i: IngestMessageInput!) { ingestMessage(input: $i) { id category direction status } }',
          variables: { i: { nhsNumber: PATIENT_FRESH, organisationOdsCode: ORG_A, category: 'IM1_PFS', direction: 'INBOUND', subject: 'Repeat prescription', body: 'Can I collect it on Friday?', sourceReference } },
        },
        state: () => count('SELECT COUNT(*) AS n FROM messages WHERE source_reference = ?', [sourceReference]),
      };
    },
    allowed: async (data, _caller, prepared) => {
      expect(data.ingestMessage).toMatchObject({ id: expect.any(String), category: 'IM1_PFS', direction: 'INBOUND' });
      expect(await count('SELECT COUNT(*) AS n FROM messages WHERE source_reference = ? AND organisation_ods_code = ?', [prepared.target, ORG_A])).toBe(1);
    },
  },

  markMessageRead: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const { id } = await dispatchedMessage();
      const query = 'mutation ($id: ID!) { markMessageRead(id: $id) { id status readAt } }';
      return { target: id, probe: { query, variables: { id } }, absentTwin: { query, variables: { id: randomUUID() } }, state: () => messageStatus(id) };
    },
    allowed: (data, _caller, prepared) => expect(data.markMessageRead).toEqual({ id: prepared.target, status: 'READ', readAt: clock.now().toISOString() }),
  },

  recordDeliveryReceipt: {
    access: only(['PROVIDER', 'ADMIN']),
    prepare: async () => {
      const { attemptId } = await dispatchedMessage();
      return {
        target: attemptId,
        probe: { query: 'mutation ($i: DeliveryReceiptInput!) { recordDeliveryReceipt(input: $i) { id status } }', variables: { i: { attemptId, status: 'DELIVERED' } } },
        state: async () => (await sql('SELECT status, delivered_at FROM delivery_attempts WHERE id = ?', [attemptId]))[0],
      };
    },
    allowed: (data, _caller, prepared) => expect(data.recordDeliveryReceipt).toEqual({ id: prepared.target, status: 'DELIVERED' }),
  },

  reportMessage: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'NOT_FOUND',
    prepare: async () => {
      const query = 'mutation ($i: ReportMessageInput!) { reportMessage(input: $i) { id reason comment message { id } } }';
      const input = (messageId: string) => ({ i: { messageId, reason: 'UNWANTED', comment: 'Not for me' } });
      return { target: msgA, probe: { query, variables: input(msgA) }, absentTwin: { query, variables: input(randomUUID()) }, state: () => count('SELECT COUNT(*) AS n FROM patient_reports WHERE message_id = ?', [msgA]) };
    },
    allowed: (data) => expect(data.reportMessage).toMatchObject({ id: expect.any(String), reason: 'UNWANTED', comment: 'Not for me', message: { id: msgA } }),
  },

  sendMessage: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN' },
    prepare: async () => ({
      probe: { query: 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { replayed message { id status organisation { odsCode } } } }', variables: { input: sendInput() } },
      state: () => messagesOfA81001Sent(PATIENT_FRESH),
    }),
    allowed: (data) => expect(data.sendMessage).toMatchObject({ replayed: false, message: { status: 'QUEUED', organisation: { odsCode: ORG_A } } }),
  },

  sendMessages: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN_ITEM' },
    prepare: async () => ({
      probe: { query: 'mutation ($m: [SendMessageInput!]!) { sendMessages(input: { messages: $m }) { accepted rejected results { index error { code } message { id status } } } }', variables: { m: [sendInput()] } },
      state: () => messagesOfA81001Sent(PATIENT_FRESH),
    }),
    allowed: (data) => {
      expect(data.sendMessages).toMatchObject({ accepted: 1, rejected: 0 });
      expect(data.sendMessages.results).toEqual([{ index: 0, error: null, message: { id: expect.any(String), status: 'QUEUED' } }]);
    },
    itemErrors: (data) => {
      expect(data.sendMessages).toMatchObject({ accepted: 0, rejected: 1 });
      return data.sendMessages.results.map((r: any) => r.error?.code);
    },
  },

  updateChannelPreferences: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'MISSING' },
    missingCode: 'PATIENT_NOT_FOUND',
    prepare: async () => {
      const query = 'mutation ($i: ChannelPreferencesInput!) { updateChannelPreferences(input: $i) { optedOutChannels fallbackOrder } }';
      const input = (nhsNumber: string) => ({ i: { nhsNumber, optedOutChannels: ['LETTER'] } });
      return { probe: { query, variables: input(PATIENT_A) }, absentTwin: { query, variables: input(NOBODY) }, state: () => count('SELECT COUNT(*) AS n FROM channel_preference_changes WHERE nhs_number = ?', [PATIENT_A]) };
    },
    allowed: (data) => expect(data.updateChannelPreferences.optedOutChannels).toEqual(['LETTER']),
  },

  createApiKey: {
    access: only(['ADMIN']),
    prepare: async () => {
      const name = `matrix key ${randomUUID()}`;
      return {
        target: name,
        probe: { query: 'mutation ($i: ApiKeyInput!) { createApiKey(input: $i) { key apiKey { id role organisationOdsCode name } } }', variables: { i: { role: 'SENDER', organisationOdsCode: ORG_A, name } } },
        state: () => count('SELECT COUNT(*) AS n FROM api_keys WHERE name = ?', [name]),
      };
    },
    allowed: async (data, _caller, prepared) => {
      expect(data.createApiKey.apiKey).toMatchObject({ role: 'SENDER', organisationOdsCode: ORG_A, name: prepared.target });
      expect(data.createApiKey.key).toMatch(/^nhk_[A-Za-z0-9_-]{43}$/);
      expect(await count('SELECT COUNT(*) AS n FROM api_keys WHERE name = ?', [prepared.target])).toBe(1);
    },
  },

  revokeApiKey: {
    access: only(['ADMIN']),
    prepare: async () => {
      const name = `matrix revocable ${randomUUID()}`;
      await sql("INSERT INTO api_keys (id, name, role, organisation_ods_code, key_hash, key_prefix, created_at, revoked_at) VALUES (?, ?, 'ANALYST', NULL, ?, 'nhk_matrix', ?, NULL)", [randomUUID(), name, randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''), '2026-03-10 10:00:00.000']);
      const [{ id }] = await sql('SELECT id FROM api_keys WHERE name = ?', [name]);
      return {
        target: id,
        probe: { query: 'mutation ($id: ID!) { revokeApiKey(id: $id) }', variables: { id } },
        state: () => count('SELECT COUNT(*) AS n FROM api_keys WHERE id = ? AND revoked_at IS NOT NULL', [id]),
      };
    },
    allowed: async (data, _caller, prepared) => {
      expect(data.revokeApiKey).toBe(true);
      expect(await count('SELECT COUNT(*) AS n FROM api_keys WHERE id = ? AND revoked_at IS NOT NULL', [prepared.target])).toBe(1);
    },
  },

  upsertOrganisation: {
    access: only(['ADMIN']),
    prepare: async () => {
      const odsCode = `Y${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
      return {
        target: odsCode,
        probe: { query: 'mutation ($i: OrganisationInput!) { upsertOrganisation(input: $i) { odsCode name type } }', variables: { i: { odsCode, name: 'Matrix Pharmacy', type: 'PHARMACY' } } },
        state: () => count('SELECT COUNT(*) AS n FROM organisations WHERE ods_code = ?', [odsCode]),
      };
    },
    allowed: (data, _caller, prepared) => expect(data.upsertOrganisation).toEqual({ odsCode: prepared.target, name: 'Matrix Pharmacy', type: 'PHARMACY' }),
  },

  upsertPatient: {
    access: { ...only(['SENDER_OWN', 'ADMIN']), SENDER_OTHER: 'FORBIDDEN' },
    prepare: async () => {
      const postalAddress = `${Math.floor(Math.random() * 1000)} Matrix Road, Leeds, LS1 4AB`;
      return {
        target: postalAddress,
        probe: {
          query: 'mutation ($i: PatientInput!) { upsertPatient(input: $i) { nhsNumber postalAddress gpPractice { odsCode } } }',
          variables: { i: { nhsNumber: PATIENT_A, givenName: 'Jane', familyName: 'Smith', dateOfBirth: '1980-03-14', mobileNumber: '07700900123', email: 'jane.smith@example.com', postalAddress, nhsAppUser: true, gpPracticeOdsCode: ORG_A } },
        },
        state: async () => (await sql('SELECT postal_address, gp_practice_ods_code, updated_at FROM patients WHERE nhs_number = ?', [PATIENT_A]))[0],
      };
    },
    allowed: (data, _caller, prepared) => expect(data.upsertPatient).toEqual({ nhsNumber: PATIENT_A, postalAddress: prepared.target, gpPractice: { odsCode: ORG_A } }),
  },
};

interface SubscriptionRow {
  access: Record<KeyedCaller, 'ALLOW' | 'FORBIDDEN'>;
  query: string;
  allowed(event: any): void;
}

const SUBSCRIPTION_ROWS: Record<string, SubscriptionRow> = {
  deliveryEvents: {
    access: only(['DASHBOARD', 'ADMIN']) as SubscriptionRow['access'],
    query: 'subscription { deliveryEvents(after: "0") { id type messageId organisationOdsCode category } }',
    allowed: (event) => expect(event.deliveryEvents).toMatchObject({ id: expect.any(String), type: 'QUEUED', messageId: expect.any(String), category: 'NHS_APP_MESSAGING' }),
  },
  fallbackEvents: {
    access: only(['DASHBOARD', 'ADMIN']) as SubscriptionRow['access'],
    query: 'subscription { fallbackEvents(after: "0") { id messageId fromChannel toChannel reason organisationOdsCode } }',
    allowed: (event) => expect(event.fallbackEvents).toMatchObject({ messageId: msgB, fromChannel: 'NHS_APP', reason: 'NOT_NHS_APP_USER', organisationOdsCode: ORG_B }),
  },
};

const ROWS: Record<'Query' | 'Mutation', Record<string, Row>> = { Query: QUERY_ROWS, Mutation: MUTATION_ROWS };

beforeAll(async () => {
  const schema = await buildHubSchema();
  servedRootFields = {
    Query: new Set(Object.keys(schema.getQueryType()!.getFields())),
    Mutation: new Set(Object.keys(schema.getMutationType()!.getFields())),
    Subscription: new Set(Object.keys(schema.getSubscriptionType()?.getFields() ?? {})),
  };

  clock = new ManualClock('2026-03-10T10:00:00Z');
  hub = await createTestHub({ clock, env: { MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000' } });
  server = await startTestServer(hub);
  await givenOrganisation(hub, ORG_A, 'The Densham Surgery');
  await givenOrganisation(hub, ORG_B, 'Riverside Medical Centre');
  await givenPatient(hub, { nhsNumber: PATIENT_A });
  await givenPatient(hub, { nhsNumber: PATIENT_B, givenName: 'John', familyName: 'Jones', email: 'john.jones@example.com', nhsAppUser: false, gpPracticeOdsCode: ORG_B });
  await givenPatient(hub, { nhsNumber: PATIENT_AB, givenName: 'Priya', familyName: 'Patel', email: 'priya.patel@example.com', gpPracticeOdsCode: ORG_B });
  await givenPatient(hub, { nhsNumber: PATIENT_FRESH, givenName: 'Amelia', familyName: 'Hughes', email: 'amelia.hughes@example.com' });

  msgA = (await adminSend(PATIENT_A, ORG_A)).id;
  msgB = (await adminSend(PATIENT_B, ORG_B)).id;
  msgAB = (await adminSend(PATIENT_AB, ORG_A)).id;
  await hub.dispatcher.drain();

  const make = async (role: Role, org: string | null) => {
    const { key, record } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role, organisationOdsCode: org, name: `matrix ${role} ${org ?? ''}` });
    return { key, id: record.id };
  };
  const made: Record<KeyedCaller, { key: string; id: string }> = {
    SENDER_OWN: await make(Role.SENDER, ORG_A),
    SENDER_OTHER: await make(Role.SENDER, ORG_B),
    ANALYST: await make(Role.ANALYST, null),
    DASHBOARD: await make(Role.DASHBOARD, null),
    PROVIDER: await make(Role.PROVIDER, null),
    ADMIN: await make(Role.ADMIN, null),
  };
  for (const [caller, { key, id }] of Object.entries(made) as Array<[KeyedCaller, { key: string; id: string }]>) {
    keys[caller] = key;
    keyIds[caller] = id;
  }
  keys.NO_KEY = null;
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('the fixture', () => {
  it('has messages from both practices with delivery attempts, and a fallback from B82005', async () => {
    const attempts = await sql('SELECT m.id AS id, a.status AS status FROM messages m JOIN delivery_attempts a ON a.message_id = m.id WHERE m.id IN (?, ?, ?)', [msgA, msgB, msgAB]);
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([msgA, msgB, msgAB]));
    expect(await count("SELECT COUNT(*) AS n FROM hub_events WHERE kind = 'FALLBACK' AND message_id = ?", [msgB])).toBeGreaterThan(0);
  });
});

describe('the table covers every root field', () => {
  it('has a row for every Query, Mutation and Subscription field the server builds', () => {
    expect([...servedRootFields.Query].filter((f) => !(f in QUERY_ROWS))).toEqual([]);
    expect([...servedRootFields.Mutation].filter((f) => !(f in MUTATION_ROWS))).toEqual([]);
    expect([...servedRootFields.Subscription].filter((f) => !(f in SUBSCRIPTION_ROWS))).toEqual([]);
  });

  it('has no row for a field the server does not build', () => {
    expect(Object.keys(QUERY_ROWS).filter((f) => !servedRootFields.Query.has(f))).toEqual([]);
    expect(Object.keys(MUTATION_ROWS).filter((f) => !servedRootFields.Mutation.has(f))).toEqual([]);
    expect(Object.keys(SUBSCRIPTION_ROWS).filter((f) => !servedRootFields.Subscription.has(f))).toEqual([]);
  });
});

function shape(answer: HttpAnswer) {
  return { status: answer.status, data: answer.body?.data ?? null, errors: (answer.body?.errors ?? []).map((e) => ({ code: e.extensions?.code, path: e.path })) };
}

async function runCell(type: 'Query' | 'Mutation', field: string, row: Row, caller: Caller): Promise<void> {
  expect(servedRootFields[type].has(field)).toBe(true);
  const prepared = await row.prepare();
  const before = prepared.state ? await prepared.state() : undefined;
  const answer = await callAs(server.port, keys[caller], prepared.probe.query, prepared.probe.variables);
  const unchanged = async () => {
    if (prepared.state) expect(await prepared.state()).toEqual(before);
  };

  if (caller === 'NO_KEY') {
    expect(answer.status).toBe(401);
    expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
    expect(answer.body?.data ?? null).toBeNull();
    await unchanged();
    return;
  }
  const outcome = row.access[caller];
  switch (outcome) {
    case 'ALLOW':
      expect(answer.body?.errors ?? []).toEqual([]);
      expect(answer.status).toBe(200);
      await row.allowed(answer.body!.data, caller, prepared);
      return;
    case 'FORBIDDEN':
      expect(answer.status).toBe(200);
      expect(shape(answer).errors).toEqual([{ code: 'FORBIDDEN', path: [field] }]);
      expect(answer.body?.data?.[field] ?? null).toBeNull();
      await unchanged();
      return;
    case 'FORBIDDEN_ITEM':
      expect(answer.body?.errors ?? []).toEqual([]);
      expect(row.itemErrors!(answer.body!.data)).toEqual(['FORBIDDEN']);
      await unchanged();
      return;
    case 'MISSING': {
      // the other organisation's row answers exactly like one that does not exist
      if (prepared.absentTwin) {
        const twin = await callAs(server.port, keys[caller], prepared.absentTwin.query, prepared.absentTwin.variables);
        expect(shape(answer)).toEqual(shape(twin));
      }
      if (row.missingCode) expect(shape(answer).errors).toEqual([{ code: row.missingCode, path: [field] }]);
      else expect(answer.body?.errors ?? []).toEqual([]);
      if (row.absent) row.absent(answer.body!.data, caller);
      // nothing in the answer names the owning practice
      expect(answer.text).not.toContain(ORG_A);
      await unchanged();
      return;
    }
  }
}

/** Only for the tests' titles: the committed SDL (test/graphql/schemaDrift keeps it equal to the served schema). */
const committedSchema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));

for (const type of ['Query', 'Mutation'] as const) {
  describe(`${type} fields`, () => {
    const committed = Object.keys((type === 'Query' ? committedSchema.getQueryType() : committedSchema.getMutationType())?.getFields() ?? {});
    for (const [field, row] of Object.entries(ROWS[type])) {
      describe(committed.includes(field) ? field : `${field} (in the contract, not served yet: its cells wait for it)`, () => {
        for (const caller of CALLERS) {
          const expected = caller === 'NO_KEY' ? 'UNAUTHENTICATED' : row.access[caller];
          it(`${caller} → ${expected}`, async () => {
            await runCell(type, field, row, caller);
          });
        }
      });
    }
  });
}

describe('Subscription fields over graphql-ws', () => {
  for (const [field, row] of Object.entries(SUBSCRIPTION_ROWS)) {
    describe(field, () => {
      for (const caller of CALLERS) {
        const expected = caller === 'NO_KEY' ? 'closed with 4401' : row.access[caller];
        it(`${caller} → ${expected}`, async () => {
          expect(servedRootFields.Subscription.has(field)).toBe(true);
          const outcome = await subscribeAndCollect(server.port, keys[caller], row.query);
          if (caller === 'NO_KEY') {
            expect(outcome.closeCode).toBe(4401);
            expect(outcome.events).toEqual([]);
            return;
          }
          if (row.access[caller] === 'ALLOW') {
            expect(outcome.errors).toEqual([]);
            expect(outcome.events.length).toBeGreaterThan(0);
            row.allowed(outcome.events[0]);
          } else {
            expect(outcome.events).toEqual([]);
            expect(outcome.errors.map((e) => ({ code: e.extensions?.code, path: e.path }))).toEqual([{ code: 'FORBIDDEN', path: [field] }]);
          }
        });
      }
    });
  }

  it('a key that is not valid closes the socket with 4403', async () => {
    const outcome = await subscribeAndCollect(server.port, 'nhk_not-a-key-that-was-ever-issued', SUBSCRIPTION_ROWS.deliveryEvents.query);
    expect(outcome.closeCode).toBe(4403);
    expect(outcome.events).toEqual([]);
  });

  describe('a DASHBOARD bound to A81001', () => {
    let boundKey: string;
    beforeAll(async () => {
      boundKey = (await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.DASHBOARD, organisationOdsCode: ORG_A, name: 'bound dashboard' })).key;
    });

    it("sees every stored event of A81001 and none of B82005's", async () => {
      const expected = await count("SELECT COUNT(*) AS n FROM hub_events WHERE kind = 'DELIVERY' AND organisation_ods_code = ?", [ORG_A]);
      expect(expected).toBeGreaterThan(0);
      expect(await count("SELECT COUNT(*) AS n FROM hub_events WHERE kind = 'DELIVERY' AND organisation_ods_code = ?", [ORG_B])).toBeGreaterThan(0);
      const outcome = await subscribeAndCollect(server.port, boundKey, SUBSCRIPTION_ROWS.deliveryEvents.query, { enough: expected + 1, timeoutMs: 800 });
      expect(outcome.errors).toEqual([]);
      expect(outcome.events).toHaveLength(expected);
      expect(new Set(outcome.events.map((e) => e.deliveryEvents.organisationOdsCode))).toEqual(new Set([ORG_A]));
    });

    it("asking for B82005's events is FORBIDDEN", async () => {
      const outcome = await subscribeAndCollect(server.port, boundKey, `subscription { fallbackEvents(after: "0", filter: { organisationOdsCodes: ["${ORG_B}"] }) { id } }`);
      expect(outcome.events).toEqual([]);
      expect(outcome.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    });
  });
});

/** The HTTP endpoints beside GraphQL that answer data, and who may call them. */
describe('HTTP endpoints', () => {
  const ENDPOINTS: Record<string, { path: string; access: Record<KeyedCaller, 'ALLOW' | 'FORBIDDEN'>; allowed(text: string, contentType: string | null): void }> = {
    'GET /exports/delivery-metrics.csv': {
      path: '/exports/delivery-metrics.csv?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&groupBy=ORGANISATION',
      access: only(['ANALYST', 'ADMIN']) as Record<KeyedCaller, 'ALLOW' | 'FORBIDDEN'>,
      allowed: (text, contentType) => {
        expect(contentType).toMatch(/text\/csv/);
        expect(text.split('\n')[0]).toMatch(/^organisationOdsCode,category,channel,bucketStart,messages,/);
      },
    },
    'GET /metrics': {
      path: '/metrics',
      access: only(['ADMIN']) as Record<KeyedCaller, 'ALLOW' | 'FORBIDDEN'>,
      allowed: (text) => expect(text).toMatch(/^# (HELP|TYPE) /m),
    },
  };

  for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
    describe(name, () => {
      for (const caller of CALLERS) {
        const expected = caller === 'NO_KEY' ? 'UNAUTHENTICATED' : endpoint.access[caller];
        it(`${caller} → ${expected}`, async () => {
          const key = keys[caller];
          const response = await fetch(`http://127.0.0.1:${server.port}${endpoint.path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
          const text = await response.text();
          if (expected === 'ALLOW') {
            expect(response.status).toBe(200);
            endpoint.allowed(text, response.headers.get('content-type'));
            return;
          }
          expect(response.status).toBe(expected === 'UNAUTHENTICATED' ? 401 : 403);
          expect(JSON.parse(text).error.code).toBe(expected);
        });
      }
    });
  }
});

describe('field-level rights', () => {
  it("a PROVIDER's recordDeliveryReceipt { message { body } } is FORBIDDEN at message, and the body is not in the answer", async () => {
    const { id, attemptId } = await dispatchedMessage();
    const answer = await callAs(server.port, keys.PROVIDER, 'mutation ($i: DeliveryReceiptInput!) { recordDeliveryReceipt(input: $i) { id status message { body } } }', { i: { attemptId, status: 'DELIVERED' } });
    expect(shape(answer).errors).toEqual([{ code: 'FORBIDDEN', path: ['recordDeliveryReceipt', 'message'] }]);
    expect(answer.text).not.toContain('flu vaccination');
    // the same selection by ADMIN shows the body
    const admin = await callAs(server.port, keys.ADMIN, 'query ($id: ID!) { message(id: $id) { deliveryAttempts { message { body } } } }', { id });
    expect(admin.body?.errors).toBeUndefined();
    expect(admin.body!.data.message.deliveryAttempts[0].message.body).toContain('flu vaccination');
  });

  /**
   * Whatever root field a later change adds that leads to a Patient or a Message, the fields
   * themselves refuse callers without the SENDER right: each field of the served Patient type
   * (and Message's personal-data fields) is resolved for a real row with a real request
   * context, through a probe root that hands the row over without any root-level check.
   */
  describe('every Patient field, and Message body, subject and patient, refuse roles without the right', () => {
    let probeSchema: GraphQLSchema;
    let patientFields: string[];
    const formatter = createErrorFormatter({ production: false, logger: createLogger({ level: 'silent' }) });
    const MESSAGE_FIELDS = ['body', 'subject', 'patient'];

    beforeAll(async () => {
      const schema = await buildHubSchema();
      const patientType = schema.getType('Patient') as GraphQLObjectType;
      const messageType = schema.getType('Message') as GraphQLObjectType;
      patientFields = Object.keys(patientType.getFields());
      const patientRow = await hub.stores.patients.findByNhsNumber(PATIENT_A, UNRESTRICTED);
      const messageRow = await hub.stores.messages.findById(msgA, UNRESTRICTED);
      probeSchema = new GraphQLSchema({
        query: new GraphQLObjectType({
          name: 'Probe',
          fields: {
            reachedPatient: { type: patientType, resolve: () => patientRow },
            reachedMessage: { type: messageType, resolve: () => messageRow },
          },
        }),
      });
    });

    const selection = (type: GraphQLObjectType, field: string) => (isObjectType(getNamedType(type.getFields()[field].type)) ? `${field} { __typename }` : field);

    async function probe(role: Role, root: 'reachedPatient' | 'reachedMessage', field: string) {
      const type = probeSchema.getQueryType()!.getFields()[root].type as GraphQLObjectType;
      const principal = { keyId: keyIds[role === Role.SENDER ? 'SENDER_OWN' : (role as KeyedCaller)], name: 'probe', role, organisationOdsCode: role === Role.SENDER ? ORG_A : null };
      const result = await execute({ schema: probeSchema, document: parse(`{ ${root} { ${selection(type, field)} } }`), contextValue: createContext(hub, principal) });
      const errors = (result.errors ?? []).map((e: GraphQLError) => formatter(e.toJSON() as GraphQLFormattedError, e));
      return { data: result.data as any, errors: errors.map((e) => ({ code: e.extensions?.code, path: e.path })) };
    }

    for (const role of [Role.ANALYST, Role.DASHBOARD, Role.PROVIDER]) {
      it(`${role}: FORBIDDEN at each Patient field`, async () => {
        const answers: Record<string, unknown> = {};
        for (const field of patientFields) answers[field] = (await probe(role, 'reachedPatient', field)).errors;
        const expected = Object.fromEntries(patientFields.map((field) => [field, [{ code: 'FORBIDDEN', path: ['reachedPatient', field] }]]));
        expect(answers).toEqual(expected);
      });

      it(`${role}: FORBIDDEN at Message ${MESSAGE_FIELDS.join(', ')}`, async () => {
        const answers: Record<string, unknown> = {};
        for (const field of MESSAGE_FIELDS) answers[field] = (await probe(role, 'reachedMessage', field)).errors;
        expect(answers).toEqual(Object.fromEntries(MESSAGE_FIELDS.map((field) => [field, [{ code: 'FORBIDDEN', path: ['reachedMessage', field] }]])));
      });
    }

    for (const role of [Role.SENDER, Role.ADMIN]) {
      it(`${role}: every Patient field and Message ${MESSAGE_FIELDS.join(', ')} answer`, async () => {
        for (const field of patientFields) {
          const { data, errors } = await probe(role, 'reachedPatient', field);
          expect({ field, errors }).toEqual({ field, errors: [] });
          expect(data.reachedPatient).toHaveProperty(field);
        }
        for (const field of MESSAGE_FIELDS) {
          const { data, errors } = await probe(role, 'reachedMessage', field);
          expect({ field, errors }).toEqual({ field, errors: [] });
          expect(data.reachedMessage[field]).not.toBeNull();
        }
        expect((await probe(role, 'reachedPatient', 'givenName')).data.reachedPatient.givenName).toBe('Jane');
        expect((await probe(role, 'reachedMessage', 'body')).data.reachedMessage.body).toContain('flu vaccination');
      });
    }
  });
});
