/**
 * GET /dashboard: the live dashboard, a static page with no build step. The page itself is
 * `GET /dashboard`; its stylesheet, script and the browser build of the graphql-ws client
 * are `GET /dashboard?asset=NAME`, from a fixed list (the router matches paths exactly, so
 * everything lives under this one route). The page asks for the API key itself and keeps it
 * in sessionStorage: nothing here needs or sees a key.
 *
 * The files are read from `src/http/dashboard/`, found from this module's folder: beside it
 * under ts-jest, or by walking up from `dist/src/http/` to the project root after `tsc`
 * (which does not copy them). graphql-ws ships `dist/client.js` as an ES module that imports
 * a hashed sibling chunk; the import specifiers are rewritten to asset URLs so the browser
 * can load the module graph from this route.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { sendError } from './respond';

const PAGE_FILE = 'dashboard.html';
const ASSET_ROUTE = '/dashboard?asset=';
const VENDOR_PREFIX = 'graphql-ws/';

/** Strict: only this origin's scripts, styles and sockets; no inline code, no framing, no form posts. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

interface Asset {
  contentType: string;
  body: Buffer;
}

/** The folder holding dashboard.html: beside this module, or src/http/dashboard under an ancestor (the project root). */
export function findDashboardDir(from: string = __dirname): string {
  const beside = join(from, 'dashboard');
  if (existsSync(join(beside, PAGE_FILE))) return beside;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'http', 'dashboard');
    if (existsSync(join(candidate, PAGE_FILE))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`dashboard assets (src/http/dashboard/${PAGE_FILE}) not found from ${from}`);
}

/** graphql-ws's dist folder; `graphql-ws/client` resolves to dist/client.cjs under require. */
function graphqlWsDistDir(): string {
  return dirname(require.resolve('graphql-ws/client'));
}

/**
 * client.js and every module it imports relatively, with `from './x.js'` rewritten to the
 * asset URL of x.js. Only plain sibling files are followed.
 */
export function vendorModules(distDir: string = graphqlWsDistDir()): Map<string, Buffer> {
  const modules = new Map<string, Buffer>();
  const pending = ['client.js'];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (modules.has(file)) continue;
    const source = readFileSync(join(distDir, file), 'utf8');
    // Static `import … from '…'` / `export … from '…'` statements at the start of a line.
    const rewritten = source.replace(/^(\s*(?:import|export)\b[^;'"]*?\bfrom\s*)(['"])([^'"]+)\2/gm, (_match, lead: string, quote: string, specifier: string) => {
      const sibling = /^\.\/([A-Za-z0-9_.-]+\.js)$/.exec(specifier);
      if (!sibling) throw new Error(`graphql-ws/${file} imports ${specifier}, which the dashboard cannot serve`);
      pending.push(sibling[1]);
      return `${lead}${quote}${ASSET_ROUTE}${VENDOR_PREFIX}${sibling[1]}${quote}`;
    });
    modules.set(file, Buffer.from(rewritten, 'utf8'));
  }
  return modules;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const read = (name: string) => readFileSync(join(dir, name));
  assets.set('', { contentType: 'text/html; charset=utf-8', body: read(PAGE_FILE) });
  assets.set('dashboard.css', { contentType: 'text/css; charset=utf-8', body: read('dashboard.css') });
  assets.set('dashboard.js', { contentType: 'text/javascript; charset=utf-8', body: read('dashboard.js') });
  assets.set('favicon.svg', { contentType: 'image/svg+xml', body: read('favicon.svg') });
  for (const [name, body] of vendorModules()) assets.set(`${VENDOR_PREFIX}${name}`, { contentType: 'text/javascript; charset=utf-8', body });
  return assets;
}

export interface DashboardOptions {
  /** Where dashboard.html, .css and .js live; found from this module by default. */
  dir?: string;
  /** Re-read the files on every request (development); otherwise they are read once. */
  reload?: boolean;
}

export function dashboardHandler(options: DashboardOptions = {}) {
  let cached: Map<string, Asset> | null = null;
  const assets = () => {
    if (cached && !options.reload) return cached;
    cached = loadAssets(options.dir ?? findDashboardDir());
    return cached;
  };

  return (_request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const name = url.searchParams.get('asset') ?? '';
    const asset = assets().get(name);
    if (!asset) {
      sendError(response, 404, 'NOT_FOUND', `No dashboard asset named ${JSON.stringify(name)}`, SECURITY_HEADERS);
      return;
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      // The page is tiny and changes with deployments; always revalidate rather than pin stale code.
      'cache-control': 'no-cache',
    });
    response.end(asset.body);
  };
}
