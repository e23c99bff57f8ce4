/**
 * The delivery transition table: every message status, attempt status and event has a
 * defined answer (applied, stale or refused with an error code), and only lawful changes
 * happen. Pure functions, no database.
 */
import { DeliveryAttempt } from '../../../entities/DeliveryAttempt';
import { Message } from '../../../entities/Message';
import { OutboxKind } from '../../../entities/OutboxItem';
import type { ProviderOutcome } from '../../../src/delivery/providers/channelProvider';
import { cancelTransition } from '../../../src/delivery/rules/cancelTransition';
import { DeliveryDraft, type Transition } from '../../../src/delivery/rules/deliveryDraft';
import { dispatchTransition } from '../../../src/delivery/rules/dispatchTransition';
import { wasSent } from '../../../src/delivery/rules/messageProgress';
import type { Reach } from '../../../src/delivery/rules/moveOn';
import { readTransition } from '../../../src/delivery/rules/readTransition';
import { receiptTransition } from '../../../src/delivery/rules/receiptTransition';
import { unreadTimeoutTransition } from '../../../src/delivery/rules/unreadTimeoutTransition';
import { beforeDispatchTransition } from '../../../src/delivery/rules/beforeDispatchTransition';
import { expiryTransition } from '../../../src/delivery/rules/expiryTransition';
import { notifiedTimeoutTransition } from '../../../src/delivery/rules/notifiedTimeoutTransition';
import { sendTransition } from '../../../src/delivery/rules/sendTransition';
import { ERROR_CODES } from '../../../src/shared/errors';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../../src/vocabulary/delivery';
import { MessageDirection, MessageStatus } from '../../../src/vocabulary/messages';
import { MessagingCategory } from '../../../src/vocabulary/messagingCategory';

const NOW = new Date('2026-03-10T10:00:00Z');
const SENT_AT = new Date('2026-03-10T09:00:00Z');
const SETTINGS = { quietHours: false, unreadFallbackHours: 24, maxProviderRetries: 2, retryBaseMs: 1000 };
const REACH: Reach = {
  patient: { nhsAppUser: true, mobileNumber: '07700900123', email: 'jane@example.com', postalAddress: '1 High Street, Leeds' },
  preferences: { optedOutChannels: [], fallbackOrder: [] },
};

function message(status: MessageStatus, fields: Partial<Message> = {}): Message {
  return Object.assign(new Message(), {
    id: 'm1',
    organisationOdsCode: 'A81001',
    nhsNumber: '9434765919',
    category: MessagingCategory.NHS_APP_MESSAGING,
    direction: MessageDirection.OUTBOUND,
    status,
    timeCritical: false,
    fallbackOrder: null,
    fallbackUsed: false,
    scheduledFor: null,
    deliveredChannel: null,
    deliveredAt: null,
    readAt: null,
    cancelledAt: null,
    sourceReference: null,
    nudgeWhenUnnotified: false,
    notificationsEnabledAtSend: true,
    unreadFallbackHours: null,
    notifiedWithinMinutes: null,
    expiresAt: null,
    createdAt: SENT_AT,
    updatedAt: SENT_AT,
    ...fields,
  });
}

function attempt(sequence: number, channel: Channel, status: DeliveryStatus, fields: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  const sent = status === DeliveryStatus.SENT || status === DeliveryStatus.DELIVERED || status === DeliveryStatus.READ;
  return Object.assign(new DeliveryAttempt(), {
    id: `a${sequence}`,
    messageId: 'm1',
    channel,
    sequence,
    status,
    failureReason: status === DeliveryStatus.FAILED ? FailureReason.PROVIDER_REJECTED : null,
    providerReference: sent ? `ref-${sequence}` : null,
    provider: null,
    notification: null,
    retryCount: 0,
    createdAt: SENT_AT,
    updatedAt: SENT_AT,
    sentAt: sent ? SENT_AT : null,
    deliveredAt: status === DeliveryStatus.DELIVERED || status === DeliveryStatus.READ ? SENT_AT : null,
    readAt: status === DeliveryStatus.READ ? SENT_AT : null,
    failedAt: status === DeliveryStatus.FAILED ? SENT_AT : null,
    ...fields,
  });
}

/** The message status a single NHS App attempt in this status goes with. */
const MESSAGE_FOR_ATTEMPT: Record<DeliveryStatus, MessageStatus> = {
  [DeliveryStatus.PENDING]: MessageStatus.QUEUED,
  [DeliveryStatus.SENT]: MessageStatus.SENDING,
  [DeliveryStatus.DELIVERED]: MessageStatus.DELIVERED,
  [DeliveryStatus.READ]: MessageStatus.READ,
  [DeliveryStatus.FAILED]: MessageStatus.FAILED,
  [DeliveryStatus.SKIPPED]: MessageStatus.CANCELLED,
};

