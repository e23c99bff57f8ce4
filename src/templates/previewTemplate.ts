/** One recipient's message from a template, rendered and checked with every sender rule; nothing is stored or sent. */
import type { Database } from '../db/database';
import { buildContentReport, type ContentReport } from '../messages/rules/contentReport';
import { checkContent } from '../messages/rules/contentRules';
import type { OrganisationStore } from '../organisations/organisationStore';
import { isValidNhsNumber, normaliseNhsNumber } from '../patients/nhsNumber';
import type { PatientStore } from '../patients/patientStore';
import { HubError } from '../shared/errors';
import type { AccessScope } from '../shared/scope';
import { type Personalisation, renderForRecipient } from './renderForRecipient';
import { sendableTemplate } from './sendFromTemplate';
import type { TemplateStore } from './templateStore';

export interface MessagePreview {
  subject: string | null;
  body: string;
  contentReport: ContentReport;
}

export interface PreviewDeps {
  db: Database;
  templates: TemplateStore;
  patients: PatientStore;
  organisations: OrganisationStore;
}

export async function previewTemplate(deps: PreviewDeps, templateId: string, rawNhsNumber: string, personalisation: Personalisation[] | null | undefined, scope: AccessScope): Promise<MessagePreview> {
  const nhsNumber = normaliseNhsNumber(rawNhsNumber);
  if (!isValidNhsNumber(nhsNumber)) throw new HubError('INVALID_NHS_NUMBER', `"${rawNhsNumber}" is not a valid NHS number`);
  const template = await sendableTemplate(deps.templates, templateId, scope);
  // The preview shows the patient's name, so the patient must be one the caller may see.
  const patient = await deps.patients.findByNhsNumber(nhsNumber, scope);
  if (!patient) throw new HubError('PATIENT_NOT_FOUND', `No patient with NHS number ${nhsNumber}`);
  const organisation = await deps.organisations.findByOdsCode(template.organisationOdsCode);
  if (!organisation) throw new HubError('NOT_FOUND', `No organisation with ODS code ${template.organisationOdsCode}`);
  const { subject, body } = renderForRecipient(template, patient, organisation.name, personalisation);
  checkContent({ subject, body, mayGoToApp: true, patient });
  return { subject, body, contentReport: buildContentReport(subject, body) };
}
