/**
 * API keys: what a key looks like, that only its SHA-256 hash is stored, and the operator's
 * CLI (`npm run --silent apikey -- …`, run for real on the suite's database) whose keys
 * work, are listed, and stop working the moment they are revoked.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createApiKey, generateApiKey, KEY_PREFIX } from '../../src/auth/apiKeys';
import { Role } from '../../src/vocabulary/roles';
import type { Hub } from '../../src/hub';
import { startServer } from '../../src/server';
import { givenOrganisation } from '../support/fixtures';
import { callAs, errorCodes } from '../support/httpProbe';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const CLI_TIMEOUT_MS = 120_000;
const KEY_FORMAT = /^nhk_[A-Za-z0-9_-]+$/;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

let hub: Hub;
let server: TestServer;

/** Runs the real CLI through npm, as an operator would, on this suite's database. */
function apikeyCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'apikey', '--', ...args],
      { cwd: `${__dirname}/../..`, env: { ...process.env, DATABASE_URL: hub.config.databaseUrl }, timeout: CLI_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function apiKeyRows(): Promise<Array<Record<string, unknown>>> {
  return hub.db.dataSource.query('SELECT * FROM api_keys');
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

beforeAll(async () => {
  hub = await createTestHub();
  server = await startTestServer(hub);
  await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('the key format', () => {
  it('is nhk_ followed by at least 32 random bytes of base64url', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      const key = generateApiKey();
      expect(key.startsWith(KEY_PREFIX)).toBe(true);
      expect(KEY_PREFIX).toBe('nhk_');
      expect(key).toMatch(KEY_FORMAT);
      const secret = key.slice(KEY_PREFIX.length);
      expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
      // base64url round-trips: no padding, no characters outside the alphabet
      expect(Buffer.from(secret, 'base64url').toString('base64url')).toBe(secret);
      seen.add(key);
    }
    expect(seen.size).toBe(50);
  });

  it('is stored only as its SHA-256 hash: the key appears nowhere in api_keys', async () => {
    const { key, record } = await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role: Role.SENDER, organisationOdsCode: 'A81001', name: 'hash check' });
    const rows = await apiKeyRows();
    const row = rows.find((r) => r.id === record.id)!;
    expect(row.key_hash).toBe(sha256(key));
    // no column of any row holds the key, or any 16 characters of it
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(key);
    const secret = key.slice(KEY_PREFIX.length);
    for (let i = 0; i + 16 <= key.length; i += 1) expect(everything).not.toContain(key.slice(i, i + 16));
    expect(everything).not.toContain(secret);
    // and the key authenticates through that hash
    const answer = await callAs(server.port, key, '{ messagingCategories { category } }');
    expect(answer.status).toBe(200);
    expect(answer.body?.errors).toBeUndefined();
  });
});

