/**
 * The per-key rate limit every authenticated route applies, through the same limiter as
 * GraphQL: answers 429 RATE_LIMITED with Retry-After and returns true when the caller is over it.
 */
import type { ServerResponse } from 'node:http';
import type { Hub } from '../hub';
import { sendError } from './respond';

export async function refusedAsRateLimited(hub: Hub, bucket: string, response: ServerResponse): Promise<boolean> {
  const retryAfter = await hub.rateLimiter.consume(bucket);
  if (retryAfter <= 0) return false;
  sendError(response, 429, 'RATE_LIMITED', `Too many requests; try again in ${retryAfter} s`, { 'retry-after': String(retryAfter) });
  return true;
}
