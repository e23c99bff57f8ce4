/**
 * The rows the federation tests share: two GP practices, 100 patients registered
 * alternately at each, and messages from both, including one practice messaging a patient
 * registered at the other (which makes that patient visible to it, with only its own messages).
 */
import { Message } from '../../entities/Message';
import type { Hub } from '../../src/hub';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { newId } from '../../src/shared/ids';
import { Channel } from '../../src/vocabulary/delivery';
import { MessagingCategory } from '../../src/vocabulary/messagingCategory';
import { LegalBasis, MessageDirection, MessageStatus } from '../../src/vocabulary/messages';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { givenOrganisation, givenPatient } from './fixtures';

export const PRACTICE_A = 'A81001';
export const PRACTICE_B = 'B82005';
export const PATIENT_COUNT = 100;

export interface FederationData {
  /** nhsNumbers[i] is registered at A when i is even, at B when odd. */
  nhsNumbers: string[];
  messages: Message[];
  givenNameOf(nhsNumber: string): string;
}

function message(organisationOdsCode: string, nhsNumber: string, index: number, createdAt: Date): Message {
  return Object.assign(new Message(), {
    id: newId(),
    organisationOdsCode,
    nhsNumber,
    category: MessagingCategory.NHS_APP_MESSAGING,
    direction: MessageDirection.OUTBOUND,
    subject: `Message ${index} from ${organisationOdsCode}`,
    body: 'Your appointment is on Monday.',
    legalBasis: LegalBasis.DIRECT_CARE,
    purpose: 'Appointment reminder',
    timeCritical: false,
    idempotencyKey: `federation-${index}`,
    requestHash: null,
    sourceReference: null,
    status: MessageStatus.DELIVERED,
    scheduledFor: null,
    deliveredChannel: Channel.NHS_APP,
    fallbackUsed: false,
    readingGrade: 3.2,
    wordCount: 5,
    smsFragments: 1,
    contentWarnings: [],
    fallbackOrder: null,
    unreadFallbackHours: null,
    nudgeWhenUnnotified: false,
    notificationsEnabledAtSend: true,
    createdAt,
    updatedAt: createdAt,
    deliveredAt: createdAt,
    readAt: null,
    cancelledAt: null,
  });
}

export async function givenFederationData(hub: Hub): Promise<FederationData> {
  await givenOrganisation(hub, PRACTICE_A, 'The Densham Surgery', OrganisationType.GP_PRACTICE);
  await givenOrganisation(hub, PRACTICE_B, 'Riverside Medical Centre', OrganisationType.GP_PRACTICE);
  const nhsNumbers: string[] = [];
  for (let stem = 999400001; nhsNumbers.length < PATIENT_COUNT; stem += 1) {
    const nhsNumber = withCheckDigit(String(stem));
    if (!nhsNumber) continue;
    const i = nhsNumbers.length;
    await givenPatient(hub, { nhsNumber, givenName: `Given${i}`, familyName: `Family${String(i).padStart(3, '0')}`, gpPracticeOdsCode: i % 2 === 0 ? PRACTICE_A : PRACTICE_B });
    nhsNumbers.push(nhsNumber);
  }
  // Patients 0-9 get three messages each from their own practice; patient 1 (at B) also one from A.
  const now = hub.clock.now().getTime();
  const messages: Message[] = [];
  for (let i = 0; i < 30; i += 1) {
    const patient = i % 10;
    messages.push(message(patient % 2 === 0 ? PRACTICE_A : PRACTICE_B, nhsNumbers[patient], i, new Date(now - (i + 1) * 60_000)));
  }
  messages.push(message(PRACTICE_A, nhsNumbers[1], 30, new Date(now - 31 * 60_000)));
  // Copies: after a multi-row insert TypeORM merges re-read rows back into the objects it
  // was given, not necessarily in the same order, which would scramble these references.
  await hub.db.dataSource.getRepository(Message).insert(messages.map((m) => ({ ...m })));
  return { nhsNumbers, messages, givenNameOf: (n) => `Given${nhsNumbers.indexOf(n)}` };
}
