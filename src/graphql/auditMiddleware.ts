/** Notes every read of a patient's personal data in the request's audit recorder. */
import type { MiddlewareFn } from 'type-graphql';
import { MESSAGE_DATA_FIELDS, PATIENT_DATA_FIELDS } from '../audit/auditRecorder';
import type { HubContext } from './context';

function rootField(path: { prev?: unknown; key: string | number }): string {
  let current = path as { prev?: unknown; key: string | number };
  while (current.prev) current = current.prev as typeof current;
  return String(current.key);
}

export const auditPatientDataReads: MiddlewareFn<HubContext> = async ({ root, info, context }, next) => {
  const result = await next();
  const parent = info.parentType.name;
  if (parent === 'Patient' && PATIENT_DATA_FIELDS.has(info.fieldName) && root?.nhsNumber) {
    context.audit.patientDataRead(root.nhsNumber, info.fieldName, rootField(info.path));
  } else if (parent === 'Message' && MESSAGE_DATA_FIELDS.has(info.fieldName) && root?.nhsNumber) {
    context.audit.patientDataRead(root.nhsNumber, `message.${info.fieldName}`, rootField(info.path));
  }
  return result;
};
