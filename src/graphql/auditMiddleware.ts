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

export const auditPatientDataReads: MiddlewareFn<HubContext> = ({ root, info, context }, next) => {
  const parent = info.parentType.name;
  const field = parent === 'Patient' && PATIENT_DATA_FIELDS.has(info.fieldName) ? info.fieldName : parent === 'Message' && MESSAGE_DATA_FIELDS.has(info.fieldName) ? `message.${info.fieldName}` : null;
  // Every other field passes straight through: no promise of its own per field resolved.
  if (field === null) return next();
  return recordedAfter(next, () => {
    if (root?.nhsNumber) context.audit.patientDataRead(root.nhsNumber, field, rootField(info));
  });
};

/** Runs the resolver, then notes the read once it has answered (not when it failed). */
async function recordedAfter(next: () => Promise<unknown>, record: () => void): Promise<unknown> {
  const result = await next();
  record();
  return result;
}
