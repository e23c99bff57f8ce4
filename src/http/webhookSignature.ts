/**
 * Signatures for `POST /webhooks/receipts`: header `X-Signature-SHA256` holds the hex
 * HMAC-SHA256 of the raw request body keyed with WEBHOOK_SECRET (runtime contract).
 *
 * Accepted header forms: `<64 hex>` or `sha256=<64 hex>` (prefix case-insensitive), with
 * surrounding whitespace ignored. Hex digits are accepted in either case (hex is
 * case-insensitive; the bytes are compared, not the text). Anything else is invalid.
 */
import { createHmac, timingSafeEqual } from 'crypto';

export const WEBHOOK_SIGNATURE_HEADER = 'x-signature-sha256';

const SIGNATURE_PATTERN = /^(?:sha256=)?([0-9a-f]{64})$/i;

/** Lowercase hex HMAC-SHA256 of the raw body. */
export function signWebhookBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

export function isValidWebhookSignature(rawBody: Buffer, header: string | string[] | undefined, secret: string): boolean {
  // A repeated header is ambiguous: refuse it rather than pick one.
  const value = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
  if (typeof value !== 'string' || secret === '') return false;
  const match = SIGNATURE_PATTERN.exec(value.trim());
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
