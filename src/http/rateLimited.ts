/**
 * The per-key rate limit every authenticated route applies, through the same limiter as
 * GraphQL: answers 429 RATE_LIMITED with Retry-After and returns true when the caller is over it.
 */
import type { ServerResponse } from 'node:http';
import type { Hub } from '../hub';
import { sendGraphqlError, sendJson } from './respond';

export async function refusedAsRateLimited(hub: Hub, bucket: string, response: ServerResponse, shape: 'graphql' | 'json' = 'graphql'): Promise<boolean> {
  const retryAfter = await hub.rateLimiter.take(bucket);
  if (retryAfter <= 0) return false;
  const message = `Too many requests; try again in ${retryAfter} s`;
  const headers = { 'retry-after': String(retryAfter) };
  if (shape === 'json') sendJson(response, 429, { error: { code: 'RATE_LIMITED', message } }, headers);
  else sendGraphqlError(response, 429, 'RATE_LIMITED', message, headers);
  return true;
}
