/**
 * The built hub (`node dist/src/main.js`) for tests that run it as a child process:
 * where it is, a build of the current sources, and a free loopback port to give it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(__dirname, '../..');
export const MAIN = join(ROOT, 'dist/src/main.js');

/** Compiles the sources to dist/; a failed compile is fatal only when there is no earlier build. */
export async function buildHub(): Promise<void> {
  try {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if (!existsSync(MAIN)) throw error;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}
