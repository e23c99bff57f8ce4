/**
 * What can happen to a message after it was sent, over HTTP: the practice cancels it, the
 * patient reads it, or the patient reports it. Channels go through a real HTTP supplier
 * stand-in, so "nothing was sent" is what the supplier saw.
 */
import { MESSAGE_STATE, send } from '../support/sending';
import {
  attemptRows,
  codeOf,
  dataOf,
  DAY_MS,
  deliveryEvents,
  hubForEachTest,
  messageRow,
  outboxKinds,
  reportRows,
  UNKNOWN_ID,
} from './rulesSupport';

const CANCEL = `mutation ($id: ID!) { cancelMessage(id: $id) { id status scheduledFor deliveryAttempts { channel status } } }`;
const MARK_READ = `mutation ($id: ID!) { markMessageRead(id: $id) { id status readAt deliveredAt deliveredChannel deliveryAttempts { channel status readAt } } }`;
const REPORT = `mutation ($input: ReportMessageInput!) { reportMessage(input: $input) { id reason comment createdAt message { id } } }`;
const REPORTS = `query ($id: ID!) { message(id: $id) { id reports { id reason comment createdAt } } }`;

describe('message actions over HTTP', () => {
  const running = hubForEachTest({ withSupplier: true });

  async function sentMessage(overrides: Record<string, unknown> = {}): Promise<string> {
    return dataOf(await send(running.server, overrides)).sendMessage.message.id;
  }

  async function dispatchedMessage(): Promise<string> {
    const id = await sentMessage();
    await running.hub.dispatcher.drain();
    const attempts = await attemptRows(running.hub, id);
    expect(attempts.map((a) => [a.channel, a.status])).toEqual([['NHS_APP', 'SENT']]);
    expect(running.supplier.calls.map((c) => c.idempotencyKey)).toEqual([attempts[0].id]);
    return id;
  }

  describe('cancelMessage', () => {
    it('cancels a message before dispatch: CANCELLED, attempt SKIPPED, no due work, nothing sent', async () => {
      const id = await sentMessage();
      expect(await outboxKinds(running.hub, id)).toEqual(['DISPATCH']);

      const cancelled = dataOf(await running.server.graphql(CANCEL, { id })).cancelMessage;
      expect(cancelled).toMatchObject({ id, status: 'CANCELLED', scheduledFor: null });
      expect(cancelled.deliveryAttempts).toEqual([{ channel: 'NHS_APP', status: 'SKIPPED' }]);

      expect(await outboxKinds(running.hub, id)).toEqual([]);
      expect((await messageRow(running.hub, id))!.cancelledAt).toEqual(running.clock.now());
      expect(await deliveryEvents(running.hub, id)).toEqual(['QUEUED', 'CANCELLED']);

      expect(await running.hub.dispatcher.drain()).toBe(0);
      running.clock.advance(DAY_MS);
      expect(await running.hub.dispatcher.drain()).toBe(0);
      expect(running.supplier.calls).toEqual([]);
      const state = dataOf(await running.server.graphql(MESSAGE_STATE, { id })).message;
      expect(state.status).toBe('CANCELLED');
      expect(state.deliveryAttempts.map((a: any) => [a.status, a.sentAt])).toEqual([['SKIPPED', null]]);
    });

    it('refuses to cancel a message the dispatcher has already sent with BAD_USER_INPUT', async () => {
      const id = await dispatchedMessage();
      const result = await running.server.graphql(CANCEL, { id });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      const state = dataOf(await running.server.graphql(MESSAGE_STATE, { id })).message;
      expect(state.status).toBe('SENDING');
      expect(state.deliveryAttempts.map((a: any) => a.status)).toEqual(['SENT']);
      expect(await deliveryEvents(running.hub, id)).not.toContain('CANCELLED');
    });

    it('answers CANCELLED again when a message is cancelled twice, changing nothing', async () => {
      const id = await sentMessage();
      const first = dataOf(await running.server.graphql(CANCEL, { id })).cancelMessage;
      const cancelledAt = (await messageRow(running.hub, id))!.cancelledAt;
      running.clock.advance(60_000);
      const second = dataOf(await running.server.graphql(CANCEL, { id })).cancelMessage;
      expect(first.status).toBe('CANCELLED');
      expect(second.status).toBe('CANCELLED');
      expect((await messageRow(running.hub, id))!.cancelledAt).toEqual(cancelledAt);
      expect((await deliveryEvents(running.hub, id)).filter((e) => e === 'CANCELLED')).toHaveLength(1);
    });

    it('answers NOT_FOUND for an unknown message id', async () => {
      expect(codeOf(await running.server.graphql(CANCEL, { id: UNKNOWN_ID }))).toBe('NOT_FOUND');
      expect(codeOf(await running.server.graphql(CANCEL, { id: 'not-a-message-id' }))).toBe('NOT_FOUND');
    });
  });

  describe('markMessageRead', () => {
    it('marks a sent message READ with readAt and ends the cascade', async () => {
      const id = await dispatchedMessage();
      expect(await outboxKinds(running.hub, id)).toEqual(['UNREAD_TIMEOUT']);
      running.clock.advance(10 * 60_000);
      const readAt = running.clock.now().toISOString();

      const read = dataOf(await running.server.graphql(MARK_READ, { id })).markMessageRead;
      expect(read).toMatchObject({ id, status: 'READ', readAt, deliveredChannel: 'NHS_APP' });
      expect(read.deliveredAt).toEqual(expect.any(String));
      expect(read.deliveryAttempts).toEqual([{ channel: 'NHS_APP', status: 'READ', readAt }]);
      expect(await outboxKinds(running.hub, id)).toEqual([]);

      // long after the unread timeout, nothing falls back and nothing more is sent
      running.clock.advance(3 * DAY_MS);
      expect(await running.hub.dispatcher.drain()).toBe(0);
      expect(running.supplier.calls).toHaveLength(1);
      const attempts = await attemptRows(running.hub, id);
      expect(attempts.map((a) => [a.channel, a.status])).toEqual([['NHS_APP', 'READ']]);
      expect((await messageRow(running.hub, id))!.status).toBe('READ');
    });

    it('answers READ again when marked twice, keeping the first readAt', async () => {
      const id = await dispatchedMessage();
      const first = dataOf(await running.server.graphql(MARK_READ, { id })).markMessageRead;
      running.clock.advance(60_000);
      const second = dataOf(await running.server.graphql(MARK_READ, { id })).markMessageRead;
      expect(second).toMatchObject({ status: 'READ', readAt: first.readAt });
      expect((await deliveryEvents(running.hub, id)).filter((e) => e === 'READ')).toHaveLength(1);
    });

    it('refuses to mark a cancelled message as read with BAD_USER_INPUT', async () => {
      const id = await sentMessage();
      dataOf(await running.server.graphql(CANCEL, { id }));
      const result = await running.server.graphql(MARK_READ, { id });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      const row = await messageRow(running.hub, id);
      expect(row).toMatchObject({ status: 'CANCELLED', readAt: null });
    });

    it('answers NOT_FOUND for an unknown message id', async () => {
      expect(codeOf(await running.server.graphql(MARK_READ, { id: UNKNOWN_ID }))).toBe('NOT_FOUND');
    });
  });

  describe('reportMessage', () => {
    it('stores the report, visible in Message.reports with its reason and comment', async () => {
      const id = await dispatchedMessage();
      const report = dataOf(await running.server.graphql(REPORT, { input: { messageId: id, reason: 'NOT_FOR_ME', comment: '  This is for my mother, not me.  ' } })).reportMessage;
      expect(report).toMatchObject({ reason: 'NOT_FOR_ME', comment: 'This is for my mother, not me.', createdAt: running.clock.now().toISOString(), message: { id } });

      const seen = dataOf(await running.server.graphql(REPORTS, { id })).message;
      expect(seen.reports).toEqual([{ id: report.id, reason: 'NOT_FOR_ME', comment: 'This is for my mother, not me.', createdAt: report.createdAt }]);
      const rows = await reportRows(running.hub, id);
      expect(rows.map((r) => [r.id, r.reason, r.comment])).toEqual([[report.id, 'NOT_FOR_ME', 'This is for my mother, not me.']]);
    });

    it('accepts a report without a comment', async () => {
      const id = await sentMessage();
      const report = dataOf(await running.server.graphql(REPORT, { input: { messageId: id, reason: 'UNWANTED' } })).reportMessage;
      expect(report).toMatchObject({ reason: 'UNWANTED', comment: null });
      expect(await reportRows(running.hub, id)).toHaveLength(1);
    });

    it('accepts a comment of 1,000 characters and refuses one of 1,001 with BAD_USER_INPUT', async () => {
      const id = await sentMessage();
      const longest = dataOf(await running.server.graphql(REPORT, { input: { messageId: id, reason: 'OTHER', comment: 'a'.repeat(1000) } })).reportMessage;
      expect(longest.comment).toHaveLength(1000);
      const tooLong = await running.server.graphql(REPORT, { input: { messageId: id, reason: 'OTHER', comment: 'a'.repeat(1001) } });
      expect(codeOf(tooLong)).toBe('BAD_USER_INPUT');
      expect(await reportRows(running.hub, id)).toHaveLength(1);
    });

    it('answers NOT_FOUND for an unknown message', async () => {
      const result = await running.server.graphql(REPORT, { input: { messageId: UNKNOWN_ID, reason: 'INAPPROPRIATE', comment: 'Not mine' } });
      expect(codeOf(result)).toBe('NOT_FOUND');
    });
  });
});

