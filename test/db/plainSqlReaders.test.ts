/**
 * The loaders' plain-SQL reads (patients, a patient's page of messages, attempts by message,
 * preference history, idempotency keys, the batch's patient lock) return the very objects
 * TypeORM's entity loading returned: the entity class, dates as Date, booleans, NULLs and
 * JSON columns alike, on whichever database the suite runs against, with the same scope.
 */
import { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { Patient } from '../../entities/Patient';
import type { Hub } from '../../src/hub';
import { newId } from '../../src/shared/ids';
import { UNRESTRICTED } from '../../src/shared/scope';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../../src/vocabulary/delivery';
import { LegalBasis, MessageDirection, MessageStatus } from '../../src/vocabulary/messages';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { createTestHub } from '../support/testHub';

const JANE = '9434765919';
const JOHN = '9434765870';
const JANET = '4010232137';
const A = 'A81001';
const B = 'B82005';

describe('plain-SQL readers', () => {
  let hub: Hub;
  const messageIds: string[] = [];

  function message(nhsNumber: string, organisationOdsCode: string, minutes: number, fields: Partial<Message> = {}): Message {
    const createdAt = new Date(Date.UTC(2026, 2, 10, 9, 0, 0, 0) + minutes * 60_000 + 123);
    return Object.assign(new Message(), {
      id: newId(),
      organisationOdsCode,
      nhsNumber,
      category: MessagingCategory.NHS_APP_MESSAGING,
      direction: MessageDirection.OUTBOUND,
      subject: null,
      body: `Message ${minutes}: your appointment is on Monday.`,
      legalBasis: null,
      purpose: null,
      timeCritical: false,
      idempotencyKey: null,
      requestHash: null,
      sourceReference: null,
      status: MessageStatus.QUEUED,
      templateId: null,
      scheduledFor: null,
      deliveredChannel: null,
      fallbackUsed: false,
      readingGrade: 4.25,
      wordCount: 7,
      smsFragments: 1,
      contentWarnings: [],
      fallbackOrder: null,
      unreadFallbackHours: null,
      notifiedWithinMinutes: null,
      expiresAt: null,
      nudgeWhenUnnotified: false,
      notificationsEnabledAtSend: null,
      createdAt,
      updatedAt: createdAt,
      deliveredAt: null,
      readAt: null,
      cancelledAt: null,
      ...fields,
    });
  }

  beforeAll(async () => {
    hub = await createTestHub();
    await givenOrganisation(hub, A, 'The Densham Surgery');
    await givenOrganisation(hub, B, 'Riverside Medical Centre');
    await givenPatient(hub, { nhsNumber: JANE, gpPracticeOdsCode: A });
    await givenPatient(hub, { nhsNumber: JOHN, givenName: 'John', mobileNumber: null, email: null, postalAddress: null, nhsAppUser: false, gpPracticeOdsCode: B });
    await givenPatient(hub, { nhsNumber: JANET, givenName: 'Janet', confidential: true, gpPracticeOdsCode: B });

    const messages = [
      // Every nullable column set, booleans true, JSON lists, an hour's worth of timestamps.
      message(JANE, A, 0, {
        subject: 'Your appointment',
        legalBasis: LegalBasis.DIRECT_CARE,
        purpose: 'Appointment reminder',
        timeCritical: true,
        idempotencyKey: 'key-1',
        requestHash: 'a'.repeat(64),
        status: MessageStatus.DELIVERED,
        scheduledFor: new Date('2026-03-10T09:30:00.456Z'),
        deliveredChannel: Channel.SMS,
        fallbackUsed: true,
        contentWarnings: ['Reading grade 10.0 is above 9', 'Link text "here" does not say where the link goes'],
        fallbackOrder: [Channel.SMS, Channel.EMAIL],
        unreadFallbackHours: 0,
        notifiedWithinMinutes: 60,
        expiresAt: new Date('2026-03-11T00:00:00.001Z'),
        nudgeWhenUnnotified: true,
        notificationsEnabledAtSend: false,
        deliveredAt: new Date('2026-03-10T09:40:00.999Z'),
        readAt: new Date('2026-03-10T09:50:00.000Z'),
      }),
      message(JANE, A, 1, { notificationsEnabledAtSend: true, idempotencyKey: 'key-2' }),
      message(JANE, B, 2, { idempotencyKey: 'key-1' }),
      // Two in the same millisecond: the id breaks the tie.
      message(JANE, A, 3),
      message(JANE, A, 3),
      ...Array.from({ length: 6 }, (_, i) => message(JOHN, B, 10 + i, { status: i % 2 ? MessageStatus.READ : MessageStatus.QUEUED })),
      message(JANET, B, 20, { direction: MessageDirection.INBOUND, sourceReference: 'other-service-1' }),
      message(JOHN, B, 30, { status: MessageStatus.CANCELLED, cancelledAt: new Date('2026-03-10T09:31:00.000Z') }),
    ];
    await hub.stores.messages.insertNewSends({ messages, attempts: [], due: [] }, new Date(), hub.db.dataSource.manager);
    messageIds.push(...messages.map((m) => m.id));

    const at = new Date('2026-03-10T09:05:00.000Z');
    const attempts = messages.slice(0, 6).flatMap((m, i) => [
      Object.assign(new DeliveryAttempt(), {
        id: newId(), messageId: m.id, channel: Channel.NHS_APP, sequence: 1, status: DeliveryStatus.FAILED, failureReason: FailureReason.NOT_NHS_APP_USER,
        providerReference: null, provider: null, notification: null, retryCount: 0, createdAt: at, updatedAt: at, sentAt: null, deliveredAt: null, readAt: null, failedAt: at,
      }),
      Object.assign(new DeliveryAttempt(), {
        id: newId(), messageId: m.id, channel: Channel.SMS, sequence: 2, status: DeliveryStatus.DELIVERED, failureReason: null,
        providerReference: `ref-${i}`, provider: 'sms-main', notification: NotificationStatus.NOTIFIED, retryCount: 2, createdAt: at, updatedAt: at, sentAt: at, deliveredAt: new Date('2026-03-10T09:06:00.007Z'), readAt: null, failedAt: null,
      }),
    ]);
    await hub.stores.attempts.insert(attempts, hub.db.dataSource.manager);

    const changes = [
      { field: 'notificationsEnabled', value: 'false', requestedAt: '2026-03-09T10:00:00.000Z', effectiveAt: '2026-03-10T10:00:00.000Z' },
      { field: 'optedOutChannels', value: '["SMS"]', requestedAt: '2026-03-08T10:00:00.000Z', effectiveAt: '2026-03-08T10:00:00.000Z' },
      { field: 'fallbackOrder', value: '["EMAIL","SMS"]', requestedAt: '2026-03-07T10:00:00.000Z', effectiveAt: '2026-03-08T10:00:00.000Z' },
    ].map((c) => Object.assign(new ChannelPreferenceChange(), { id: newId(), nhsNumber: JANE, field: c.field, value: c.value, requestedAt: new Date(c.requestedAt), effectiveAt: new Date(c.effectiveAt) }));
    await hub.stores.preferences.insert(changes, hub.db.dataSource.manager);
  });

  afterAll(async () => {
    await hub.close();
  });

  const repository = <T extends object>(entity: new () => T) => hub.db.dataSource.getRepository(entity);

  it('reads patients as TypeORM loaded them, for an unbound key and within a sender’s scope', async () => {
    const all = await hub.stores.patients.findByNhsNumbers([JANE, JOHN, JANET], UNRESTRICTED);
    const expected = await repository(Patient).createQueryBuilder('p').where('p.nhs_number IN (:...n)', { n: [JANE, JOHN, JANET] }).getMany();
    expect(sorted(all, 'nhsNumber')).toEqual(sorted(expected, 'nhsNumber'));
    for (const patient of all) expect(patient).toBeInstanceOf(Patient);
    const john = all.find((p) => p.nhsNumber === JOHN)!;
    expect(john).toMatchObject({ mobileNumber: null, email: null, postalAddress: null, nhsAppUser: false, deceased: false, gpPracticeOdsCode: B });
    expect(john.createdAt).toBeInstanceOf(Date);

    // A sender reads the patients registered at it, and no one else.
    expect((await hub.stores.patients.findByNhsNumbers([JANE, JOHN, JANET], { organisationOdsCode: B })).map((p) => p.nhsNumber).sort()).toEqual([JANET, JOHN].sort());
    expect(await hub.stores.patients.findByNhsNumber(JANE, { organisationOdsCode: B })).toBeNull();
    expect(await hub.stores.patients.findByNhsNumber(JANE, { organisationOdsCode: A })).toEqual(expected.find((p) => p.nhsNumber === JANE));
  });

  it('locks a batch’s patients and reads them as TypeORM did', async () => {
    const locked = await hub.db.transaction((manager) => hub.stores.patients.lockMany([JANET, JANE, JANET], manager));
    expect(locked.map((p) => p.nhsNumber)).toEqual([JANET, JANE].sort());
    const expected = await repository(Patient).findBy({});
    expect(locked).toEqual(sorted(expected.filter((p) => p.nhsNumber !== JOHN), 'nhsNumber'));
  });

  it('pages one patient’s messages, newest first, with every column as TypeORM loaded it', async () => {
    const pages = await hub.stores.messages.pagesByPatient([JANE], {}, 3, null, UNRESTRICTED);
    const expected = await repository(Message).createQueryBuilder('m').where('m.nhs_number = :n', { n: JANE }).orderBy('m.created_at', 'DESC').addOrderBy('m.id', 'DESC').getMany();
    const page = pages.get(JANE)!;
    expect(page.nodes).toEqual(expected.slice(0, 3));
    expect(page.hasNextPage).toBe(true);
    for (const node of page.nodes) expect(node).toBeInstanceOf(Message);

    const rest = await hub.stores.messages.pagesByPatient([JANE], {}, 3, page.cursors[2], UNRESTRICTED);
    expect(rest.get(JANE)!.nodes).toEqual(expected.slice(3));
    expect(rest.get(JANE)!.hasNextPage).toBe(false);

    const full = expected.find((m) => m.idempotencyKey === 'key-1' && m.organisationOdsCode === A)!;
    const read = (await hub.stores.messages.findByIds([full.id], UNRESTRICTED))[0];
    expect(read).toEqual(full);
    expect(read).toMatchObject({ timeCritical: true, fallbackUsed: true, nudgeWhenUnnotified: true, notificationsEnabledAtSend: false, fallbackOrder: ['SMS', 'EMAIL'], unreadFallbackHours: 0, readingGrade: 4.25 });
    expect(read.expiresAt).toEqual(new Date('2026-03-11T00:00:00.001Z'));
    expect(read.contentWarnings).toHaveLength(2);
  });

  it('pages several patients at once, within the scope and filter, as one patient alone would', async () => {
    const scope = { organisationOdsCode: B };
    const filter = { statuses: [MessageStatus.QUEUED], direction: MessageDirection.OUTBOUND, createdAfter: new Date('2026-03-10T09:05:00.000Z') };
    const together = await hub.stores.messages.pagesByPatient([JANE, JOHN, JANET], filter, 2, null, scope);
    for (const nhsNumber of [JANE, JOHN, JANET]) {
      const alone = await hub.stores.messages.pagesByPatient([nhsNumber], filter, 2, null, scope);
      expect(together.get(nhsNumber)).toEqual(alone.get(nhsNumber));
    }
    const expectedJohn = await repository(Message)
      .createQueryBuilder('m')
      .where('m.nhs_number = :n AND m.organisation_ods_code = :o AND m.status = :s', { n: JOHN, o: B, s: MessageStatus.QUEUED })
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .getMany();
    expect(together.get(JOHN)!.nodes).toEqual(expectedJohn.slice(0, 2));
    expect(together.get(JOHN)!.hasNextPage).toBe(true);
    // Jane's one message from B is before createdAfter; A's messages are outside B's scope.
    expect(together.get(JANE)!.nodes).toEqual([]);
    expect(together.get(JANET)!.nodes).toEqual([]);
  });

  it('reads attempts by message, in message and sequence order, scoped through the message', async () => {
    const ids = messageIds.slice(0, 6);
    const all = await hub.stores.attempts.findByMessageIds(ids, UNRESTRICTED);
    const expected = await repository(DeliveryAttempt).createQueryBuilder('a').where('a.message_id IN (:...ids)', { ids }).orderBy('a.message_id', 'ASC').addOrderBy('a.sequence', 'ASC').getMany();
    expect(all).toEqual(expected);
    expect(all).toHaveLength(12);
    for (const attempt of all) expect(attempt).toBeInstanceOf(DeliveryAttempt);
    expect(all.find((a) => a.sequence === 2)).toMatchObject({ retryCount: 2, failureReason: null, notification: 'NOTIFIED', readAt: null });

    const fromB = await hub.stores.attempts.findByMessageIds(ids, { organisationOdsCode: B });
    expect(fromB).toEqual(expected.filter((a) => a.messageId === messageIds[2] || a.messageId === messageIds[5]));
    expect(fromB).toHaveLength(4);
  });

  it('reads the preference history in the order it takes effect', async () => {
    const changes = await hub.stores.preferences.changesFor([JANE, JOHN]);
    const expected = await repository(ChannelPreferenceChange).find({ order: { effectiveAt: 'ASC', requestedAt: 'ASC' } });
    expect(changes).toEqual(expected);
    expect(changes.map((c) => c.field)).toEqual(['fallbackOrder', 'optedOutChannels', 'notificationsEnabled']);
    expect(changes[0]).toBeInstanceOf(ChannelPreferenceChange);
  });

  it('counts each pair’s non-urgent outbound messages since an instant, to the millisecond', async () => {
    const pairs = [
      { organisationOdsCode: A, nhsNumber: JANE },
      { organisationOdsCode: B, nhsNumber: JANE },
      { organisationOdsCode: B, nhsNumber: JOHN },
      { organisationOdsCode: B, nhsNumber: JANET },
    ];
    const count = (since: string) => hub.db.transaction((manager) => hub.stores.messages.countRecentNonUrgentMany(pairs, new Date(since), manager));
    // Jane's time-critical message, Janet's inbound one and John's cancelled one are never counted.
    expect(Object.fromEntries(await count('2026-03-10T08:00:00.000Z'))).toEqual({ [`${A}\u0000${JANE}`]: 3, [`${B}\u0000${JANE}`]: 1, [`${B}\u0000${JOHN}`]: 6 });
    // Strictly after: the two messages created at 09:03:00.123 count from 09:03:00.122, not from .123.
    expect((await count('2026-03-10T09:03:00.122Z')).get(`${A}\u0000${JANE}`)).toBe(2);
    expect((await count('2026-03-10T09:03:00.123Z')).get(`${A}\u0000${JANE}`)).toBeUndefined();
  });

  it('finds messages by (organisation, idempotency key) pairs and no others', async () => {
    const found = await hub.stores.messages.findByIdempotencyKeys([
      { organisationOdsCode: A, idempotencyKey: 'key-1' },
      { organisationOdsCode: A, idempotencyKey: 'key-2' },
      { organisationOdsCode: B, idempotencyKey: 'key-1' },
      { organisationOdsCode: B, idempotencyKey: 'key-2' },
    ]);
    const expected = await repository(Message).find({ where: [{ organisationOdsCode: A, idempotencyKey: 'key-1' }, { organisationOdsCode: A, idempotencyKey: 'key-2' }, { organisationOdsCode: B, idempotencyKey: 'key-1' }] });
    expect(sorted(found, 'id')).toEqual(sorted(expected, 'id'));
    expect(found).toHaveLength(3);
  });
});

function sorted<T>(rows: T[], key: keyof T): T[] {
  return [...rows].sort((a, b) => (String(a[key]) < String(b[key]) ? -1 : 1));
}
