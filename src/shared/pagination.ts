/**
 * Keyset pagination with opaque cursors. A cursor encodes the sort key of the last row
 * seen, so a page never repeats or skips rows when other rows are inserted meanwhile.
 */
import { HubError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 200;

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new HubError('BAD_USER_INPUT', `first must be a whole number from 0 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

export function encodeCursor(kind: string, key: Array<string | number>): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url');
}

/** Returns the sort key, or throws BAD_USER_INPUT when the cursor is not one this list issued. */
export function decodeCursor(kind: string, cursor: string, arity: number): Array<string | number> {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded[0] === kind && decoded.length === arity + 1) {
      const key = decoded.slice(1);
      if (key.every((part) => typeof part === 'string' || typeof part === 'number')) return key;
    }
  } catch {
    // fall through to the error below
  }
  throw new HubError('BAD_USER_INPUT', 'The after cursor is not valid for this list; use an endCursor or cursor returned by it');
}

/** Takes one row more than asked for to learn whether a next page exists. */
export function toPage<T>(rows: T[], size: number, cursorOf: (row: T) => string): Page<T> {
  const nodes = rows.slice(0, size);
  return { nodes, cursors: nodes.map(cursorOf), hasNextPage: rows.length > size };
}

/** Escapes a user's search text for LIKE … ESCAPE '!'. */
export function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export function likePrefix(text: string): string {
  return `${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
