/**
 * Sends one message per recipient from a template, through the batch send: the same batch
 * limit, idempotency, frequency cap, content rules and cascade as sendMessages. A recipient
 * whose message cannot be made (a missing value, personal data in a link) is refused alone.
 */
import type { MessageTemplate } from '../../entities/MessageTemplate';
import type { Patient } from '../../entities/Patient';
import type { SendAudit, SendDeps } from '../messages/sendMessage';
import type { SendMessageRequest } from '../messages/sendMessageRequest';
import { type BatchItemResult, MAX_BATCH_SIZE, sendEach } from '../messages/sendMessages';
import { isValidNhsNumber, normaliseNhsNumber } from '../patients/nhsNumber';
import { HubError } from '../shared/errors';
import type { HubLogger } from '../shared/logger';
import { type AccessScope, UNRESTRICTED } from '../shared/scope';
import type { Channel } from '../vocabulary/delivery';
import { type Personalisation, renderForRecipient } from './renderForRecipient';
import { placeholdersIn } from './rules/placeholders';
import type { TemplateStore } from './templateStore';

export interface TemplateRecipient {
  nhsNumber: string;
  personalisation?: Personalisation[] | null;
  idempotencyKey?: string | null;
}

export interface SendFromTemplateRequest {
  templateId: string;
  recipients: TemplateRecipient[];
  timeCritical?: boolean | null;
  routing?: { fallbackOrder?: Channel[] | null; unreadFallbackHours?: number | null; nudgeWhenUnnotified?: boolean | null; notifiedWithinMinutes?: number | null } | null;
  expiresAt?: Date | null;
}

export type SendFromTemplateDeps = SendDeps & { logger?: HubLogger; templates: TemplateStore };

/** The template a caller may send from: theirs, and not archived. */
export async function sendableTemplate(templates: TemplateStore, id: string, scope: AccessScope): Promise<MessageTemplate> {
  const template = await templates.findById(id, scope);
  if (!template) throw new HubError('NOT_FOUND', `No template ${id}`);
  if (template.archivedAt) throw new HubError('BAD_USER_INPUT', `Template ${id} is archived and cannot be sent`);
  return template;
}

export async function sendFromTemplate(deps: SendFromTemplateDeps, request: SendFromTemplateRequest, scope: AccessScope, audit?: SendAudit): Promise<BatchItemResult[]> {
  if (request.recipients.length > MAX_BATCH_SIZE) throw new HubError('BAD_USER_INPUT', `A batch holds at most ${MAX_BATCH_SIZE} messages; split it into several requests`);
  const template = await sendableTemplate(deps.templates, request.templateId, scope);
  const organisation = await deps.organisations.findByOdsCode(template.organisationOdsCode);
  if (!organisation) throw new HubError('NOT_FOUND', `No organisation with ODS code ${template.organisationOdsCode}`);

  const nhsNumbers = [...new Set(request.recipients.map((r) => normaliseNhsNumber(r.nhsNumber)).filter(isValidNhsNumber))];
  const patients = new Map<string, Patient>();
  if (nhsNumbers.length > 0) for (const patient of await deps.stores.patients.findByNhsNumbers(nhsNumbers, UNRESTRICTED)) patients.set(patient.nhsNumber, patient);

  const usesNames = placeholdersIn(template).some((name) => name === 'givenName' || name === 'familyName');
  const toRequest = (recipient: TemplateRecipient): SendMessageRequest => {
    const nhsNumber = normaliseNhsNumber(recipient.nhsNumber);
    if (!isValidNhsNumber(nhsNumber)) throw new HubError('INVALID_NHS_NUMBER', `"${recipient.nhsNumber}" is not a valid NHS number`);
    const patient = patients.get(nhsNumber);
    if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${nhsNumber}`);
    // The sender reads the message it sent, so the hub fills names only for patients it may read.
    if (usesNames && scope.organisationOdsCode !== null && patient.gpPracticeOdsCode !== scope.organisationOdsCode) {
      throw new HubError('PERSONALISATION_MISSING', `((givenName)) and ((familyName)) are filled only for patients registered at ${scope.organisationOdsCode}`);
    }
    const { subject, body } = renderForRecipient(template, patient, organisation.name, recipient.personalisation);
    return {
      nhsNumber,
      organisationOdsCode: template.organisationOdsCode,
      category: template.category,
      subject,
      body,
      legalBasis: template.legalBasis,
      purpose: template.purpose,
      timeCritical: request.timeCritical,
      idempotencyKey: recipient.idempotencyKey,
      routing: request.routing,
      expiresAt: request.expiresAt,
      templateId: template.id,
    };
  };
  return sendEach(deps, request.recipients, toRequest, scope, audit);
}
