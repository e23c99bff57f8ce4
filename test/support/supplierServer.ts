/**
 * A stand-in for a channel supplier's HTTP API, speaking the hub's HTTP provider protocol
 * on a real local port. Tests script its answers and read back what it was sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SupplierCall {
  channel: string;
  idempotencyKey: string;
  body: Record<string, any>;
}

export type SupplierAnswer = { status: number; json?: unknown } | 'hang';
export type SupplierScript = (call: SupplierCall, callNumber: number) => SupplierAnswer;

export interface Supplier {
  url: string;
  calls: SupplierCall[];
  script: SupplierScript;
  close(): Promise<void>;
}

export const acceptAll: SupplierScript = (call) => ({ status: 202, json: { providerReference: `ref-${call.idempotencyKey}` } });

export async function startSupplier(script: SupplierScript = acceptAll): Promise<Supplier> {
  const calls: SupplierCall[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const supplier: Supplier = { url: '', calls, script, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const call = { channel: body.channel, idempotencyKey: String(request.headers['idempotency-key'] ?? ''), body };
      calls.push(call);
      const answer = supplier.script(call, calls.length);
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  supplier.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  supplier.close = async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return supplier;
}

export function providerEnv(supplier: Supplier): Record<string, string> {
  return {
    PROVIDER_URL_NHS_APP: supplier.url,
    PROVIDER_URL_SMS: supplier.url,
    PROVIDER_URL_EMAIL: supplier.url,
    PROVIDER_URL_LETTER: supplier.url,
  };
}
