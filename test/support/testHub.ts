/**
 * Test harness: a real hub on the database the suite runs against. DATABASE_URL selects
 * MariaDB (as CI does); without it each test file gets its own embedded SQLite file.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'typeorm';
import { createApiKey } from '../../src/auth/apiKeys';
import { Role } from '../../src/vocabulary/roles';
import { loadConfig, type HubConfig } from '../../src/config';
import { createHub, type Hub } from '../../src/hub';
import { startServer, type RunningServer } from '../../src/server';
import { type Clock, ManualClock } from '../../src/shared/clock';

/** Tables in the order rows can be deleted without breaking foreign keys; reference data and API keys stay. */
const TABLES_CHILD_FIRST = ['delivery_contributions', 'callback_deliveries', 'status_callbacks', 'delivery_rollups_daily', 'delivery_rollups', 'hub_state', 'audit_events', 'outbox', 'hub_events', 'patient_reports', 'delivery_attempts', 'messages', 'message_templates', 'channel_preference_changes', 'patients', 'organisations'];

export function testDatabaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  return `sqlite:${join(dir, 'hub.sqlite')}`;
}

export interface TestHubOptions {
  clock?: Clock;
  env?: Record<string, string>;
  sqlLogger?: Logger;
  databaseUrl?: string;
  /** Reopen an existing database without clearing it (a restart). */
  keepData?: boolean;
}

export async function createTestHub(options: TestHubOptions = {}): Promise<Hub & { clock: Clock }> {
  const config: HubConfig = loadConfig({ NODE_ENV: 'test', QUIET_HOURS: 'off', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', ...options.env, DATABASE_URL: options.databaseUrl ?? testDatabaseUrl() });
  const hub = await createHub(config, { clock: options.clock ?? new ManualClock('2026-03-10T10:00:00Z'), sqlLogger: options.sqlLogger });
  if (!options.keepData) await resetDatabase(hub);
  return hub;
}

export async function resetDatabase(hub: Hub): Promise<void> {
  await hub.db.transaction(async (manager) => {
    for (const table of TABLES_CHILD_FIRST) await manager.query(`DELETE FROM ${table}`);
  });
}

export interface GraphqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [key: string]: unknown }; path?: Array<string | number> }>;
}

export interface TestServer extends RunningServer {
  /** An ADMIN key the graphql helper sends unless a test passes its own authorization header. */
  adminKey: string;
  graphql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphqlResult<T>>;
}

/** Creates an API key straight through the key use case, as `npm run apikey -- create` does. */
export async function apiKey(hub: Hub, role: Role, organisationOdsCode: string | null = null): Promise<string> {
  return (await createApiKey({ apiKeys: hub.stores.apiKeys, organisations: hub.stores.organisations, clock: hub.clock }, { role, organisationOdsCode, name: `test ${role}` })).key;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export async function startTestServer(hub: Hub): Promise<TestServer> {
  const server = await startServer(hub, { port: 0, host: '127.0.0.1' });
  const adminKey = await apiKey(hub, Role.ADMIN);
  return {
    ...server,
    adminKey,
    async graphql(query, variables, headers) {
      const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(adminKey), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphqlResult<any>;
    },
  };
}

/** Counts the SQL statements TypeORM sends, for the DataLoader batching test. */
export class CountingLogger implements Logger {
  statements: string[] = [];

  logQuery(query: string): void {
    if (/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SELECT VERSION|PRAGMA|SET TRANSACTION)/i.test(query.trim())) return;
    // Every request also looks up its API key and appends its audit entries: a fixed cost
    // that does not depend on the rows a query returns.
    if (/\b(api_keys|audit_events)\b/.test(query)) return;
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  reset(): void {
    this.statements = [];
  }
}
