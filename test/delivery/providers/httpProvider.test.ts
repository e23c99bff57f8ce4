import http from 'http';
import type { AddressInfo } from 'net';
import { HttpProvider } from '../../../src/delivery/providers/httpProvider';
import type { ProviderRequest } from '../../../src/delivery/providers/channelProvider';
import { Channel, FailureReason } from '../../../src/vocabulary/delivery';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void;

/** A local supplier: records each request and answers with the current handler. */
class FakeSupplier {
  readonly received: Received[] = [];
  handler: Handler = (_req, res) => json(res, 200, { providerReference: 'ref-1' });
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const received: Received = { method: req.method, url: req.url, headers: req.headers, body: JSON.parse(text) };
      this.received.push(received);
      this.handler(req, res, received);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1/messages?tenant=hub`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function request(channel: Channel, extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return {
    attemptId: `attempt-${channel.toLowerCase()}-1`,
    messageId: 'message-1',
    channel,
    nhsNumber: '9434765919',
    mobileNumber: '07700900123',
    email: 'patient@example.com',
    postalAddress: '1 High Street, Leeds, LS1 1AA',
    subject: 'Your appointment',
    body: 'Your appointment is on **Monday** at 9am. SECRET-CLINICAL-TEXT',
    ...extra,
  };
}

describe('HttpProvider', () => {
  const supplier = new FakeSupplier();
  let url: string;
  let provider: (channel: Channel, timeoutMs?: number) => HttpProvider;

  beforeAll(async () => {
    url = await supplier.start();
    provider = (channel, timeoutMs = 2000) => new HttpProvider({ channel, url, timeoutMs });
  });
  afterAll(() => supplier.stop());
  beforeEach(() => {
    supplier.received.length = 0;
    supplier.handler = (_req, res) => json(res, 200, { providerReference: 'ref-1' });
  });

  it('is named after its channel', () => {
    expect(provider(Channel.SMS).name).toBe('http:SMS');
    expect(provider(Channel.NHS_APP).name).toBe('http:NHS_APP');
  });

  it('rejects an unusable URL at construction', () => {
    expect(() => new HttpProvider({ channel: Channel.SMS, url: 'not a url', timeoutMs: 100 })).toThrow(/invalid/);
    expect(() => new HttpProvider({ channel: Channel.SMS, url: 'ftp://x/', timeoutMs: 100 })).toThrow(/http/);
  });

  it('POSTs an SMS attempt with the idempotency key and only the mobile number as address', async () => {
    const outcome = await provider(Channel.SMS).send(request(Channel.SMS));
    expect(outcome).toEqual({ kind: 'accepted', providerReference: 'ref-1' });
    expect(supplier.received).toHaveLength(1);
    const [got] = supplier.received;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/v1/messages?tenant=hub');
    expect(got.headers['idempotency-key']).toBe('attempt-sms-1');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.body).toEqual({
      attemptId: 'attempt-sms-1',
      messageId: 'message-1',
      channel: 'SMS',
      nhsNumber: '9434765919',
      mobileNumber: '07700900123',
      subject: 'Your appointment',
      body: 'Your appointment is on **Monday** at 9am. SECRET-CLINICAL-TEXT',
    });
  });

  it('sends the email address for EMAIL and the postal address for LETTER', async () => {
    await provider(Channel.EMAIL).send(request(Channel.EMAIL));
    await provider(Channel.LETTER).send(request(Channel.LETTER, { subject: null }));
    const [email, letter] = supplier.received;
    expect(email.body).toMatchObject({ channel: 'EMAIL', email: 'patient@example.com' });
    expect(email.body).not.toHaveProperty('mobileNumber');
    expect(email.body).not.toHaveProperty('postalAddress');
    expect(letter.body).toMatchObject({ channel: 'LETTER', postalAddress: '1 High Street, Leeds, LS1 1AA', subject: null });
    expect(letter.body).not.toHaveProperty('mobileNumber');
    expect(letter.body).not.toHaveProperty('email');
  });

  it('sends no address for NHS_APP, and the notification preference when given', async () => {
    await provider(Channel.NHS_APP).send(request(Channel.NHS_APP, { notificationsEnabled: false }));
    await provider(Channel.NHS_APP).send(request(Channel.NHS_APP, { attemptId: 'attempt-app-2' }));
    const [withPreference, without] = supplier.received;
    expect(withPreference.headers['idempotency-key']).toBe('attempt-nhs_app-1');
    expect(withPreference.body).toEqual({
      attemptId: 'attempt-nhs_app-1',
      messageId: 'message-1',
      channel: 'NHS_APP',
      nhsNumber: '9434765919',
      subject: 'Your appointment',
      body: 'Your appointment is on **Monday** at 9am. SECRET-CLINICAL-TEXT',
      notificationsEnabled: false,
    });
    expect(without.headers['idempotency-key']).toBe('attempt-app-2');
    expect(without.body).not.toHaveProperty('notificationsEnabled');
    for (const key of ['mobileNumber', 'email', 'postalAddress']) expect(without.body).not.toHaveProperty(key);
  });

  it('accepts any 2xx with a providerReference', async () => {
    supplier.handler = (_req, res) => json(res, 202, { providerReference: 'abc-202', extra: true });
    expect(await provider(Channel.SMS).send(request(Channel.SMS))).toEqual({ kind: 'accepted', providerReference: 'abc-202' });
  });

  it.each([
    ['an empty JSON object', (res: http.ServerResponse) => json(res, 200, {})],
    ['an empty reference', (res: http.ServerResponse) => json(res, 200, { providerReference: '  ' })],
    ['a numeric reference', (res: http.ServerResponse) => json(res, 200, { providerReference: 42 })],
    ['a reference too long to store', (res: http.ServerResponse) => json(res, 200, { providerReference: 'x'.repeat(201) })],
    ['a non-JSON body', (res: http.ServerResponse) => { res.writeHead(200); res.end('OK'); }],
    ['no body at all', (res: http.ServerResponse) => { res.writeHead(204); res.end(); }],
  ])('treats a 2xx with %s as temporary', async (_label, answer) => {
    supplier.handler = (_req, res) => answer(res);
    const outcome = await provider(Channel.SMS).send(request(Channel.SMS));
    expect(outcome.kind).toBe('temporary');
    if (outcome.kind === 'temporary') expect(outcome.detail).toMatch(/^HTTP 20[04] without a usable providerReference/);
  });

  it.each([400, 422])('treats %i as a permanent PROVIDER_REJECTED with status and excerpt', async (status) => {
    supplier.handler = (_req, res) => json(res, status, { error: 'invalid mobile number' });
    const outcome = await provider(Channel.SMS).send(request(Channel.SMS));
    expect(outcome).toEqual({
      kind: 'rejected',
      reason: FailureReason.PROVIDER_REJECTED,
      detail: `HTTP ${status}: {"error":"invalid mobile number"}`,
    });
  });

  it('keeps the rejection excerpt short and never repeats the message body sent', async () => {
    supplier.handler = (_req, res, received) =>
      json(res, 400, { error: 'bad', echo: received.body.body, padding: 'p'.repeat(1000) });
    const outcome = await provider(Channel.SMS).send(request(Channel.SMS));
    expect(outcome.kind).toBe('rejected');
    if (outcome.kind !== 'rejected') return;
    expect(outcome.detail.startsWith('HTTP 400: ')).toBe(true);
    expect(outcome.detail.length).toBeLessThanOrEqual('HTTP 400: '.length + 200);
    expect(outcome.detail).not.toContain('SECRET-CLINICAL-TEXT');
    expect(outcome.detail).toContain('[message body]');
  });

  it.each([500, 503])('treats %i as temporary', async (status) => {
    supplier.handler = (_req, res) => { res.writeHead(status); res.end('upstream down'); };
    expect(await provider(Channel.EMAIL).send(request(Channel.EMAIL))).toEqual({
      kind: 'temporary',
      detail: `HTTP ${status}: upstream down`,
    });
  });

  it('does not follow redirects: a 3xx is temporary', async () => {
    supplier.handler = (_req, res) => { res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' }); res.end(); };
    expect(await provider(Channel.SMS).send(request(Channel.SMS))).toEqual({ kind: 'temporary', detail: 'HTTP 307' });
    expect(supplier.received).toHaveLength(1);
  });

  it('gives up on a supplier that never answers, as a temporary failure', async () => {
    supplier.handler = () => undefined; // never responds
    const started = Date.now();
    const outcome = await provider(Channel.SMS, 200).send(request(Channel.SMS));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome).toEqual({ kind: 'temporary', detail: 'no answer within 200 ms' });
  });

  it('times out a supplier that sends headers but never finishes the body', async () => {
    supplier.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"providerRef');
    };
    const started = Date.now();
    const outcome = await provider(Channel.SMS, 200).send(request(Channel.SMS));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome.kind).toBe('temporary');
    if (outcome.kind === 'temporary') expect(outcome.detail).toMatch(/no answer within 200 ms/);
  });

  it('clears its timeout timer once answered', async () => {
    const setSpy = jest.spyOn(global, 'setTimeout');
    const clearSpy = jest.spyOn(global, 'clearTimeout');
    try {
      await provider(Channel.SMS, 60_000).send(request(Channel.SMS));
      const timerCall = setSpy.mock.results.findIndex((_r, i) => setSpy.mock.calls[i][1] === 60_000);
      expect(timerCall).toBeGreaterThanOrEqual(0);
      const timer = setSpy.mock.results[timerCall].value;
      expect(clearSpy).toHaveBeenCalledWith(timer);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('treats a refused connection as temporary', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await new HttpProvider({ channel: Channel.SMS, url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }).send(
      request(Channel.SMS),
    );
    expect(outcome.kind).toBe('temporary');
    if (outcome.kind === 'temporary') expect(outcome.detail).toMatch(/^network error ECONNREFUSED/);
  });
});
