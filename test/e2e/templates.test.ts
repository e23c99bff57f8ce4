/**
 * Message templates over HTTP: saving with the recipient-independent sender rules, the
 * placeholder paths, values as text (never markup, never personal data in a link), archived
 * templates, editing after sending, and a 1,000-recipient sendFromTemplate with per-recipient errors.
 */
import MarkdownIt from 'markdown-it';
import { Message } from '../../entities/Message';
import { withCheckDigit } from '../../src/patients/nhsNumber';
import { Role } from '../../src/vocabulary/roles';
import { givenPatient } from '../support/fixtures';
import { apiKey, bearer } from '../support/testHub';
import { codeOf, dataOf, hubForEachTest, JANE, JOHN, messageCount, NOBODY, OTHER_PRACTICE, PRACTICE } from './rulesSupport';

const SAVE = `
  mutation ($id: ID, $input: MessageTemplateInput!) {
    saveMessageTemplate(id: $id, input: $input) {
      id organisationOdsCode name category subject body placeholders legalBasis purpose archived createdAt updatedAt
      contentReport { wordCount smsFragments warnings }
    }
  }`;
const ARCHIVE = 'mutation ($id: ID!) { archiveMessageTemplate(id: $id) { id archived } }';
const PREVIEW = `
  query ($templateId: ID!, $nhsNumber: NhsNumber!, $personalisation: [PersonalisationInput!]) {
    previewTemplate(templateId: $templateId, nhsNumber: $nhsNumber, personalisation: $personalisation) {
      subject body contentReport { wordCount warnings }
    }
  }`;
const SEND = `
  mutation ($input: SendFromTemplateInput!) {
    sendFromTemplate(input: $input) {
      accepted rejected
      results { index replayed error { code message } message { id status body subject templateId } }
    }
  }`;
const LIST = '{ messageTemplates(first: 10) { totalCount edges { node { id name archived } } } }';

const BODY = [
  '# Your appointment',
  '',
  'Dear ((givenName)) ((familyName)), ((organisationName)) has booked your ((appointmentType)) appointment.',
  '',
  '((note))',
  '',
  '[Check your booking](https://www.nhs.uk/appointments?ref=((ref)))',
  '',
  'Thank you.',
].join('\n');

function templateInput(overrides: Record<string, unknown> = {}) {
  return {
    organisationOdsCode: PRACTICE,
    name: 'Appointment booked',
    category: 'NHS_APP_MESSAGING',
    subject: 'Your ((appointmentType)) appointment',
    body: BODY,
    legalBasis: 'DIRECT_CARE',
    purpose: 'Appointment confirmation',
    ...overrides,
  };
}

function values(overrides: Record<string, string | undefined> = {}) {
  const all: Record<string, string | undefined> = { appointmentType: 'asthma review', note: 'Please arrive 10 minutes early.', ref: 'AB12', ...overrides };
  return Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
}

const markdown = new MarkdownIt({ html: true, linkify: true });

