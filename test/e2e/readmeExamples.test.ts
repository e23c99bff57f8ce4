/**
 * Every GraphQL example in README.md runs against a freshly seeded demo hub started the way
 * `npm start` starts it (startHub: demo seed, real HTTP and WebSocket server, dispatcher),
 * once in the day and once at night with quiet hours in force, and answers without errors.
 *
 * How examples are found, so that new ones are picked up without touching this file:
 * - every ```graphql fenced block in README.md is an example (read with markdown-it);
 * - a block may hold several operations: each is run on its own, by name (so a block with
 *   more than one operation names them);
 * - a ```json block that comes straight after a ```graphql block (text between them is
 *   fine, another block is not) holds the variables of that block's operations;
 * - queries and mutations are POSTed to /graphql with the demo admin key; subscriptions go
 *   over graphql-ws with the same key, and while one waits the test sends time-critical
 *   messages and messages to patients who do not use the NHS App (they fall back) until the
 *   subscription has delivered an event;
 * - a ```js block that creates a graphql-ws client is run by `node` as an ES module, with
 *   `key` set to the demo admin key and ws://localhost:4000 pointed at the test hub; it must
 *   receive an event in the same way.
 * Besides "no errors", a few examples are checked for data a reader would expect.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { demoNhsNumbers } from '../../src/seed/demoSeed';
import type { Clock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { type StartedHub, startHub } from '../../src/startHub';
import { createTestHub, testDatabaseUrl } from '../support/testHub';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const EVENT_WAIT_MS = 25_000;

interface Example {
  /** Where the block starts in README.md (1-based), for failure messages. */
  line: number;
  operation: OperationDefinitionNode;
  document: string;
  variables?: Record<string, unknown>;
}

/** The README's ```graphql blocks as runnable operations, and its graphql-ws ```js snippets. */
function readmeExamples(markdown: string): { examples: Example[]; snippets: Array<{ line: number; code: string }> } {
  const tokens = new MarkdownIt().parse(markdown, {});
  const fences = tokens.filter((t) => t.type === 'fence');
  const examples: Example[] = [];
  const snippets: Array<{ line: number; code: string }> = [];
  fences.forEach((fence, i) => {
    const language = fence.info.trim().split(/\s+/)[0];
    const line = (fence.map?.[0] ?? 0) + 1;
    if (language === 'js' && fence.content.includes('createClient(')) snippets.push({ line, code: fence.content });
    if (language !== 'graphql') return;
    const next = fences[i + 1];
    const variables = next && next.info.trim() === 'json' ? (JSON.parse(next.content) as Record<string, unknown>) : undefined;
    const document = parse(fence.content);
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (operations.length > 1 && operations.some((o) => !o.name)) throw new Error(`README.md line ${line}: a block with several operations must name each one`);
    for (const operation of operations) examples.push({ line, operation, document: fence.content, variables });
  });
  return { examples, snippets };
}

const { examples, snippets } = readmeExamples(README);
const label = (e: Example) => `line ${e.line}: ${e.operation.operation} ${e.operation.name?.value ?? print(e.operation).slice(0, 60).replace(/\s+/g, ' ')}`;