function draftOf(messageStatus: MessageStatus, attempts: DeliveryAttempt[], fields: Partial<Message> = {}): DeliveryDraft {
  return new DeliveryDraft(message(messageStatus, fields), attempts, NOW);
}

function appliedEffects(transition: Transition) {
  if (transition.outcome !== 'applied') throw new Error(`expected applied, got ${JSON.stringify(transition)}`);
  return transition.effects;
}

const answer = (t: Transition) => (t.outcome === 'refused' ? `refused ${t.code}` : t.outcome);

const STATUSES = Object.values(DeliveryStatus);
const MESSAGE_STATUSES = Object.values(MessageStatus);
const RANK: Record<MessageStatus, number> = { QUEUED: 0, SENDING: 1, DELIVERED: 2, READ: 3, FAILED: 0, CANCELLED: 0, EXPIRED: 0 };
const OUTCOMES: Record<string, ProviderOutcome> = {
  accepted: { kind: 'accepted', providerReference: 'ref-new' },
  rejected: { kind: 'rejected', reason: FailureReason.PROVIDER_REJECTED, detail: 'no' },
  temporary: { kind: 'temporary', detail: 'later' },
  unavailable: { kind: 'unavailable', detail: 'every circuit is open', retryAt: new Date('2026-03-10T10:05:00Z') },
};

