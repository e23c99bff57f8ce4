/**
 * deliveryMetrics at national scale: `npm run bench [-- --messages N] [--reset] [--record]`.
 *
 * Uses DATABASE_URL (default mysql://root@127.0.0.1:3306/hub_bench, created if missing; the
 * database used is printed first),
 * seeds 1,000,000 hub-sent messages with scripts/seedLarge.ts unless the database already
 * holds that many, then times deliveryMetrics directly (warm-up, then several runs each):
 *
 *   (a) 30 days grouped by ORGANISATION and DAY          target < 1000 ms
 *   (b) 90-day national total, no grouping               target < 1000 ms
 *   (c) 30 days grouped by CATEGORY, CHANNEL and HOUR    (reported)
 *   (d) one rollup refresh after 1,000 messages changed  (reported)
 *
 * Prints a table and writes bench/runs/metrics-<database>.json (git-ignored). With --record
 * it writes the committed bench/results/metrics-<database>.json instead and appends a line
 * to bench/results/README.md. A missed target is printed, not failed: the exit code is 0.
 */
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deliveryMetrics } from '../src/analytics/deliveryMetrics';
import { MetricsDimension, type MetricsQuery } from '../src/analytics/metricsQuery';
import { MetricsStore } from '../src/analytics/metricsStore';
import { refreshRollups, ROLLUP_OVERLAP_MS } from '../src/analytics/refreshRollups';
import { RollupStore } from '../src/analytics/rollupStore';
import { type Database, openDatabase } from '../src/db/database';
import { systemClock } from '../src/shared/clock';
import { DAY_MS } from '../src/shared/durations';
import { HANDFUL_OF_MESSAGES, seedLarge } from '../scripts/seedLarge';
import { benchOutput, printableDatabaseUrl } from './benchOutput';

const DEFAULT_URL = 'mysql://root@127.0.0.1:3306/hub_bench';
const WARM_UPS = 2;
const RUNS = 7;
const REFRESH_RUNS = 5;
const CHANGED_MESSAGES = 1000;
const TARGET_MS = 1000;
const SMS_FRAGMENT_PRICE_PENCE = 2.3;
/** The refresher's watermark in hub_state (src/analytics/refreshRollups.ts). */
const WATERMARK = 'rollups.watermark';

