/**
 * Creates or updates a patient's demographics and contact details, and the deceased and
 * confidential flags (a deceased patient is never messaged; src/delivery/rules/recipientEligibility.ts).
 */
import { Patient } from '../../entities/Patient';
import type { Database } from '../db/database';
import type { OrganisationStore } from '../organisations/organisationStore';
import { normaliseOdsCode } from '../organisations/odsCode';
import type { Clock } from '../shared/clock';
import { HubError } from '../shared/errors';
import { type AccessScope, UNRESTRICTED } from '../shared/scope';
import { normaliseNhsNumber, isValidNhsNumber } from './nhsNumber';
import type { PatientStore } from './patientStore';

export interface PatientDetails {
  nhsNumber: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  mobileNumber?: string | null;
  email?: string | null;
  postalAddress?: string | null;
  nhsAppUser: boolean;
  gpPracticeOdsCode?: string | null;
  /** Unset keeps what is recorded (false for a new patient). */
  deceased?: boolean | null;
  confidential?: boolean | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requiredName(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 100) throw new HubError('BAD_USER_INPUT', `${field} must be 1 to 100 characters`);
  return trimmed;
}

function optional(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

export function validDateOfBirth(value: string, today: Date): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!match || !date || date.getUTCMonth() !== Number(match[2]) - 1 || date.getUTCDate() !== Number(match[3])) {
    throw new HubError('BAD_USER_INPUT', `dateOfBirth must be a real date written YYYY-MM-DD, got "${value}"`);
  }
  if (date.getTime() > today.getTime() || Number(match[1]) < 1900) throw new HubError('BAD_USER_INPUT', 'dateOfBirth must be in the past, and no earlier than 1900-01-01');
  return match[0];
}

/** UK numbers are stored in international form (+447…), so fallback SMS has one format to use. */
export function normaliseMobileNumber(value: string | null | undefined): string | null {
  const raw = optional(value);
  if (raw === null) return null;
  // "+44 (0)7700…" writes the trunk 0 that international form drops; "00" is the international prefix.
  const compact = raw.replace(/\(0\)/g, '').replace(/[\s()-]/g, '').replace(/^00/, '+');
  const international = compact.startsWith('0') ? `+44${compact.slice(1)}` : compact.startsWith('44') ? `+${compact}` : compact;
  if (!/^\+\d{10,15}$/.test(international)) throw new HubError('BAD_USER_INPUT', `"${raw}" is not a phone number the SMS channel can use`);
  return international;
}

export interface PatientDeps {
  db: Database;
  patients: PatientStore;
  organisations: OrganisationStore;
  clock: Clock;
}

export async function upsertPatient(
  deps: PatientDeps,
  input: PatientDetails,
  scope: AccessScope = UNRESTRICTED,
): Promise<Patient> {
  const nhsNumber = normaliseNhsNumber(input.nhsNumber);
  if (!isValidNhsNumber(nhsNumber)) throw new HubError('INVALID_NHS_NUMBER', `"${input.nhsNumber}" is not a valid NHS number`);
  const now = deps.clock.now();
  const email = optional(input.email);
  if (email !== null && (!EMAIL.test(email) || email.length > 254)) throw new HubError('BAD_USER_INPUT', `"${email}" is not an email address`);
  const postalAddress = optional(input.postalAddress);
  if (postalAddress !== null && postalAddress.length > 500) throw new HubError('BAD_USER_INPUT', 'postalAddress must be at most 500 characters');
  const details = {
    givenName: requiredName(input.givenName, 'givenName'),
    familyName: requiredName(input.familyName, 'familyName'),
    dateOfBirth: validDateOfBirth(input.dateOfBirth, now),
    mobileNumber: normaliseMobileNumber(input.mobileNumber),
    email,
    postalAddress,
    nhsAppUser: input.nhsAppUser,
    gpPracticeOdsCode: input.gpPracticeOdsCode?.trim() ? normaliseOdsCode(input.gpPracticeOdsCode) : null,
  };

  return deps.db.transaction(async (manager) => {
    if (details.gpPracticeOdsCode && !(await deps.organisations.findByOdsCode(details.gpPracticeOdsCode, manager))) {
      throw new HubError('NOT_FOUND', `No organisation with ODS code ${details.gpPracticeOdsCode}; add it with upsertOrganisation first`);
    }
    const existing = await deps.patients.findByNhsNumber(nhsNumber, UNRESTRICTED, manager);
    // A practice maintains the patients registered with it, and no one else's; a patient with no
    // practice is not there for the taking.
    const practice = scope.organisationOdsCode;
    if (practice !== null && (details.gpPracticeOdsCode !== practice || (existing && existing.gpPracticeOdsCode !== practice))) {
      throw new HubError('FORBIDDEN', `This key may only add or update patients registered at ${practice}`);
    }
    const patient = existing ?? Object.assign(new Patient(), { nhsNumber, createdAt: now, deceased: false, confidential: false });
    Object.assign(patient, details, { updatedAt: now });
    if (input.deceased != null) patient.deceased = input.deceased;
    if (input.confidential != null) patient.confidential = input.confidential;
    return deps.patients.save(patient, manager);
  });
}
