/**
 * The rules behind status callbacks: which addresses count as not public, the production URL
 * check at call time (the connection is refused, not just the registration), and the retry
 * schedule (backoff with jitter, Retry-After, 410, the retry window).
 */
import { createServer } from 'node:http';
import { isNonPublicAddress } from '../../src/callbacks/callbackUrl';
import { callbackSignature, newCallbackSecret, sealSecret, unsealSecret } from '../../src/callbacks/callbackSecret';
import { postCallback } from '../../src/callbacks/postCallback';
import { backoffMs, nextStep, retryAfterMs } from '../../src/callbacks/rules/retrySchedule';

describe('callback addresses', () => {
  it('treat loopback, link-local, private, shared and multicast addresses as not public', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::5', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'not-an-ip']) {
      expect({ address, blocked: isNonPublicAddress(address) }).toEqual({ address, blocked: true });
    }
    for (const address of ['8.8.8.8', '172.32.0.1', '193.0.0.1', '2a00:1450:4009:80b::200e', '::ffff:8.8.8.8']) {
      expect({ address, blocked: isNonPublicAddress(address) }).toEqual({ address, blocked: false });
    }
  });

  it('are checked again when called in production: a host resolving to loopback is never connected to', async () => {
    let connections = 0;
    const server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => (connections += 1));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const port = (server.address() as { port: number }).port;
    try {
      const call = { eventId: 'e1', body: '{}', secret: 's', timestamp: 1, timeoutMs: 2_000 };
      const viaName = await postCallback({ ...call, url: `https://localhost:${port}/hook`, production: true });
      expect(viaName).toMatchObject({ kind: 'no-answer', reason: 'ENONPUBLIC' });
      const viaAddress = await postCallback({ ...call, url: `https://127.0.0.1:${port}/hook`, production: true });
      expect(viaAddress.kind).toBe('no-answer');
      expect(connections).toBe(0);
      // Outside production the same receiver on loopback is called.
      const development = await postCallback({ ...call, url: `http://127.0.0.1:${port}/hook`, production: false });
      expect(development).toMatchObject({ kind: 'status', status: 200 });
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
});

describe('callback secrets', () => {
  it('are sealed so they can sign, and only the same WEBHOOK_SECRET unseals them', () => {
    const secret = newCallbackSecret();
    const sealed = sealSecret(secret, 'master-1');
    expect(sealed).not.toContain(secret);
    expect(unsealSecret(sealed, 'master-1')).toBe(secret);
    expect(() => unsealSecret(sealed, 'master-2')).toThrow();
    expect(callbackSignature(secret, 1700000000, '{"a":1}')).toMatch(/^[0-9a-f]{64}$/);
    expect(callbackSignature(secret, 1700000000, '{"a":1}')).not.toBe(callbackSignature(secret, 1700000001, '{"a":1}'));
  });
});

describe('the callback retry schedule', () => {
  const settings = { baseMs: 1_000, windowMs: 60 * 60 * 1000 };
  const occurredAt = new Date('2026-03-10T10:00:00Z');
  const now = new Date('2026-03-10T10:05:00Z');
  const status = (code: number, retryAfter: string | null = null) => ({ kind: 'status' as const, status: code, retryAfter });

  it('backs off exponentially, with jitter between half and all of each step', () => {
    expect([1, 2, 3, 4].map((tries) => backoffMs(tries, 1_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((tries) => backoffMs(tries, 1_000, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(backoffMs(40, 1_000, () => 1)).toBe(30 * 60 * 1000);
  });

  it('delivers on 2xx, disables on 410, retries anything else and gives up when the window has passed', () => {
    expect(nextStep(status(204), 1, occurredAt, now, settings)).toEqual({ kind: 'delivered' });
    expect(nextStep(status(410), 1, occurredAt, now, settings)).toEqual({ kind: 'gone' });
    expect(nextStep(status(500), 3, occurredAt, now, settings, () => 1)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 4_000), pauseCallback: false });
    expect(nextStep({ kind: 'no-answer', reason: 'timeout' }, 1, occurredAt, now, settings, () => 1)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 1_000), pauseCallback: false });
    const late = new Date(occurredAt.getTime() + settings.windowMs);
    expect(nextStep(status(500), 9, occurredAt, late, settings)).toEqual({ kind: 'give-up' });
    // The last retry is at the window's end, never after it.
    const nearEnd = new Date(late.getTime() - 100);
    expect(nextStep(status(500), 9, occurredAt, nearEnd, settings, () => 1)).toEqual({ kind: 'retry', at: late, pauseCallback: false });
  });

  it('honours Retry-After on 429 and 503, in seconds or as a date, pausing the whole callback', () => {
    expect(nextStep(status(429, '2'), 1, occurredAt, now, settings, () => 0)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 2_000), pauseCallback: true });
    expect(nextStep(status(503, new Date(now.getTime() + 30_000).toUTCString()), 1, occurredAt, now, settings, () => 0)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 30_000), pauseCallback: true });
    expect(nextStep(status(429, '86400'), 1, occurredAt, now, settings)).toEqual({ kind: 'give-up' });
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(nextStep(status(429, 'soon'), 1, occurredAt, now, settings, () => 1)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 1_000), pauseCallback: false });
  });
});