function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('message templates', () => {
  const running = hubForEachTest();

  async function saved(overrides: Record<string, unknown> = {}, id?: string) {
    return dataOf(await running.server.graphql(SAVE, { id, input: templateInput(overrides) })).saveMessageTemplate;
  }

  it('are saved with their placeholders in order of first use and a content report', async () => {
    const template = await saved();
    expect(template).toMatchObject({ organisationOdsCode: PRACTICE, name: 'Appointment booked', archived: false, legalBasis: 'DIRECT_CARE' });
    expect(template.placeholders).toEqual(['appointmentType', 'givenName', 'familyName', 'organisationName', 'note', 'ref']);
    expect(template.contentReport.wordCount).toBeGreaterThan(5);
    const list = dataOf(await running.server.graphql(LIST)).messageTemplates;
    expect(list.totalCount).toBe(1);
    expect(list.edges[0].node).toEqual({ id: template.id, name: 'Appointment booked', archived: false });
  });

  it('are refused when saved with text breaking a sender rule that does not depend on the recipient', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ body: 'Can you come in? Reply YES to confirm.' }, 'UNSUPPORTED_CONTENT'],
      [{ body: 'Results:\n\n| a | b |\n|---|---|\n| 1 | 2 |' }, 'UNSUPPORTED_CONTENT'],
      [{ body: 'x'.repeat(5001) }, 'UNSUPPORTED_CONTENT'],
      [{ body: 'Book at [the surgery](http://www.example.com/book).' }, 'UNSUPPORTED_CONTENT'],
      [{ body: 'Details: https://www.nhs.uk/x?nhs=9434765919 thank you' }, 'PERSONAL_DATA_IN_URL'],
      [{ purpose: ' ' }, 'NO_LEGAL_BASIS'],
      [{ name: '' }, 'BAD_USER_INPUT'],
    ];
    for (const [overrides, code] of cases) {
      expect(codeOf(await running.server.graphql(SAVE, { input: templateInput(overrides) }))).toBe(code);
    }
    expect(dataOf(await running.server.graphql(LIST)).messageTemplates.totalCount).toBe(0);
  });

  it('belong to one organisation: a SENDER manages only its own', async () => {
    const senderKey = await apiKey(running.hub, Role.SENDER, PRACTICE);
    const own = dataOf(await running.server.graphql(SAVE, { input: templateInput() }, bearer(senderKey))).saveMessageTemplate;
    expect(own.organisationOdsCode).toBe(PRACTICE);
    const foreign = await running.server.graphql(SAVE, { input: templateInput({ organisationOdsCode: OTHER_PRACTICE }) }, bearer(senderKey));
    expect(codeOf(foreign)).toBe('FORBIDDEN');
    const otherKey = await apiKey(running.hub, Role.SENDER, OTHER_PRACTICE);
    expect(dataOf(await running.server.graphql('query ($id: ID!) { messageTemplate(id: $id) { id } }', { id: own.id }, bearer(otherKey)))).toEqual({ messageTemplate: null });
    const send = await running.server.graphql(SEND, { input: { templateId: own.id, recipients: [{ nhsNumber: JANE, personalisation: values() }] } }, bearer(otherKey));
    expect(codeOf(send)).toBe('NOT_FOUND');
    expect(await messageCount(running.hub)).toBe(0);
  });

  it('fill record placeholders from the hub and the others from personalisation; a missing value refuses that recipient alone', async () => {
    const template = await saved();
    const preview = dataOf(await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values() })).previewTemplate;
    expect(preview.subject).toBe('Your asthma review appointment');
    expect(preview.body).toContain('Dear Jane Smith, The Densham Surgery has booked your asthma review appointment.');
    expect(preview.body).toContain('(https://www.nhs.uk/appointments?ref=AB12)');
    expect(preview.contentReport.wordCount).toBeGreaterThan(10);
    // A preview stores and sends nothing.
    expect(await messageCount(running.hub)).toBe(0);

    const missing = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ note: undefined }) });
    expect(codeOf(missing)).toBe('PERSONALISATION_MISSING');
    expect(missing.errors![0].message).toContain('((note))');
    const recordInPersonalisation = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: [...values(), { name: 'givenName', value: 'Bob' }] });
    expect(codeOf(recordInPersonalisation)).toBe('BAD_USER_INPUT');

    await givenPatient(running.hub, { nhsNumber: '9434765870', givenName: 'John', familyName: 'Brown' });
    const payload = dataOf(
      await running.server.graphql(SEND, {
        input: {
          templateId: template.id,
          recipients: [
            { nhsNumber: JANE, personalisation: values() },
            { nhsNumber: '9434765870', personalisation: values({ ref: undefined }) },
            { nhsNumber: '9434765870', personalisation: values({ appointmentType: 'blood test' }) },
            { nhsNumber: NOBODY, personalisation: values() },
          ],
        },
      }),
    ).sendFromTemplate;
    expect(payload.results.map((r: any) => r.error?.code ?? null)).toEqual([null, 'PERSONALISATION_MISSING', null, 'PATIENT_NOT_FOUND']);
    expect(payload).toMatchObject({ accepted: 2, rejected: 2 });
    expect(payload.results[0].message).toMatchObject({ status: 'QUEUED', templateId: template.id, subject: 'Your asthma review appointment' });
    expect(payload.results[2].message.body).toContain('Dear John Brown, The Densham Surgery has booked your blood test appointment');
    const stored = await running.hub.db.dataSource.getRepository(Message).find();
    expect(stored.map((m) => m.templateId)).toEqual([template.id, template.id]);
  });

  it('fill names only for patients the sender may read, and audit every record a send consulted', async () => {
    const template = await saved();
    const senderKey = await apiKey(running.hub, Role.SENDER, PRACTICE);
    await givenPatient(running.hub, { nhsNumber: JOHN, givenName: 'John', familyName: 'Brown', gpPracticeOdsCode: OTHER_PRACTICE });
    const payload = dataOf(
      await running.server.graphql(SEND, { input: { templateId: template.id, recipients: [{ nhsNumber: JANE, personalisation: values() }, { nhsNumber: JOHN, personalisation: values() }] } }, bearer(senderKey)),
    ).sendFromTemplate;
    // John is registered elsewhere: the sender would read his name in the message it sent.
    expect(payload.results.map((r: any) => r.error?.code ?? null)).toEqual([null, 'PERSONALISATION_MISSING']);
    expect(payload.results[1].error.message).not.toContain('John');
    expect(payload.results[0].message.body).toContain('Dear Jane Smith');
    const reads = await running.hub.db.dataSource.query("SELECT nhs_number FROM audit_events WHERE action = 'PATIENT_DATA_READ' AND operation = 'sendMessage'");
    expect(new Set(reads.map((r: { nhs_number: string }) => r.nhs_number))).toEqual(new Set([JANE]));
    const nameless = await saved({ name: 'No names', subject: 'Your appointment', body: 'Your ((appointmentType)) appointment is booked.\n\nThank you.' });
    const other = dataOf(await running.server.graphql(SEND, { input: { templateId: nameless.id, recipients: [{ nhsNumber: JOHN, personalisation: [{ name: 'appointmentType', value: 'asthma review' }] }] } }, bearer(senderKey))).sendFromTemplate;
    expect(other).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('refuse a value that puts personal data into a link, exactly as in a hand-written body', async () => {
    const template = await saved();
    for (const ref of ['9434765919', '943 476 5919', 'jane.smith@example.com', 'Jane-Smith', '14-03-1980', 'LS1 4AB', '07700900123']) {
      const preview = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ ref }) });
      expect({ ref, code: codeOf(preview) }).toEqual({ ref, code: 'PERSONAL_DATA_IN_URL' });
      const send = dataOf(await running.server.graphql(SEND, { input: { templateId: template.id, recipients: [{ nhsNumber: JANE, personalisation: values({ ref }) }] } })).sendFromTemplate;
      expect(send.results[0].error.code).toBe('PERSONAL_DATA_IN_URL');
    }
    // The same data outside a link is ordinary text.
    const inText = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ note: 'Your NHS number is 943 476 5919.' }) });
    expect(dataOf(inText).previewTemplate.body).toContain('943 476 5919');
    expect(await messageCount(running.hub)).toBe(0);
  });

  it('show markup in a value as text: a value cannot add a link, a heading, a list, emphasis or HTML', async () => {
    const template = await saved({ subject: 'Your appointment' });
    const hostile = [
      '# Urgent: call us',
      '## Heading two',
      '- a list item',
      '1. a numbered item',
      '> a quote',
      'Click [here](https://evil.example/x) now',
      'Visit https://evil.example/y today',
      'Visit www.evil.example today',
      '<https://evil.example/auto>',
      '<b>bold</b> <a href="https://evil.example/z">link</a> <script>alert(1)</script>',
      '<img src="https://evil.example/i.png">',
      '**strong** and _em_ and `code`',
      '![image](https://evil.example/i.png)',
      'text\n===\nmore',
      'write to evil@evil.example',
    ];
    for (const value of hostile) {
      for (const name of ['note', 'appointmentType']) {
        const result = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ [name]: value }) });
        const body: string = dataOf(result).previewTemplate.body;
        const html = markdown.render(body);
        const context = { value, name, html };
        expect({ ...context, links: html.match(/<a /g)?.length ?? 0 }).toEqual({ ...context, links: 1 });
        expect({ ...context, evil: html.includes('href="https://evil') || html.includes('mailto:') }).toEqual({ ...context, evil: false });
        expect({ ...context, headings: html.match(/<h\d/g) }).toEqual({ ...context, headings: ['<h1'] });
        expect({ ...context, tags: html.match(/<(b|strong|em|code|script|img|li|blockquote|hr)[\s>]/g) }).toEqual({ ...context, tags: null });
        expect(visibleText(html)).toContain(value.replace(/\s+/g, ' '));
      }
    }
  });

  it('put values into the plain-text subject as written, but never a link', async () => {
    const template = await saved();
    const literal = dataOf(await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ appointmentType: '<b>#1</b> **check**\nup' }) }));
    expect(literal.previewTemplate.subject).toBe('Your <b>#1</b> **check** up appointment');
    for (const appointmentType of ['https://evil.example/x', 'see www.evil.example']) {
      const result = await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values({ appointmentType }) });
      expect({ appointmentType, code: codeOf(result) }).toEqual({ appointmentType, code: 'UNSUPPORTED_CONTENT' });
    }
  });

  it('cannot be sent, previewed or edited once archived', async () => {
    const template = await saved();
    expect(dataOf(await running.server.graphql(ARCHIVE, { id: template.id })).archiveMessageTemplate).toEqual({ id: template.id, archived: true });
    expect(codeOf(await running.server.graphql(SEND, { input: { templateId: template.id, recipients: [{ nhsNumber: JANE, personalisation: values() }] } }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values() }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await running.server.graphql(SAVE, { id: template.id, input: templateInput({ name: 'Again' }) }))).toBe('BAD_USER_INPUT');
    expect(await messageCount(running.hub)).toBe(0);
  });

  it('can be edited after messages were sent from them; sent messages keep the text they were sent with', async () => {
    const template = await saved();
    const first = dataOf(await running.server.graphql(SEND, { input: { templateId: template.id, recipients: [{ nhsNumber: JANE, personalisation: values(), idempotencyKey: 'visit-1' }] } })).sendFromTemplate;
    const sentBody = first.results[0].message.body;
    const edited = await saved({ body: 'Hello ((givenName)), your ((appointmentType)) is confirmed. Thank you.', subject: 'Appointment confirmed' }, template.id);
    expect(edited).toMatchObject({ id: template.id, placeholders: ['givenName', 'appointmentType'], subject: 'Appointment confirmed' });
    const [message] = await running.hub.db.dataSource.getRepository(Message).find();
    expect(message.body).toBe(sentBody);
    expect(message.subject).toBe('Your asthma review appointment');
    // The same idempotency key with the same request replays the first message.
    const replay = dataOf(await running.server.graphql(SEND, { input: { templateId: template.id, recipients: [{ nhsNumber: JANE, personalisation: values(), idempotencyKey: 'visit-1' }] } })).sendFromTemplate;
    expect(replay.results[0].error.code).toBe('DUPLICATE_REQUEST');
    const preview = dataOf(await running.server.graphql(PREVIEW, { templateId: template.id, nhsNumber: JANE, personalisation: values() })).previewTemplate;
    expect(preview.body).toBe('Hello Jane, your asthma review is confirmed. Thank you.');
  });

  it('send to 1,000 recipients in one request, with per-recipient errors', async () => {
    const template = await saved();
    const patients: string[] = [];
    for (let stem = 999_200_000; patients.length < 334; stem += 1) {
      const number = withCheckDigit(String(stem));
      if (number) patients.push(number);
    }
    for (const nhsNumber of patients) await givenPatient(running.hub, { nhsNumber, givenName: 'Alex', familyName: 'Taylor' });
    let valid = 0;
    const expected: Array<string | null> = [];
    const recipients = Array.from({ length: 1000 }, (_, i) => {
      if (i % 10 === 9) {
        expected.push('PERSONALISATION_MISSING');
        return { nhsNumber: patients[0], personalisation: values({ ref: undefined }) };
      }
      if (i % 100 === 42) {
        expected.push('PERSONAL_DATA_IN_URL');
        return { nhsNumber: patients[1], personalisation: values({ ref: patients[1] }) };
      }
      if (i % 100 === 55) {
        expected.push('PATIENT_NOT_FOUND');
        return { nhsNumber: NOBODY, personalisation: values() };
      }
      expected.push(null);
      // At most three each: within the daily limit per patient.
      return { nhsNumber: patients[valid++ % patients.length], personalisation: values({ ref: `R${i}` }) };
    });
    const payload = dataOf(await running.server.graphql(SEND, { input: { templateId: template.id, recipients } })).sendFromTemplate;
    expect(payload.results).toHaveLength(1000);
    expect(payload.results.map((r: any) => r.index)).toEqual(recipients.map((_, i) => i));
    expect(payload.results.map((r: any) => r.error?.code ?? null)).toEqual(expected);
    expect(payload).toMatchObject({ accepted: 880, rejected: 120 });
    payload.results.forEach((r: any, i: number) => {
      if (r.error === null) expect(r.message.body).toContain(`ref=R${i})`);
    });
    const stored = await running.hub.db.dataSource.getRepository(Message).find();
    expect(stored).toHaveLength(880);
    expect(new Set(stored.map((m) => m.templateId))).toEqual(new Set([template.id]));

    const tooMany = await running.server.graphql(SEND, { input: { templateId: template.id, recipients: Array.from({ length: 1001 }, () => ({ nhsNumber: JANE, personalisation: values() })) } });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(await messageCount(running.hub)).toBe(880);
  }, 300_000);
});
