/**
 * Sends an attempt to a real supplier over HTTP (runtime contract, "The HTTP provider"):
 * `POST <url>` with `Idempotency-Key: <attempt id>` and a JSON body describing the attempt.
 *
 * - 2xx with `{"providerReference": "…"}` → accepted (receipts follow through the webhook).
 * - 2xx without a usable providerReference → temporary (the supplier misbehaved; the retry
 *   carries the same Idempotency-Key, so a supplier that did accept will not send twice).
 * - 4xx → rejected, PROVIDER_REJECTED (permanent: the dispatcher moves to the next channel).
 * - 5xx, any other status, network error or no complete answer within timeoutMs → temporary.
 *
 * Details never contain the message body we sent: only the status and a short, single-line
 * excerpt of what the supplier answered (with any echo of our body redacted).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Channel, FailureReason } from '../../vocabulary/delivery';
import { type ChannelProvider, type ProviderOutcome, type ProviderRequest, wrongChannelOutcome } from './channelProvider';

export interface HttpProviderOptions {
  channel: Channel;
  url: string;
  timeoutMs: number;
  /** How health and attempts name it; default http:<CHANNEL>. */
  name?: string;
}

/** Longest detail excerpt taken from a supplier's response body. */
export const RESPONSE_EXCERPT_MAX_CHARS = 200;
/** provider_reference is varchar(200); a longer reference cannot be stored. */
export const MAX_PROVIDER_REFERENCE_LENGTH = 200;
/** We never need more than this of a supplier's answer (a JSON reference or an error excerpt). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Connections kept open between calls, shared by every HTTP provider; an idle one is closed
 * after a few seconds, before a supplier's own keep-alive timeout (Node's default is 5 s) could
 * close it under a new request.
 */
const HTTP_AGENT = new HttpAgent({ keepAlive: true, timeout: 4000 });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: true, timeout: 4000 });

type HttpAnswer = { status: number; text: string | null; readError: unknown; timedOut: boolean } | { error: unknown; timedOut: boolean };

/** The JSON body sent to the supplier: only the address of the channel being attempted. */
export function buildProviderPayload(request: ProviderRequest): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    attemptId: request.attemptId,
    messageId: request.messageId,
    channel: request.channel,
    nhsNumber: request.nhsNumber,
  };
  switch (request.channel) {
    case Channel.SMS:
      payload.mobileNumber = request.mobileNumber;
      break;
    case Channel.EMAIL:
      payload.email = request.email;
      break;
    case Channel.LETTER:
      payload.postalAddress = request.postalAddress;
      break;
    case Channel.NHS_APP:
      if (request.notificationsEnabled !== undefined) payload.notificationsEnabled = request.notificationsEnabled;
      break;
  }
  payload.subject = request.subject;
  payload.body = request.body;
  return payload;
}

export class HttpProvider implements ChannelProvider {
  readonly name: string;
  private readonly channel: Channel;
  private readonly url: URL;
  private readonly timeoutMs: number;

