/**
 * A batch builds each distinct subject and body's content report once, and still gives every
 * item its own, correct report: shared bodies, the same body under another subject or none,
 * and bodies with warnings, whatever order they come in.
 */
import { buildContentReport, contentReportCache } from '../../src/messages/rules/contentReport';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { givenPatient } from '../support/fixtures';
import { validSend } from '../support/sending';
import { dataOf, freshData, messageRows, PRACTICE, type RunningHub, startHub, stopHub } from '../e2e/rulesSupport';

const SEND_BATCH = `
  mutation ($input: SendMessagesInput!) {
    sendMessages(input: $input) {
      accepted
      results { index error { code } message { id subject body contentReport { readingGrade wordCount smsFragments warnings } } }
    }
  }`;

const SHARED_BODY = 'Your flu vaccination is ready to book.\n\n[Book your flu vaccination](https://www.nhs.uk/vaccinations/flu-vaccine/)\n\nThank you.';
const WARNED_BODY =
  'Notwithstanding considerable organisational complexities, comprehensive immunisation administration necessitates interdisciplinary coordination.\n\n[Click here](https://www.nhs.uk/vaccinations/)';
const LONG_BODY = `${'Please come to the surgery for your review. '.repeat(30).trim()}`;

function patients(count: number): string[] {
  const numbers: string[] = [];
  for (let stem = 999_300_000; numbers.length < count; stem += 1) {
    const number = withCheckDigit(String(stem));
    if (number) numbers.push(number);
  }
  return numbers;
}

describe('content reports in a batch', () => {
  let running: RunningHub;

  beforeAll(async () => {
    running = await startHub();
    await freshData(running.hub);
  });

  afterAll(async () => {
    await stopHub(running);
  });

  it('gives every item the report of its own subject and body', async () => {
    const recipients = patients(12);
    for (const nhsNumber of recipients) await givenPatient(running.hub, { nhsNumber, gpPracticeOdsCode: PRACTICE });
    const texts: Array<{ subject: string | null; body: string }> = [
      { subject: 'Flu vaccination', body: SHARED_BODY },
      { subject: 'Flu vaccination', body: SHARED_BODY },
      { subject: 'Your review', body: WARNED_BODY },
      { subject: 'Flu vaccination', body: SHARED_BODY },
      { subject: 'A much longer subject line about your flu vaccination this autumn', body: SHARED_BODY },
      { subject: null, body: SHARED_BODY },
      { subject: 'Your review', body: LONG_BODY },
      { subject: 'Your review', body: WARNED_BODY },
      { subject: '  Flu vaccination  ', body: SHARED_BODY },
      { subject: 'Flu vaccination', body: SHARED_BODY },
      { subject: null, body: WARNED_BODY },
      { subject: 'Your review', body: LONG_BODY },
    ];
    const batch = texts.map((text, i) => {
      const item = validSend({ nhsNumber: recipients[i], body: text.body, subject: text.subject });
      if (text.subject === null) delete item.subject;
      return item;
    });
    const payload = dataOf(await running.server.graphql(SEND_BATCH, { input: { messages: batch } })).sendMessages;
    expect(payload.accepted).toBe(texts.length);

    const rows = new Map((await messageRows(running.hub)).map((m) => [m.id, m]));
    for (const [i, text] of texts.entries()) {
      const result = payload.results[i];
      expect(result.error).toBeNull();
      const expected = buildContentReport(text.subject?.trim() || null, text.body);
      expect(result.message.contentReport).toEqual(expected);
      const row = rows.get(result.message.id)!;
      expect({ readingGrade: row.readingGrade, wordCount: row.wordCount, smsFragments: row.smsFragments, warnings: row.contentWarnings }).toEqual(expected);
    }
    // The texts really differ in their reports: the warned body warns, the shared one does not.
    expect(payload.results[2].message.contentReport.warnings.length).toBeGreaterThan(0);
    expect(payload.results[0].message.contentReport.warnings).toEqual([]);
    expect(payload.results[4].message.contentReport.smsFragments).toBeGreaterThanOrEqual(payload.results[0].message.contentReport.smsFragments);
  });

  it('builds a text’s report once, and hands each caller a report of its own', () => {
    const reportOf = contentReportCache();
    const first = reportOf('Your review', WARNED_BODY);
    const second = reportOf('Your review', WARNED_BODY);
    expect(second).toEqual(buildContentReport('Your review', WARNED_BODY));
    expect(second).not.toBe(first);
    expect(second.warnings).not.toBe(first.warnings);
    first.warnings.push('changed by one message');
    expect(reportOf('Your review', WARNED_BODY).warnings).toEqual(buildContentReport('Your review', WARNED_BODY).warnings);
    // Subject null and no subject are the same text; another subject is not.
    expect(reportOf(null, SHARED_BODY)).toEqual(buildContentReport(null, SHARED_BODY));
    expect(reportOf(undefined, SHARED_BODY)).toEqual(buildContentReport(undefined, SHARED_BODY));
    expect(reportOf('A much longer subject line about your flu vaccination this autumn', SHARED_BODY)).toEqual(
      buildContentReport('A much longer subject line about your flu vaccination this autumn', SHARED_BODY),
    );
  });
});
