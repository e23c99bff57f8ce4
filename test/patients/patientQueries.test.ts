/** Reading and writing patients and organisations through the GraphQL API. */
import type { Hub } from '../../src/hub';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { OrganisationType } from '../../src/vocabulary/organisationType';
import { givenOrganisation, givenPatient } from '../support/fixtures';
import { createTestHub, type GraphqlResult, startTestServer, type TestServer } from '../support/testHub';

function codes(result: GraphqlResult): Array<string | undefined> {
  return (result.errors ?? []).map((e) => e.extensions?.code);
}

/** Valid NHS numbers in the 999 test range, distinct from the fixture numbers. */
function testNumbers(count: number, from = 999100001): string[] {
  const numbers: string[] = [];
  for (let stem = from; numbers.length < count; stem += 1) {
    const n = withCheckDigit(String(stem));
    if (n) numbers.push(n);
  }
  return numbers;
}

const PATIENTS_PAGE = `
  query ($first: Int, $after: String, $search: String) {
    patients(first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { nhsNumber givenName familyName } }
    }
  }`;

const UPSERT_PATIENT = `
  mutation ($input: PatientInput!) {
    upsertPatient(input: $input) {
      nhsNumber givenName familyName dateOfBirth mobileNumber email postalAddress nhsAppUser
      gpPractice { odsCode name type }
    }
  }`;

