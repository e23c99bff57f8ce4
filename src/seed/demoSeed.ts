/**
 * Demo data for the embedded start: a few practices, about 50 patients and messages in
 * every category and status, so the API can be explored at once. Deterministic, and only
 * written into an empty database. NHS numbers are in the 999 test range.
 */
import type { EntityManager } from 'typeorm';
import { ChannelPreferenceChange } from '../../entities/ChannelPreferenceChange';
import { DeliveryAttempt } from '../../entities/DeliveryAttempt';
import { Message } from '../../entities/Message';
import { MessageTemplate } from '../../entities/MessageTemplate';
import { Organisation } from '../../entities/Organisation';
import { Patient } from '../../entities/Patient';
import { PatientReport } from '../../entities/PatientReport';
import { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Database } from '../db/database';
import { Channel, DeliveryStatus, FailureReason, NotificationStatus } from '../vocabulary/delivery';
import { LegalBasis, MessageDirection, MessageStatus, ReportReason } from '../vocabulary/messages';
import { newMessage } from '../messages/newMessage';
import { OrganisationType } from '../vocabulary/organisationType';
import { withCheckDigit } from '../patients/nhsNumber';
import { HOUR_MS } from '../shared/durations';
import { newId } from '../shared/ids';

export const DEMO_ORGANISATIONS = [
  { odsCode: 'A81001', name: 'The Densham Surgery', type: OrganisationType.GP_PRACTICE },
  { odsCode: 'B82005', name: 'Riverside Medical Centre', type: OrganisationType.GP_PRACTICE },
  { odsCode: 'C84001', name: 'Hillcrest Health Centre', type: OrganisationType.GP_PRACTICE },
  { odsCode: 'RXQ', name: 'Northshire Hospitals NHS Trust', type: OrganisationType.HOSPITAL_TRUST },
  { odsCode: 'FA123', name: 'Market Street Pharmacy', type: OrganisationType.PHARMACY },
];

const GIVEN = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Arthur', 'Ivy', 'Leo', 'Freya', 'Oscar', 'Lily', 'Harry', 'Grace', 'Jack', 'Sophie', 'Muhammad', 'Evie', 'Charlie', 'Aisha', 'Thomas', 'Priya', 'Jacob', 'Chloe'];
const FAMILY = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Khan', 'Hughes', 'Green', 'Hall', 'Lewis'];
const STREETS = ['High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Mill Road', 'Victoria Street'];

const SENT_TEMPLATES: Array<{ subject: string; body: string; purpose: string }> = [
  {
    subject: 'Your flu vaccination',
    body: '# Flu vaccination\n\nYou can now book your free flu vaccination at the surgery.\n\n[Book your flu vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.',
    purpose: 'Seasonal flu vaccination invitation',
  },
  {
    subject: 'Your blood test results',
    body: '# Blood test results\n\nYour recent blood test results are normal. You do not need to do anything.\n\nIf you have questions, call the surgery.',
    purpose: 'Routine test results',
  },
  {
    subject: 'Medication review',
    body: '# Medication review\n\nIt is time for your yearly medication review.\n\n- Book a phone call with the pharmacist\n- Bring a list of your medicines\n\nThank you.',
    purpose: 'Annual medication review recall',
  },
  {
    subject: 'Appointment reminder',
    body: '# Appointment reminder\n\nYou have an appointment with the practice nurse on Tuesday at **10:30am**.\n\nIf you cannot come, please let us know.',
    purpose: 'Appointment reminder',
  },
];

/** A template to try sendFromTemplate and previewTemplate with; its id is fixed so the README can name it. */
export const DEMO_TEMPLATE = {
  id: '01900000-0000-7000-8000-000000000001',
  organisationOdsCode: 'A81001',
  name: 'Flu clinic invitation',
  category: MessagingCategory.NHS_APP_MESSAGING,
  subject: 'Flu clinic on ((clinicDate))',
  body: '# Flu vaccination\n\nDear ((givenName)), ((organisationName)) is holding a flu clinic on ((clinicDate)).\n\n[Book your flu vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.',
  legalBasis: LegalBasis.DIRECT_CARE,
  purpose: 'Seasonal flu vaccination invitation',
};

