/** Notes every read of a patient's personal data in the request's audit recorder. */
import { type GraphQLResolveInfo, Kind } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { MESSAGE_DATA_FIELDS, PATIENT_DATA_FIELDS } from '../audit/auditRecorder';
import type { HubContext } from './context';

/** The root field's name (not its alias), so `{ x: patient(…) }` is audited as "patient". */
function rootField(info: GraphQLResolveInfo): string {
  let current = info.path;
  while (current.prev) current = current.prev;
  for (const selection of info.operation.selectionSet.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === current.key) return selection.name.value;
  }
  return String(current.key);
}

export const auditPatientDataReads: MiddlewareFn<HubContext> = async ({ root, info, context }, next) => {
  const result = await next();
  const parent = info.parentType.name;
  if (parent === 'Patient' && PATIENT_DATA_FIELDS.has(info.fieldName) && root?.nhsNumber) {
    context.audit.patientDataRead(root.nhsNumber, info.fieldName, rootField(info));
  } else if (parent === 'Message' && MESSAGE_DATA_FIELDS.has(info.fieldName) && root?.nhsNumber) {
    context.audit.patientDataRead(root.nhsNumber, `message.${info.fieldName}`, rootField(info));
  }
  return result;
};