interface Timing {
  id: string;
  query: string;
  runs: number;
  medianMs: number;
  maxMs: number;
  minMs: number;
  targetMs: number | null;
  pass: boolean | null;
  /** Rows the query answered (or organisation-hours the refresh rebuilt). */
  rows: number;
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args[index + 1];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Creates the database a mysql:// URL names when the server does not have it yet. */
async function ensureMysqlDatabase(url: string): Promise<void> {
  const parsed = new URL(url.replace(/^mariadb:/i, 'mysql:'));
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  if (!/^[A-Za-z0-9_$]+$/.test(name)) throw new Error(`Refusing to create a database named ${JSON.stringify(name)}`);
  parsed.pathname = '/';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
  const connection = await createConnection(parsed.toString());
  try {
    const [existing] = (await connection.query('SHOW DATABASES LIKE ?', [name])) as unknown as [unknown[]];
    if (existing.length === 0) {
      process.stdout.write(`bench: creating database ${name}\n`);
      await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
  } finally {
    await connection.end();
  }
}

async function count(db: Database, sql: string): Promise<number> {
  const [{ n }] = await db.dataSource.query(sql);
  return Number(n);
}

async function tableCount(db: Database, table: string): Promise<number | null> {
  const runner = db.dataSource.createQueryRunner();
  try {
    if (!(await runner.hasTable(table))) return null;
  } finally {
    await runner.release();
  }
  return count(db, `SELECT COUNT(*) AS n FROM ${table}`);
}

async function rowCounts(db: Database): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  counts.hubSentMessages = await count(db, 'SELECT COUNT(*) AS n FROM messages WHERE source_reference IS NULL');
  for (const table of ['messages', 'delivery_attempts', 'patient_reports', 'patients', 'organisations', 'delivery_rollups', 'delivery_rollups_daily', 'delivery_contributions']) {
    const n = await tableCount(db, table);
    if (n !== null) counts[table] = n;
  }
  return counts;
}

async function databaseVersion(db: Database): Promise<{ name: string; version: string }> {
  if (db.kind === 'sqlite') {
    const [{ version }] = await db.dataSource.query('SELECT sqlite_version() AS version');
    return { name: 'sqlite', version: `SQLite ${version}` };
  }
  const [{ version }] = await db.dataSource.query('SELECT VERSION() AS version');
  return { name: /mariadb/i.test(version) ? 'mariadb' : 'mysql', version: String(version) };
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

async function timeQuery(db: Database, id: string, label: string, query: () => MetricsQuery, groupBy: MetricsDimension[], targetMs: number | null): Promise<Timing> {
  const source = { metrics: new MetricsStore(db), smsFragmentPricePence: SMS_FRAGMENT_PRICE_PENCE };
  for (let i = 0; i < WARM_UPS; i += 1) await deliveryMetrics(source, query(), groupBy);
  const samples: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i += 1) {
    const { ms, result } = await time(() => deliveryMetrics(source, query(), groupBy));
    samples.push(ms);
    rows = result.length;
  }
  const medianMs = median(samples);
  return { id, query: label, runs: RUNS, medianMs: round(medianMs), maxMs: round(Math.max(...samples)), minMs: round(Math.min(...samples)), targetMs, pass: targetMs === null ? null : medianMs < targetMs, rows };
}

/**
 * Marks 1,000 recent NHS App deliveries as read (as receipts would), so the next refresh has
 * work to do. The refresher re-reads the last ROLLUP_OVERLAP_MS of changes on every run; the
 * watermark is set so this refresh reads exactly these 1,000 (the earlier runs' changes are
 * already folded in), and the refresh then moves it on as usual.
 */
async function changeMessages(db: Database, rollups: RollupStore): Promise<number> {
  const now = new Date();
  await rollups.writeState(WATERMARK, String(now.getTime() - 1 + ROLLUP_OVERLAP_MS));
  const since = new Date(now.getTime() - 14 * DAY_MS);
  const bind = (d: Date) => (db.kind === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', ''));
  const random = db.kind === 'mysql' ? 'RAND()' : 'RANDOM()';
  const rows: Array<{ id: string }> = await db.dataSource.query(
    `SELECT id FROM messages WHERE created_at >= ? AND status = 'DELIVERED' AND delivered_channel = 'NHS_APP' AND source_reference IS NULL ORDER BY ${random} LIMIT ${CHANGED_MESSAGES}`,
    [bind(since)],
  );
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return 0;
  await db.transaction(async (manager) => {
    await manager.query(`UPDATE messages SET status = 'READ', read_at = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [bind(now), bind(now), ...ids]);
  });
  return ids.length;
}

async function timeRefresh(db: Database): Promise<Timing> {
  const deps = { rollups: new RollupStore(db), clock: systemClock };
  // Warm-up: fold in anything left over from seeding or an earlier run.
  await refreshRollups(deps);
  const samples: number[] = [];
  let rebuilt = 0;
  for (let i = 0; i < REFRESH_RUNS; i += 1) {
    const changed = await changeMessages(db, deps.rollups);
    if (changed < CHANGED_MESSAGES) process.stderr.write(`bench: only ${changed} messages could be changed for the refresh run\n`);
    const { ms, result } = await time(() => refreshRollups(deps));
    samples.push(ms);
    rebuilt = result;
  }
  return {
    id: 'd',
    query: `rollup refresh after ${CHANGED_MESSAGES.toLocaleString('en-GB')} messages changed`,
    runs: REFRESH_RUNS,
    medianMs: round(median(samples)),
    maxMs: round(Math.max(...samples)),
    minMs: round(Math.min(...samples)),
    targetMs: null,
    pass: null,
    rows: rebuilt,
  };
}

function table(timings: Timing[]): string {
  const header = ['', 'query', 'median ms', 'max ms', 'target', 'result'];
  const body = timings.map((t) => [t.id, t.query, t.medianMs.toFixed(1), t.maxMs.toFixed(1), t.targetMs === null ? '-' : `< ${t.targetMs} ms`, t.pass === null ? 'info' : t.pass ? 'PASS' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(args: string[]): Promise<void> {
  const url = process.env.DATABASE_URL?.trim() || DEFAULT_URL;
  const target = Number(option(args, 'messages') ?? 1_000_000);
  const reset = args.includes('--reset');
  const output = benchOutput(args, join(__dirname, '..', '..'));
  process.stdout.write(`bench: database ${printableDatabaseUrl(url)}${process.env.DATABASE_URL?.trim() ? '' : ' (the default; set DATABASE_URL to use another)'}\n`);
  if (/^(mysql|mariadb):/i.test(url)) await ensureMysqlDatabase(url);
  const db = await openDatabase(url);
  try {
    const hubSent = await count(db, 'SELECT COUNT(*) AS n FROM messages WHERE source_reference IS NULL');
    let seeding: Awaited<ReturnType<typeof seedLarge>> | null = null;
    if (hubSent >= target && !reset) {
      process.stderr.write(`bench: ${hubSent.toLocaleString('en-GB')} hub-sent messages already there; not seeding\n`);
    } else {
      const total = await count(db, 'SELECT COUNT(*) AS n FROM messages');
      if (total > HANDFUL_OF_MESSAGES && !reset) {
        process.stderr.write(`bench: the database holds ${total.toLocaleString('en-GB')} messages, fewer than ${target.toLocaleString('en-GB')}; run with -- --reset to empty its message tables and seed again\n`);
        process.exitCode = 2;
        return;
      }
      seeding = await seedLarge(db, { messages: target, reset });
    }

    const { name: databaseName, version } = await databaseVersion(db);
    const counts = await rowCounts(db);
    process.stderr.write(`bench: ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en-GB')}`).join(', ')}\n`);

    // Ranges end now, as an analyst's would: not on an hour or day boundary.
    const lastDays = (days: number) => () => {
      const to = new Date();
      return { from: new Date(to.getTime() - days * DAY_MS), to };
    };
    const timings: Timing[] = [];
    timings.push(await timeQuery(db, 'a', '30 days by ORGANISATION, DAY', lastDays(30), [MetricsDimension.ORGANISATION, MetricsDimension.DAY], TARGET_MS));
    timings.push(await timeQuery(db, 'b', '90-day national total', lastDays(90), [], TARGET_MS));
    timings.push(await timeQuery(db, 'c', '30 days by CATEGORY, CHANNEL, HOUR', lastDays(30), [MetricsDimension.CATEGORY, MetricsDimension.CHANNEL, MetricsDimension.HOUR], null));
    timings.push(await timeRefresh(db));

    const printed = table(timings);
    process.stdout.write(`\ndeliveryMetrics on ${version}, ${counts.hubSentMessages.toLocaleString('en-GB')} hub-sent messages (${RUNS} runs after ${WARM_UPS} warm-ups; refresh ${REFRESH_RUNS} runs)\n\n${printed}\n\n`);
    const failed = timings.filter((t) => t.pass === false);
    process.stdout.write(failed.length ? `TARGET MISSED: ${failed.map((t) => `(${t.id}) ${t.query} median ${t.medianMs} ms`).join('; ')}\n` : 'All targets met.\n');

    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}`, database: version };
    const results = {
      date: new Date().toISOString(),
      database: databaseName,
      machine,
      rows: counts,
      seeding: seeding && { messages: seeding.messages, attempts: seeding.attempts, reports: seeding.reports, patients: seeding.patients, organisations: seeding.organisations, seconds: round(seeding.seconds), loadSeconds: round(seeding.loadSeconds), rollupSeconds: round(seeding.rollupSeconds) },
      method: { warmUps: WARM_UPS, runs: RUNS, refreshRuns: REFRESH_RUNS, changedMessagesPerRefresh: CHANGED_MESSAGES, targetMs: TARGET_MS },
      results: timings,
      allTargetsMet: failed.length === 0,
    };
    const dir = output.dir;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `metrics-${databaseName}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    if (output.recorded) {
      const readme = join(dir, 'README.md');
      if (!existsSync(readme) || readFileSync(readme, 'utf8').trim() === '') {
        writeFileSync(readme, '# deliveryMetrics benchmark results\n\nOne line per `npm run bench -- --record` run (bench/metricsBench.ts); the latest full result per database is in `metrics-<database>.json`. Medians of 7 runs after 2 warm-ups; targets < 1000 ms for (a) and (b).\n\n');
      }
      const summary = timings.map((t) => `(${t.id}) ${t.medianMs} ms${t.pass === null ? '' : t.pass ? ' PASS' : ' FAIL'}`).join(', ');
      appendFileSync(readme, `- ${results.date.slice(0, 16).replace('T', ' ')}Z, ${version}, ${machine.cpus} CPUs, Node ${process.version}, ${counts.hubSentMessages.toLocaleString('en-GB')} messages / ${(counts.delivery_attempts ?? 0).toLocaleString('en-GB')} attempts / ${(counts.delivery_rollups ?? 0).toLocaleString('en-GB')} hourly${counts.delivery_rollups_daily === undefined ? '' : ` and ${counts.delivery_rollups_daily.toLocaleString('en-GB')} daily`} rollups: ${summary}\n`);
    }
    process.stdout.write(`bench: wrote ${file}${output.recorded ? ' (recorded)' : ' (not recorded: add -- --record to update bench/results/)'}\n`);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
