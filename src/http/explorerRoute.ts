/**
 * GET /explorer: the GraphQL explorer (GraphiQL), served entirely by the hub from its own
 * npm packages so that it works on a network with no internet access. The page is
 * `GET /explorer` (and `GET /graphql` from a browser); GraphiQL's UMD build, its stylesheet,
 * React and ReactDOM are `GET /explorer?asset=NAME` from a fixed list. The API key is typed
 * into GraphiQL's Headers tab; nothing here needs or sees a key. Not served in production.
 *
 * The page and its boot script live in `src/http/explorer/`, found like the dashboard's.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { sendError } from './respond';

const PAGE_FILE = 'explorer.html';

/** Only this origin's scripts; GraphiQL's editors set inline styles and use data: icons. */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': EXPLORER_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface Asset {
  contentType: string;
  body: Buffer;
}

function findExplorerDir(from: string = __dirname): string {
  const beside = join(from, 'explorer');
  if (existsSync(join(beside, PAGE_FILE))) return beside;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'http', 'explorer');
    if (existsSync(join(candidate, PAGE_FILE))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`explorer page (src/http/explorer/${PAGE_FILE}) not found from ${from}`);
}

/** A file inside an installed package (its package.json locates it whatever the exports map says). */
function packageFile(pkg: string, file: string): Buffer {
  return readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file));
}

function loadAssets(dir: string): Map<string, Asset> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  return new Map<string, Asset>([
    ['', { contentType: 'text/html; charset=utf-8', body: readFileSync(join(dir, PAGE_FILE)) }],
    ['explorer.js', { contentType: js, body: readFileSync(join(dir, 'explorer.js')) }],
    ['explorer.css', { contentType: css, body: readFileSync(join(dir, 'explorer.css')) }],
    ['react.js', { contentType: js, body: packageFile('react', 'umd/react.production.min.js') }],
    ['react-dom.js', { contentType: js, body: packageFile('react-dom', 'umd/react-dom.production.min.js') }],
    ['graphiql.js', { contentType: js, body: packageFile('graphiql', 'graphiql.min.js') }],
    ['graphiql.css', { contentType: css, body: packageFile('graphiql', 'graphiql.min.css') }],
  ]);
}

export function explorerHandler() {
  let assets: Map<string, Asset> | null = null;
  return (_request: IncomingMessage, response: ServerResponse, url: URL): void => {
    assets ??= loadAssets(findExplorerDir());
    const name = url.searchParams.get('asset') ?? '';
    const asset = assets.get(name);
    if (!asset) return sendError(response, 404, 'NOT_FOUND', `No explorer asset named ${JSON.stringify(name)}`, SECURITY_HEADERS);
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    response.end(asset.body);
  };
}
