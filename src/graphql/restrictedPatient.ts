/**
 * A sender that messaged a patient registered elsewhere sees its own messages and the
 * patient's NHS number, and nothing more: Message.patient then answers this view, whose
 * every other field answers NOT_FOUND, exactly as a patient that is not there.
 */
import type { MiddlewareFn } from 'type-graphql';
import { Patient } from '../../entities/Patient';
import { HubError } from '../shared/errors';

const RESTRICTED = Symbol('restricted patient view');

export function restrictedPatient(nhsNumber: string): Patient {
  return Object.assign(new Patient(), { nhsNumber, [RESTRICTED]: true });
}

function isRestricted(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RESTRICTED] === true;
}

export const refuseRestrictedPatientFields: MiddlewareFn = async ({ root, info }, next) => {
  if (info.parentType.name === 'Patient' && info.fieldName !== 'nhsNumber' && info.fieldName !== '__typename' && isRestricted(root)) {
    throw new HubError('NOT_FOUND', `Patient ${(root as Patient).nhsNumber} is not visible to this caller beyond the NHS number`);
  }
  return next();
};