describe('markMessageRead with the default simulated suppliers', () => {
  const running = hubForEachTest();

  it('ends the cascade: no dispatch or unread timer left, and later receipts and timers change nothing', async () => {
    const id = dataOf(await send(running.server)).sendMessage.message.id;
    await running.hub.dispatcher.drain();
    expect(await outboxKinds(running.hub, id)).toContain('UNREAD_TIMEOUT');
    const readAt = running.clock.now().toISOString();

    const read = dataOf(await running.server.graphql(MARK_READ, { id })).markMessageRead;
    expect(read).toMatchObject({ status: 'READ', readAt, deliveredChannel: 'NHS_APP' });
    const left = await outboxKinds(running.hub, id);
    expect(left).not.toContain('DISPATCH');
    expect(left).not.toContain('UNREAD_TIMEOUT');

    for (let hour = 0; hour < 72; hour += 1) {
      running.clock.advance(60 * 60_000);
      await running.hub.dispatcher.drain();
    }
    expect(await outboxKinds(running.hub, id)).toEqual([]);
    const state = dataOf(await running.server.graphql(MESSAGE_STATE, { id })).message;
    expect(state).toMatchObject({ status: 'READ', readAt, fallbackUsed: false, deliveredChannel: 'NHS_APP' });
    expect(state.deliveryAttempts.map((a: any) => [a.channel, a.status, a.readAt])).toEqual([['NHS_APP', 'READ', readAt]]);
    expect((await deliveryEvents(running.hub, id)).filter((e) => e === 'READ')).toHaveLength(1);
  });
});
