/**
 * A clone of the repository passes its tests on its own: no test (or code it loads) reads
 * a file beside the repository, such as the public contract in ../shared (CI alone checks
 * the served schema against it, with `npm run contract:check`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SCANNED = ['test', 'src', 'resolvers', 'entities', 'migrations', 'scripts', 'bench'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

describe('the repository is self-contained', () => {
  it('has no code that reaches the shared contract folder beside the repository', () => {
    const outside = ['shared', 'contract'];
    const patterns = [outside.join('/'), outside.map((p) => `'${p}'`).join(', ')];
    const offenders = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .filter((file) => file !== __filename)
      .filter((file) => patterns.some((pattern) => readFileSync(file, 'utf8').includes(pattern)))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});