describe('npm run apikey', () => {
  let key: string;
  let id: string;

  it(
    'create --role SENDER --org A81001 --name "Front desk" prints only the key, on one line',
    async () => {
      const before = (await apiKeyRows()).length;
      const run = await apikeyCli(['create', '--role', 'SENDER', '--org', 'A81001', '--name', 'Front desk']);
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe('');
      key = lines[0];
      expect(key).toMatch(KEY_FORMAT);
      expect(Buffer.from(key.slice(4), 'base64url').length).toBeGreaterThanOrEqual(32);

      const rows = await apiKeyRows();
      expect(rows).toHaveLength(before + 1);
      const row = rows.find((r) => r.key_hash === sha256(key))!;
      expect(row).toMatchObject({ role: 'SENDER', organisation_ods_code: 'A81001', name: 'Front desk', revoked_at: null });
      expect(JSON.stringify(rows)).not.toContain(key);
      id = String(row.id);
    },
    CLI_TIMEOUT_MS,
  );

  it('the key works against the server, as a SENDER of A81001', async () => {
    const answer = await callAs(server.port, key, '{ organisation(odsCode: "A81001") { odsCode name } messages(first: 1) { totalCount } }');
    expect(answer.status).toBe(200);
    expect(answer.body?.errors).toBeUndefined();
    expect(answer.body!.data.organisation).toEqual({ odsCode: 'A81001', name: 'The Densham Surgery' });
    // and it is a SENDER, not more
    const refused = await callAs(server.port, key, '{ auditEvents(first: 1) { totalCount } }');
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
  });

  it(
    'list shows it: id, role, organisation, name and active, without the key',
    async () => {
      const run = await apikeyCli(['list']);
      expect(run.code).toBe(0);
      const line = run.stdout.split('\n').find((l) => l.startsWith(`${id}\t`));
      expect(line).toBeDefined();
      const fields = line!.split('\t');
      expect(fields.slice(0, 4)).toEqual([id, 'SENDER', 'A81001', 'Front desk']);
      expect(fields.at(-1)).toBe('active');
      expect(run.stdout).not.toContain(key);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'revoke <id> makes the very next request with the key UNAUTHENTICATED',
    async () => {
      expect((await callAs(server.port, key, '{ messagingCategories { category } }')).status).toBe(200);
      const run = await apikeyCli(['revoke', id]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      const answer = await callAs(server.port, key, '{ messagingCategories { category } }');
      expect(answer.status).toBe(401);
      expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
      expect(answer.body?.data ?? null).toBeNull();

      const list = await apikeyCli(['list']);
      expect(list.stdout.split('\n').find((l) => l.startsWith(`${id}\t`))).toMatch(/\trevoked \d{4}-\d{2}-\d{2}T/);
      // revoking again finds no active key
      expect((await apikeyCli(['revoke', id])).code).not.toBe(0);
    },
    CLI_TIMEOUT_MS * 3,
  );

  it(
    'create --role SENDER without --org fails with a non-zero exit and creates nothing',
    async () => {
      const before = (await apiKeyRows()).length;
      const run = await apikeyCli(['create', '--role', 'SENDER', '--name', 'No practice']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/organisation|--org/i);
      expect(await apiKeyRows()).toHaveLength(before);
    },
    CLI_TIMEOUT_MS,
  );
});

describe('a key bound to an organisation that does not exist', () => {
  it(
    'is refused by the CLI with a non-zero exit, a message naming the ODS code, and nothing created',
    async () => {
      const before = (await apiKeyRows()).length;
      const run = await apikeyCli(['create', '--role', 'SENDER', '--org', 'Z99999', '--name', 'Nowhere']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/No organisation with ODS code Z99999/);
      expect(await apiKeyRows()).toHaveLength(before);
    },
    CLI_TIMEOUT_MS,
  );

  it('is refused over GraphQL with NOT_FOUND, for SENDER and DASHBOARD keys, and nothing created', async () => {
    const before = (await apiKeyRows()).length;
    for (const role of ['SENDER', 'DASHBOARD']) {
      const answer = await callAs(server.port, server.adminKey, 'mutation ($i: ApiKeyInput!) { createApiKey(input: $i) { key } }', { i: { role, organisationOdsCode: 'Z99999', name: 'Nowhere' } });
      expect(errorCodes(answer)).toEqual(['NOT_FOUND']);
      expect(answer.body?.errors?.[0].message).toContain('Z99999');
      expect(answer.body?.data ?? null).toBeNull();
    }
    expect(await apiKeyRows()).toHaveLength(before);
    const existing = await callAs(server.port, server.adminKey, 'mutation ($i: ApiKeyInput!) { createApiKey(input: $i) { apiKey { organisationOdsCode } } }', { i: { role: 'SENDER', organisationOdsCode: 'A81001' } });
    expect(existing.body?.errors).toBeUndefined();
    expect(existing.body!.data.createApiKey.apiKey.organisationOdsCode).toBe('A81001');
  });
});

describe('production mode', () => {
  it(
    'has no key until one is created: requests answer UNAUTHENTICATED with HTTP 401',
    async () => {
      const activeBefore = (await apiKeyRows()).filter((r) => r.revoked_at === null).map((r) => r.id);
      const production = await startServer({ ...hub, config: { ...hub.config, production: true } }, { port: 0, host: '127.0.0.1' });
      try {
        // starting in production created no key (no demo admin key, nothing to bootstrap with)
        expect((await apiKeyRows()).filter((r) => r.revoked_at === null).map((r) => r.id)).toEqual(activeBefore);
        const query = '{ messagingCategories { category } }';
        for (const key of [null, generateApiKey(), 'nhk_', 'admin', 'demo admin']) {
          const answer = await callAs(production.port, key, query);
          expect({ key, status: answer.status }).toEqual({ key, status: 401 });
          expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
          expect(answer.body?.data ?? null).toBeNull();
          expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        }

        const run = await apikeyCli(['create', '--role', 'ADMIN', '--name', 'First operator']);
        expect(run.code).toBe(0);
        const key = run.stdout.trim();
        const answer = await callAs(production.port, key, query);
        expect(answer.status).toBe(200);
        expect(answer.body?.errors).toBeUndefined();
        expect(answer.body!.data.messagingCategories).toHaveLength(4);
      } finally {
        await production.stop();
      }
    },
    CLI_TIMEOUT_MS,
  );
});
