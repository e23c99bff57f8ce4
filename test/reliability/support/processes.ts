/**
 * Child processes the reliability scenarios start and break: the built hub
 * (`node dist/src/main.js`), a Redis server and a MariaDB server of their own, so
 * stopping them never disturbs anything else on the machine.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, MAIN, ROOT } from '../../support/builtHub';
import { WEBHOOK_SECRET } from './recorder';

export { freePort, MAIN, ROOT };

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string | (() => string | Promise<string>), ms: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : await what()}`);
    await sleep(everyMs);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals, forceAfterMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (exited(child)) return { code: child.exitCode, signal: child.signalCode };
  const gone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, sig) => done({ code, signal: sig })));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
  const result = await gone;
  clearTimeout(timer);
  return result;
}

export interface HubProcess {
  name: string;
  port: number;
  base: string;
  child: ChildProcess;
  output: string[];
  /** SIGTERM and wait; resolves with how it exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9. */
  kill(): Promise<void>;
}

export function hubEnv(databaseUrl: string, providerUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SEED_DEMO: 'false',
    QUIET_HOURS: 'off',
    LOG_LEVEL: 'warn',
    WEBHOOK_SECRET,
    MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000000',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    PROVIDER_URL_NHS_APP: providerUrl,
    PROVIDER_URL_SMS: providerUrl,
    PROVIDER_URL_EMAIL: providerUrl,
    PROVIDER_URL_LETTER: providerUrl,
    PROVIDER_TIMEOUT_MS: '1000',
    RETRY_BASE_MS: '200',
    DISPATCH_INTERVAL_MS: '100',
    DISPATCH_LEASE_MS: '5000',
    UNREAD_FALLBACK_HOURS: '0',
    ROLLUP_REFRESH_MS: '1000',
    ...extra,
  };
}

export async function startHub(name: string, env: Record<string, string>, port?: number): Promise<HubProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (npm run test:reliability does)`);
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(listenPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const hub: HubProcess = {
    name,
    port: listenPort,
    base: `http://127.0.0.1:${listenPort}`,
    child,
    output,
    stop: () => stopChild(child, 'SIGTERM', 30_000),
    kill: async () => {
      await stopChild(child, 'SIGKILL', 5_000);
    },
  };
  await waitUntil(() => exited(child) || output.join('').includes('listening on '), () => `${name} to listen; it printed:\n${output.join('').slice(-4000)}`, 90_000, 50);
  if (exited(child)) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('').slice(-4000)}`);
  return hub;
}

export interface RedisProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server of the scenario's own on a free port; stop() and start() reuse that port. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const redis: RedisProcess = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      const output: string[] = [];
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk) => output.push(String(chunk)));
      child.stderr!.on('data', (chunk) => output.push(String(chunk)));
      await waitUntil(() => output.join('').includes('Ready to accept connections') || exited(child as ChildProcess), 'redis-server to start', 20_000, 50);
      if (exited(child)) throw new Error(`redis-server exited: ${output.join('')}`);
    },
    stop: async () => {
      if (child) await stopChild(child, 'SIGTERM', 10_000);
      child = null;
    },
  };
  await redis.start();
  return redis;
}

export interface MariaDbProcess {
  port: number;
  /** Server URL without a database. */
  serverUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its files. */
  destroy(): Promise<void>;
}

function mariadbdPath(): string {
  for (const candidate of ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd']) if (existsSync(candidate)) return candidate;
  throw new Error('mariadbd is not installed');
}

/** A MariaDB server of the scenario's own (fresh data directory, root with no password, TCP on loopback). */
export async function startMariaDb(): Promise<MariaDbProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-reliability-mariadb-'));
  const datadir = join(dir, 'data');
  const installer = existsSync('/usr/bin/mariadb-install-db') ? '/usr/bin/mariadb-install-db' : 'mysql_install_db';
  execFileSync(installer, ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'], { stdio: 'pipe' });
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: MariaDbProcess = {
    port,
    serverUrl: `mysql://root@127.0.0.1:${port}`,
    start: async () => {
      const output: string[] = [];
      child = spawn(
        mariadbdPath(),
        [
          '--no-defaults',
          `--datadir=${datadir}`,
          `--socket=${join(dir, 'mariadb.sock')}`,
          `--pid-file=${join(dir, 'mariadb.pid')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          '--user=root',
          '--skip-log-bin',
          '--innodb-buffer-pool-size=64M',
          '--innodb-log-file-size=32M',
          '--max-connections=200',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (chunk) => output.push(String(chunk)));
      child.stderr!.on('data', (chunk) => output.push(String(chunk)));
      await waitUntil(() => /ready for connections/.test(output.join('')) || exited(child as ChildProcess), 'MariaDB to start', 60_000, 100);
      if (exited(child)) throw new Error(`mariadbd exited: ${output.join('').slice(-3000)}`);
    },
    stop: async () => {
      if (child) await stopChild(child, 'SIGTERM', 30_000);
      child = null;
    },
    destroy: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
