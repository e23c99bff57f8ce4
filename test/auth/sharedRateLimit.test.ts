/**
 * With REDIS_URL every hub counts a key's requests in one place: two hubs' limiters on one
 * Redis together let a key through at its one rate, where two in-process limiters would
 * each allow the full burst. While Redis is unreachable each hub falls back to its own
 * bucket and still answers at once.
 */
import { randomUUID } from 'node:crypto';
import { RateLimiter } from '../../src/auth/rateLimiter';
import { systemClock } from '../../src/shared/clock';

/** The suite's real Redis; TEST_REDIS_URL points it elsewhere. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PER_SECOND = 5;
const BURST = 10;

const limiters: RateLimiter[] = [];
function limiter(redisUrl: string | null): RateLimiter {
  const made = new RateLimiter(PER_SECOND, BURST, systemClock, { redisUrl });
  limiters.push(made);
  return made;
}

afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
});

/** As a hub does at start: wait until the shared store is connected. */
async function ready(...hubs: RateLimiter[]): Promise<RateLimiter[]> {
  await Promise.all(hubs.map((hub) => hub.whenReady()));
  return hubs;
}

async function allowedOutOf(hubs: RateLimiter[], key: string, requests: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < requests; i += 1) if ((await hubs[i % hubs.length].consume(key)) === 0) allowed += 1;
  return allowed;
}

it('two hubs sharing Redis give a key one burst between them, and refuse with a wait in seconds', async () => {
  const [a, b] = await ready(limiter(REDIS_URL), limiter(REDIS_URL));
  expect(a.isShared).toBe(true);
  const key = `key-${randomUUID()}`;
  const started = Date.now();
  const allowed = await allowedOutOf([a, b], key, 40);
  const elapsedSeconds = (Date.now() - started) / 1000;
  // One burst plus what the steady rate refilled meanwhile, never the two bursts of two separate limits.
  expect(allowed).toBeGreaterThanOrEqual(BURST);
  expect(allowed).toBeLessThanOrEqual(BURST + Math.ceil(elapsedSeconds + 1) * PER_SECOND);
  expect(allowed).toBeLessThan(2 * BURST);
  const wait = await b.consume(key);
  expect(wait).toBeGreaterThanOrEqual(1);
});

it('the synchronous take() honours the shared limit once another hub has used it up', async () => {
  const [a, b] = await ready(limiter(REDIS_URL), limiter(REDIS_URL));
  const key = `key-${randomUUID()}`;
  expect(await allowedOutOf([a], key, BURST + 5)).toBe(BURST);
  // b learns of the shared count from its first report, then refuses.
  b.take(key);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(b.take(key)).toBeGreaterThanOrEqual(1);
});

it('without Redis each hub keeps its own bucket: two hubs allow two bursts', async () => {
  const [a, b] = [limiter(null), limiter(null)];
  expect(a.isShared).toBe(false);
  expect(await allowedOutOf([a, b], `key-${randomUUID()}`, 40)).toBe(2 * BURST);
});

it('while Redis is unreachable a hub decides on its own bucket at once', async () => {
  const [unreachable] = await ready(limiter('redis://127.0.0.1:1'));
  const key = `key-${randomUUID()}`;
  const started = Date.now();
  const allowed = await allowedOutOf([unreachable], key, BURST + 5);
  expect(allowed).toBe(BURST);
  expect(Date.now() - started).toBeLessThan(3_000);
});