const INGESTED: Array<{ category: MessagingCategory; direction: MessageDirection; subject: string | null; body: string }> = [
  { category: MessagingCategory.IM1_PFS, direction: MessageDirection.INBOUND, subject: 'Repeat prescription question', body: 'Hello, can I collect my repeat prescription from the pharmacy on Friday?' },
  { category: MessagingCategory.IM1_PFS, direction: MessageDirection.OUTBOUND, subject: 'Re: Repeat prescription question', body: 'Yes, your prescription will be ready at the pharmacy from Friday morning.' },
  { category: MessagingCategory.ONLINE_CONSULTATION, direction: MessageDirection.INBOUND, subject: 'Sore knee', body: 'My knee has been sore for two weeks after a fall. It is swollen in the mornings.' },
  { category: MessagingCategory.ONLINE_CONSULTATION, direction: MessageDirection.OUTBOUND, subject: 'Your online consultation', body: 'Thank you. A physiotherapist will call you tomorrow to talk about your knee.' },
  { category: MessagingCategory.PHR, direction: MessageDirection.OUTBOUND, subject: 'Outpatient appointment letter', body: '# Outpatient appointment\n\nYour appointment at the orthopaedic clinic is on 3 March at 2pm.\n\nPlease arrive 10 minutes early.' },
];

