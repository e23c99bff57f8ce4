/** `npm run bench` changes no committed file unless asked to record its results. */
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { benchOutput, printableDatabaseUrl } from '../../bench/benchOutput';

const ROOT = join(__dirname, '..', '..');

function isIgnoredByGit(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', relative(ROOT, path)], { cwd: ROOT });
    return true;
  } catch {
    return false;
  }
}

describe('where npm run bench writes', () => {
  it('writes a plain run into a folder git ignores', () => {
    const output = benchOutput(['--messages', '1000'], ROOT);
    expect(output.recorded).toBe(false);
    expect(isIgnoredByGit(join(output.dir, 'metrics-mariadb.json'))).toBe(true);
  });

  it('writes into the committed bench/results only with --record', () => {
    const output = benchOutput(['--record'], ROOT);
    expect(output.recorded).toBe(true);
    expect(relative(ROOT, output.dir)).toBe(join('bench', 'results'));
    expect(isIgnoredByGit(join(output.dir, 'metrics-mariadb.json'))).toBe(false);
  });

  it('prints the database it uses without its password', () => {
    expect(printableDatabaseUrl('mysql://root@127.0.0.1:3306/hub_bench')).toBe('mysql://root@127.0.0.1:3306/hub_bench');
    expect(printableDatabaseUrl('mysql://bench:s3cret@db.internal:3306/hub_bench')).toBe('mysql://bench:…@db.internal:3306/hub_bench');
  });
});
