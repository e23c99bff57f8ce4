/**
 * A sender's system as the tests play it: an HTTP server on loopback that records every
 * status callback it gets (headers, raw body, arrival time) and answers as the test says.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, any>;
  receivedAt: number;
  /** What the receiver answered. */
  status: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Answer only after this long (a slow receiver). */
  delayMs?: number;
}

export interface CallbackReceiver {
  url: string;
  calls: ReceivedCallback[];
  /** Decides each answer; the default accepts everything. */
  answer: (call: Omit<ReceivedCallback, 'status'>, earlierCallsForEvent: number) => Answer;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const receiver: CallbackReceiver = {
    url: '',
    calls: [],
    answer: () => ({ status: 200 }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(rawBody);
      } catch {
        // recorded as received; the test decides what that means
      }
      const call = { headers: req.headers, rawBody, body, receivedAt: Date.now() };
      const earlier = receiver.calls.filter((c) => c.headers['idempotency-key'] === req.headers['idempotency-key']).length;
      const answer = receiver.answer(call, earlier);
      receiver.calls.push({ ...call, status: answer.status });
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end('{}');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hub-callbacks`;
  return receiver;
}

/** What a receiver should do with each request: recompute the signature over timestamp and raw body. */
export function signatureVerifies(call: ReceivedCallback, secret: string): boolean {
  const timestamp = String(call.headers['x-hub-timestamp'] ?? '');
  const signature = String(call.headers['x-hub-signature-sha256'] ?? '');
  const expected = createHmac('sha256', secret).update(`${timestamp}.${call.rawBody}`).digest('hex');
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}
