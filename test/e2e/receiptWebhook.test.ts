/**
 * Delivery receipts end to end: a supplier POSTs signed JSON to /webhooks/receipts, or
 * calls recordDeliveryReceipt through GraphQL. Messages go out through a real HTTP
 * supplier stand-in, so no simulated receipt ever arrives on its own.
 */
import { signWebhookBody } from '../../src/http/webhookSignature';
import { MESSAGE_STATE, send } from '../support/sending';
import {
  attemptRows,
  codeOf,
  dataOf,
  deliveryEvents,
  hubForEachTest,
  UNKNOWN_ID,
} from './rulesSupport';

const RECORD = `
  mutation ($input: DeliveryReceiptInput!) {
    recordDeliveryReceipt(input: $input) { id status sentAt deliveredAt readAt notification message { id status } }
  }`;

interface WebhookAnswer {
  status: number;
  body: any;
}

describe('delivery receipts', () => {
  const running = hubForEachTest({ withSupplier: true });

  async function post(raw: string, signature: string | null): Promise<WebhookAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== null) headers['X-Signature-SHA256'] = signature;
    const response = await fetch(`http://127.0.0.1:${running.server.port}/webhooks/receipts`, { method: 'POST', headers, body: raw });
    return { status: response.status, body: await response.json() };
  }

  async function postSigned(receipt: unknown): Promise<WebhookAnswer> {
    const raw = JSON.stringify(receipt);
    return post(raw, signWebhookBody(raw, running.hub.config.webhookSecret));
  }

  /** A message the supplier has accepted: its NHS App attempt is SENT with a provider reference. */
  async function sentAttempt(): Promise<{ messageId: string; attemptId: string; providerReference: string }> {
    const messageId = dataOf(await send(running.server)).sendMessage.message.id;
    await running.hub.dispatcher.drain();
    const [attempt] = await attemptRows(running.hub, messageId);
    expect(attempt).toMatchObject({ channel: 'NHS_APP', status: 'SENT', providerReference: `ref-${attempt.id}` });
    return { messageId, attemptId: attempt.id, providerReference: attempt.providerReference! };
  }

  async function state(messageId: string) {
    return dataOf(await running.server.graphql(MESSAGE_STATE, { id: messageId })).message;
  }

  describe('POST /webhooks/receipts', () => {
    it('moves a correctly signed attempt to DELIVERED, then READ', async () => {
      const { messageId, attemptId } = await sentAttempt();
      running.clock.advance(2_000);
      const deliveredAt = running.clock.now().toISOString();
      const delivered = await postSigned({ attemptId, status: 'DELIVERED', notification: 'NOTIFIED' });
      expect(delivered).toEqual({ status: 200, body: { attemptId, status: 'DELIVERED', notification: 'NOTIFIED' } });
      let message = await state(messageId);
      expect(message).toMatchObject({ status: 'DELIVERED', deliveredChannel: 'NHS_APP', deliveredAt, readAt: null });
      expect(message.deliveryAttempts[0]).toMatchObject({ status: 'DELIVERED', deliveredAt, notification: 'NOTIFIED' });

      running.clock.advance(30 * 60_000);
      const readAt = running.clock.now().toISOString();
      const read = await postSigned({ attemptId, status: 'READ' });
      expect(read).toMatchObject({ status: 200, body: { attemptId, status: 'READ' } });
      message = await state(messageId);
      expect(message).toMatchObject({ status: 'READ', deliveredAt, readAt });
      expect(message.deliveryAttempts[0]).toMatchObject({ status: 'READ', deliveredAt, readAt });
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'READ']);
    });

    it('uses occurredAt from the receipt when it is in the past', async () => {
      const { messageId, attemptId } = await sentAttempt();
      const occurredAt = running.clock.now().toISOString();
      running.clock.advance(5 * 60_000);
      expect((await postSigned({ attemptId, status: 'DELIVERED', occurredAt })).status).toBe(200);
      expect((await state(messageId)).deliveryAttempts[0].deliveredAt).toBe(occurredAt);
    });

    it('answers 401 to a bad signature and changes nothing', async () => {
      const { messageId, attemptId } = await sentAttempt();
      const raw = JSON.stringify({ attemptId, status: 'DELIVERED' });
      const wrongSecret = await post(raw, signWebhookBody(raw, 'not-the-secret'));
      expect(wrongSecret.status).toBe(401);
      expect(wrongSecret.body.error.code).toBe('UNAUTHENTICATED');
      const otherBody = await post(raw, signWebhookBody(JSON.stringify({ attemptId, status: 'READ' }), running.hub.config.webhookSecret));
      expect(otherBody.status).toBe(401);
      const message = await state(messageId);
      expect(message.status).toBe('SENDING');
      expect(message.deliveryAttempts[0]).toMatchObject({ status: 'SENT', deliveredAt: null });
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT']);
    });

    it('answers 401 when the signature is missing', async () => {
      const { messageId, attemptId } = await sentAttempt();
      const answer = await post(JSON.stringify({ attemptId, status: 'DELIVERED' }), null);
      expect(answer.status).toBe(401);
      expect((await state(messageId)).deliveryAttempts[0].status).toBe('SENT');
    });

    it('answers 404 with NOT_FOUND for a receipt about an unknown attempt', async () => {
      const answer = await postSigned({ attemptId: UNKNOWN_ID, status: 'DELIVERED' });
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('NOT_FOUND');
      const byReference = await postSigned({ providerReference: 'ref-nobody-knows', status: 'DELIVERED' });
      expect(byReference.status).toBe(404);
      expect(byReference.body.error.code).toBe('NOT_FOUND');
    });

    it('answers 400 to a correctly signed body that is not JSON', async () => {
      const { messageId } = await sentAttempt();
      const raw = '{"attemptId": "oops", status: DELIVERED';
      const answer = await post(raw, signWebhookBody(raw, running.hub.config.webhookSecret));
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BAD_USER_INPUT');
      expect((await state(messageId)).deliveryAttempts[0].status).toBe('SENT');
    });

    it('answers 400 to a signed receipt with status PENDING and changes nothing', async () => {
      const { messageId, attemptId } = await sentAttempt();
      const answer = await postSigned({ attemptId, status: 'PENDING' });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BAD_USER_INPUT');
      expect((await state(messageId)).deliveryAttempts[0].status).toBe('SENT');
    });

    it('finds the attempt by providerReference', async () => {
      const { messageId, attemptId, providerReference } = await sentAttempt();
      const answer = await postSigned({ providerReference, status: 'DELIVERED' });
      expect(answer).toMatchObject({ status: 200, body: { attemptId, status: 'DELIVERED' } });
      expect((await state(messageId)).status).toBe('DELIVERED');
    });

    it('changes nothing when the same receipt arrives twice', async () => {
      const { messageId, attemptId } = await sentAttempt();
      expect((await postSigned({ attemptId, status: 'DELIVERED' })).status).toBe(200);
      const once = await state(messageId);
      const attemptOnce = (await attemptRows(running.hub, messageId))[0];

      running.clock.advance(10 * 60_000);
      const again = await postSigned({ attemptId, status: 'DELIVERED' });
      expect(again).toMatchObject({ status: 200, body: { status: 'DELIVERED' } });
      expect(await state(messageId)).toEqual(once);
      const attemptTwice = (await attemptRows(running.hub, messageId))[0];
      expect(attemptTwice.updatedAt).toEqual(attemptOnce.updatedAt);
      expect(attemptTwice.deliveredAt).toEqual(attemptOnce.deliveredAt);

      expect((await postSigned({ attemptId, status: 'READ' })).status).toBe(200);
      const read = await state(messageId);
      running.clock.advance(10 * 60_000);
      expect((await postSigned({ attemptId, status: 'READ' })).status).toBe(200);
      expect(await state(messageId)).toEqual(read);
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'READ']);
    });

    it('keeps READ when a late DELIVERED arrives after it', async () => {
      const { messageId, attemptId } = await sentAttempt();
      running.clock.advance(60_000);
      expect((await postSigned({ attemptId, status: 'READ' })).status).toBe(200);
      const read = await state(messageId);
      expect(read.status).toBe('READ');
      running.clock.advance(60_000);
      const late = await postSigned({ attemptId, status: 'DELIVERED' });
      expect(late).toMatchObject({ status: 200, body: { status: 'READ' } });
      expect(await state(messageId)).toEqual(read);
      expect(read.deliveryAttempts[0].status).toBe('READ');
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT', 'READ']);
    });
  });

  describe('recordDeliveryReceipt through GraphQL', () => {
    it('moves the attempt to DELIVERED, then READ', async () => {
      const { messageId, attemptId } = await sentAttempt();
      running.clock.advance(2_000);
      const deliveredAt = running.clock.now().toISOString();
      const delivered = dataOf(await running.server.graphql(RECORD, { input: { attemptId, status: 'DELIVERED', notification: 'NOTIFIED' } })).recordDeliveryReceipt;
      expect(delivered).toMatchObject({ id: attemptId, status: 'DELIVERED', deliveredAt, readAt: null, notification: 'NOTIFIED', message: { id: messageId, status: 'DELIVERED' } });

      running.clock.advance(60_000);
      const readAt = running.clock.now().toISOString();
      const read = dataOf(await running.server.graphql(RECORD, { input: { attemptId, status: 'READ' } })).recordDeliveryReceipt;
      expect(read).toMatchObject({ id: attemptId, status: 'READ', deliveredAt, readAt, message: { status: 'READ' } });
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT', 'DELIVERED', 'READ']);
    });

    it('changes nothing for a repeated receipt, and keeps READ after a late DELIVERED', async () => {
      const { messageId, attemptId, providerReference } = await sentAttempt();
      const first = dataOf(await running.server.graphql(RECORD, { input: { providerReference, status: 'READ' } })).recordDeliveryReceipt;
      running.clock.advance(60_000);
      const repeated = dataOf(await running.server.graphql(RECORD, { input: { attemptId, status: 'READ' } })).recordDeliveryReceipt;
      expect(repeated).toEqual(first);
      const late = dataOf(await running.server.graphql(RECORD, { input: { attemptId, status: 'DELIVERED' } })).recordDeliveryReceipt;
      expect(late).toEqual(first);
      expect(await deliveryEvents(running.hub, messageId)).toEqual(['QUEUED', 'SENT', 'READ']);
    });

    it('answers NOT_FOUND for an unknown attempt id', async () => {
      const result = await running.server.graphql(RECORD, { input: { attemptId: UNKNOWN_ID, status: 'DELIVERED' } });
      expect(codeOf(result)).toBe('NOT_FOUND');
    });

    it('refuses status PENDING with BAD_USER_INPUT and changes nothing', async () => {
      const { messageId, attemptId } = await sentAttempt();
      const result = await running.server.graphql(RECORD, { input: { attemptId, status: 'PENDING' } });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect((await state(messageId)).deliveryAttempts[0].status).toBe('SENT');
    });
  });
});
