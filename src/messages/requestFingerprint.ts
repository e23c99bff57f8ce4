/**
 * A fingerprint of what a send asks for, stored with its idempotency key: the same key with
 * the same content is a replay, the same key with different content is a mistake.
 */
import { createHash } from 'node:crypto';
import type { SendMessageRequest } from './sendMessageRequest';

export function requestFingerprint(request: SendMessageRequest): string {
  const fields: unknown[] = [
    request.nhsNumber,
    request.organisationOdsCode.trim().toUpperCase(),
    request.category,
    request.subject?.trim() || null,
    request.body,
    request.legalBasis ?? null,
    request.purpose?.trim() ?? null,
    request.timeCritical ?? false,
    request.routing?.fallbackOrder ?? null,
    request.routing?.unreadFallbackHours ?? null,
    request.routing?.nudgeWhenUnnotified ?? null,
  ];
  // Added only when asked for, so requests stored before these fields existed keep their fingerprint.
  if (request.expiresAt) fields.push({ expiresAt: request.expiresAt.toISOString() });
  if (request.routing?.notifiedWithinMinutes) fields.push({ notifiedWithinMinutes: request.routing.notifiedWithinMinutes });
  const canonical = JSON.stringify(fields);
  return createHash('sha256').update(canonical).digest('hex');
}
