/**
 * API key management (npm run --silent apikey -- …), on the same DATABASE_URL as the hub.
 *   create --role ROLE [--org ODS] [--name TEXT]   prints the new key, and only the key
 *   list                                           id, role, organisation, name, created, revoked
 *   revoke ID                                      the key stops working on its next request
 * Diagnostics go to stderr so stdout can be captured.
 */
import 'reflect-metadata';
import { createApiKey } from '../src/auth/apiKeys';
import { ApiKeyStore } from '../src/auth/apiKeyStore';
import { OrganisationStore } from '../src/organisations/organisationStore';
import { Role } from '../src/vocabulary/roles';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { systemClock } from '../src/shared/clock';
import { isHubError } from '../src/shared/errors';

const USAGE = 'usage: apikey create --role SENDER|ANALYST|DASHBOARD|PROVIDER|ADMIN [--org ODS] [--name TEXT] | apikey list | apikey revoke ID';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const db = await openDatabase(loadConfig().databaseUrl);
  const apiKeys = new ApiKeyStore(db);
  try {
    if (command === 'create') {
      const role = option(rest, 'role')?.toUpperCase() as Role | undefined;
      if (!role || !Object.values(Role).includes(role)) {
        process.stderr.write(`--role must be one of ${Object.values(Role).join(', ')}\n`);
        return 2;
      }
      const { key } = await createApiKey({ apiKeys, organisations: new OrganisationStore(db), clock: systemClock }, { role, organisationOdsCode: option(rest, 'org'), name: option(rest, 'name') });
      process.stdout.write(`${key}\n`);
      return 0;
    }
    if (command === 'list') {
      for (const key of await apiKeys.list()) {
        const fields = [key.id, key.role, key.organisationOdsCode ?? '-', key.name, key.keyPrefix + '…', key.createdAt.toISOString(), key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active'];
        process.stdout.write(`${fields.join('\t')}\n`);
      }
      return 0;
    }
    const id = rest[0];
    if (!id) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    if (!(await apiKeys.revoke(id, systemClock.now()))) {
      process.stderr.write(`no active key with id ${id}\n`);
      return 1;
    }
    process.stderr.write(`revoked ${id}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${isHubError(error) ? error.message : (error as Error).message}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

// exitCode, not exit(): a long listing written to a pipe must be flushed before the process ends.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
