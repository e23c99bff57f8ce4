/** The patient fields that identify a person: redacted from logs, and audited whenever they are read. */
export const PATIENT_IDENTIFIER_FIELDS = ['nhsNumber', 'givenName', 'familyName', 'dateOfBirth', 'mobileNumber', 'email', 'postalAddress'] as const;
