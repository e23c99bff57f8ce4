/** NHS numbers: Modulus 11 validation, normalisation, and how the GraphQL NhsNumber scalar applies them. */
import type { Hub } from '../../src/hub';
import { isValidNhsNumber, normaliseNhsNumber, withCheckDigit } from '../../src/patients/nhsNumber';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { createTestHub, startTestServer, type TestServer } from '../support/testHub';

describe('isValidNhsNumber', () => {
  it.each(['9434765919', '9434765870', '4010232137', '943 476 5919', ' 943 476 5870 ', '943-476-5919', '999-000-0018'])('accepts %p', (value) => {
    expect(isValidNhsNumber(value)).toBe(true);
  });

  it.each([
    ['9434765918', 'wrong check digit (should be 9)'],
    ['9434765911', 'wrong check digit (should be 9)'],
    ['9434765871', 'check digit 0 expected (remainder 0 becomes 0, not 11)'],
    ['1000000010', 'the stem 100000001 gives check digit 10, so no number with it is valid'],
    ['1000000011', 'the stem 100000001 gives check digit 10, so no number with it is valid'],
    ['123', 'too short'],
    ['94347659190', 'too long'],
    ['943476591X', 'not all digits'],
    ['943-476-591X', 'dashes removed, but not all digits'],
    ['943_476_5919', 'underscores are not separators'],
    ['', 'empty'],
  ])('rejects %p (%s)', (value) => {
    expect(isValidNhsNumber(value)).toBe(false);
  });
});

describe('normaliseNhsNumber', () => {
  it('removes spaces and dashes and nothing else', () => {
    expect(normaliseNhsNumber('943 476 5919')).toBe('9434765919');
    expect(normaliseNhsNumber(' 943\t476  5919\n')).toBe('9434765919');
    expect(normaliseNhsNumber('943-476-5919')).toBe('9434765919');
    expect(normaliseNhsNumber('943 - 476 - 5919')).toBe('9434765919');
    expect(normaliseNhsNumber('943.476.5919')).toBe('943.476.5919');
  });
});

describe('withCheckDigit', () => {
  it('completes a 9-digit stem with its Modulus 11 check digit', () => {
    expect(withCheckDigit('943476591')).toBe('9434765919');
    expect(withCheckDigit('943476587')).toBe('9434765870');
    expect(withCheckDigit('401023213')).toBe('4010232137');
  });

  it('gives null for a stem whose check digit would be 10, and for a stem that is not 9 digits', () => {
    expect(withCheckDigit('100000001')).toBeNull();
    expect(withCheckDigit('94347659')).toBeNull();
    expect(withCheckDigit('9434765919')).toBeNull();
    expect(withCheckDigit('94347659a')).toBeNull();
  });

  it('always makes numbers that isValidNhsNumber accepts', () => {
    let made = 0;
    for (let stem = 999000001; stem < 999000200; stem += 1) {
      const number = withCheckDigit(String(stem));
      if (number === null) continue;
      made += 1;
      expect(isValidNhsNumber(number)).toBe(true);
      const wrong = `${number.slice(0, 9)}${(Number(number[9]) + 1) % 10}`;
      expect(isValidNhsNumber(wrong)).toBe(false);
    }
    expect(made).toBeGreaterThan(150);
  });
});

describe('the NhsNumber scalar over GraphQL', () => {
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub();
    await givenOrganisation(hub);
    await givenPatient(hub, { nhsNumber: '9434765919', givenName: 'Jane', familyName: 'Smith' });
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  it('finds a patient when the NHS number is written with spaces, and returns it without them', async () => {
    const literal = await server.graphql('{ patient(nhsNumber: "943 476 5919") { nhsNumber givenName } }');
    expect(literal.errors).toBeUndefined();
    expect(literal.data?.patient).toEqual({ nhsNumber: '9434765919', givenName: 'Jane' });

    const variable = await server.graphql('query ($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber } }', { n: '943 476 5919' });
    expect(variable.errors).toBeUndefined();
    expect(variable.data?.patient).toEqual({ nhsNumber: '9434765919' });
  });

  it('finds a patient when the NHS number is written with dashes, literal or variable', async () => {
    const literal = await server.graphql('{ patient(nhsNumber: "943-476-5919") { nhsNumber givenName } }');
    expect(literal.errors).toBeUndefined();
    expect(literal.data?.patient).toEqual({ nhsNumber: '9434765919', givenName: 'Jane' });
    const variable = await server.graphql('query ($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber } }', { n: '943-476-5919' });
    expect(variable.data?.patient).toEqual({ nhsNumber: '9434765919' });
    const filtered = await server.graphql('{ messages(filter: { nhsNumber: "943-476-5919" }) { totalCount } }');
    expect(filtered.errors).toBeUndefined();
    const searched = await server.graphql('{ patients(first: 5, search: "943-476") { edges { node { nhsNumber } } } }');
    expect(searched.errors).toBeUndefined();
    expect(searched.data?.patients.edges).toEqual([{ node: { nhsNumber: '9434765919' } }]);
  });

  it('answers null for a valid NHS number with no patient', async () => {
    const result = await server.graphql('{ patient(nhsNumber: "4010232137") { nhsNumber } }');
    expect(result.errors).toBeUndefined();
    expect(result.data?.patient).toBeNull();
  });

  it.each(['9434765918', '123', '1000000010', 'not a number'])('refuses %p written in the query with INVALID_NHS_NUMBER', async (value) => {
    const result = await server.graphql(`{ patient(nhsNumber: ${JSON.stringify(value)}) { nhsNumber } }`);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_NHS_NUMBER']);
  });

  it.each(['9434765918', '123', '1000000010'])('refuses %p passed as a variable with INVALID_NHS_NUMBER', async (value) => {
    const result = await server.graphql('query ($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber } }', { n: value });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_NHS_NUMBER']);
  });

  it('refuses an NHS number given as a number rather than a string with INVALID_NHS_NUMBER', async () => {
    const literal = await server.graphql('{ patient(nhsNumber: 9434765919) { nhsNumber } }');
    expect(literal.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_NHS_NUMBER']);
    const variable = await server.graphql('query ($n: NhsNumber!) { patient(nhsNumber: $n) { nhsNumber } }', { n: 9434765919 });
    expect(variable.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_NHS_NUMBER']);
  });

  it('checks NHS numbers inside input objects too', async () => {
    const result = await server.graphql('{ messages(filter: { nhsNumber: "9434765918" }) { totalCount } }');
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_NHS_NUMBER']);
  });
});
