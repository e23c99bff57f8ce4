/**
 * `npm install` on the Node versions the project declares gives no EBADENGINE warning: every
 * package in package-lock.json admits the oldest declared Node version and the one running
 * the suite.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: unknown }> };

function nodeRange(engines: unknown): string | null {
  if (!engines || typeof engines !== 'object' || Array.isArray(engines)) return null;
  const node = (engines as Record<string, unknown>).node;
  return typeof node === 'string' ? node : null;
}

describe('the Node versions the project declares', () => {
  const declared = manifest.engines.node;
  const oldest = semver.minVersion(declared)!.version;

  it('are admitted by the lock file root and the running Node', () => {
    expect(nodeRange(lock.packages['']?.engines)).toBe(declared);
    expect(semver.satisfies(process.version, declared)).toBe(true);
  });

  it.each([
    ['the oldest declared version', oldest],
    ['the running version', process.version],
  ])('are admitted by every locked package: %s', (_label, version) => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, entry]) => ({ path, version: entry.version, node: nodeRange(entry.engines) }))
      .filter((entry) => entry.node !== null && !semver.satisfies(version, entry.node, { includePrerelease: true }));
    expect(refusing).toEqual([]);
  });
});