describe('receipts: attempt status × receipt status', () => {
  // [attempt status, receipt status, answer, attempt status after, message status after]
  const table: Array<[DeliveryStatus, DeliveryStatus, string, DeliveryStatus, MessageStatus]> = [
    [DeliveryStatus.PENDING, DeliveryStatus.SENT, 'applied', DeliveryStatus.SENT, MessageStatus.SENDING],
    [DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, 'refused BAD_USER_INPUT', DeliveryStatus.PENDING, MessageStatus.QUEUED],
    [DeliveryStatus.PENDING, DeliveryStatus.READ, 'refused BAD_USER_INPUT', DeliveryStatus.PENDING, MessageStatus.QUEUED],
    [DeliveryStatus.PENDING, DeliveryStatus.FAILED, 'applied', DeliveryStatus.FAILED, MessageStatus.QUEUED],
    [DeliveryStatus.SENT, DeliveryStatus.SENT, 'stale', DeliveryStatus.SENT, MessageStatus.SENDING],
    [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, 'applied', DeliveryStatus.DELIVERED, MessageStatus.DELIVERED],
    [DeliveryStatus.SENT, DeliveryStatus.READ, 'applied', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.SENT, DeliveryStatus.FAILED, 'applied', DeliveryStatus.FAILED, MessageStatus.SENDING],
    [DeliveryStatus.DELIVERED, DeliveryStatus.SENT, 'stale', DeliveryStatus.DELIVERED, MessageStatus.DELIVERED],
    [DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED, 'stale', DeliveryStatus.DELIVERED, MessageStatus.DELIVERED],
    [DeliveryStatus.DELIVERED, DeliveryStatus.READ, 'applied', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, 'stale', DeliveryStatus.DELIVERED, MessageStatus.DELIVERED],
    [DeliveryStatus.READ, DeliveryStatus.SENT, 'stale', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.READ, DeliveryStatus.DELIVERED, 'stale', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.READ, DeliveryStatus.READ, 'stale', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.READ, DeliveryStatus.FAILED, 'stale', DeliveryStatus.READ, MessageStatus.READ],
    [DeliveryStatus.FAILED, DeliveryStatus.SENT, 'stale', DeliveryStatus.FAILED, MessageStatus.FAILED],
    [DeliveryStatus.FAILED, DeliveryStatus.DELIVERED, 'stale', DeliveryStatus.FAILED, MessageStatus.FAILED],
    [DeliveryStatus.FAILED, DeliveryStatus.READ, 'stale', DeliveryStatus.FAILED, MessageStatus.FAILED],
    [DeliveryStatus.FAILED, DeliveryStatus.FAILED, 'stale', DeliveryStatus.FAILED, MessageStatus.FAILED],
    [DeliveryStatus.SKIPPED, DeliveryStatus.SENT, 'stale', DeliveryStatus.SKIPPED, MessageStatus.CANCELLED],
    [DeliveryStatus.SKIPPED, DeliveryStatus.DELIVERED, 'stale', DeliveryStatus.SKIPPED, MessageStatus.CANCELLED],
    [DeliveryStatus.SKIPPED, DeliveryStatus.READ, 'stale', DeliveryStatus.SKIPPED, MessageStatus.CANCELLED],
    [DeliveryStatus.SKIPPED, DeliveryStatus.FAILED, 'stale', DeliveryStatus.SKIPPED, MessageStatus.CANCELLED],
  ];

  it.each(table)('%s attempt, %s receipt: %s', (from, receipt, expected, attemptAfter, messageAfter) => {
    // The NHS App attempt is the only one: after a FAILED receipt the cascade moves on to SMS.
    const draft = draftOf(MESSAGE_FOR_ATTEMPT[from], [attempt(1, Channel.NHS_APP, from)]);
    const transition = receiptTransition(draft, 'a1', { status: receipt }, REACH, SETTINGS, NOW);
    expect(answer(transition)).toBe(expected);
    const after = transition.outcome === 'applied' ? draft : draftOf(MESSAGE_FOR_ATTEMPT[from], [attempt(1, Channel.NHS_APP, from)]);
    expect(after.attempt('a1')!.status).toBe(attemptAfter);
    expect(after.message.status).toBe(messageAfter);
  });

  it('refuses receipts that report PENDING or SKIPPED, and receipts for an unknown attempt', () => {
    for (const status of [DeliveryStatus.PENDING, DeliveryStatus.SKIPPED]) {
      expect(answer(receiptTransition(draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]), 'a1', { status }, REACH, SETTINGS, NOW))).toBe('refused BAD_USER_INPUT');
    }
    expect(answer(receiptTransition(draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]), 'a9', { status: DeliveryStatus.DELIVERED }, REACH, SETTINGS, NOW))).toBe('refused NOT_FOUND');
  });

  it('a delivery ends the cascade: later waiting attempts are skipped and their dispatch removed, the app keeps its unread timer', () => {
    const draft = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT), attempt(2, Channel.SMS, DeliveryStatus.PENDING)]);
    const effects = appliedEffects(receiptTransition(draft, 'a1', { status: DeliveryStatus.DELIVERED }, REACH, SETTINGS, NOW));
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED });
    expect(effects.removeDue).toEqual([OutboxKind.DISPATCH]);
    expect(effects.message).toMatchObject({ status: MessageStatus.DELIVERED, deliveredChannel: Channel.NHS_APP, deliveredAt: NOW, scheduledFor: null });
    expect(effects.events).toEqual([{ kind: 'DELIVERY', type: 'DELIVERED', at: NOW, attempt: { id: 'a1', channel: Channel.NHS_APP } }]);
  });

  it('a FAILED receipt for the latest attempt moves on, with a fallback event; for an earlier one it does not', () => {
    const latest = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]);
    const effects = appliedEffects(receiptTransition(latest, 'a1', { status: DeliveryStatus.FAILED, failureReason: FailureReason.RECIPIENT_INELIGIBLE }, REACH, SETTINGS, NOW));
    expect(effects.newAttempts.map((a) => [a.sequence, a.channel, a.status])).toEqual([[2, Channel.SMS, DeliveryStatus.PENDING]]);
    expect(effects.events).toContainEqual({ kind: 'FALLBACK', fromChannel: Channel.NHS_APP, toChannel: Channel.SMS, reason: FailureReason.RECIPIENT_INELIGIBLE, at: NOW });
    expect(effects.message.fallbackUsed).toBe(true);

    const earlier = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT), attempt(2, Channel.SMS, DeliveryStatus.SENT)]);
    const quiet = appliedEffects(receiptTransition(earlier, 'a1', { status: DeliveryStatus.FAILED }, REACH, SETTINGS, NOW));
    expect(quiet.newAttempts).toEqual([]);
    expect(quiet.message.status).toBeUndefined();
  });

  it('an UNNOTIFIED receipt nudges by SMS once, only when asked for and only in a category with fallback', () => {
    const unnotified = { status: DeliveryStatus.DELIVERED, notification: NotificationStatus.UNNOTIFIED };
    const asked = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)], { nudgeWhenUnnotified: true });
    const nudged = appliedEffects(receiptTransition(asked, 'a1', unnotified, REACH, SETTINGS, NOW));
    expect(nudged.newAttempts.map((a) => [a.sequence, a.channel, a.status])).toEqual([[2, Channel.SMS, DeliveryStatus.PENDING]]);
    expect(nudged.events).toContainEqual({ kind: 'FALLBACK', fromChannel: Channel.NHS_APP, toChannel: Channel.SMS, reason: FailureReason.UNNOTIFIED, at: NOW });
    expect(answer(receiptTransition(asked, 'a1', unnotified, REACH, SETTINGS, NOW))).toBe('stale');

    const notAsked = appliedEffects(receiptTransition(draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]), 'a1', unnotified, REACH, SETTINGS, NOW));
    expect(notAsked.newAttempts).toEqual([]);

    const im1 = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)], { nudgeWhenUnnotified: true, category: MessagingCategory.IM1_PFS });
    const none = appliedEffects(receiptTransition(im1, 'a1', unnotified, REACH, SETTINGS, NOW));
    expect(none.newAttempts).toEqual([]);
    expect(none.events.filter((e) => e.kind === 'FALLBACK')).toEqual([]);
    expect(none.message.fallbackUsed).toBeUndefined();
    expect(im1.attempt('a1')).toMatchObject({ status: DeliveryStatus.DELIVERED, notification: NotificationStatus.UNNOTIFIED });
  });

  it('a nudge the patient cannot receive records the SMS as skipped and leaves the app message in flight', () => {
    const noMobile: Reach = { ...REACH, patient: { ...REACH.patient, mobileNumber: null } };
    const draft = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)], { nudgeWhenUnnotified: true });
    const effects = appliedEffects(receiptTransition(draft, 'a1', { status: DeliveryStatus.SENT, notification: NotificationStatus.UNNOTIFIED }, noMobile, SETTINGS, NOW));
    expect(effects.newAttempts.map((a) => [a.channel, a.status, a.failureReason])).toEqual([[Channel.SMS, DeliveryStatus.SKIPPED, FailureReason.NO_CONTACT_DETAILS]]);
    expect(draft.message.status).toBe(MessageStatus.SENDING);
  });
});