/** Time that flows from a chosen instant: the hub runs "at" that hour with a live dispatcher. */
function clockFrom(start: string): Clock {
  const offset = new Date(start).getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

it('finds the README examples: queries, mutations, subscriptions and the Node.js snippet', () => {
  const kinds = new Set(examples.map((e) => e.operation.operation));
  expect([...kinds].sort()).toEqual(['mutation', 'query', 'subscription']);
  expect(examples.length).toBeGreaterThanOrEqual(8);
  expect(snippets).toHaveLength(1);
});

describe.each([
  ['in the day', '2026-03-10T11:00:00Z'],
  ['at night, with quiet hours in force', '2026-03-10T23:30:00Z'],
])('the README examples %s', (_when, start) => {
  let started: StartedHub;
  let key: string;
  let base: string;
  let triggers = 0;
  let withMobile: string[] = [];
  let notAppUsers: Array<{ nhsNumber: string; odsCode: string }> = [];

  beforeAll(async () => {
    const databaseUrl = testDatabaseUrl();
    // A fresh database, as on a first `npm start` (on MariaDB the suite's database is emptied).
    const empty = await createTestHub({ databaseUrl });
    await empty.close();
    const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: databaseUrl, PORT: '0', QUIET_HOURS: 'on', ROLLUP_REFRESH_MS: '500' });
    started = await startHub(config, { logger: createLogger({ level: 'silent' }), clock: clockFrom(start), host: '127.0.0.1' });
    key = started.demoAdminKey!;
    base = `127.0.0.1:${started.server.port}`;
    const patients = await graphql('{ patients(first: 100) { edges { node { nhsNumber nhsAppUser mobileNumber gpPractice { odsCode } } } } }');
    const nodes = patients.data.patients.edges.map((e: any) => e.node);
    withMobile = nodes.filter((p: any) => p.mobileNumber).map((p: any) => p.nhsNumber);
    notAppUsers = nodes.filter((p: any) => !p.nhsAppUser && p.mobileNumber && p.gpPractice).map((p: any) => ({ nhsNumber: p.nhsNumber, odsCode: p.gpPractice.odsCode }));
  }, 120_000);

  afterAll(async () => {
    await started?.stop();
  });

  async function graphql(query: string, variables?: Record<string, unknown>, operationName?: string): Promise<any> {
    const response = await fetch(`http://${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return response.json();
  }

  /** Messages that make events whatever the hour: a time-critical one, and one that falls back from the app. */
  async function trigger(): Promise<void> {
    triggers += 1;
    const base = { category: 'NHS_APP_MESSAGING', legalBasis: 'DIRECT_CARE', purpose: 'Appointment change', body: '# Clinic closed\n\nThe clinic is closed today. Please come tomorrow instead.' };
    const mutation = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }';
    const critical = await graphql(mutation, { input: { ...base, nhsNumber: withMobile[triggers % withMobile.length], organisationOdsCode: 'A81001', subject: `Clinic closed ${triggers}`, timeCritical: true } });
    expect(critical.errors).toBeUndefined();
    const target = notAppUsers[triggers % notAppUsers.length];
    if (target) await graphql(mutation, { input: { ...base, nhsNumber: target.nhsNumber, organisationOdsCode: target.odsCode, subject: `Clinic closed ${triggers}` } });
  }

  async function untilEvent(received: () => boolean): Promise<void> {
    const deadline = Date.now() + EVENT_WAIT_MS;
    while (!received() && Date.now() < deadline) {
      await trigger();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  it.each(examples.filter((e) => e.operation.operation !== 'subscription').map((e) => [label(e), e] as const))('%s', async (_name, example) => {
    const result = await graphql(example.document, example.variables, example.operation.name?.value);
    expect(result.errors).toBeUndefined();
    expect(result.data).toBeTruthy();
    const data = result.data;
    // Sensible data, not merely no errors:
    if (data.sendMessage) {
      const message = data.sendMessage.message;
      if (start.endsWith('23:30:00Z')) {
        // held by quiet hours, as the quick start explains: QUEUED until 06:00 London
        expect(message.status).toBe('QUEUED');
        expect(message.scheduledFor).toBe('2026-03-11T06:00:00.000Z');
      } else {
        expect(message.scheduledFor).toBeNull();
      }
    }
    if (data.sendMessages) expect(data.sendMessages).toMatchObject({ accepted: (example.variables?.messages as unknown[]).length, rejected: 0 });
    if (data.patient !== undefined) expect(data.patient.messages.totalCount).toBeGreaterThan(0);
    if (data.patients) expect(data.patients.totalCount).toBeGreaterThan(0);
    if (data.deliveryMetrics) {
      expect(data.deliveryMetrics.length).toBeGreaterThan(0);
      expect(data.deliveryMetrics.reduce((n: number, row: any) => n + row.messages, 0)).toBeGreaterThan(0);
    }
    if (data.auditEvents) expect(data.auditEvents.totalCount).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it.each(examples.filter((e) => e.operation.operation === 'subscription').map((e) => [label(e), e] as const))('%s delivers events', async (_name, example) => {
    const events: unknown[] = [];
    const errors: unknown[] = [];
    const client = createClient({ url: `ws://${base}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    try {
      const unsubscribe = client.subscribe(
        { query: example.document, variables: example.variables, operationName: example.operation.name?.value },
        { next: (result) => (result.errors ? errors.push(...result.errors) : events.push(result.data)), error: (error) => errors.push(error), complete: () => undefined },
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await untilEvent(() => events.length > 0 || errors.length > 0);
      unsubscribe();
    } finally {
      await client.dispose();
    }
    expect(errors).toEqual([]);
    expect(events.length).toBeGreaterThan(0);
  }, 60_000);

  it.each(snippets.map((s) => [`line ${s.line}: the Node.js subscription snippet`, s] as const))('%s runs on this Node and receives an event', async (_name, snippet) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `readme-snippet-${snippet.line}.mjs`);
    const code = snippet.code.replaceAll('ws://localhost:4000/graphql', `ws://${base}/graphql`);
    writeFileSync(
      file,
      `const key = process.env.HUB_KEY;\n${code}\n` +
        `const poll = setInterval(() => { if (lastId !== null) { clearInterval(poll); console.log(JSON.stringify({ lastId })); process.exit(0); } }, 50);\n` +
        `setTimeout(() => { console.error('no event'); process.exit(3); }, ${EVENT_WAIT_MS});\n`,
    );
    let child: ChildProcess | undefined;
    let exited = false;
    const run = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      child = execFile(process.execPath, [file], { cwd: ARTIFACTS, env: { ...process.env, HUB_KEY: key } }, (error, stdout, stderr) => {
        exited = true;
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await untilEvent(() => exited);
    const outcome = await run;
    child?.kill();
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout).lastId).toMatch(/\S/);
  }, 60_000);
});
