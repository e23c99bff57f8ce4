/**
 * The dispatcher sends a claimed batch together and records all its outcomes in one
 * transaction. Each outcome is still decided on the message as it is when recorded: a
 * message the patient read while its fallback was with the supplier ends its cascade, and
 * the fallback is not recorded as sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { In } from 'typeorm';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { HubEvent } from '../../entities/HubEvent';
import { OutboxItem, OutboxKind } from '../../entities/OutboxItem';
import { Dispatcher } from '../../src/delivery/dispatcher';
import type { Hub } from '../../src/hub';
import { markMessageRead } from '../../src/messages/messageActions';
import { sendMessage } from '../../src/messages/sendMessage';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { ManualClock } from '../../src/shared/clock';
import { HOUR_MS } from '../../src/shared/durations';
import { UNRESTRICTED } from '../../src/shared/scope';
import { Channel, DeliveryStatus } from '../../src/vocabulary/delivery';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import { createTestHub } from '../support/testHub';

interface Call {
  attemptId: string;
  messageId: string;
  channel: string;
}

describe('dispatching a claimed batch', () => {
  let hub: Hub;
  let supplier: Server;
  const calls: Call[] = [];
  const connections = new Set<unknown>();
  /** Runs before the supplier answers a call. */
  let beforeAnswer: (call: Call) => Promise<void> = async () => undefined;
  const clock = new ManualClock('2026-03-10T10:00:00Z');

  beforeAll(async () => {
    supplier = createServer((request, response) => {
      connections.add(request.socket);
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const call = { attemptId: String(request.headers['idempotency-key']), messageId: body.messageId, channel: body.channel };
        calls.push(call);
        await beforeAnswer(call);
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ providerReference: `ref-${call.attemptId}` }));
      });
    });
    await new Promise<void>((resolve) => supplier.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(supplier.address() as AddressInfo).port}/send`;
    hub = await createTestHub({
      clock,
      env: { PROVIDER_URL_NHS_APP: url, PROVIDER_URL_SMS: url, PROVIDER_URL_EMAIL: url, PROVIDER_URL_LETTER: url, MAX_MESSAGES_PER_PATIENT_PER_DAY: '100', UNREAD_FALLBACK_HOURS: '24' },
    });
    await givenOrganisation(hub);
  });

  afterAll(async () => {
    await hub.close();
    supplier.closeAllConnections();
    await new Promise((resolve) => supplier.close(resolve));
  });

  beforeEach(() => {
    calls.length = 0;
    connections.clear();
    beforeAnswer = async () => undefined;
  });

  async function patients(count: number, from: number): Promise<string[]> {
    const numbers: string[] = [];
    for (let stem = from; numbers.length < count; stem += 1) {
      const nhsNumber = withCheckDigit(String(stem));
      if (nhsNumber) numbers.push(nhsNumber);
    }
    for (const nhsNumber of numbers) await givenPatient(hub, { nhsNumber });
    return numbers;
  }

  async function send(nhsNumber: string, subject: string): Promise<string> {
    return (await sendMessage(hub.useCases.send, validSend({ nhsNumber, subject }) as never, UNRESTRICTED)).message.id;
  }

  async function attemptsOf(messageIds: string[]): Promise<DeliveryAttempt[]> {
    return hub.db.dataSource.getRepository(DeliveryAttempt).find({ where: { messageId: In(messageIds) }, order: { sequence: 'ASC' } });
  }

  it('sends every attempt of the batch once, over kept-alive connections, and records each as SENT with its event and unread timer', async () => {
    const nhsNumbers = await patients(30, 999200001);
    const messageIds: string[] = [];
    for (const [i, nhsNumber] of nhsNumbers.entries()) messageIds.push(await send(nhsNumber, `Batch ${i}`));

    const dispatcher = new Dispatcher(hub.useCases.dispatch, { intervalMs: 10, batchSize: 50, concurrency: 4 });
    expect(await dispatcher.drain()).toBe(30);

    expect(calls.map((c) => c.messageId).sort()).toEqual([...messageIds].sort());
    expect(new Set(calls.map((c) => c.attemptId)).size).toBe(30);
    // Four calls at a time reuse their connections rather than opening one per call.
    expect(connections.size).toBeLessThanOrEqual(4);
    const attempts = await attemptsOf(messageIds);
    expect(attempts.map((a) => [a.status, a.providerReference])).toEqual(attempts.map((a) => [DeliveryStatus.SENT, `ref-${a.id}`]));
    const sentEvents = await hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: In(messageIds), type: 'SENT' as never } });
    expect(sentEvents.map((e) => e.attemptId).sort()).toEqual(attempts.map((a) => a.id).sort());
    const due = await hub.db.dataSource.getRepository(OutboxItem).find({ where: { messageId: In(messageIds) } });
    expect(due.map((item) => item.kind)).toEqual(Array(30).fill(OutboxKind.UNREAD_TIMEOUT));
    expect(dispatcher.stats).toEqual({ processed: 30, failed: 0 });
  });

  it('does not record a fallback as sent when the patient read the message while the fallback was with the supplier', async () => {
    const [reader, other] = await patients(2, 999300001);
    const readId = await send(reader, 'Read during the fallback');
    const otherId = await send(other, 'Falls back as usual');
    const dispatcher = new Dispatcher(hub.useCases.dispatch, { intervalMs: 10 });
    await dispatcher.drain();
    // Unread for a day: both fall back to SMS.
    clock.advance(25 * HOUR_MS);
    await dispatcher.runOnce();
    const smsDue = await hub.db.dataSource.getRepository(OutboxItem).find({ where: { messageId: In([readId, otherId]), kind: OutboxKind.DISPATCH } });
    expect(smsDue).toHaveLength(2);
    calls.length = 0;

    beforeAnswer = async (call) => {
      if (call.messageId === readId) await markMessageRead(hub.useCases.messageActions, readId, UNRESTRICTED);
    };
    await dispatcher.drain();

    const ours = calls.filter((c) => [readId, otherId].includes(c.messageId));
    expect(ours.map((c) => [c.messageId, c.channel]).sort()).toEqual([[readId, Channel.SMS], [otherId, Channel.SMS]].sort());
    const [readApp, readSms] = await attemptsOf([readId]);
    expect(readApp.status).toBe(DeliveryStatus.READ);
    expect(readSms.channel).toBe(Channel.SMS);
    expect(readSms.status).not.toBe(DeliveryStatus.SENT);
    expect(readSms.providerReference).toBeNull();
    const [, otherSms] = await attemptsOf([otherId]);
    expect([otherSms.channel, otherSms.status]).toEqual([Channel.SMS, DeliveryStatus.SENT]);
    const smsSent = await hub.db.dataSource.getRepository(HubEvent).find({ where: { messageId: In([readId, otherId]), type: 'SENT' as never, channel: Channel.SMS as never } });
    expect(smsSent.map((e) => e.messageId)).toEqual([otherId]);
    expect(await hub.db.dataSource.getRepository(OutboxItem).count({ where: { messageId: In([readId, otherId]), kind: OutboxKind.DISPATCH } })).toBe(0);
  });
});