describe('every message status × attempt status × event has a lawful answer', () => {
  type Event = { name: string; run: (draft: DeliveryDraft) => Transition; fields?: Partial<Message> };
  const events: Event[] = [
    ...STATUSES.map((status) => ({ name: `receipt ${status}`, run: (d: DeliveryDraft) => receiptTransition(d, 'a1', { status }, REACH, SETTINGS, NOW) })),
    { name: 'read mark', run: (d) => readTransition(d, REACH, SETTINGS) },
    { name: 'cancel', run: (d) => cancelTransition(d, false) },
    { name: 'cancel while being sent', run: (d) => cancelTransition(d, true) },
    { name: 'unread timeout', run: (d) => unreadTimeoutTransition(d, 'a1', REACH, SETTINGS) },
    { name: 'notified timeout', run: (d) => notifiedTimeoutTransition(d, 'a1', REACH, SETTINGS), fields: { notifiedWithinMinutes: 60 } },
    { name: 'expiry', run: (d) => expiryTransition(d), fields: { expiresAt: NOW } },
    { name: 'before dispatch, expired', run: (d) => beforeDispatchTransition(d, 'a1', REACH, SETTINGS), fields: { expiresAt: NOW } },
    { name: 'before dispatch, deceased', run: (d) => beforeDispatchTransition(d, 'a1', { ...REACH, patient: { ...REACH.patient, deceased: true } }, SETTINGS) },
    ...Object.entries(OUTCOMES).map(([name, outcome]) => ({ name: `provider ${name}`, run: (d: DeliveryDraft) => dispatchTransition(d, 'a1', outcome, REACH, SETTINGS) })),
  ];
  const cases = MESSAGE_STATUSES.flatMap((m) => STATUSES.flatMap((a) => events.map((e) => [m, a, e.name] as const)));

  it.each(cases)('%s message, %s attempt, %s', (messageStatus, attemptStatus, eventName) => {
    const event = events.find((e) => e.name === eventName)!;
    const draft = draftOf(messageStatus, [attempt(1, Channel.NHS_APP, attemptStatus)], event.fields);
    const transition = event.run(draft);
    expect(['applied', 'stale', 'refused']).toContain(transition.outcome);
    if (transition.outcome === 'refused') expect(ERROR_CODES).toContain(transition.code);
    if (transition.outcome !== 'applied') return;

    const after = draft.message.status;
    const sentBefore = wasSent({ status: attemptStatus });
    // An attempt never sent cannot become DELIVERED or READ...
    if (!sentBefore) expect([DeliveryStatus.DELIVERED, DeliveryStatus.READ]).not.toContain(draft.attempt('a1')!.status);
    // ...so a message with no sent attempt cannot become delivered or read either.
    if (!sentBefore && after !== messageStatus) expect([MessageStatus.DELIVERED, MessageStatus.READ]).not.toContain(after);
    // A finished message stays finished, a read one stays read, and a status never moves back.
    if ([MessageStatus.CANCELLED, MessageStatus.FAILED, MessageStatus.EXPIRED, MessageStatus.READ].includes(messageStatus)) expect(after).toBe(messageStatus);
    // Expiry never overtakes a delivery: a delivered or read message stays as it is.
    if ([MessageStatus.DELIVERED, MessageStatus.READ].includes(messageStatus)) expect(after).not.toBe(MessageStatus.EXPIRED);
    if (after !== MessageStatus.FAILED && after !== MessageStatus.CANCELLED && after !== MessageStatus.EXPIRED) expect(RANK[after]).toBeGreaterThanOrEqual(RANK[messageStatus]);
    // New attempts continue the sequence.
    expect(draft.effects.newAttempts.map((a) => a.sequence)).toEqual(draft.effects.newAttempts.map((_, i) => i + 2));
  });
});

