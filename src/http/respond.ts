import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../shared/errors';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/**
 * The one error shape of every route but /graphql: {"error": {"code", "message"}}, the code
 * from the contract's ErrorCode.
 */
export function sendError(response: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: { code, message } }, headers);
}

/** A GraphQL-shaped error for /graphql requests refused before they reach GraphQL. */
export function sendGraphqlError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { errors: [{ message, extensions: { code } }] }, headers);
}
