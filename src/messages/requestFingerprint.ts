/**
 * A fingerprint of what a send asks for, stored with its idempotency key: the same key with
 * the same content is a replay, the same key with different content is a mistake.
 */
import { createHash } from 'node:crypto';
import type { SendMessageRequest } from './sendMessageRequest';

export function requestFingerprint(request: SendMessageRequest): string {
  const canonical = JSON.stringify([
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
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
