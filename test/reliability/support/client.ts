/**
 * What the scenarios do to a hub from outside (GraphQL over HTTP, graphql-ws, probes) and
 * how they check the outcome straight in the database and against the recorder's log.
 */
import { createConnection, type Connection as SqlConnection, type RowDataPacket } from 'mysql2/promise';
import { Role } from '../../../src/vocabulary/roles';
import { OrganisationType } from '../../../src/vocabulary/organisationType';
import { VALID_NHS_NUMBERS, givenOrganisation, givenPatient } from '../../support/fixtures';
import { validSend } from '../../support/sending';
import { apiKey, createTestHub } from '../../support/testHub';
import type { Recorder } from './recorder';

export const PRACTICE = 'A81001';

export interface Keys {
  admin: string;
  dashboard: string;
}

export interface Answer {
  status: number;
  ms: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } | null;
}

/** The database the scenarios share (CI's MariaDB); the database-fault scenario brings its own. */
export function reliabilityDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url || !/^(mysql|mariadb):\/\//i.test(url)) throw new Error('npm run test:reliability runs against MariaDB: set DATABASE_URL=mysql://…');
  return url;
}

/** Migrates and empties the database, then adds organisations, patients and keys through the real use cases. */
export async function prepareDatabase(databaseUrl: string, organisations: string[] = [PRACTICE]): Promise<Keys> {
  const hub = await createTestHub({ databaseUrl });
  try {
    for (const [i, odsCode] of organisations.entries()) await givenOrganisation(hub, odsCode, `Surgery ${i + 1}`, OrganisationType.GP_PRACTICE);
    for (const nhsNumber of VALID_NHS_NUMBERS) await givenPatient(hub, { nhsNumber, gpPracticeOdsCode: PRACTICE });
    return { admin: await apiKey(hub, Role.ADMIN), dashboard: await apiKey(hub, Role.DASHBOARD) };
  } finally {
    await hub.close();
  }
}

export async function graphql(base: string, key: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: Answer['body'] = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: response.status, ms: Date.now() - started, body };
  } catch (error) {
    return { status: 0, ms: Date.now() - started, body: { errors: [{ message: String((error as Error).message), extensions: { code: 'NO_ANSWER' } }] } };
  }
}

export async function probe(base: string, path: string): Promise<number> {
  try {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    await response.text();
    return response.status;
  } catch {
    return 0;
  }
}

const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }';
const SEND_MANY = 'mutation SendMany($input: SendMessagesInput!) { sendMessages(input: $input) { accepted rejected results { index replayed message { id } error { code message } } } }';

export function sendInput(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return validSend({ nhsNumber: VALID_NHS_NUMBERS[n % VALID_NHS_NUMBERS.length], subject: `Reliability message ${n}`, idempotencyKey: `reliability-${n}`, ...overrides });
}

/** One send; resolves with the message id, or null and the answer when it was refused. */
export async function sendOne(base: string, key: string, input: Record<string, unknown>): Promise<{ id: string | null; answer: Answer }> {
  const answer = await graphql(base, key, SEND, { input });
  return { id: answer.body?.data?.sendMessage?.message?.id ?? null, answer };
}

/** A batch; resolves with the ids per input index (null where refused) or throws when there was no answer. */
export async function sendBatch(base: string, key: string, inputs: Array<Record<string, unknown>>): Promise<Array<string | null>> {
  const answer = await graphql(base, key, SEND_MANY, { input: { messages: inputs } }, 60_000);
  const payload = answer.body?.data?.sendMessages;
  if (!payload) throw new Error(`batch not answered: ${answer.status} ${JSON.stringify(answer.body?.errors ?? null)}`);
  const ids: Array<string | null> = inputs.map(() => null);
  for (const result of payload.results) ids[result.index] = result.message?.id ?? null;
  return ids;
}

export async function sqlConnection(databaseUrl: string): Promise<SqlConnection> {
  return createConnection({ uri: databaseUrl.replace(/^mariadb:/i, 'mysql:'), supportBigNumbers: true, bigNumberStrings: true, dateStrings: false });
}

