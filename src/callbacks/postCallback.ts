/**
 * One signed POST to a callback URL. The whole call, connection included, must finish within
 * the timeout, so a slow receiver holds a dispatcher slot for a bounded time. In production
 * the connection is only made to public addresses (see callbackUrl.ts).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isNonPublicAddress, publicOnlyLookup } from './callbackUrl';
import { callbackSignature } from './callbackSecret';
import type { CallbackAnswer } from './rules/retrySchedule';

export interface CallbackCall {
  url: string;
  eventId: string;
  body: string;
  secret: string;
  /** Unix seconds, signed together with the body. */
  timestamp: number;
  timeoutMs: number;
  production: boolean;
}

export function postCallback(call: CallbackCall): Promise<CallbackAnswer> {
  const url = new URL(call.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (call.production && (url.protocol !== 'https:' || (isIP(host) && isNonPublicAddress(host)))) {
    return Promise.resolve({ kind: 'no-answer', reason: 'the URL is not an https address on the public internet' });
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: CallbackAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(call.body),
          'user-agent': 'nhs-app-messaging-hub',
          'idempotency-key': call.eventId,
          'x-hub-timestamp': String(call.timestamp),
          'x-hub-signature-sha256': callbackSignature(call.secret, call.timestamp, call.body),
        },
        ...(call.production ? { lookup: publicOnlyLookup as never } : {}),
      },
      (res: IncomingMessage) => {
        const retryAfter = res.headers['retry-after'];
        // The answer's body is not needed; reading it lets the socket close cleanly.
        res.resume();
        res.on('end', () => finish({ kind: 'status', status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null }));
        res.on('error', () => finish({ kind: 'status', status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'no-answer', reason: `no answer within ${call.timeoutMs} ms` });
      req.destroy();
    }, call.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'no-answer', reason: error.code ?? error.message }));
    req.end(call.body);
  });
}
