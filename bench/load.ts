/**
 * The bench's load generator and measuring helpers: keep-alive HTTP on loopback with a
 * bounded number of requests, latency percentiles, and a process's resident memory.
 */
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  failures: number;
  firstFailure: string | null;
}

export function post(agent: Agent, url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs `total` requests with `concurrency` in flight; `check` says whether an answer is a
 * success (a failure is counted, and the first one kept to print).
 */
export async function runLoad(concurrency: number, total: number, one: (i: number) => Promise<string | null>): Promise<LoadResult> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const latenciesMs: number[] = [];
  const start = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next;
      next += 1;
      const t0 = performance.now();
      let failure: string | null;
      try {
        failure = await one(i);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      latenciesMs.push(performance.now() - t0);
      if (failure !== null) {
        failures += 1;
        firstFailure ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: total, seconds: (performance.now() - start) / 1000, latenciesMs, failures, firstFailure };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Samples a process's resident set size until stopped; returns the peak in MB. */
export function rssSampler(pid: number): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb / 1024);
    } catch {
      // The process has ended.
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return Math.round(peak);
    },
  };
}

/**
 * CPU time (user + system) a process has used, in milliseconds, from /proc/<pid>/stat; null
 * where there is no /proc. Read before and after a load to get the hub's CPU per request.
 */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Linux reports process times in USER_HZ, 100 on every common build. */
const CLOCK_TICKS_PER_SECOND = 100;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
