/**
 * Where `npm run bench` writes its results. A run writes to bench/runs/ (git-ignored), so
 * trying the benchmark changes no committed file; `--record` writes the committed record in
 * bench/results/ (metrics-<database>.json and a line in its README.md).
 */
import { join } from 'node:path';

export interface BenchOutput {
  dir: string;
  /** True when the run updates the committed record. */
  recorded: boolean;
}

export function benchOutput(args: readonly string[], repositoryRoot: string): BenchOutput {
  const recorded = args.includes('--record');
  return { dir: join(repositoryRoot, 'bench', recorded ? 'results' : 'runs'), recorded };
}

/** The URL as printed: the password, if any, left out. */
export function printableDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');
}
