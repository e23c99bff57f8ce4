/**
 * The NHS sender rules, end to end: every request goes through `sendMessage` on the real
 * HTTP server, every outcome is checked in the answer the practice gets and in the rows
 * left in the database.
 */
import { send, validSend } from '../support/sending';
import { givenPatient } from '../support/fixtures';
import {
  attemptRows,
  codeOf,
  dataOf,
  DAY_MS,
  freshData,
  hubForEachTest,
  JANE,
  JOHN,
  messageCount,
  messageRow,
  messageRows,
  NOBODY,
  OTHER_PRACTICE,
  PRACTICE,
  startHub,
  stopHub,
} from './rulesSupport';

const CANCEL = `mutation ($id: ID!) { cancelMessage(id: $id) { id status } }`;
const PREFERENCES = `mutation ($input: ChannelPreferencesInput!) { updateChannelPreferences(input: $input) { optedOutChannels } }`;

function withLink(url: string): string {
  return `You can now book your appointment online.\n\n[Book your appointment](${url})\n\nThank you.`;
}

describe('sendMessage over HTTP: the sender rules', () => {
  const running = hubForEachTest();

  describe('legal basis and purpose', () => {
    it('refuses a message without a legal basis with NO_LEGAL_BASIS and stores nothing', async () => {
      const input = validSend();
      delete input.legalBasis;
      const result = await running.server.graphql(`mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`, { input });
      expect(codeOf(result)).toBe('NO_LEGAL_BASIS');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('refuses a message without a purpose with NO_LEGAL_BASIS', async () => {
      const input = validSend();
      delete input.purpose;
      const result = await running.server.graphql(`mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`, { input });
      expect(codeOf(result)).toBe('NO_LEGAL_BASIS');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('refuses a purpose of only spaces with NO_LEGAL_BASIS', async () => {
      const result = await send(running.server, { purpose: '   ' });
      expect(codeOf(result)).toBe('NO_LEGAL_BASIS');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('accepts the same message with a legal basis and a purpose, and stores both', async () => {
      const result = await send(running.server, { legalBasis: 'DIRECT_CARE', purpose: '  Seasonal flu invitation  ' });
      const id = dataOf(result).sendMessage.message.id;
      const row = await messageRow(running.hub, id);
      expect(row).toMatchObject({ legalBasis: 'DIRECT_CARE', purpose: 'Seasonal flu invitation', nhsNumber: JANE, organisationOdsCode: PRACTICE });
    });
  });

  describe('who the message is for and from', () => {
    it('refuses an NHS number with a wrong check digit with INVALID_NHS_NUMBER', async () => {
      const result = await send(running.server, { nhsNumber: '9434765918' });
      expect(codeOf(result)).toBe('INVALID_NHS_NUMBER');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('refuses a valid NHS number the hub does not know with PATIENT_NOT_FOUND', async () => {
      const result = await send(running.server, { nhsNumber: NOBODY });
      expect(codeOf(result)).toBe('PATIENT_NOT_FOUND');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('refuses an organisation the hub does not know with NOT_FOUND', async () => {
      const result = await send(running.server, { organisationOdsCode: 'Z99999' });
      expect(codeOf(result)).toBe('NOT_FOUND');
      expect(await messageCount(running.hub)).toBe(0);
    });
  });

  describe('personal data in links', () => {
    it.each([
      ["the patient's NHS number", 'https://www.nhs.uk/book?nhs=9434765919', '9434765919'],
      ['another valid NHS number', 'https://www.nhs.uk/book?ref=9434765870', '9434765870'],
      ['the given name', 'https://www.nhs.uk/book?name=Jane', 'Jane'],
      ['the family name', 'https://www.nhs.uk/patients/smith/book', 'smith'],
      ['the date of birth as 1980-03-14', 'https://www.nhs.uk/book?dob=1980-03-14', '1980-03-14'],
      ['the date of birth as 14/03/1980', 'https://www.nhs.uk/book?dob=14/03/1980', '14/03/1980'],
      ['the date of birth as 14031980', 'https://www.nhs.uk/book?d=14031980', '14031980'],
      ['the phone number as 07700900123', 'https://www.nhs.uk/book?tel=07700900123', '07700900123'],
      ['the phone number as +447700900123', 'https://www.nhs.uk/book?tel=+447700900123', '447700900123'],
      ['an email address', 'https://www.nhs.uk/book?email=someone.else@example.org', 'someone.else@example.org'],
      ['the postcode as LS1 4AB', 'https://www.nhs.uk/find?postcode=LS1%204AB', 'LS1 4AB'],
      ['the postcode as ls14ab', 'https://www.nhs.uk/find/ls14ab', 'ls14ab'],
    ])('refuses a link holding %s with PERSONAL_DATA_IN_URL, without repeating it', async (_what, url, value) => {
      const result = await send(running.server, { body: withLink(url) });
      expect(codeOf(result)).toBe('PERSONAL_DATA_IN_URL');
      expect(result.errors![0].message.toLowerCase()).not.toContain(value.toLowerCase());
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('accepts the same kind of link when it holds nothing personal', async () => {
      const result = await send(running.server, { body: withLink('https://www.nhs.uk/book?service=flu&year=2026') });
      expect(dataOf(result).sendMessage.message.id).toBeTruthy();
    });

    it('accepts personal data in the body text, outside any link', async () => {
      const body =
        'Dear Jane Smith,\n\n' +
        'We have your NHS number as 943 476 5919 and your date of birth as 14/03/1980. ' +
        'We may phone you on 07700900123 or email jane.smith@example.com, and we write to you at LS1 4AB.\n\n' +
        '[Read about your care](https://www.nhs.uk/conditions/)\n\n' +
        'Thank you.';
      const result = await send(running.server, { body });
      const id = dataOf(result).sendMessage.message.id;
      expect((await messageRow(running.hub, id))!.body).toBe(body);
    });
  });

  describe('content the NHS App cannot take', () => {
    it.each([
      ['a request to reply YES', 'Your appointment is on Monday at 9am.\n\nReply YES to confirm.'],
      ['a request to text STOP', 'You will get these messages every month.\n\nTo stop them, text STOP to 60060.'],
      ['a request to reply with the date of birth', 'Before we can book you in, please reply with your date of birth.'],
      ['an http:// link', 'You can now book online.\n\n[Book your appointment](http://www.nhs.uk/book)\n\nThank you.'],
      ['a body of 5,001 characters', 'word '.repeat(1000) + 'x'],
      ['HTML', 'Please bring <b>bold</b> your letter with you.'],
      ['an image', 'Here is a map of the surgery.\n\n![x](https://www.nhs.uk/images/map.png)\n\nThank you.'],
      ['a table', 'Your results:\n\n| Test | Result |\n| --- | --- |\n| Cholesterol | Normal |\n\nThank you.'],
    ])('refuses %s with UNSUPPORTED_CONTENT and stores nothing', async (_what, body) => {
      const result = await send(running.server, { body });
      expect(codeOf(result)).toBe('UNSUPPORTED_CONTENT');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('accepts a body of exactly 5,000 characters', async () => {
      const body = 'word '.repeat(999) + 'words';
      expect(body).toHaveLength(5000);
      const result = await send(running.server, { body });
      expect(dataOf(result).sendMessage.message.id).toBeTruthy();
    });

    it('accepts "Reply YES to confirm" in a time-critical message, which never goes to the app', async () => {
      const result = await send(running.server, { body: 'Your appointment is tomorrow at 9am.\n\nReply YES to confirm.', timeCritical: true });
      const message = dataOf(result).sendMessage.message;
      expect(message.timeCritical).toBe(true);
      const attempts = await attemptRows(running.hub, message.id);
      expect(attempts.map((a) => [a.channel, a.status, a.failureReason])).toEqual([
        ['NHS_APP', 'SKIPPED', 'TIME_CRITICAL'],
        ['SMS', 'PENDING', null],
      ]);
    });
  });

  describe('the content report', () => {
    it('gives the reading grade, the word count and one SMS fragment for a short, plain message', async () => {
      const result = await send(running.server, { body: 'Your flu vaccination is ready to book. Please call the surgery.' });
      const report = dataOf(result).sendMessage.message.contentReport;
      expect(typeof report.readingGrade).toBe('number');
      expect(report.readingGrade).toBeGreaterThanOrEqual(0);
      expect(report.readingGrade).toBeLessThanOrEqual(9);
      expect(report.wordCount).toBe(11);
      expect(report.smsFragments).toBe(1);
      expect(report.warnings).toEqual([]);
    });

    it('counts more than one SMS fragment for a long message', async () => {
      const body = 'Your flu vaccination is ready to book. Please call the surgery to choose a time that suits you. '.repeat(5).trim();
      const result = await send(running.server, { body });
      const report = dataOf(result).sendMessage.message.contentReport;
      expect(report.smsFragments).toBeGreaterThan(1);
      expect(report.wordCount).toBe(5 * 18);
    });

    it('warns about the reading grade of a hard-to-read text', async () => {
      const body =
        'The pharmacological administration of immunological preparations necessitates comprehensive individualised consideration of contraindications, ' +
        'particularly concerning immunocompromised individuals experiencing concurrent inflammatory manifestations.';
      const result = await send(running.server, { body });
      const report = dataOf(result).sendMessage.message.contentReport;
      expect(report.readingGrade).toBeGreaterThan(9);
      expect(report.warnings.some((w: string) => /reading grade/i.test(w))).toBe(true);
    });

    it('warns when the last line is a link', async () => {
      const result = await send(running.server, { body: 'You can now book your flu vaccination.\n\n[Book your flu vaccination](https://www.nhs.uk/book)' });
      const warnings: string[] = dataOf(result).sendMessage.message.contentReport.warnings;
      expect(warnings.some((w) => /last line/i.test(w) && /link/i.test(w))).toBe(true);
    });

    it('does not warn about the last line when a sentence follows the link', async () => {
      const result = await send(running.server, { body: 'You can now book your flu vaccination.\n\n[Book your flu vaccination](https://www.nhs.uk/book)\n\nThank you.' });
      const warnings: string[] = dataOf(result).sendMessage.message.contentReport.warnings;
      expect(warnings.some((w) => /last line/i.test(w))).toBe(false);
    });

    it('warns when the SMS version is over 918 characters', async () => {
      const paragraph = 'Your flu vaccination is ready to book. Please call the surgery to choose a time that suits you.';
      const body = Array.from({ length: 11 }, () => paragraph).join('\n\n');
      expect(body.length).toBeGreaterThan(918);
      const result = await send(running.server, { body });
      const report = dataOf(result).sendMessage.message.contentReport;
      expect(report.warnings.some((w: string) => /918/.test(w) && /SMS/.test(w))).toBe(true);
      expect(report.smsFragments).toBeGreaterThan(6);
    });

    it('does not warn about SMS length for a message that fits', async () => {
      const result = await send(running.server);
      const warnings: string[] = dataOf(result).sendMessage.message.contentReport.warnings;
      expect(warnings.some((w) => /918/.test(w))).toBe(false);
    });
  });

  describe('TOO_MANY_MESSAGES', () => {
    async function sendThree(ods = PRACTICE): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const result = await send(running.server, { organisationOdsCode: ods, subject: `Message ${i + 1}` });
        ids.push(dataOf(result).sendMessage.message.id);
        running.clock.advance(60_000);
      }
      return ids;
    }

    it('refuses the 4th non-urgent message from one practice to one patient within 24 hours', async () => {
      await sendThree();
      const fourth = await send(running.server, { subject: 'Message 4' });
      expect(codeOf(fourth)).toBe('TOO_MANY_MESSAGES');
      expect(await messageCount(running.hub)).toBe(3);
    });

    it('still accepts a time-critical message once the limit is reached', async () => {
      await sendThree();
      const urgent = await send(running.server, { subject: 'Urgent', timeCritical: true });
      expect(dataOf(urgent).sendMessage.message.timeCritical).toBe(true);
      expect(await messageCount(running.hub)).toBe(4);
    });

    it('does not count time-critical messages towards the limit', async () => {
      for (let i = 0; i < 3; i += 1) dataOf(await send(running.server, { subject: `Urgent ${i}`, timeCritical: true }));
      await sendThree();
      expect(codeOf(await send(running.server, { subject: 'Message 4' }))).toBe('TOO_MANY_MESSAGES');
      expect(await messageCount(running.hub)).toBe(6);
    });

    it('counts sends made at the same moment one after another: of 6 at once, exactly 3 are accepted', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => send(running.server, { subject: `Concurrent ${i}` })));
      const outcomes = results.map((r) => codeOf(r) ?? 'ACCEPTED');
      expect(outcomes.filter((o) => o === 'ACCEPTED')).toHaveLength(3);
      expect(outcomes.filter((o) => o === 'TOO_MANY_MESSAGES')).toHaveLength(3);
      expect(await messageCount(running.hub)).toBe(3);
    });

    it('still lets another organisation send to the patient', async () => {
      await sendThree();
      const other = await send(running.server, { organisationOdsCode: OTHER_PRACTICE });
      expect(dataOf(other).sendMessage.message.id).toBeTruthy();
      const rows = await messageRows(running.hub);
      expect(rows.filter((m) => m.organisationOdsCode === OTHER_PRACTICE)).toHaveLength(1);
    });

    it('counts per patient: the practice can still send to another patient', async () => {
      await givenPatient(running.hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones' });
      await sendThree();
      const toJohn = await send(running.server, { nhsNumber: JOHN });
      expect(dataOf(toJohn).sendMessage.message.id).toBeTruthy();
    });

    it('lets the practice send again 24 hours later', async () => {
      await sendThree();
      expect(codeOf(await send(running.server))).toBe('TOO_MANY_MESSAGES');
      running.clock.advance(DAY_MS - 3 * 60_000);
      // 24 h after the first one only: the other two are still inside the window
      const afterFirst = await send(running.server, { subject: 'After a day' });
      expect(dataOf(afterFirst).sendMessage.message.id).toBeTruthy();
      expect(codeOf(await send(running.server, { subject: 'One more' }))).toBe('TOO_MANY_MESSAGES');
      running.clock.advance(DAY_MS);
      const nextDay = await send(running.server, { subject: 'Next day' });
      expect(dataOf(nextDay).sendMessage.message.id).toBeTruthy();
    });

    it('does not count cancelled messages', async () => {
      const ids = await sendThree();
      const cancelled = await running.server.graphql(CANCEL, { id: ids[0] });
      expect(dataOf(cancelled).cancelMessage.status).toBe('CANCELLED');
      const replacement = await send(running.server, { subject: 'Replacement' });
      expect(dataOf(replacement).sendMessage.message.id).toBeTruthy();
      expect(codeOf(await send(running.server, { subject: 'One too many' }))).toBe('TOO_MANY_MESSAGES');
    });

    it('takes its limit from MAX_MESSAGES_PER_PATIENT_PER_DAY', async () => {
      const strict = await startHub({ MAX_MESSAGES_PER_PATIENT_PER_DAY: '1' });
      try {
        await freshData(strict.hub);
        expect(dataOf(await send(strict.server)).sendMessage.message.id).toBeTruthy();
        expect(codeOf(await send(strict.server, { subject: 'Second' }))).toBe('TOO_MANY_MESSAGES');
        expect(await messageCount(strict.hub)).toBe(1);
      } finally {
        await stopHub(strict);
      }
    });
  });

  describe('idempotency', () => {
    it('answers the same key with the same content as a replay of the same message, storing one row', async () => {
      const first = dataOf(await send(running.server, { idempotencyKey: 'flu-2026-jane' })).sendMessage;
      running.clock.advance(5 * 60_000);
      const second = dataOf(await send(running.server, { idempotencyKey: 'flu-2026-jane' })).sendMessage;
      expect(first.replayed).toBe(false);
      expect(second.replayed).toBe(true);
      expect(second.message.id).toBe(first.message.id);
      expect(await messageCount(running.hub)).toBe(1);
    });

    it('refuses the same key with a different body with DUPLICATE_REQUEST', async () => {
      dataOf(await send(running.server, { idempotencyKey: 'flu-2026-jane' }));
      const different = await send(running.server, { idempotencyKey: 'flu-2026-jane', body: 'A different message.\n\nThank you.' });
      expect(codeOf(different)).toBe('DUPLICATE_REQUEST');
      expect(await messageCount(running.hub)).toBe(1);
    });

    it('treats the same key from another organisation as a different message', async () => {
      const ours = dataOf(await send(running.server, { idempotencyKey: 'shared-key' })).sendMessage;
      const theirs = dataOf(await send(running.server, { idempotencyKey: 'shared-key', organisationOdsCode: OTHER_PRACTICE })).sendMessage;
      expect(theirs.replayed).toBe(false);
      expect(theirs.message.id).not.toBe(ours.message.id);
      const rows = await messageRows(running.hub);
      expect(rows.map((m) => m.organisationOdsCode).sort()).toEqual([PRACTICE, OTHER_PRACTICE].sort());
    });

    it('creates exactly one message for 10 identical requests sent at once', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => send(running.server, { idempotencyKey: 'concurrent-key' })));
      const payloads = results.map((r) => dataOf(r).sendMessage);
      const ids = new Set(payloads.map((p) => p.message.id));
      expect(ids.size).toBe(1);
      expect(payloads.filter((p) => p.replayed === false)).toHaveLength(1);
      expect(await messageCount(running.hub)).toBe(1);
      const [row] = await messageRows(running.hub);
      expect(ids.has(row.id)).toBe(true);
      expect(await attemptRows(running.hub, row.id)).toHaveLength(1);
    });

    it('answers a replay even after the daily limit has been reached since', async () => {
      const original = dataOf(await send(running.server, { idempotencyKey: 'before-the-limit' })).sendMessage;
      dataOf(await send(running.server, { subject: 'Second' }));
      dataOf(await send(running.server, { subject: 'Third' }));
      const replay = dataOf(await send(running.server, { idempotencyKey: 'before-the-limit' })).sendMessage;
      expect(replay).toMatchObject({ replayed: true, message: { id: original.message.id } });
      expect(await messageCount(running.hub)).toBe(3);
    });

    it('answers every one of 10 identical requests sent at once with the one message, even when it takes the last daily slot', async () => {
      dataOf(await send(running.server, { subject: 'First' }));
      dataOf(await send(running.server, { subject: 'Second' }));
      const results = await Promise.all(Array.from({ length: 10 }, () => send(running.server, { idempotencyKey: 'last-slot-key' })));
      // A client retrying the request that was accepted must get that message back, not a refusal.
      expect(results.map((r) => codeOf(r) ?? 'OK')).toEqual(Array.from({ length: 10 }, () => 'OK'));
      const ids = new Set(results.map((r) => r.data!.sendMessage.message.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.data!.sendMessage.replayed === false)).toHaveLength(1);
      expect(await messageCount(running.hub)).toBe(3);
    });

    it('keeps keys for 16 months: a replay 487 days later returns the original', async () => {
      const original = dataOf(await send(running.server, { idempotencyKey: 'long-lived-key' })).sendMessage;
      running.clock.advance(487 * DAY_MS);
      const replay = dataOf(await send(running.server, { idempotencyKey: 'long-lived-key' })).sendMessage;
      expect(replay.replayed).toBe(true);
      expect(replay.message.id).toBe(original.message.id);
      const misuse = await send(running.server, { idempotencyKey: 'long-lived-key', body: 'Something else entirely.\n\nThank you.' });
      expect(codeOf(misuse)).toBe('DUPLICATE_REQUEST');
      expect(await messageCount(running.hub)).toBe(1);
    });
  });

  describe('NO_REACHABLE_CHANNEL', () => {
    it('refuses a patient who is not an NHS App user and has no mobile, email or address, storing no message', async () => {
      await givenPatient(running.hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones', nhsAppUser: false, mobileNumber: null, email: null, postalAddress: null });
      const result = await send(running.server, { nhsNumber: JOHN });
      expect(codeOf(result)).toBe('NO_REACHABLE_CHANNEL');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('refuses a patient who is not an NHS App user and opted out of every fallback channel', async () => {
      await givenPatient(running.hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones', nhsAppUser: false });
      const optOut = await running.server.graphql(PREFERENCES, { input: { nhsNumber: JOHN, optedOutChannels: ['SMS', 'EMAIL', 'LETTER'] } });
      expect(dataOf(optOut).updateChannelPreferences.optedOutChannels).toEqual(['SMS', 'EMAIL', 'LETTER']);
      const result = await send(running.server, { nhsNumber: JOHN });
      expect(codeOf(result)).toBe('NO_REACHABLE_CHANNEL');
      expect(await messageCount(running.hub)).toBe(0);
    });

    it('still reaches a patient who is not an app user but kept one channel', async () => {
      await givenPatient(running.hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Jones', nhsAppUser: false });
      dataOf(await running.server.graphql(PREFERENCES, { input: { nhsNumber: JOHN, optedOutChannels: ['SMS', 'EMAIL'] } }));
      const message = dataOf(await send(running.server, { nhsNumber: JOHN })).sendMessage.message;
      const attempts = await attemptRows(running.hub, message.id);
      expect(attempts.map((a) => [a.channel, a.status])).toEqual([
        ['NHS_APP', 'SKIPPED'],
        ['SMS', 'SKIPPED'],
        ['EMAIL', 'SKIPPED'],
        ['LETTER', 'PENDING'],
      ]);
    });
  });
});