describe('marking a message read', () => {
  it('refuses a message that no channel has sent yet, such as one quiet hours hold', () => {
    const held = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)], { scheduledFor: new Date('2026-03-11T06:00:00Z') });
    expect(answer(readTransition(held, REACH, SETTINGS))).toBe('refused BAD_USER_INPUT');
    expect(held.effects.attempts.size + held.effects.removeDue.length).toBe(0);
  });

  it('reads the attempt that reached the patient and ends the cascade', () => {
    const draft = draftOf(MessageStatus.DELIVERED, [attempt(1, Channel.NHS_APP, DeliveryStatus.DELIVERED)]);
    const effects = appliedEffects(readTransition(draft, REACH, SETTINGS));
    expect(effects.attempts.get('a1')).toMatchObject({ status: DeliveryStatus.READ, readAt: NOW });
    expect(effects.message).toMatchObject({ status: MessageStatus.READ, readAt: NOW });
    expect(effects.removeDue.sort()).toEqual([OutboxKind.DISPATCH, OutboxKind.EXPIRY, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.UNREAD_TIMEOUT]);
  });

  it('reads a message delivered outside the cascade (no attempts); a read one is stale; finished ones are refused', () => {
    const ingested = draftOf(MessageStatus.DELIVERED, [], { sourceReference: 'im1-1' });
    expect(appliedEffects(readTransition(ingested, REACH, SETTINGS)).message).toMatchObject({ status: MessageStatus.READ });
    expect(answer(readTransition(draftOf(MessageStatus.READ, []), REACH, SETTINGS))).toBe('stale');
    expect(answer(readTransition(draftOf(MessageStatus.QUEUED, []), REACH, SETTINGS))).toBe('refused BAD_USER_INPUT');
    expect(answer(readTransition(draftOf(MessageStatus.FAILED, [attempt(1, Channel.NHS_APP, DeliveryStatus.FAILED)]), REACH, SETTINGS))).toBe('refused BAD_USER_INPUT');
  });
});

describe('cancelling', () => {
  it('skips waiting attempts and removes every due item before anything is sent', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.SKIPPED), attempt(2, Channel.SMS, DeliveryStatus.PENDING)]);
    const effects = appliedEffects(cancelTransition(draft, false));
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED });
    expect(effects.removeDue.sort()).toEqual([OutboxKind.DISPATCH, OutboxKind.EXPIRY, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.SIMULATED_RECEIPT, OutboxKind.UNREAD_TIMEOUT]);
    expect(effects.message).toMatchObject({ status: MessageStatus.CANCELLED, cancelledAt: NOW });
  });

  it('refuses once sent, while being sent, and for messages not sent through the hub', () => {
    expect(answer(cancelTransition(draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]), false))).toBe('refused BAD_USER_INPUT');
    expect(answer(cancelTransition(draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)]), true))).toBe('refused BAD_USER_INPUT');
    expect(answer(cancelTransition(draftOf(MessageStatus.DELIVERED, [], { sourceReference: 'x' }), false))).toBe('refused BAD_USER_INPUT');
    expect(answer(cancelTransition(draftOf(MessageStatus.CANCELLED, []), false))).toBe('stale');
  });
});

