/** Small builders for rows the tests need, written through the real use cases. */
import type { Hub } from '../../src/hub';
import { upsertOrganisation } from '../../src/organisations/upsertOrganisation';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { upsertPatient, type PatientDetails } from '../../src/patients/upsertPatient';

export const VALID_NHS_NUMBERS = ['9434765919', '9434765870', '4010232137', '9990000018', '9990000026', '9990000034'];

export async function givenOrganisation(hub: Hub, odsCode = 'A81001', name = 'The Densham Surgery', type = OrganisationType.GP_PRACTICE) {
  return upsertOrganisation(hub.useCases.organisations, { odsCode, name, type });
}

/** The patient most tests use, registered at A81001 with every contact detail. */
export const JANE_DETAILS = {
  nhsNumber: '9434765919',
  givenName: 'Jane',
  familyName: 'Smith',
  dateOfBirth: '1980-03-14',
  mobileNumber: '07700900123',
  email: 'jane.smith@example.com',
  postalAddress: '1 High Street, Leeds, LS1 4AB',
  nhsAppUser: true,
  gpPracticeOdsCode: 'A81001',
};

export async function givenPatient(hub: Hub, overrides: Partial<PatientDetails> = {}) {
  return upsertPatient(
    hub.useCases.patients,
    {
      ...JANE_DETAILS,
      ...overrides,
    },
  );
}
