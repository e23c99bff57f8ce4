/**
 * Brings a message that another NHS App messaging service holds (IM1 PFS, online
 * consultation, PHR) into the patient's unified timeline. Idempotent on the
 * organisation's sourceReference: bringing the same message in again returns the first copy.
 */
import type { Message } from '../../entities/Message';
import { MESSAGING_CATEGORY_DESCRIPTORS } from '../categories/messagingCategory';
import { MessagingCategory } from '../vocabulary/messagingCategory';
import type { Database } from '../db/database';
import type { OrganisationStore } from '../organisations/organisationStore';
import { assertOdsCode } from '../organisations/odsCode';
import type { PatientStore } from '../patients/patientStore';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { isUniqueViolation } from '../db/uniqueViolation';
import { type AccessScope, UNRESTRICTED } from '../shared/scope';
import { MessageDirection, MessageStatus } from '../vocabulary/messages';
import type { MessageStore } from './messageStore';
import { newMessage } from './newMessage';

export interface IngestInput {
  nhsNumber: string;
  organisationOdsCode: string;
  category: MessagingCategory;
  direction: MessageDirection;
  subject?: string | null;
  body: string;
  sourceReference: string;
  occurredAt?: Date | null;
}

export interface IngestDeps {
  db: Database;
  messages: MessageStore;
  patients: PatientStore;
  organisations: OrganisationStore;
  clock: Clock;
}

/** Characters, and the TEXT column's 65,535 bytes of UTF-8. */
export const INGEST_BODY_LIMIT = 20_000;
const INGEST_BODY_BYTES = 65_535;

function validate(input: IngestInput, now: Date): void {
  if (input.category === MessagingCategory.NHS_APP_MESSAGING) {
    throw new HubError('BAD_USER_INPUT', 'NHS App messaging messages are sent with sendMessage; ingestMessage is for IM1_PFS, ONLINE_CONSULTATION and PHR');
  }
  const descriptor = MESSAGING_CATEGORY_DESCRIPTORS.find((d) => d.category === input.category);
  if (descriptor && !descriptor.directions.includes(input.direction)) {
    throw new HubError('BAD_USER_INPUT', `${descriptor.name} messages can only be ${descriptor.directions.join(' or ')}`);
  }
  if (input.body.trim() === '') throw new HubError('BAD_USER_INPUT', 'body must not be blank');
  if (input.body.length > INGEST_BODY_LIMIT || Buffer.byteLength(input.body, 'utf8') > INGEST_BODY_BYTES) throw new HubError('BAD_USER_INPUT', `body must be at most ${INGEST_BODY_LIMIT} characters`);
  if ((input.subject?.length ?? 0) > 200) throw new HubError('BAD_USER_INPUT', 'subject must be at most 200 characters');
  const reference = input.sourceReference.trim();
  if (reference === '' || reference.length > 200) throw new HubError('BAD_USER_INPUT', 'sourceReference must be 1 to 200 characters');
  if (input.occurredAt && input.occurredAt.getTime() > now.getTime() + 5 * 60_000) throw new HubError('BAD_USER_INPUT', 'occurredAt cannot be in the future');
}

export async function ingestMessage(deps: IngestDeps, input: IngestInput, scope: AccessScope): Promise<Message> {
  const now = deps.clock.now();
  validate(input, now);
  const organisationOdsCode = assertOdsCode(input.organisationOdsCode);
  if (scope.organisationOdsCode !== null && scope.organisationOdsCode !== organisationOdsCode) {
    throw new HubError('FORBIDDEN', `This key may only ingest messages for ${scope.organisationOdsCode}`);
  }
  const sourceReference = input.sourceReference.trim();

  const existing = await deps.messages.findBySourceReference(organisationOdsCode, sourceReference);
  if (existing) return existing;

  const attempt = () =>
    deps.db.transaction(async (manager) => {
      if (!(await deps.organisations.findByOdsCode(organisationOdsCode, manager))) throw new HubError('NOT_FOUND', `No organisation with ODS code ${organisationOdsCode}`);
      // The patient need not be visible yet: an ingested message links them to the organisation.
      const patient = await deps.patients.findByNhsNumber(input.nhsNumber, UNRESTRICTED, manager);
      if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${input.nhsNumber}`);
      const occurredAt = input.occurredAt ?? now;
      const message = newMessage(
        {
          organisationOdsCode,
          nhsNumber: patient.nhsNumber,
          category: input.category,
          direction: input.direction,
          subject: input.subject?.trim() || null,
          body: input.body,
          status: MessageStatus.DELIVERED,
          createdAt: occurredAt,
        },
        { sourceReference, updatedAt: now, deliveredAt: occurredAt },
      );
      await deps.messages.insert(message, manager);
      return message;
    });

  try {
    return await attempt();
  } catch (error) {
    // Two requests raced with the same sourceReference: the other one won, return its message.
    if (isUniqueViolation(error)) {
      const winner = await deps.messages.findBySourceReference(organisationOdsCode, sourceReference);
      if (winner) return winner;
    }
    throw error;
  }
}