describe('provider outcomes', () => {
  const pending = () => draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)]);

  it('accepted: SENT, the message is sending, and the unread timer is due', () => {
    const draft = pending();
    const effects = appliedEffects(dispatchTransition(draft, 'a1', OUTCOMES.accepted, REACH, SETTINGS));
    expect(effects.attempts.get('a1')).toMatchObject({ status: DeliveryStatus.SENT, sentAt: NOW, providerReference: 'ref-new' });
    expect(effects.message.status).toBe(MessageStatus.SENDING);
    expect(effects.addDue).toEqual([{ kind: OutboxKind.UNREAD_TIMEOUT, attemptId: 'a1', dueAt: new Date(NOW.getTime() + 24 * 3600_000) }]);
  });

  it('temporary: retried with backoff while retries remain, then moves on', () => {
    const effects = appliedEffects(dispatchTransition(pending(), 'a1', OUTCOMES.temporary, REACH, SETTINGS));
    expect(effects.attempts.get('a1')).toMatchObject({ retryCount: 1 });
    expect(effects.retryAt).toEqual(new Date(NOW.getTime() + 1000));
    const exhausted = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING, { retryCount: 2 })]);
    const last = appliedEffects(dispatchTransition(exhausted, 'a1', OUTCOMES.temporary, REACH, SETTINGS));
    expect(last.attempts.get('a1')).toMatchObject({ status: DeliveryStatus.FAILED, failureReason: FailureReason.PROVIDER_ERROR });
    expect(last.newAttempts.map((a) => a.channel)).toEqual([Channel.SMS]);
  });

  it('unavailable (no provider called): waits for the trial call without using a retry', () => {
    const exhausted = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING, { retryCount: 2 })]);
    const effects = appliedEffects(dispatchTransition(exhausted, 'a1', OUTCOMES.unavailable, REACH, SETTINGS));
    expect(effects.attempts.get('a1')).toBeUndefined();
    expect(effects.retryAt).toEqual(new Date('2026-03-10T10:05:00Z'));
    expect(effects.newAttempts).toEqual([]);
  });

  it('rejected on the last channel: the message has FAILED', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.FAILED), attempt(2, Channel.SMS, DeliveryStatus.PENDING)], { fallbackOrder: [Channel.SMS] });
    const effects = appliedEffects(dispatchTransition(draft, 'a2', OUTCOMES.rejected, REACH, SETTINGS));
    expect(effects.message.status).toBe(MessageStatus.FAILED);
    expect(effects.events).toContainEqual({ kind: 'DELIVERY', type: 'FAILED', at: NOW, attempt: { id: 'a2', channel: Channel.SMS } });
  });

  it('an attempt no longer waiting is stale', () => {
    expect(answer(dispatchTransition(draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]), 'a1', OUTCOMES.accepted, REACH, SETTINGS))).toBe('stale');
  });
});

describe('the unread timeout', () => {
  it('moves an unread app message on with UNREAD_TIMEOUT; a later live attempt or a read makes it stale', () => {
    const draft = draftOf(MessageStatus.DELIVERED, [attempt(1, Channel.NHS_APP, DeliveryStatus.DELIVERED)]);
    const effects = appliedEffects(unreadTimeoutTransition(draft, 'a1', REACH, SETTINGS));
    expect(effects.events).toEqual([{ kind: 'FALLBACK', fromChannel: Channel.NHS_APP, toChannel: Channel.SMS, reason: FailureReason.UNREAD_TIMEOUT, at: NOW }]);
    const moved = draftOf(MessageStatus.DELIVERED, [attempt(1, Channel.NHS_APP, DeliveryStatus.DELIVERED), attempt(2, Channel.SMS, DeliveryStatus.SENT)]);
    expect(answer(unreadTimeoutTransition(moved, 'a1', REACH, SETTINGS))).toBe('stale');
    expect(answer(unreadTimeoutTransition(draftOf(MessageStatus.READ, [attempt(1, Channel.NHS_APP, DeliveryStatus.READ)]), 'a1', REACH, SETTINGS))).toBe('stale');
  });
});