describe('patient queries', () => {
  let hub: Hub;
  let server: TestServer;

  beforeAll(async () => {
    hub = await createTestHub();
    server = await startTestServer(hub);
  });

  afterAll(async () => {
    await server.stop();
    await hub.close();
  });

  describe('patient and patients search', () => {
    beforeAll(async () => {
      await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
      await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
      await givenPatient(hub, { nhsNumber: '9434765919', givenName: 'Jane', familyName: 'Smith', gpPracticeOdsCode: 'A81001' });
      await givenPatient(hub, { nhsNumber: '9434765870', givenName: 'John', familyName: 'Smith', gpPracticeOdsCode: 'B82005', mobileNumber: null });
      await givenPatient(hub, { nhsNumber: '4010232137', givenName: 'Janet', familyName: 'Jones', gpPracticeOdsCode: null });
    });

    it('patient returns the demographics, contact details and GP practice', async () => {
      const result = await server.graphql(`{
        patient(nhsNumber: "9434765919") {
          nhsNumber givenName familyName dateOfBirth mobileNumber email postalAddress nhsAppUser
          gpPractice { odsCode name type }
        }
      }`);
      expect(result.errors).toBeUndefined();
      expect(result.data?.patient).toEqual({
        nhsNumber: '9434765919',
        givenName: 'Jane',
        familyName: 'Smith',
        dateOfBirth: '1980-03-14',
        mobileNumber: '+447700900123',
        email: 'jane.smith@example.com',
        postalAddress: '1 High Street, Leeds, LS1 4AB',
        nhsAppUser: true,
        gpPractice: { odsCode: 'A81001', name: 'The Densham Surgery', type: 'GP_PRACTICE' },
      });
    });

    it('gpPractice is each patient\'s own practice, or null when they have none', async () => {
      const result = await server.graphql(`{
        a: patient(nhsNumber: "9434765870") { gpPractice { odsCode name } mobileNumber }
        b: patient(nhsNumber: "4010232137") { gpPractice { odsCode } }
      }`);
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ a: { gpPractice: { odsCode: 'B82005', name: 'Riverside Medical Centre' }, mobileNumber: null }, b: { gpPractice: null } });
    });

    async function search(text: string | null): Promise<string[]> {
      const result = await server.graphql(PATIENTS_PAGE, { first: 50, search: text });
      expect(result.errors).toBeUndefined();
      return result.data!.patients.edges.map((e: { node: { nhsNumber: string } }) => e.node.nhsNumber);
    }

    it('patients with no search lists everyone, ordered by family name then given name', async () => {
      const result = await server.graphql(PATIENTS_PAGE, { first: 50 });
      expect(result.errors).toBeUndefined();
      expect(result.data!.patients.totalCount).toBe(3);
      expect(result.data!.patients.edges.map((e: any) => `${e.node.givenName} ${e.node.familyName}`)).toEqual(['Janet Jones', 'Jane Smith', 'John Smith']);
      expect(result.data!.patients.pageInfo.hasNextPage).toBe(false);
    });

    it('search by one name matches given or family names, ignoring case', async () => {
      expect(await search('smith')).toEqual(['9434765919', '9434765870']);
      expect(await search('SMITH')).toEqual(['9434765919', '9434765870']);
      expect(await search('jOhN')).toEqual(['9434765870']);
      // "jan" is part of both Jane and Janet
      expect(await search('jan')).toEqual(['4010232137', '9434765919']);
      expect(await search('nobody')).toEqual([]);
    });

    it('search by two names needs every word to match', async () => {
      expect(await search('jane smith')).toEqual(['9434765919']);
      expect(await search('  Smith   JANE ')).toEqual(['9434765919']);
      expect(await search('janet smith')).toEqual([]);
    });

    it('search by digits matches the start of the NHS number, spaces allowed', async () => {
      expect(await search('943476')).toEqual(['9434765919', '9434765870']);
      expect(await search('943 476 59')).toEqual(['9434765919']);
      expect(await search('4010232137')).toEqual(['4010232137']);
      // digits in the middle of a number do not match
      expect(await search('476')).toEqual([]);
    });

    it('search treats LIKE wildcards as plain characters', async () => {
      expect(await search('%')).toEqual([]);
      expect(await search('_')).toEqual([]);
    });

    it('totalCount counts every match, not just the page', async () => {
      const result = await server.graphql(PATIENTS_PAGE, { first: 1, search: 'smith' });
      expect(result.data!.patients.totalCount).toBe(2);
      expect(result.data!.patients.edges).toHaveLength(1);
      expect(result.data!.patients.pageInfo.hasNextPage).toBe(true);
    });
  });

  describe('pagination', () => {
    const FAMILIES = ['Adams', 'Baker', 'Clark', 'Baker', 'Evans', 'Fisher', 'Adams', 'Green', 'Hill', 'Clark', 'Baker'];
    const GIVEN = ['Kim', 'Lee', 'Max', 'Ned', 'Oli', 'Pat', 'Ray', 'Sam', 'Tom', 'Uma', 'Lee'];
    let expected: string[];

    beforeAll(async () => {
      const numbers = testNumbers(FAMILIES.length);
      for (const [i, nhsNumber] of numbers.entries()) {
        await givenPatient(hub, { nhsNumber, givenName: GIVEN[i], familyName: FAMILIES[i], gpPracticeOdsCode: null });
      }
      const everyone = await server.graphql(PATIENTS_PAGE, { first: 200 });
      expected = everyone.data!.patients.edges.map((e: any) => e.node.nhsNumber);
    });

    async function walk(first: number, between?: (page: number) => Promise<void>): Promise<string[]> {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page += 1) {
        const result: GraphqlResult = await server.graphql(PATIENTS_PAGE, { first, after });
        expect(result.errors).toBeUndefined();
        const connection = result.data!.patients;
        expect(connection.edges.length).toBeLessThanOrEqual(first);
        seen.push(...connection.edges.map((e: any) => e.node.nhsNumber));
        if (connection.edges.length > 0) expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1).cursor);
        if (!connection.pageInfo.hasNextPage) return seen;
        after = connection.pageInfo.endCursor;
        if (between) await between(page);
      }
      throw new Error('pagination did not finish');
    }

    it('the full list is in family name, given name, NHS number order', async () => {
      const result = await server.graphql(PATIENTS_PAGE, { first: 200 });
      const nodes = result.data!.patients.edges.map((e: any) => e.node);
      const sorted = [...nodes].sort((a: any, b: any) => a.familyName.localeCompare(b.familyName) || a.givenName.localeCompare(b.givenName) || a.nhsNumber.localeCompare(b.nhsNumber));
      expect(nodes).toEqual(sorted);
      expect(nodes).toHaveLength(FAMILIES.length + 3);
    });

    it.each([1, 2, 3, 5])('walking pages of %i visits every patient once, in order', async (first) => {
      expect(await walk(first)).toEqual(expected);
    });

    it('stays stable when patients are added before and after the cursor between pages', async () => {
      const [before, after] = testNumbers(2, 999200001);
      const seen = await walk(4, async (page) => {
        if (page !== 0) return;
        // "Aardvark" sorts before the first page's cursor, "Zephyr" after everything
        await givenPatient(hub, { nhsNumber: before, givenName: 'Ann', familyName: 'Aardvark', gpPracticeOdsCode: null });
        await givenPatient(hub, { nhsNumber: after, givenName: 'Zoe', familyName: 'Zephyr', gpPracticeOdsCode: null });
      });
      expect(seen).toEqual([...expected, after]);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).not.toContain(before);
    });

    it('refuses a malformed after cursor with BAD_USER_INPUT', async () => {
      for (const after of ['not-a-cursor', '', Buffer.from('["patient","Smith"]').toString('base64url'), Buffer.from('["message","2026-01-01T00:00:00.000Z","x"]').toString('base64url')]) {
        const result = await server.graphql(PATIENTS_PAGE, { first: 2, after: after === '' ? 'e30' : after });
        expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      }
    });

    it('refuses first above 200 or below 0 with BAD_USER_INPUT, and accepts 200', async () => {
      expect(codes(await server.graphql(PATIENTS_PAGE, { first: 500 }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await server.graphql(PATIENTS_PAGE, { first: -1 }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await server.graphql(PATIENTS_PAGE, { first: 200 }))).toEqual([]);
    });

    it('defaults to 20 patients a page', async () => {
      const result = await server.graphql(PATIENTS_PAGE, {});
      expect(result.data!.patients.edges).toHaveLength(Math.min(20, result.data!.patients.totalCount));
      expect(result.data!.patients.totalCount).toBeGreaterThan(3);
    });
  });

  describe('upsertPatient', () => {
    const input = {
      nhsNumber: '999 000 0018',
      givenName: '  Priya ',
      familyName: 'Patel',
      dateOfBirth: '1975-11-02',
      mobileNumber: '07700 900456',
      email: 'priya.patel@example.com',
      postalAddress: '2 Mill Road, Leeds, LS2 1AB',
      nhsAppUser: true,
      gpPracticeOdsCode: 'a81001',
    };

    beforeAll(async () => {
      await givenOrganisation(hub, 'A81001', 'The Densham Surgery');
      await givenOrganisation(hub, 'B82005', 'Riverside Medical Centre');
    });

    it('creates a patient, normalising the NHS number, names, mobile number and ODS code', async () => {
      const result = await server.graphql(UPSERT_PATIENT, { input });
      expect(result.errors).toBeUndefined();
      expect(result.data?.upsertPatient).toEqual({
        nhsNumber: '9990000018',
        givenName: 'Priya',
        familyName: 'Patel',
        dateOfBirth: '1975-11-02',
        mobileNumber: '+447700900456',
        email: 'priya.patel@example.com',
        postalAddress: '2 Mill Road, Leeds, LS2 1AB',
        nhsAppUser: true,
        gpPractice: { odsCode: 'A81001', name: 'The Densham Surgery', type: 'GP_PRACTICE' },
      });
      const read = await server.graphql('{ patient(nhsNumber: "9990000018") { givenName mobileNumber } }');
      expect(read.data?.patient).toEqual({ givenName: 'Priya', mobileNumber: '+447700900456' });
    });

    it('updates the same patient when called again with the same NHS number', async () => {
      const before = await server.graphql(PATIENTS_PAGE, { search: '999000001' });
      const result = await server.graphql(UPSERT_PATIENT, {
        input: { ...input, nhsNumber: '9990000018', familyName: 'Patel-Shah', mobileNumber: '+44 7700 900999', email: null, gpPracticeOdsCode: 'B82005', nhsAppUser: false },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data?.upsertPatient).toMatchObject({ nhsNumber: '9990000018', familyName: 'Patel-Shah', mobileNumber: '+447700900999', email: null, nhsAppUser: false, gpPractice: { odsCode: 'B82005' } });

      const after = await server.graphql(PATIENTS_PAGE, { search: '999000001' });
      expect(after.data!.patients.totalCount).toBe(before.data!.patients.totalCount);
      expect(after.data!.patients.totalCount).toBe(1);
      const read = await server.graphql('{ patient(nhsNumber: "9990000018") { familyName email nhsAppUser gpPractice { odsCode } } }');
      expect(read.data?.patient).toEqual({ familyName: 'Patel-Shah', email: null, nhsAppUser: false, gpPractice: { odsCode: 'B82005' } });
    });

    it.each([
      ['07700 900123', '+447700900123'],
      ['07700-900-123', '+447700900123'],
      ['447700900123', '+447700900123'],
      ['+44 7700 900123', '+447700900123'],
      ['+44 (0)7700 900123', '+447700900123'],
      ['0044 7700 900123', '+447700900123'],
      ['+353 85 123 4567', '+353851234567'],
    ])('stores the mobile number %p as %p, the one form the SMS channel uses', async (mobileNumber, stored) => {
      const result = await server.graphql(UPSERT_PATIENT, { input: { ...input, nhsNumber: '9990000034', mobileNumber } });
      expect(result.errors).toBeUndefined();
      expect(result.data?.upsertPatient.mobileNumber).toBe(stored);
    });

    it.each([
      ['a date that does not exist', { dateOfBirth: '1980-02-30' }],
      ['a date in another format', { dateOfBirth: '14/03/1980' }],
      ['a date in the future', { dateOfBirth: '2030-01-01' }],
      ['a blank given name', { givenName: '   ' }],
      ['a mobile number that is not a phone number', { mobileNumber: '12ab' }],
      ['an email address without a domain', { email: 'priya@' }],
    ])('refuses %s with BAD_USER_INPUT and saves nothing', async (_what, change) => {
      const result = await server.graphql(UPSERT_PATIENT, { input: { ...input, nhsNumber: '9990000026', ...change } });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      const read = await server.graphql('{ patient(nhsNumber: "9990000026") { nhsNumber } }');
      expect(read.data?.patient).toBeNull();
    });

    it('refuses an unknown GP practice with NOT_FOUND and saves nothing', async () => {
      const result = await server.graphql(UPSERT_PATIENT, { input: { ...input, nhsNumber: '9990000026', gpPracticeOdsCode: 'Z99999' } });
      expect(codes(result)).toEqual(['NOT_FOUND']);
      expect(result.errors![0].message).toContain('Z99999');
      const read = await server.graphql('{ patient(nhsNumber: "9990000026") { nhsNumber } }');
      expect(read.data?.patient).toBeNull();
    });

    it('refuses an invalid NHS number with INVALID_NHS_NUMBER', async () => {
      const result = await server.graphql(UPSERT_PATIENT, { input: { ...input, nhsNumber: '9990000019' } });
      expect(codes(result)).toEqual(['INVALID_NHS_NUMBER']);
    });
  });

  describe('organisations', () => {
    const UPSERT_ORG = 'mutation ($input: OrganisationInput!) { upsertOrganisation(input: $input) { odsCode name type } }';

    it('organisation finds an organisation by ODS code, ignoring case and spaces', async () => {
      await givenOrganisation(hub, 'RXQ', 'Northshire Hospitals NHS Trust', OrganisationType.HOSPITAL_TRUST);
      const result = await server.graphql('{ a: organisation(odsCode: "RXQ") { odsCode name type } b: organisation(odsCode: " rxq ") { odsCode } }');
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ a: { odsCode: 'RXQ', name: 'Northshire Hospitals NHS Trust', type: 'HOSPITAL_TRUST' }, b: { odsCode: 'RXQ' } });
    });

    it('organisation answers null for an unknown ODS code', async () => {
      const result = await server.graphql('{ organisation(odsCode: "ZZZ999") { odsCode } }');
      expect(result.errors).toBeUndefined();
      expect(result.data?.organisation).toBeNull();
    });

    it('upsertOrganisation creates, then updates the same organisation', async () => {
      const created = await server.graphql(UPSERT_ORG, { input: { odsCode: 'fa123', name: ' Market Street Pharmacy ', type: 'PHARMACY' } });
      expect(created.errors).toBeUndefined();
      expect(created.data?.upsertOrganisation).toEqual({ odsCode: 'FA123', name: 'Market Street Pharmacy', type: 'PHARMACY' });

      const updated = await server.graphql(UPSERT_ORG, { input: { odsCode: 'FA123', name: 'Market Square Pharmacy', type: 'OTHER' } });
      expect(updated.data?.upsertOrganisation).toEqual({ odsCode: 'FA123', name: 'Market Square Pharmacy', type: 'OTHER' });

      const read = await server.graphql('{ organisation(odsCode: "FA123") { name type } }');
      expect(read.data?.organisation).toEqual({ name: 'Market Square Pharmacy', type: 'OTHER' });
      const rows: Array<{ n: number | string }> = await hub.db.dataSource.query("SELECT COUNT(*) AS n FROM organisations WHERE ods_code = 'FA123'");
      expect(Number(rows[0].n)).toBe(1);
    });

    it('upsertOrganisation refuses a malformed ODS code or a blank name with BAD_USER_INPUT', async () => {
      expect(codes(await server.graphql(UPSERT_ORG, { input: { odsCode: 'A8-1001', name: 'Somewhere', type: 'GP_PRACTICE' } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await server.graphql(UPSERT_ORG, { input: { odsCode: 'AB', name: 'Somewhere', type: 'GP_PRACTICE' } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await server.graphql(UPSERT_ORG, { input: { odsCode: 'A81009', name: '  ', type: 'GP_PRACTICE' } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await server.graphql(UPSERT_ORG, { input: { odsCode: 'A81009', name: 'Somewhere', type: 'CASTLE' } }))).toEqual(['BAD_USER_INPUT']);
      const read = await server.graphql('{ organisation(odsCode: "A81009") { odsCode } }');
      expect(read.data?.organisation).toBeNull();
    });
  });
});
