/**
 * POST /webhooks/receipts: suppliers report delivery receipts here. The body is a
 * DeliveryReceiptInput as JSON, signed with HMAC-SHA256 of the raw bytes under
 * WEBHOOK_SECRET in X-Signature-SHA256; anything unsigned or mis-signed gets 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceiptInput } from '../delivery/recordReceipt';
import { recordDeliveryReceipt } from '../delivery/recordReceipt';
import { DeliveryStatus, FailureReason, NotificationStatus } from '../vocabulary/delivery';
import type { Hub } from '../hub';
import { HubError, isHubError } from '../shared/errors';
import { parseInstant } from '../shared/instants';
import { BodyTooLargeError, readBody } from './requestBody';
import { refusedAsRateLimited } from './rateLimited';
import { sendError, sendJson } from './respond';
import { isValidWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from './webhookSignature';

const WEBHOOK_BODY_LIMIT = 64 * 1024;

function enumValue<T extends string>(values: Record<string, T>, value: unknown, field: string, required: boolean): T | null {
  if (value === undefined || value === null) {
    if (required) throw new HubError('BAD_USER_INPUT', `${field} is required`);
    return null;
  }
  if (typeof value !== 'string' || !(Object.values(values) as string[]).includes(value)) throw new HubError('BAD_USER_INPUT', `${field} must be one of ${Object.values(values).join(', ')}`);
  return value as T;
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new HubError('BAD_USER_INPUT', `${field} must be a string of 1 to 200 characters`);
  return value;
}

export function parseReceipt(body: unknown): ReceiptInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HubError('BAD_USER_INPUT', 'The body must be a JSON object');
  const raw = body as Record<string, unknown>;
  const occurredAt = raw.occurredAt === undefined || raw.occurredAt === null ? null : parseInstant(raw.occurredAt, 'occurredAt');
  return {
    attemptId: optionalString(raw.attemptId, 'attemptId'),
    providerReference: optionalString(raw.providerReference, 'providerReference'),
    status: enumValue(DeliveryStatus, raw.status, 'status', true) as DeliveryStatus,
    notification: enumValue(NotificationStatus, raw.notification, 'notification', false),
    failureReason: enumValue(FailureReason, raw.failureReason, 'failureReason', false),
    occurredAt,
  };
}

const STATUS_FOR_CODE: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404 };

export function webhookReceiptsHandler(hub: Hub) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let raw: Buffer;
    try {
      raw = await readBody(request, WEBHOOK_BODY_LIMIT);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return sendError(response, 413, 'BAD_USER_INPUT', error.message);
      throw error;
    }
    if (!isValidWebhookSignature(raw, request.headers[WEBHOOK_SIGNATURE_HEADER], hub.config.webhookSecret)) {
      return sendError(response, 401, 'UNAUTHENTICATED', 'Missing or invalid X-Signature-SHA256');
    }
    // Signed by the suppliers' shared secret, so limited per sending address.
    if (await refusedAsRateLimited(hub, `webhook:${request.socket.remoteAddress ?? 'unknown'}`, response)) return;
    try {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HubError('BAD_USER_INPUT', 'The body is not valid JSON');
      }
      const attempt = await recordDeliveryReceipt(hub.useCases.receipts, parseReceipt(body));
      sendJson(response, 200, { attemptId: attempt.id, status: attempt.status, notification: attempt.notification });
    } catch (error) {
      if (isHubError(error)) return sendError(response, STATUS_FOR_CODE[error.code] ?? 400, error.code, error.message);
      throw error;
    }
  };
}