describe('who must not be messaged', () => {
  const fresh = (fields: Partial<Message> = {}) => draftOf(MessageStatus.QUEUED, [], fields);
  const patient = (fields: Partial<Reach['patient']>): Reach => ({ ...REACH, patient: { ...REACH.patient, ...fields } });

  it('a send to a deceased patient is refused with RECIPIENT_INELIGIBLE, time-critical or not', () => {
    expect(answer(sendTransition(fresh(), patient({ deceased: true }), SETTINGS))).toBe('refused RECIPIENT_INELIGIBLE');
    expect(answer(sendTransition(fresh({ timeCritical: true }), patient({ deceased: true }), SETTINGS))).toBe('refused RECIPIENT_INELIGIBLE');
  });

  it('a confidential record is reached only through the NHS App: time-critical sends and non-app users are refused', () => {
    expect(answer(sendTransition(fresh({ timeCritical: true }), patient({ confidential: true }), SETTINGS))).toBe('refused RECIPIENT_INELIGIBLE');
    expect(answer(sendTransition(fresh(), patient({ confidential: true, nhsAppUser: false }), SETTINGS))).toBe('refused RECIPIENT_INELIGIBLE');
    const effects = appliedEffects(sendTransition(fresh(), patient({ confidential: true }), SETTINGS));
    expect(effects.newAttempts.map((a) => [a.channel, a.status])).toEqual([[Channel.NHS_APP, DeliveryStatus.PENDING]]);
  });

  it('when a confidential app message falls back, SMS, email and letter are SKIPPED with RECIPIENT_INELIGIBLE and the message has FAILED', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)]);
    const effects = appliedEffects(dispatchTransition(draft, 'a1', OUTCOMES.rejected, patient({ confidential: true }), SETTINGS));
    expect(effects.newAttempts.map((a) => [a.channel, a.status, a.failureReason])).toEqual([
      [Channel.SMS, DeliveryStatus.SKIPPED, FailureReason.RECIPIENT_INELIGIBLE],
      [Channel.EMAIL, DeliveryStatus.SKIPPED, FailureReason.RECIPIENT_INELIGIBLE],
      [Channel.LETTER, DeliveryStatus.SKIPPED, FailureReason.RECIPIENT_INELIGIBLE],
    ]);
    expect(effects.message.status).toBe(MessageStatus.FAILED);
    expect(effects.events.filter((e) => e.kind === 'FALLBACK')).toEqual([]);
  });

  it('before dispatch: a patient since marked deceased stops every waiting attempt and fails the message', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.FAILED), attempt(2, Channel.SMS, DeliveryStatus.PENDING)]);
    const effects = appliedEffects(beforeDispatchTransition(draft, 'a2', patient({ deceased: true }), SETTINGS));
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED, failureReason: FailureReason.RECIPIENT_INELIGIBLE });
    expect(effects.message.status).toBe(MessageStatus.FAILED);
    expect(effects.removeDue).toEqual(expect.arrayContaining([OutboxKind.DISPATCH, OutboxKind.EXPIRY]));
    expect(effects.newAttempts).toEqual([]);
    expect(effects.events).toContainEqual({ kind: 'DELIVERY', type: 'FAILED', at: NOW, attempt: { id: 'a2', channel: Channel.SMS } });
  });

  it('before dispatch: an SMS to a record since made confidential is skipped and the cascade moves on; an eligible attempt may go (stale)', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.FAILED), attempt(2, Channel.SMS, DeliveryStatus.PENDING)]);
    const effects = appliedEffects(beforeDispatchTransition(draft, 'a2', patient({ confidential: true }), SETTINGS));
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED, failureReason: FailureReason.RECIPIENT_INELIGIBLE });
    expect(effects.message.status).toBe(MessageStatus.FAILED);
    const fine = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)]);
    expect(answer(beforeDispatchTransition(fine, 'a1', patient({ confidential: true }), SETTINGS))).toBe('stale');
  });
});

describe('expiry', () => {
  const LATER = new Date(NOW.getTime() + 3600_000);

  it('a send with expiresAt queues the expiry timer; one already passed is refused', () => {
    const effects = appliedEffects(sendTransition(draftOf(MessageStatus.QUEUED, [], { expiresAt: LATER }), REACH, SETTINGS));
    expect(effects.addDue).toContainEqual({ kind: OutboxKind.EXPIRY, attemptId: null, dueAt: LATER });
    expect(answer(sendTransition(draftOf(MessageStatus.QUEUED, [], { expiresAt: NOW }), REACH, SETTINGS))).toBe('refused BAD_USER_INPUT');
  });

  it('a send whose quiet-hours hold would delay the first attempt past expiresAt is refused', () => {
    const night = new DeliveryDraft(message(MessageStatus.QUEUED, { expiresAt: new Date('2026-03-11T05:00:00Z') }), [], new Date('2026-03-10T23:00:00Z'));
    const transition = sendTransition(night, REACH, { ...SETTINGS, quietHours: true });
    expect(answer(transition)).toBe('refused BAD_USER_INPUT');
    expect(transition.outcome === 'refused' && transition.reason).toMatch(/quiet hours end at 2026-03-11T06:00:00.000Z/);
    const fine = new DeliveryDraft(message(MessageStatus.QUEUED, { expiresAt: new Date('2026-03-11T07:00:00Z') }), [], new Date('2026-03-10T23:00:00Z'));
    expect(answer(sendTransition(fine, REACH, { ...SETTINGS, quietHours: true }))).toBe('applied');
  });

  it('at expiry, waiting attempts are SKIPPED with EXPIRED, queued work is removed and the message is EXPIRED', () => {
    const draft = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT), attempt(2, Channel.SMS, DeliveryStatus.PENDING)], { expiresAt: NOW });
    const effects = appliedEffects(expiryTransition(draft));
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED, failureReason: FailureReason.EXPIRED });
    expect(effects.attempts.has('a1')).toBe(false);
    expect(effects.message).toMatchObject({ status: MessageStatus.EXPIRED, scheduledFor: null });
    expect(effects.removeDue).toEqual([OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY]);
    expect(effects.events).toEqual([{ kind: 'DELIVERY', type: 'FAILED', at: NOW, attempt: { id: 'a2', channel: Channel.SMS } }]);
  });

  it('a delivered app message keeps its status but falls back no further; one not yet expired is left as it is', () => {
    const unread = draftOf(MessageStatus.DELIVERED, [attempt(1, Channel.NHS_APP, DeliveryStatus.DELIVERED), attempt(2, Channel.SMS, DeliveryStatus.PENDING)], { expiresAt: NOW });
    const effects = appliedEffects(expiryTransition(unread));
    expect(effects.message.status).toBeUndefined();
    expect(effects.attempts.get('a2')).toMatchObject({ status: DeliveryStatus.SKIPPED, failureReason: FailureReason.EXPIRED });
    expect(effects.removeDue).toEqual([OutboxKind.DISPATCH, OutboxKind.UNREAD_TIMEOUT, OutboxKind.NOTIFIED_TIMEOUT, OutboxKind.EXPIRY]);
    expect(effects.events).toEqual([]);
    expect(answer(expiryTransition(draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)], { expiresAt: LATER })))).toBe('stale');
  });

  it('a receipt after expiry is recorded on its attempt but neither revives the message nor moves it on', () => {
    const delivered = draftOf(MessageStatus.EXPIRED, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)], { expiresAt: NOW });
    const effects = appliedEffects(receiptTransition(delivered, 'a1', { status: DeliveryStatus.DELIVERED }, REACH, SETTINGS, NOW));
    expect(effects.attempts.get('a1')).toMatchObject({ status: DeliveryStatus.DELIVERED });
    expect(delivered.message.status).toBe(MessageStatus.EXPIRED);
    const failed = draftOf(MessageStatus.EXPIRED, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)], { expiresAt: NOW });
    expect(appliedEffects(receiptTransition(failed, 'a1', { status: DeliveryStatus.FAILED }, REACH, SETTINGS, NOW)).newAttempts).toEqual([]);
  });
});

