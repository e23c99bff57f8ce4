/**
 * The GraphQL explorer works with no internet: GraphiQL, React and its stylesheet come from
 * the hub itself, the page renders its editors in Chromium without a request leaving the
 * hub, and a key typed into the Headers tab runs a query. Debian's Chromium driven by
 * playwright-core, as in dashboard.browser.test.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Hub } from '../../src/hub';
import { startServer } from '../../src/server';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

let hub: Hub;
let server: TestServer;
let base: string;

beforeAll(async () => {
  hub = await createTestHub();
  server = await startTestServer(hub);
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
  await hub?.close();
});

describe('the explorer over plain HTTP', () => {
  it('is the landing page of GET /graphql from a browser, and of GET /explorer', async () => {
    for (const path of ['/graphql', '/explorer']) {
      const response = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      expect(html).toMatch(/^<!doctype html>/i);
      // every script and stylesheet from this origin, none from a CDN
      const sources = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(sources.length).toBeGreaterThanOrEqual(6);
      for (const source of sources) expect(source).toMatch(/^\/(explorer|dashboard)\?asset=/);
    }
  });

  it('serves GraphiQL, React and ReactDOM from the installed packages', async () => {
    const expectations: Array<[string, RegExp, string]> = [
      ['graphiql.js', /globalThis[\s\S]*GraphiQL/, 'graphiql/graphiql.min.js'],
      ['react.js', /React/, 'react/umd/react.production.min.js'],
      ['react-dom.js', /ReactDOM/, 'react-dom/umd/react-dom.production.min.js'],
    ];
    for (const [asset, pattern] of expectations) {
      const response = await fetch(`${base}/explorer?asset=${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await response.text()).slice(0, 2000)).toMatch(pattern);
    }
    const css = await fetch(`${base}/explorer?asset=graphiql.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.graphiql-container');
    const missing = await fetch(`${base}/explorer?asset=../../package.json`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('NOT_FOUND');
  });

  it('is not served in production', async () => {
    const production = await startServer({ ...hub, config: { ...hub.config, production: true } }, { port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`http://127.0.0.1:${production.port}/explorer`);
      expect(response.status).toBe(404);
    } finally {
      await production.stop();
    }
  });
});

describe('the explorer in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    // Anything not addressed to the hub is recorded and refused, as it would be offline.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' && url.port === String(server.port)) return route.continue();
      outside.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('renders the editors and a Headers tab with nothing fetched from outside the hub', async () => {
    await page.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
    await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor();
    await page.getByRole('button', { name: 'Headers', exact: true }).waitFor();
    expect(outside).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png') });
  }, 60_000);

  it('runs a query with the API key typed into the Headers tab', async () => {
    await page.getByRole('button', { name: 'Headers', exact: true }).click();
    // The Headers editor is the one holding the placeholder key; type the real key over it.
    const headers = page.locator('.graphiql-editor-tool .CodeMirror', { hasText: 'PASTE-YOUR-API-KEY-HERE' });
    await headers.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${server.adminKey}` }));
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await page.locator('.graphiql-response', { hasText: 'NHS_APP_MESSAGING' }).waitFor({ timeout: 20_000 });
    const text = (await response.textContent()) ?? '';
    expect(text).toContain('"messagingCategories"');
    expect(text).not.toContain('UNAUTHENTICATED');
    expect(outside).toEqual([]);
    expect(problems.filter((p) => !/401|Unauthorized|UNAUTHENTICATED/i.test(p))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-answered.png') });
  }, 60_000);
});
