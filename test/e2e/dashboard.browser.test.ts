/**
 * GET /dashboard end to end: the real hub and server on the suite's database, Debian's
 * Chromium driven by playwright-core, messages sent through the GraphQL API and dispatched
 * by the real dispatcher with the simulated providers.
 *
 * Chromium is not installed here: CI installs Debian's chromium package (see .ci/run), and a
 * developer runs `apt-get install -y chromium`. Without it the browser tests fail with that
 * instruction.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { HubEvent } from '../../entities/HubEvent';
import { Role } from '../../src/vocabulary/roles';
import { DASHBOARD_CSP } from '../../src/http/dashboardRoute';
import type { Hub } from '../../src/hub';
import { ManualClock } from '../../src/shared/clock';
import { givenOrganisation, givenPatient, VALID_NHS_NUMBERS } from '../support/fixtures';
import { send } from '../support/sending';
import { apiKey, createTestHub, startTestServer, type TestServer } from '../support/testHub';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const DOCS_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'dashboard.png');
const MINUTE = 60_000;

const [APP_USER, NOT_APP_USER, SECOND_APP_USER, UNREACHABLE, EMAIL_ONLY] = VALID_NHS_NUMBERS;

/** Retries an assertion until it passes or the time is up, then throws its last failure. */
async function eventually(assertion: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('GET /dashboard over plain HTTP', () => {
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub();
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server?.stop();
    await hub?.close();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  it('serves the page as HTML under a strict Content-Security-Policy, with no inline script or style', async () => {
    const response = await get('/dashboard');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy');
    expect(csp).toBe(DASHBOARD_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');

    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<html lang="en-GB">');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\/dashboard\?asset=/);
    expect(html).not.toMatch(/<script\b(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('serves its stylesheet, script and the graphql-ws browser client, and nothing else', async () => {
    const css = await get('/dashboard?asset=dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);

    const script = await get('/dashboard?asset=dashboard.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain("from '/dashboard?asset=graphql-ws/client.js'");

    const client = await get('/dashboard?asset=graphql-ws/client.js');
    expect(client.status).toBe(200);
    const source = await client.text();
    expect(source).toContain('function createClient');
    const imports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const specifier of imports) {
      expect(specifier).toMatch(/^\/dashboard\?asset=graphql-ws\/[\w.-]+\.js$/);
      const chunk = await get(specifier);
      expect(chunk.status).toBe(200);
      expect(chunk.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }

    for (const path of ['/dashboard?asset=../../package.json', '/dashboard?asset=graphql-ws/server.js', '/dashboard?asset=dashboard.html', '/dashboard/dashboard.js']) {
      expect((await get(path)).status).toBe(404);
    }
  });
});

describe('the dashboard in Chromium', () => {
  let clock: ManualClock;
  let hub: Hub;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dashboardKey: string;
  let baselineEventId = 0n;
  const upgradedSockets = new Set<Socket>();
  const requestedUrls: string[] = [];
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}. The dashboard browser tests use Debian's chromium package: ` +
          'run `apt-get update && apt-get install -y chromium` (CI installs it in .ci/run). This test does not install it.',
      );
    }
    // Events spread over the last half hour: the hub's clock starts 32 minutes ago and is
    // moved on as messages are sent, so the per-minute chart has a shape.
    clock = new ManualClock(new Date(Math.floor((Date.now() - 32 * MINUTE) / MINUTE) * MINUTE));
    const plan = {
      seed: 7,
      latencyMs: 45_000,
      readAfterMs: 3 * MINUTE,
      readRate: 0.6,
      unreachable: { NHS_APP: [UNREACHABLE], SMS: [UNREACHABLE], EMAIL: [UNREACHABLE], LETTER: [UNREACHABLE] },
    };
    hub = await createTestHub({ clock, env: { SIMULATION_PLAN: JSON.stringify(plan), MAX_MESSAGES_PER_PATIENT_PER_DAY: '1000' } });
    await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
    await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
    await givenPatient(hub, { nhsNumber: APP_USER });
    await givenPatient(hub, { nhsNumber: NOT_APP_USER, givenName: 'Sam', familyName: 'Jones', nhsAppUser: false });
    await givenPatient(hub, { nhsNumber: SECOND_APP_USER, givenName: 'Ali', familyName: 'Khan', gpPracticeOdsCode: 'B82005' });
    await givenPatient(hub, { nhsNumber: UNREACHABLE, givenName: 'Lee', familyName: 'Brown' });
    await givenPatient(hub, { nhsNumber: EMAIL_ONLY, givenName: 'Kim', familyName: 'Patel', nhsAppUser: false, mobileNumber: null, postalAddress: null });
    server = await startTestServer(hub);
    dashboardKey = await apiKey(hub, Role.DASHBOARD);
    server.httpServer.on('upgrade', (_request, socket: Socket) => {
      upgradedSockets.add(socket);
      socket.once('close', () => upgradedSockets.delete(socket));
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    page = await context.newPage();
    page.on('request', (request) => requestedUrls.push(request.url()));
    page.on('websocket', (socket) => requestedUrls.push(socket.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleProblems.push(message.text());
    });
    page.on('pageerror', (error) => consoleProblems.push(String(error)));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await hub?.close();
  });

  async function sendOk(overrides: Record<string, unknown>): Promise<string> {
    const result = await send(server, overrides);
    expect(result.errors).toBeUndefined();
    return result.data!.sendMessage.message.id;
  }

  /** A time-critical message goes straight to SMS by design: not a fallback. */
  const isTimeCriticalSend = (e: HubEvent) => e.kind === 'FALLBACK' && e.reason === 'TIME_CRITICAL';

  /** The events stored since the page opened, counted as the dashboard counts them. */
  async function storedCounts() {
    const events = (await hub.db.dataSource.getRepository(HubEvent).find()).filter((e) => BigInt(e.id) > baselineEventId);
    const counts: Record<string, number> = { QUEUED: 0, SENT: 0, DELIVERED: 0, READ: 0, FAILED: 0, CANCELLED: 0, FALLBACK: 0 };
    for (const event of events) if (!isTimeCriticalSend(event)) counts[event.kind === 'FALLBACK' ? 'FALLBACK' : (event.type as string)] += 1;
    return { counts, events };
  }

  /** The events that occurred in the last 60 minutes (the hub's clock trails the real one here), counted as "Last hour" counts them. */
  async function lastHourCounts() {
    const since = Date.now() - 60 * MINUTE;
    const events = (await hub.db.dataSource.getRepository(HubEvent).find()).filter((e) => e.occurredAt.getTime() >= since && !isTimeCriticalSend(e));
    const count = (test: (e: HubEvent) => boolean) => String(events.filter(test).length);
    return {
      messages: count((e) => e.kind === 'DELIVERY' && e.type === 'QUEUED'),
      delivered: count((e) => e.kind === 'DELIVERY' && e.type === 'DELIVERED'),
      read: count((e) => e.kind === 'DELIVERY' && e.type === 'READ'),
      failed: count((e) => e.kind === 'DELIVERY' && e.type === 'FAILED'),
      fallbacks: count((e) => e.kind === 'FALLBACK'),
    };
  }

  async function shownLastHour(): Promise<Record<string, string>> {
    return page.$$eval('[data-hour]', (nodes: any[]) => Object.fromEntries(nodes.map((n) => [n.dataset.hour, n.textContent.replace(/,/g, '')])));
  }

  /**
   * Nothing wider than the page or its panel: no sideways scrolling, and every element of a
   * panel inside it (the feed scrolls inside its own box, so its table may be wider than the
   * panel only within that box).
   */
  async function overflowProblems(): Promise<string[]> {
    return page.evaluate(() => {
      const doc = (globalThis as any).document;
      const problems: string[] = [];
      if (doc.documentElement.scrollWidth > doc.documentElement.clientWidth) problems.push(`page scrolls sideways: ${doc.documentElement.scrollWidth} > ${doc.documentElement.clientWidth}`);
      const describe = (n: any) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}${n.className && typeof n.className === 'string' ? `.${n.className.split(' ').join('.')}` : ''} "${(n.textContent ?? '').trim().slice(0, 30)}"`;
      for (const panel of doc.querySelectorAll('#board .panel, .header')) {
        const box = panel.getBoundingClientRect();
        for (const node of panel.querySelectorAll('*')) {
          // the feed scrolls up and down inside its box; sideways it must fit (checked below)
          if (node.closest('.feed-scroll') && node.classList?.contains('feed-scroll') === false) continue;
          // visually hidden headings, for screen readers only
          if (node.closest('thead') && (globalThis as any).getComputedStyle(node.closest('thead')).position === 'absolute') continue;
          const r = node.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(`${describe(node)} sticks out of ${describe(panel)}: ${Math.round(r.left)}..${Math.round(r.right)} vs ${Math.round(box.left)}..${Math.round(box.right)}`);
        }
        // content wider than its own box, cut off or scrolling sideways (as "Mes" for "Message")
        for (const node of panel.querySelectorAll('*')) {
          if (!(node instanceof (globalThis as any).HTMLElement) || node.closest('.chart')) continue;
          if (node.closest('thead') && (globalThis as any).getComputedStyle(node.closest('thead')).position === 'absolute') continue;
          if (node.scrollWidth > node.clientWidth + 1 && node.clientWidth > 0) problems.push(`${describe(node)} is cut off or scrolls sideways: ${node.scrollWidth} > ${node.clientWidth}`);
        }
      }
      return problems;
    });
  }

  /** Chart bars wide enough to read: at least 4 px. */
  async function barWidths(): Promise<number[]> {
    return page.$$eval('#chart rect.bar', (bars: any[]) => bars.map((b) => b.getBoundingClientRect().width));
  }

  async function shownCounts(): Promise<Record<string, number>> {
    return page.$$eval('[data-count]', (nodes: any[]) => Object.fromEntries(nodes.map((n) => [n.dataset.count, Number(n.textContent.replace(/,/g, ''))])));
  }

  async function feedRows(): Promise<Array<{ event: string; messageId: string; text: string }>> {
    return page.$$eval('#feed tbody tr', (rows: any[]) => rows.map((r) => ({ event: r.dataset.event, messageId: r.dataset.messageId, text: r.innerText.replace(/\s+/g, ' ') })));
  }

  async function expectPageMatchesStore(): Promise<void> {
    await eventually(async () => {
      const { counts, events } = await storedCounts();
      expect(await shownCounts()).toEqual(counts);
      const rows = await feedRows();
      expect(rows).toHaveLength(Math.min(events.length, 200));
      expect(new Set(rows.map((r) => r.event)).size).toBe(rows.length);
    });
  }

  it('asks for a key, keeps it out of every URL, and goes live', async () => {
    // Two messages before the page opens: in the last-hour figures, not in the live counters.
    await sendOk({ nhsNumber: APP_USER, subject: 'Before the page opened (1)' });
    await sendOk({ nhsNumber: NOT_APP_USER, subject: 'Before the page opened (2)' });
    await hub.dispatcher.drain();
    const before = await hub.db.dataSource.getRepository(HubEvent).find();
    baselineEventId = before.reduce((max, e) => (BigInt(e.id) > max ? BigInt(e.id) : max), 0n);

    const response = await page.goto(`http://127.0.0.1:${server.port}/dashboard`);
    expect(response?.headers()['content-security-policy']).toBe(DASHBOARD_CSP);
    await expect(page.title()).resolves.toContain('Live messaging dashboard');
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.locator('#board').isHidden()).toBe(true);

    await page.getByLabel('API key', { exact: true }).fill(dashboardKey);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator('#connection[data-state="live"]').waitFor();
    // Both subscriptions are registered on the hub before anything is sent.
    await eventually(() => expect(hub.bus.listenerCount()).toBe(2));

    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/dashboard`);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('nhs-hub-dashboard.api-key'))).toBe(dashboardKey);
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
    expect(await page.inputValue('#api-key')).toBe('');

    // "Last hour" is the rolling last 60 minutes of events, replayed from the hub: it includes the two earlier messages.
    await eventually(async () => expect(await page.textContent('[data-hour="messages"]')).toBe('2'));
    await eventually(async () => expect(await shownLastHour()).toEqual(await lastHourCounts()));
    const sixtyMinutesAgo = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }).format(new Date(Date.now() - 60 * MINUTE));
    await expect(page.textContent('#hour-note')).resolves.toMatch(new RegExp(`^Events since (${sixtyMinutesAgo}|\\d\\d:\\d\\d), the last 60 minutes`));
    expect(await shownCounts()).toEqual({ QUEUED: 0, SENT: 0, DELIVERED: 0, READ: 0, FAILED: 0, CANCELLED: 0, FALLBACK: 0 });
  }, 60_000);

  it('shows delivery and fallback events in the feed and counts them', async () => {
    const sent: string[] = [];
    const timeCriticalIds: string[] = [];
    const rounds: Array<Array<Record<string, unknown>>> = [
      [{ nhsNumber: APP_USER }, { nhsNumber: NOT_APP_USER }],
      [{ nhsNumber: SECOND_APP_USER, organisationOdsCode: 'B82005' }],
      [{ nhsNumber: APP_USER, category: 'PHR' }, { nhsNumber: UNREACHABLE }],
      [{ nhsNumber: EMAIL_ONLY }, { nhsNumber: SECOND_APP_USER, organisationOdsCode: 'B82005' }],
      [{ nhsNumber: APP_USER }, { nhsNumber: NOT_APP_USER, organisationOdsCode: 'B82005' }, { nhsNumber: APP_USER, timeCritical: true, body: 'Your appointment tomorrow at 9am is cancelled. Please call the surgery.' }],
      [{ nhsNumber: SECOND_APP_USER, organisationOdsCode: 'B82005' }],
      [{ nhsNumber: APP_USER }, { nhsNumber: SECOND_APP_USER }],
      [{ nhsNumber: NOT_APP_USER }],
      [{ nhsNumber: APP_USER, category: 'PHR' }, { nhsNumber: SECOND_APP_USER, organisationOdsCode: 'B82005' }],
      [{ nhsNumber: UNREACHABLE, organisationOdsCode: 'B82005' }, { nhsNumber: APP_USER }],
      [{ nhsNumber: EMAIL_ONLY }, { nhsNumber: SECOND_APP_USER }],
      [{ nhsNumber: APP_USER }, { nhsNumber: NOT_APP_USER }],
    ];
    for (const [i, round] of rounds.entries()) {
      clock.advance(2.5 * MINUTE);
      for (const [j, overrides] of round.entries()) {
        const id = await sendOk({ subject: `Dashboard round ${i + 1} message ${j + 1}`, ...overrides });
        sent.push(id);
        if (overrides.timeCritical) timeCriticalIds.push(id);
      }
      await hub.dispatcher.drain();
    }
    clock.set(new Date(Math.min(Date.now() - 5_000, clock.now().getTime() + 4 * MINUTE)));
    await hub.dispatcher.drain();

    await expectPageMatchesStore();
    const shown = await shownCounts();
    expect(shown.QUEUED).toBe(sent.length);
    expect(shown.SENT).toBeGreaterThanOrEqual(sent.length - 2);
    expect(shown.FALLBACK).toBeGreaterThanOrEqual(4 + 2 * 3);
    expect(shown.FAILED).toBe(2);
    expect(shown.DELIVERED).toBeGreaterThan(0);

    const rows = await feedRows();
    const { events } = await storedCounts();
    // Every message sent since the page opened, and the later events (receipts) of the two sent before it.
    expect(new Set(rows.map((r) => r.messageId))).toEqual(new Set(events.map((e) => e.messageId)));
    for (const id of sent) expect(rows.some((r) => r.messageId === id && r.text.includes('Queued'))).toBe(true);
    expect(rows.some((r) => /Fallback NHS App → SMS \(not an NHS App user\)/.test(r.text))).toBe(true);
    // The time-critical message went straight to SMS by design: queued for SMS, never shown as a fallback.
    expect(timeCriticalIds).toHaveLength(1);
    const timeCriticalRows = rows.filter((r) => r.messageId === timeCriticalIds[0]);
    expect(timeCriticalRows.some((r) => /Queued SMS/.test(r.text))).toBe(true);
    expect(timeCriticalRows.some((r) => /Fallback/.test(r.text))).toBe(false);
    expect(rows.some((r) => /Fallback .*time critical/.test(r.text))).toBe(false);
    // Every message of a minute has its own short id in the feed.
    const shortIds = await page.$$eval('#feed tbody tr', (trs: any[]) => trs.map((tr) => ({ message: tr.dataset.messageId, shown: tr.querySelector('td:last-child code').textContent })));
    const shownFor = new Map<string, Set<string>>();
    for (const { message, shown } of shortIds) shownFor.set(shown, (shownFor.get(shown) ?? new Set()).add(message));
    expect([...shownFor.entries()].filter(([, messages]) => messages.size > 1)).toEqual([]);
    for (const { message, shown } of shortIds) expect(message.endsWith(shown.replace('…', ''))).toBe(true);
    expect(rows.some((r) => /Fallback NHS App → Email \(not an NHS App user\)|Fallback SMS → Email/.test(r.text))).toBe(true);
    expect(rows.some((r) => r.text.includes('B82005'))).toBe(true);
    // Newest first.
    const ids = rows.map((r) => BigInt(r.event.split(':')[1]));
    const newest = events.reduce((max, e) => (BigInt(e.sequence!) > max ? BigInt(e.sequence!) : max), 0n);
    expect(ids[0]).toBe(newest);

    // The channel and category breakdowns add up to the same events.
    const channelFallbacks = await page.$$eval('#by-channel td[data-column="FALLBACK_IN"]', (cells) => cells.reduce((sum, c) => sum + Number(c.textContent), 0));
    expect(channelFallbacks).toBe(shown.FALLBACK);
    const categoryQueued = await page.$$eval('#by-category td[data-column="QUEUED"]', (cells) => cells.reduce((sum, c) => sum + Number(c.textContent), 0));
    expect(categoryQueued).toBe(shown.QUEUED);
    expect(await page.textContent('#by-category tr[data-key="PHR"] td[data-column="QUEUED"]')).toBe('2');

    // The chart and "Last hour" count the same delivered, read, failed and fallback events of the last 60 minutes.
    await eventually(async () => {
      const hour = await lastHourCounts();
      expect(await shownLastHour()).toEqual(hour);
      const chart = await page.$eval('#chart svg', (node: any) => ({ ...node.dataset }));
      expect(chart).toEqual({ delivered: hour.delivered, read: hour.read, failed: hour.failed, fallback: hour.fallbacks });
    });
  }, 90_000);

  it('reconnects after the hub drops the socket and replays what it missed, once', async () => {
    const [{ n: messagesSoFar }] = await hub.db.dataSource.query('SELECT COUNT(*) AS n FROM messages');
    expect(upgradedSockets.size).toBe(1);
    for (const socket of upgradedSockets) socket.destroy();
    await eventually(() => expect(hub.bus.listenerCount()).toBe(0));

    // Sent and dispatched while the page has no connection.
    clock.set(new Date(Date.now() - 2_000));
    const missed = await sendOk({ nhsNumber: NOT_APP_USER, subject: 'Sent while the dashboard was offline' });
    await hub.dispatcher.drain();

    await page.locator('#connection[data-state="live"][data-reconnects="1"]').waitFor({ timeout: 15_000 });
    await eventually(() => expect(hub.bus.listenerCount()).toBe(2));
    await expectPageMatchesStore();
    const rows = (await feedRows()).filter((r) => r.messageId === missed);
    const stored = (await storedCounts()).events.filter((e) => e.messageId === missed);
    expect(rows.map((r) => r.event).sort()).toEqual(stored.map((e) => `${e.kind}:${e.sequence}`).sort());
    expect(rows.filter((r) => r.text.includes('Queued'))).toHaveLength(1);
    expect(rows.filter((r) => r.text.includes('Fallback NHS App → SMS'))).toHaveLength(1);
    await expect(page.textContent('#connection-text')).resolves.toBe('Live · reconnected 1×');
    await eventually(async () => expect(await page.textContent('[data-hour="messages"]')).toBe(String(Number(messagesSoFar) + 1)));

    // And it stays live: a message after the reconnect arrives as usual.
    const after = await sendOk({ nhsNumber: APP_USER, subject: 'After the reconnect' });
    await hub.dispatcher.drain();
    await eventually(async () => expect((await feedRows()).filter((r) => r.messageId === after).length).toBeGreaterThanOrEqual(2));
    await expectPageMatchesStore();
  }, 60_000);

  it('never puts the key in a URL, breaks no CSP rule, and looks right on a wall screen', async () => {
    expect(requestedUrls.length).toBeGreaterThan(3);
    expect(requestedUrls.some((url) => url.startsWith('ws://'))).toBe(true);
    for (const url of requestedUrls) {
      expect(url).not.toContain(dashboardKey);
      expect(decodeURIComponent(url)).not.toContain(dashboardKey);
    }
    expect(consoleProblems.filter((text) => /Content.Security.Policy|Trusted Type|Refused to/i.test(text))).toEqual([]);
    expect(consoleProblems.filter((text) => !/WebSocket connection to .* failed/i.test(text))).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.mouse.move(0, 0);
    await page.waitForTimeout(1600); // let the newest row's highlight fade
    for (const [name, width, height] of [['wall', 1920, 1080], ['laptop', 1440, 900], ['phone', 390, 844]] as const) {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300); // the chart redraws at its new size
      const screenshot = join(ARTIFACTS, `dashboard-${width}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      // the top of a long phone page, at a size that can be looked at
      if (width < 600) await page.screenshot({ path: join(ARTIFACTS, `dashboard-${width}-top.png`), fullPage: true, clip: { x: 0, y: 0, width, height: 1800 } });
      expect({ width, problems: await overflowProblems() }).toEqual({ width, problems: [] });
      const bars = await barWidths();
      expect(bars.length).toBeGreaterThan(0);
      expect({ width, narrowestBar: Math.min(...bars) >= (width < 600 ? 3 : 4) }).toEqual({ width, narrowestBar: true });
      // The README's picture: refresh it with UPDATE_DASHBOARD_SCREENSHOT=1 after a look at this one.
      if (name === 'laptop') {
        const firstScreen = join(ARTIFACTS, `dashboard-${width}-screen.png`);
        await page.screenshot({ path: firstScreen });
        if (process.env.UPDATE_DASHBOARD_SCREENSHOT === '1') {
          mkdirSync(dirname(DOCS_SCREENSHOT), { recursive: true });
          copyFileSync(firstScreen, DOCS_SCREENSHOT);
        }
      }
    }
    await page.setViewportSize({ width: 1920, height: 1080 });
  }, 60_000);

  it('forgets the key on request and shows the key form again', async () => {
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    expect(await page.locator('#board').isHidden()).toBe(true);
    await expect(page.textContent('#connection-text')).resolves.toBe('Not connected');
    await eventually(() => expect(hub.bus.listenerCount()).toBe(0));

    // A key that cannot watch events is refused with a clear message and not kept.
    const analystKey = await apiKey(hub, Role.ANALYST);
    await page.getByLabel('API key', { exact: true }).fill(analystKey);
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await page.locator('#key-error:not([hidden])').waitFor();
    expect(await page.textContent('#key-error')).toMatch(/DASHBOARD or ADMIN/);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    for (const url of requestedUrls) expect(url).not.toContain(analystKey);

    // A wrong key is refused with a message, and leaves no unhandled rejection or error behind.
    const problemsBefore = consoleProblems.length;
    await page.getByLabel('API key', { exact: true }).fill('nhk_thisKeyDoesNotExistAnywhere0000000000000');
    await page.getByRole('button', { name: 'Show dashboard' }).click();
    await eventually(async () => expect(await page.textContent('#key-error')).toMatch(/not accepted/));
    await page.waitForTimeout(1500);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
    expect(consoleProblems.slice(problemsBefore).filter((text) => !/Failed to load resource: the server responded with a status of 401/.test(text))).toEqual([]);
  }, 30_000);
});
