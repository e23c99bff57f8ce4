/**
 * Servers the bench starts in their own processes (so they do not share the load
 * generator's event loop):
 *
 *   node dist/bench/floorServers.js inbox <port> <mysql url>   the inbox-read floor: a bare
 *     graphql-js server on node:http over mysql2, with the hub's batching (the page of
 *     messages in one query, their attempts in one IN (…) query per request) and the same
 *     API-key check by hash.
 *   node dist/bench/floorServers.js provider <port>            an HTTP provider that answers
 *     every POST at once with a providerReference.
 *
 * Each prints "ready <port>" when it listens.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import DataLoader from 'dataloader';
import { buildSchema, execute, parse, validate } from 'graphql';
import { createPool } from 'mysql2/promise';

const INBOX_SCHEMA = buildSchema(`
  type DeliveryAttempt { id: ID! channel: String! status: String! sequence: Int! createdAt: String! }
  type Message { id: ID! status: String! category: String! subject: String body: String! createdAt: String! deliveryAttempts: [DeliveryAttempt!]! }
  type MessageEdge { cursor: String! node: Message! }
  type MessageConnection { edges: [MessageEdge!]! }
  type Patient { nhsNumber: String! givenName: String! familyName: String! messages(first: Int): MessageConnection! }
  type Query { patient(nhsNumber: String!): Patient }
`);

async function inbox(port: number, url: string): Promise<void> {
  const pool = createPool({ uri: url, connectionLimit: 10, dateStrings: true });
  const documents = new Map<string, ReturnType<typeof parse>>();
  const row = (r: Record<string, unknown>) => r;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
        const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const [keys] = (await pool.query('SELECT id, role, organisation_ods_code FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL', [createHash('sha256').update(auth).digest('hex')])) as unknown as [Array<Record<string, unknown>>];
        if (keys.length === 0) {
          res.writeHead(401).end();
          return;
        }
        let document = documents.get(body.query);
        if (!document) {
          document = parse(body.query);
          if (validate(INBOX_SCHEMA, document).length) throw new Error('invalid query');
          documents.set(body.query, document);
        }
        const attempts = new DataLoader(async (ids: readonly string[]) => {
          const [rows] = (await pool.query('SELECT id, message_id, channel, status, sequence, created_at FROM delivery_attempts WHERE message_id IN (?) ORDER BY sequence', [ids])) as unknown as [Array<Record<string, unknown>>];
          return ids.map((id) => rows.filter((r) => r.message_id === id).map((r) => ({ id: r.id, channel: r.channel, status: r.status, sequence: r.sequence, createdAt: r.created_at })));
        });
        const rootValue = {
          patient: async ({ nhsNumber }: { nhsNumber: string }) => {
            const [patients] = (await pool.query('SELECT nhs_number, given_name, family_name FROM patients WHERE nhs_number = ?', [nhsNumber])) as unknown as [Array<Record<string, unknown>>];
            const p = patients[0];
            if (!p) return null;
            return {
              nhsNumber: p.nhs_number,
              givenName: p.given_name,
              familyName: p.family_name,
              messages: async ({ first }: { first?: number }) => {
                const [rows] = (await pool.query('SELECT id, status, category, subject, body, created_at FROM messages WHERE nhs_number = ? ORDER BY created_at DESC, id DESC LIMIT ?', [nhsNumber, first ?? 20])) as unknown as [Array<Record<string, unknown>>];
                return {
                  edges: rows.map(row).map((m) => ({
                    cursor: String(m.id),
                    node: { id: m.id, status: m.status, category: m.category, subject: m.subject, body: m.body, createdAt: m.created_at, deliveryAttempts: () => attempts.load(String(m.id)) },
                  })),
                };
              },
            };
          },
        };
        const result = await execute({ schema: INBOX_SCHEMA, document, rootValue, variableValues: body.variables });
        const text = JSON.stringify(result);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
}

function provider(port: number): void {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      const text = JSON.stringify({ providerReference: randomUUID() });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  process.on('message', () => process.send?.({ received }));
  server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
}

const [kind, portArg, url] = process.argv.slice(2);
if (kind === 'inbox') void inbox(Number(portArg), url);
else if (kind === 'provider') provider(Number(portArg));
else {
  process.stderr.write('usage: floorServers.js inbox <port> <mysql url> | provider <port>\n');
  process.exitCode = 2;
}