export async function rows<T = Record<string, any>>(sql: SqlConnection, query: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await sql.query<RowDataPacket[]>(query, params);
  return result as unknown as T[];
}

const TERMINAL = ['DELIVERED', 'READ', 'FAILED', 'CANCELLED'];

/** Accepted messages not yet finished: not in a terminal status, or with a dispatch or unread timer still due. */
export async function unfinished(sql: SqlConnection, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const open = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const found = await rows<{ id: string; status: string }>(sql, 'SELECT id, status FROM messages WHERE id IN (?)', [chunk]);
    const byId = new Map(found.map((row) => [row.id, row.status]));
    for (const id of chunk) if (!TERMINAL.includes(byId.get(id) ?? 'MISSING')) open.add(id);
    const due = await rows<{ message_id: string }>(sql, "SELECT DISTINCT message_id FROM outbox WHERE kind IN ('DISPATCH', 'UNREAD_TIMEOUT') AND message_id IN (?)", [chunk]);
    for (const row of due) open.add(row.message_id);
  }
  return [...open];
}

export interface DeliveryAudit {
  missing: string[];
  /** (message, channel) pairs with more than one attempt row. */
  doubleAttempts: string[];
  /** (message, channel) pairs the recorder saw under more than one idempotency key. */
  doubleKeys: string[];
  /** Keys the recorder was sent that are no attempt of that message and channel. */
  unknownKeys: string[];
  /** Attempts the hub records as sent that the supplier never accepted. */
  sentWithoutDelivery: string[];
  /** Repeated calls with an already accepted key (at-least-once; the key keeps them harmless). */
  replays: number;
}

/** Checks every accepted message against the database and the supplier's log. */
export async function auditDeliveries(sql: SqlConnection, recorder: Recorder, ids: string[]): Promise<DeliveryAudit> {
  const attempts: Array<{ id: string; message_id: string; channel: string; status: string }> = [];
  const present = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const row of await rows<{ id: string }>(sql, 'SELECT id FROM messages WHERE id IN (?)', [chunk])) present.add(row.id);
    attempts.push(...(await rows<{ id: string; message_id: string; channel: string; status: string }>(sql, 'SELECT id, message_id, channel, status FROM delivery_attempts WHERE message_id IN (?)', [chunk])));
  }
  const attemptsByPair = new Map<string, string[]>();
  for (const attempt of attempts) {
    const pair = `${attempt.message_id}/${attempt.channel}`;
    attemptsByPair.set(pair, [...(attemptsByPair.get(pair) ?? []), attempt.id]);
  }
  const wanted = new Set(ids);
  const keysByPair = new Map<string, Set<string>>();
  for (const call of recorder.calls) {
    if (!wanted.has(call.messageId)) continue;
    const pair = `${call.messageId}/${call.channel}`;
    keysByPair.set(pair, (keysByPair.get(pair) ?? new Set()).add(call.key));
  }
  const unknownKeys: string[] = [];
  for (const [pair, keys] of keysByPair) for (const key of keys) if (!(attemptsByPair.get(pair) ?? []).includes(key)) unknownKeys.push(`${pair}:${key}`);
  return {
    missing: ids.filter((id) => !present.has(id)),
    doubleAttempts: [...attemptsByPair].filter(([, list]) => list.length > 1).map(([pair]) => pair),
    doubleKeys: [...keysByPair].filter(([, keys]) => keys.size > 1).map(([pair]) => pair),
    unknownKeys,
    sentWithoutDelivery: attempts.filter((a) => ['SENT', 'DELIVERED', 'READ'].includes(a.status) && !recorder.deliveries.has(a.id)).map((a) => a.id),
    replays: recorder.calls.filter((call) => wanted.has(call.messageId) && call.answer === 'replayed').length,
  };
}

export const CLEAN_AUDIT = { missing: [], doubleAttempts: [], doubleKeys: [], unknownKeys: [], sentWithoutDelivery: [] };

export function withoutReplays(audit: DeliveryAudit): Omit<DeliveryAudit, 'replays'> {
  const { replays: _replays, ...rest } = audit;
  return rest;
}
