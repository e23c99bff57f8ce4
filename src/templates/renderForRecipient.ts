/**
 * One recipient's message from a template: the record placeholders come from the hub's own
 * patient and organisation rows, every other placeholder from the sender's personalisation.
 */
import type { MessageTemplate } from '../../entities/MessageTemplate';
import type { Patient } from '../../entities/Patient';
import { HubError } from '../shared/errors';
import { RECORD_PLACEHOLDERS, renderTemplate, type TemplateText } from './rules/placeholders';

export interface Personalisation {
  name: string;
  value: string;
}

/** The longest value one placeholder may take; the rendered message's own limits apply too. */
const MAX_VALUE_LENGTH = 1000;

export function personalisationValues(personalisation: readonly Personalisation[] | null | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const { name, value } of personalisation ?? []) {
    const key = name.trim();
    if ((RECORD_PLACEHOLDERS as readonly string[]).includes(key)) {
      throw new HubError('BAD_USER_INPUT', `((${key})) is filled from the hub's own records; leave it out of personalisation`);
    }
    if (values.has(key)) throw new HubError('BAD_USER_INPUT', `personalisation gives ((${key})) twice`);
    if (value.length > MAX_VALUE_LENGTH) throw new HubError('BAD_USER_INPUT', `The value for ((${key})) is longer than ${MAX_VALUE_LENGTH} characters`);
    values.set(key, value);
  }
  return values;
}

export function renderForRecipient(template: MessageTemplate, patient: Patient, organisationName: string, personalisation: readonly Personalisation[] | null | undefined): TemplateText {
  const values = personalisationValues(personalisation);
  values.set('givenName', patient.givenName);
  values.set('familyName', patient.familyName);
  values.set('organisationName', organisationName);
  return renderTemplate({ subject: template.subject, body: template.body }, values);
}