/** A small deterministic generator so every demo database looks the same. */
function sequence(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export function demoNhsNumbers(count: number): string[] {
  const numbers: string[] = [];
  for (let stem = 999000001; numbers.length < count; stem += 1) {
    const nhsNumber = withCheckDigit(String(stem));
    if (nhsNumber) numbers.push(nhsNumber);
  }
  return numbers;
}

export async function isDatabaseEmpty(db: Database): Promise<boolean> {
  return (await db.dataSource.getRepository(Organisation).count()) === 0;
}

export async function seedDemoData(db: Database, now: Date): Promise<{ organisations: number; patients: number; messages: number }> {
  const random = sequence(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let messageCount = 0;

  await db.transaction(async (manager: EntityManager) => {
    await manager.getRepository(Organisation).insert(DEMO_ORGANISATIONS.map((o) => Object.assign(new Organisation(), { ...o, createdAt: now, updatedAt: now })));
    const practices = DEMO_ORGANISATIONS.filter((o) => o.type === OrganisationType.GP_PRACTICE);

    const patients = demoNhsNumbers(50).map((nhsNumber, i) => {
      const givenName = GIVEN[i % GIVEN.length];
      const familyName = FAMILY[(i * 7) % FAMILY.length];
      const year = 1940 + Math.floor(random() * 65);
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      return Object.assign(new Patient(), {
        nhsNumber,
        givenName,
        familyName,
        dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
        mobileNumber: i % 9 === 4 ? null : `+447700900${String(100 + i).slice(-3)}`,
        email: i % 3 === 0 ? `${givenName}.${familyName}${i}@example.com`.toLowerCase() : null,
        postalAddress: `${10 + i} ${pick(STREETS)}, Leeds, LS${1 + (i % 9)} ${1 + (i % 8)}AB`,
        nhsAppUser: i % 5 !== 3,
        gpPracticeOdsCode: practices[i % practices.length].odsCode,
        createdAt: new Date(now.getTime() - 400 * 24 * HOUR_MS),
        updatedAt: now,
      });
    });
    await manager.getRepository(Patient).insert(patients);

    const preferenceChanges: ChannelPreferenceChange[] = [];
    patients.forEach((patient, i) => {
      const change = (field: ChannelPreferenceChange['field'], value: unknown, hoursAgo: number, delayHours = 0) =>
        Object.assign(new ChannelPreferenceChange(), {
          id: newId(),
          nhsNumber: patient.nhsNumber,
          field,
          value: JSON.stringify(value),
          requestedAt: new Date(now.getTime() - hoursAgo * HOUR_MS),
          effectiveAt: new Date(now.getTime() - (hoursAgo - delayHours) * HOUR_MS),
        });
      if (i % 7 === 2) preferenceChanges.push(change('notificationsEnabled', false, 24 * 30, 24));
      if (i % 11 === 5) preferenceChanges.push(change('notificationsEnabled', false, 3, 24));
      if (i % 8 === 1) preferenceChanges.push(change('optedOutChannels', [Channel.LETTER], 24 * 60));
      if (i % 6 === 0) preferenceChanges.push(change('fallbackOrder', [Channel.EMAIL, Channel.SMS, Channel.LETTER], 24 * 45));
    });
    await manager.getRepository(ChannelPreferenceChange).insert(preferenceChanges);

    const statuses = [MessageStatus.READ, MessageStatus.DELIVERED, MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.SENDING, MessageStatus.QUEUED, MessageStatus.FAILED, MessageStatus.CANCELLED];
    const messages: Message[] = [];
    const attempts: DeliveryAttempt[] = [];
    const reports: PatientReport[] = [];

    patients.forEach((patient, i) => {
      const count = 2 + (i % 3);
      for (let n = 0; n < count; n += 1) {
        const template = pick(SENT_TEMPLATES);
        const cycled = statuses[(i + n) % statuses.length];
        // Some messages still sending in the cycle ran out of time instead.
        const status = cycled === MessageStatus.SENDING && i % 4 === 1 ? MessageStatus.EXPIRED : cycled;
        const createdAt = new Date(now.getTime() - Math.floor(random() * 29 * 24 + 1) * HOUR_MS - n * 60_000);
        const organisationOdsCode = n === 2 ? 'RXQ' : (patient.gpPracticeOdsCode as string);
        const message = newMessage(
          {
            organisationOdsCode,
            nhsNumber: patient.nhsNumber,
            category: MessagingCategory.NHS_APP_MESSAGING,
            direction: MessageDirection.OUTBOUND,
            subject: template.subject,
            body: template.body,
            status,
            createdAt,
          },
          { legalBasis: LegalBasis.DIRECT_CARE, purpose: template.purpose, idempotencyKey: `demo-${i}-${n}`, unreadFallbackHours: 24, notificationsEnabledAtSend: true },
        );
        messages.push(message);
        attempts.push(...demoAttempts(message, patient, status));
        if (status === MessageStatus.READ && i % 10 === 0) {
          reports.push(Object.assign(new PatientReport(), { id: newId(), messageId: message.id, reason: pick([ReportReason.UNWANTED, ReportReason.TOO_MANY, ReportReason.NOT_FOR_ME]), comment: null, createdAt: new Date(createdAt.getTime() + 3 * HOUR_MS) }));
        }
      }
      if (i % 4 === 0) {
        INGESTED.forEach((item, k) => {
          const at = new Date(now.getTime() - (k + 1) * 26 * HOUR_MS - i * 60_000);
          messages.push(
            newMessage(
              {
                organisationOdsCode: item.category === MessagingCategory.PHR ? 'RXQ' : (patient.gpPracticeOdsCode as string),
                nhsNumber: patient.nhsNumber,
                category: item.category,
                direction: item.direction,
                subject: item.subject,
                body: item.body,
                status: MessageStatus.DELIVERED,
                createdAt: at,
              },
              { sourceReference: `demo-${item.category.toLowerCase()}-${i}-${k}`, deliveredAt: at },
            ),
          );
        });
      }
    });
    for (let i = 0; i < messages.length; i += 100) await manager.getRepository(Message).insert(messages.slice(i, i + 100));
    for (let i = 0; i < attempts.length; i += 100) await manager.getRepository(DeliveryAttempt).insert(attempts.slice(i, i + 100));
    if (reports.length > 0) await manager.getRepository(PatientReport).insert(reports);
    messageCount = messages.length;
    await manager.getRepository(MessageTemplate).insert(Object.assign(new MessageTemplate(), { ...DEMO_TEMPLATE, archivedAt: null, createdAt: now, updatedAt: now }));
  });
  return { organisations: DEMO_ORGANISATIONS.length, patients: 50, messages: messageCount };
}

/** Attempts that tell the story a message's status implies, including fallbacks. */
function demoAttempts(message: Message, patient: Patient, status: MessageStatus): DeliveryAttempt[] {
  const t = (minutes: number) => new Date(message.createdAt.getTime() + minutes * 60_000);
  const attempt = (sequenceNumber: number, channel: Channel, fields: Partial<DeliveryAttempt>): DeliveryAttempt =>
    Object.assign(new DeliveryAttempt(), {
      id: newId(),
      messageId: message.id,
      channel,
      sequence: sequenceNumber,
      status: DeliveryStatus.PENDING,
      failureReason: null,
      providerReference: null,
      provider: null,
      notification: null,
      retryCount: 0,
      createdAt: t(0),
      updatedAt: t(0),
      sentAt: null,
      deliveredAt: null,
      readAt: null,
      failedAt: null,
      ...fields,
    });
  const ref = () => `demo-${newId().slice(0, 8)}`;
  const appUser = patient.nhsAppUser;

  switch (status) {
    case MessageStatus.QUEUED:
      Object.assign(message, { fallbackUsed: !appUser });
      return [attempt(1, Channel.NHS_APP, appUser ? {} : { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.NOT_NHS_APP_USER })].concat(
        appUser ? [] : [attempt(2, Channel.SMS, {})],
      );
    case MessageStatus.SENDING:
      return [attempt(1, Channel.NHS_APP, { status: DeliveryStatus.SENT, sentAt: t(1), providerReference: ref() })];
    case MessageStatus.EXPIRED:
      Object.assign(message, { expiresAt: t(25 * 60), fallbackUsed: true });
      return [
        attempt(1, Channel.NHS_APP, { status: DeliveryStatus.SENT, sentAt: t(1), providerReference: ref(), notification: NotificationStatus.UNNOTIFIED }),
        attempt(2, Channel.SMS, { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.EXPIRED, updatedAt: t(25 * 60) }),
      ];
    case MessageStatus.CANCELLED:
      Object.assign(message, { cancelledAt: t(2) });
      return [attempt(1, Channel.NHS_APP, { status: DeliveryStatus.SKIPPED })];
    case MessageStatus.READ:
    case MessageStatus.DELIVERED: {
      const read = status === MessageStatus.READ;
      if (appUser) {
        Object.assign(message, { deliveredChannel: Channel.NHS_APP, deliveredAt: t(2), readAt: read ? t(90) : null });
        return [
          attempt(1, Channel.NHS_APP, {
            status: read ? DeliveryStatus.READ : DeliveryStatus.DELIVERED,
            providerReference: ref(),
            notification: NotificationStatus.NOTIFIED,
            sentAt: t(1),
            deliveredAt: t(2),
            readAt: read ? t(90) : null,
            updatedAt: read ? t(90) : t(2),
          }),
        ];
      }
      const channel = patient.mobileNumber ? Channel.SMS : Channel.EMAIL;
      Object.assign(message, { deliveredChannel: channel, deliveredAt: t(3), fallbackUsed: true, readAt: null, status: MessageStatus.DELIVERED });
      return [
        attempt(1, Channel.NHS_APP, { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.NOT_NHS_APP_USER }),
        attempt(2, channel, { status: DeliveryStatus.DELIVERED, providerReference: ref(), sentAt: t(1), deliveredAt: t(3), updatedAt: t(3) }),
      ];
    }
    case MessageStatus.FAILED:
      Object.assign(message, { fallbackUsed: true });
      return [
        attempt(1, Channel.NHS_APP, appUser ? { status: DeliveryStatus.FAILED, failureReason: FailureReason.PROVIDER_REJECTED, failedAt: t(1) } : { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.NOT_NHS_APP_USER }),
        attempt(2, Channel.SMS, patient.mobileNumber ? { status: DeliveryStatus.FAILED, failureReason: FailureReason.INVALID_CONTACT_DETAILS, failedAt: t(4), retryCount: 2 } : { status: DeliveryStatus.SKIPPED, failureReason: FailureReason.NO_CONTACT_DETAILS }),
        attempt(3, Channel.LETTER, { status: DeliveryStatus.FAILED, failureReason: FailureReason.PROVIDER_ERROR, failedAt: t(30), retryCount: 3 }),
      ];
    default:
      return [];
  }
}
