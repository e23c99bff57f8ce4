/**
 * Attack case 5: personal data hidden in links. Each disguise below once passed the rule; links
 * are now read from a real Markdown parse and normalised (NFKC, every digit script, invisible
 * characters, repeated percent-decoding, punycode) before matching across any separator.
 */
import { checkContent, type PatientIdentifiers } from '../../src/messages/rules/contentRules';
import { isValidNhsNumber } from '../../src/patients/nhsNumber';
import { HubError } from '../../src/shared/errors';

const patient: PatientIdentifiers = {
  nhsNumber: '9434765919',
  givenName: 'Jane',
  familyName: 'Smith',
  dateOfBirth: '1975-03-14',
  mobileNumber: '+447700900123',
  email: 'jane.smith@example.com',
  postalAddress: '1 High Street, Leeds, LS1 4AB',
};

function codeFor(body: string): string | null {
  try {
    checkContent({ subject: null, body: `Please see below.\n\n${body}\n\nThank you.`, mayGoToApp: true, patient });
    return null;
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
}

const toFullWidth = (digits: string) => [...digits].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
const toArabicIndic = (digits: string) => [...digits].map((d) => String.fromCodePoint(0x0660 + Number(d))).join('');
const entities = (text: string) => [...text].map((c) => `&#${c.codePointAt(0)};`).join('');

describe('attack 5: personal data disguised in links', () => {
  it('uses NHS numbers that pass the Modulus 11 check', () => {
    expect(['9000001005', '9990000018'].every(isValidNhsNumber)).toBe(true);
  });

  it.each([
    ['NHS number with underscores', '[results](https://x.nhs.uk/p/900_000_1005)'],
    ['NHS number with slashes', '[results](https://x.nhs.uk/p/900/000/1005)'],
    ['NHS number with commas', '[results](https://x.nhs.uk/p?n=900,000,1005)'],
    ['NHS number with dots', '[results](https://x.nhs.uk/p?n=999.000.0018)'],
    ['full-width digits in the path', `[results](https://x.nhs.uk/p/${toFullWidth('9000001005')})`],
    ['Arabic-Indic digits in the path', `[results](https://x.nhs.uk/p/${toArabicIndic('9000001005')})`],
    ['full-width digits in the host', `[results](https://${toFullWidth('9000001005')}.x.nhs.uk/)`],
    ['Arabic-Indic digits in the host', `[results](https://${toArabicIndic('9000001005')}.x.nhs.uk/)`],
    ['zero-width spaces between digits', '[results](https://x.nhs.uk/p/900\u200B000\u200B1005)'],
    ['soft hyphens between digits', '[results](https://x.nhs.uk/p/900\u00AD000\u00AD1005)'],
    ['HTML entities in a Markdown link', `[results](https://x.nhs.uk/p/${entities('9000001005')})`],
    ['backslash escapes in a Markdown link', '[results](https://x.nhs.uk/dob/14\\/03\\/1975)'],
    ['a <…> destination with spaces', '[results](<https://x.nhs.uk/p/900 000 1005>)'],
    ['a reference definition with a <…> destination', '[results][r]\n\n[r]: <https://x.nhs.uk/p/900 000 1005>'],
    ['a number split over query parameters', '[results](https://x.nhs.uk/p?a=900&b=000&c=1005)'],
    ['percent-encoding layered five times', '[results](https://x.nhs.uk/p/%2525252539000001005)'],
    ['date as DDMMYY', '[results](https://x.nhs.uk/d/140375)'],
    ['date as YYMMDD', '[results](https://x.nhs.uk/d/750314)'],
    ['date in words', '[results](https://x.nhs.uk/d/14th%20of%20March%201975)'],
    ['date as year and day of the year', '[results](https://x.nhs.uk/d/1975-073)'],
    ['date with colons', '[results](https://x.nhs.uk/d/14:03:1975)'],
    ['postcode with a slash', '[results](https://x.nhs.uk/pc/LS1/4AB)'],
    ['postcode with a tilde', '[results](https://x.nhs.uk/pc/LS1~4AB)'],
    ['phone with a slash', '[results](https://x.nhs.uk/t/07700/900123)'],
    ['phone with underscores', '[results](https://x.nhs.uk/t/07700_900_123)'],
    ['name as initial plus surname', '[results](https://x.nhs.uk/who/jsmith)'],
    ['name with a lookalike letter', '[results](https://x.nhs.uk/who/sm\u0456th)'],
    ['punycode host holding the name', '[results](https://xn--smth-m9d.x.nhs.uk/)'],
  ])('refuses %s', (_label, body) => {
    expect(codeFor(body)).toBe('PERSONAL_DATA_IN_URL');
  });

  it('still accepts ordinary links', () => {
    expect(codeFor('[Book your flu vaccine](https://www.nhs.uk/vaccinations/flu-vaccine/)')).toBeNull();
    expect(codeFor('<https://example.nhs.uk/forms/3f2a9c1d-1b2c-4d5e-8f90-a1b2c3d4e5f6>')).toBeNull();
  });
});
