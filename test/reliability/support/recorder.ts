/**
 * The suppliers' side of every reliability scenario: one HTTP server on loopback speaking
 * the hub's provider protocol for all channels. It logs every call, can answer a share of
 * them with 500 or stall them past the hub's timeout, honours the Idempotency-Key as a real
 * supplier does (a repeated key is answered with the first reference and delivers nothing
 * new), and posts signed DELIVERED receipts back to the hubs for what it accepted.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WEBHOOK_SECRET = 'reliability-webhook-secret';

export interface RecordedCall {
  key: string;
  messageId: string;
  channel: string;
  at: number;
  answer: 'accepted' | 'replayed' | 'error' | 'stalled';
}

export interface FaultPlan {
  /** Share of calls answered 500. */
  errorRate?: number;
  /** Share of calls held open past the hub's timeout. */
  stallRate?: number;
  /** How long a stalled call is held before the socket is dropped. */
  stallMs?: number;
  /** Added to every answer. */
  latencyMs?: number;
}

export interface Recorder {
  url: string;
  calls: RecordedCall[];
  /** First accepted call per idempotency key: what patients actually received. */
  deliveries: Map<string, RecordedCall>;
  receiptsPosted: number;
  plan: FaultPlan;
  /** Hub base URLs receipts go to (tried in turn until one answers 2xx). */
  receiptTargets: string[];
  sendReceipts: boolean;
  callsFor(key: string): RecordedCall[];
  close(): Promise<void>;
}

/** A stable pseudo-random number in [0, 1) for one call, so a run can be reasoned about. */
function draw(key: string, callNumber: number): number {
  return createHash('sha256').update(`${key}#${callNumber}`).digest().readUInt32BE(0) / 2 ** 32;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startRecorder(plan: FaultPlan = {}): Promise<Recorder> {
  const calls: RecordedCall[] = [];
  const byKey = new Map<string, RecordedCall[]>();
  const deliveries = new Map<string, RecordedCall>();
  const open = new Set<ServerResponse>();
  let closed = false;

  const recorder: Recorder = {
    url: '',
    calls,
    deliveries,
    receiptsPosted: 0,
    plan,
    receiptTargets: [],
    sendReceipts: true,
    callsFor: (key) => byKey.get(key) ?? [],
    close: async () => undefined,
  };

  async function postReceipt(attemptId: string): Promise<void> {
    const body = JSON.stringify({ attemptId, status: 'DELIVERED', occurredAt: new Date().toISOString() });
    const signature = createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
    const deadline = Date.now() + 120_000;
    for (let turn = 0; !closed && Date.now() < deadline; turn += 1) {
      const targets = recorder.receiptTargets;
      if (targets.length > 0) {
        const target = targets[turn % targets.length];
        try {
          const response = await fetch(`${target}/webhooks/receipts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-signature-sha256': signature },
            body,
            signal: AbortSignal.timeout(3000),
          });
          await response.text();
          if (response.ok) {
            recorder.receiptsPosted += 1;
            return;
          }
        } catch {
          // the hub is down or restarting: try again
        }
      }
      await sleep(300);
    }
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const key = String(request.headers['idempotency-key'] ?? '');
      const previous = byKey.get(key) ?? [];
      const call: RecordedCall = { key, messageId: String(body.messageId), channel: String(body.channel), at: Date.now(), answer: 'accepted' };
      calls.push(call);
      byKey.set(key, [...previous, call]);
      if (recorder.plan.latencyMs) await sleep(recorder.plan.latencyMs);

      const first = deliveries.get(key);
      if (first) {
        call.answer = 'replayed';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ providerReference: `ref-${key}` }));
        return;
      }
      const roll = draw(key, previous.length + 1);
      const errorRate = recorder.plan.errorRate ?? 0;
      const stallRate = recorder.plan.stallRate ?? 0;
      if (roll < errorRate) {
        call.answer = 'error';
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'supplier fault' }));
        return;
      }
      if (roll < errorRate + stallRate) {
        call.answer = 'stalled';
        open.add(response);
        setTimeout(() => {
          open.delete(response);
          response.destroy();
        }, recorder.plan.stallMs ?? 3000);
        return;
      }
      deliveries.set(key, call);
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ providerReference: `ref-${key}` }));
      if (recorder.sendReceipts) setTimeout(() => void postReceipt(key), 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  recorder.close = async () => {
    closed = true;
    for (const response of open) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return recorder;
}
