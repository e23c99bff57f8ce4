import { createHmac } from 'crypto';
import { isValidWebhookSignature, signWebhookBody } from '../../src/http/webhookSignature';

const secret = 's3cret';
const body = Buffer.from('{"a":1}');
/** Computed once with: node -e 'console.log(require("crypto").createHmac("sha256","s3cret").update("{\"a\":1}").digest("hex"))' */
const KNOWN = '5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d';

describe('signWebhookBody', () => {
  it('matches a fixed known vector', () => {
    expect(signWebhookBody(body, secret)).toBe(KNOWN);
    expect(signWebhookBody('{"a":1}', secret)).toBe(KNOWN);
  });

  it('is lowercase hex HMAC-SHA256 of the raw bytes', () => {
    const raw = Buffer.from('{"receipt":"é ✓","n":[1,2,3]}\n', 'utf8');
    const independent = createHmac('sha256', 'another secret').update(raw).digest('hex');
    expect(signWebhookBody(raw, 'another secret')).toBe(independent);
    expect(signWebhookBody(raw, 'another secret')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('isValidWebhookSignature', () => {
  it('accepts the right signature', () => {
    expect(isValidWebhookSignature(body, KNOWN, secret)).toBe(true);
    expect(isValidWebhookSignature(body, signWebhookBody(body, secret), secret)).toBe(true);
  });

  it('accepts an optional sha256= prefix and surrounding whitespace', () => {
    expect(isValidWebhookSignature(body, `sha256=${KNOWN}`, secret)).toBe(true);
    expect(isValidWebhookSignature(body, `SHA256=${KNOWN}`, secret)).toBe(true);
    expect(isValidWebhookSignature(body, `  ${KNOWN} `, secret)).toBe(true);
  });

  it('accepts uppercase hex: hex is case-insensitive, the decoded bytes are compared', () => {
    expect(isValidWebhookSignature(body, KNOWN.toUpperCase(), secret)).toBe(true);
    expect(isValidWebhookSignature(body, `sha256=${KNOWN.toUpperCase()}`, secret)).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(isValidWebhookSignature(Buffer.from('{"a":2}'), KNOWN, secret)).toBe(false);
    expect(isValidWebhookSignature(Buffer.from('{"a":1} '), KNOWN, secret)).toBe(false);
  });

  it('rejects the wrong secret', () => {
    expect(isValidWebhookSignature(body, KNOWN, 'S3cret')).toBe(false);
    expect(isValidWebhookSignature(body, signWebhookBody(body, 'other'), secret)).toBe(false);
  });

  it('rejects a missing or empty header', () => {
    expect(isValidWebhookSignature(body, undefined, secret)).toBe(false);
    expect(isValidWebhookSignature(body, '', secret)).toBe(false);
    expect(isValidWebhookSignature(body, [], secret)).toBe(false);
  });

  it('rejects malformed headers without throwing', () => {
    const oneFlipped = `${KNOWN.slice(0, -1)}${KNOWN.endsWith('d') ? 'e' : 'd'}`;
    for (const header of [
      oneFlipped,
      KNOWN.slice(0, -2), // too short
      `${KNOWN}00`, // too long
      `${KNOWN.slice(0, -1)}g`, // not hex
      `sha1=${KNOWN}`,
      `sha256:${KNOWN}`,
      'sha256=',
      `${KNOWN.slice(0, 32)} ${KNOWN.slice(32)}`,
      Buffer.from(KNOWN, 'hex').toString('base64'),
    ]) {
      expect(isValidWebhookSignature(body, header, secret)).toBe(false);
    }
  });

  it('takes a single-valued header array, and refuses repeated headers', () => {
    expect(isValidWebhookSignature(body, [KNOWN], secret)).toBe(true);
    expect(isValidWebhookSignature(body, [KNOWN, KNOWN], secret)).toBe(false);
    expect(isValidWebhookSignature(body, ['bogus', KNOWN], secret)).toBe(false);
  });

  it('never validates with an empty secret', () => {
    expect(isValidWebhookSignature(body, signWebhookBody(body, ''), '')).toBe(false);
  });
});