  constructor(options: HttpProviderOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error(`HttpProvider(${options.channel}): invalid provider URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`HttpProvider(${options.channel}): provider URL must be http or https, got ${parsed.protocol}`);
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error(`HttpProvider(${options.channel}): timeoutMs must be a positive number`);
    }
    this.channel = options.channel;
    this.url = parsed;
    this.timeoutMs = options.timeoutMs;
    this.name = options.name ?? `http:${options.channel}`;
  }

  async send(request: ProviderRequest): Promise<ProviderOutcome> {
    const wrongChannel = wrongChannelOutcome(this, this.channel, request);
    if (wrongChannel) return wrongChannel;
    const answer = await this.post(JSON.stringify(buildProviderPayload(request)), request.attemptId);
    if ('error' in answer) return { kind: 'temporary', detail: this.failureDetail(answer.error, answer.timedOut) };

    const { status, text, readError, timedOut } = answer;
    if (status >= 200 && status < 300) {
      if (text === null) {
        return {
          kind: 'temporary',
          detail: `HTTP ${status} but the response could not be read: ${this.failureDetail(readError, timedOut)}`,
        };
      }
      const reference = providerReferenceFrom(text);
      if (reference === null) {
        return {
          kind: 'temporary',
          detail: `HTTP ${status} without a usable providerReference${excerptSuffix(text, request.body)}`,
        };
      }
      return { kind: 'accepted', providerReference: reference };
    }
    const suffix = text === null ? '' : excerptSuffix(text, request.body);
    if (status >= 400 && status < 500) {
      return { kind: 'rejected', reason: FailureReason.PROVIDER_REJECTED, detail: `HTTP ${status}${suffix}` };
    }
    // 5xx, and anything else a supplier should not answer (1xx, 3xx): retry later.
    return { kind: 'temporary', detail: `HTTP ${status}${suffix}` };
  }

  /**
   * One POST over a kept-alive connection (node:http costs a fraction of fetch's CPU per call).
   * Redirects are not followed. The timer covers the whole exchange: connect, headers and
   * reading the body, of which at most MAX_RESPONSE_BYTES are kept.
   */
  private post(body: string, idempotencyKey: string): Promise<HttpAnswer> {
    return new Promise((resolve) => {
      let settled = false;
      let timedOut = false;
      const finish = (answer: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(this.url, {
        method: 'POST',
        agent: this.url.protocol === 'https:' ? HTTPS_AGENT : HTTP_AGENT,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
          'Idempotency-Key': idempotencyKey,
        },
      });
      const timer = setTimeout(() => {
        timedOut = true;
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      outgoing.on('error', (error) => finish({ error, timedOut }));
      outgoing.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let total = 0;
        const done = () => finish({ status, text: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'), readError: null, timedOut });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          total += chunk.byteLength;
          if (total >= MAX_RESPONSE_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', (error) => finish({ status, text: null, readError: error, timedOut }));
        // The connection closed before the body ended (a timeout destroys it too).
        response.on('close', () => {
          if (!response.complete) finish({ status, text: null, readError: new Error('the response ended early'), timedOut });
        });
      });
      outgoing.end(body);
    });
  }

  private failureDetail(error: unknown, aborted: boolean): string {
    if (aborted) return `no answer within ${this.timeoutMs} ms`;
    // Duck-typed: fetch's errors may come from another realm (e.g. under jest), so no instanceof.
    const cause = field(error, 'cause');
    const code = field(cause, 'code') ?? field(error, 'code');
    const message = field(cause, 'message') ?? field(error, 'message');
    const parts = ['network error'];
    if (typeof code === 'string') parts.push(` ${code}`);
    if (typeof message === 'string' && message !== '') parts.push(`: ${singleLine(message).slice(0, RESPONSE_EXCERPT_MAX_CHARS)}`);
    return parts.join('');
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function providerReferenceFrom(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const reference = (parsed as { providerReference?: unknown }).providerReference;
  if (typeof reference !== 'string') return null;
  const trimmed = reference.trim();
  if (trimmed === '' || trimmed.length > MAX_PROVIDER_REFERENCE_LENGTH) return null;
  return trimmed;
}

function singleLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** ": <excerpt>" of the supplier's answer, at most 200 chars, with any echo of our message body removed. */
function excerptSuffix(responseText: string, sentBody: string): string {
  let text = responseText;
  if (sentBody.length > 0) {
    // As sent inside our JSON (escaped), then verbatim, then as a single line.
    for (const form of [JSON.stringify(sentBody).slice(1, -1), sentBody]) text = text.split(form).join('[message body]');
  }
  const flatBody = singleLine(sentBody);
  text = singleLine(text);
  if (flatBody.length > 0) text = text.split(flatBody).join('[message body]');
  if (text === '') return '';
  const excerpt =
    text.length > RESPONSE_EXCERPT_MAX_CHARS ? `${text.slice(0, RESPONSE_EXCERPT_MAX_CHARS - 1)}…` : text;
  return `: ${excerpt}`;
}