describe('the notified-within timeout', () => {
  it('an accepted app attempt starts the timer when routing asks for it, and records its provider', () => {
    const draft = draftOf(MessageStatus.QUEUED, [attempt(1, Channel.NHS_APP, DeliveryStatus.PENDING)], { notifiedWithinMinutes: 60, unreadFallbackHours: 0 });
    const effects = appliedEffects(dispatchTransition(draft, 'a1', { ...OUTCOMES.accepted, provider: 'http:NHS_APP:primary' } as ProviderOutcome, REACH, SETTINGS));
    expect(effects.addDue).toEqual([{ kind: OutboxKind.NOTIFIED_TIMEOUT, attemptId: 'a1', dueAt: new Date(NOW.getTime() + 3600_000) }]);
    expect(effects.attempts.get('a1')).toMatchObject({ provider: 'http:NHS_APP:primary' });
  });

  it('no NOTIFIED in time: the message falls back with UNNOTIFIED; a NOTIFIED app message or a later live attempt makes it stale', () => {
    const draft = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT)]);
    const effects = appliedEffects(notifiedTimeoutTransition(draft, 'a1', REACH, SETTINGS));
    expect(effects.newAttempts.map((a) => [a.channel, a.status])).toEqual([[Channel.SMS, DeliveryStatus.PENDING]]);
    expect(effects.events).toContainEqual({ kind: 'FALLBACK', fromChannel: Channel.NHS_APP, toChannel: Channel.SMS, reason: FailureReason.UNNOTIFIED, at: NOW });
    const notified = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT, { notification: NotificationStatus.NOTIFIED })]);
    expect(answer(notifiedTimeoutTransition(notified, 'a1', REACH, SETTINGS))).toBe('stale');
    const moved = draftOf(MessageStatus.SENDING, [attempt(1, Channel.NHS_APP, DeliveryStatus.SENT), attempt(2, Channel.SMS, DeliveryStatus.PENDING)]);
    expect(answer(notifiedTimeoutTransition(moved, 'a1', REACH, SETTINGS))).toBe('stale');
  });
});

describe('cooling off after a report', () => {
  const until = new Date(NOW.getTime() + 86_400_000);

  it('refuses non-urgent sends with TOO_MANY_MESSAGES saying why, until the period ends; time-critical ones go', () => {
    const refusedSend = sendTransition(draftOf(MessageStatus.QUEUED, []), REACH, SETTINGS, { coolingOffUntil: until });
    expect(answer(refusedSend)).toBe('refused TOO_MANY_MESSAGES');
    expect(refusedSend.outcome === 'refused' && refusedSend.reason).toMatch(/reported a message from A81001 as unwanted or too many.*until 2026-03-11T10:00:00.000Z/);
    expect(answer(sendTransition(draftOf(MessageStatus.QUEUED, [], { timeCritical: true }), REACH, SETTINGS, { coolingOffUntil: until }))).toBe('applied');
    expect(answer(sendTransition(draftOf(MessageStatus.QUEUED, []), REACH, SETTINGS, { coolingOffUntil: NOW }))).toBe('applied');
  });
});
