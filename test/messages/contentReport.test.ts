import {
  buildContentReport,
  READING_GRADE_WARNING_THRESHOLD,
  smsFallbackText,
} from '../../src/messages/rules/contentReport';
import { readability } from '../../src/messages/rules/readability';

const PLAIN_BODY = 'Your flu vaccine is ready. Please book a time that suits you.\n\nThank you.';
const HARD_BODY =
  'Notwithstanding considerable organisational complexities, comprehensive immunisation administration ' +
  'necessitates interdisciplinary coordination between pharmaceutical manufacturers and community practitioners.';

describe('buildContentReport', () => {
  it('reports readability and no warnings for a short plain message', () => {
    const report = buildContentReport('Flu vaccine', PLAIN_BODY);
    expect(report).toEqual({
      ...readability(PLAIN_BODY),
      smsFragments: 1,
      warnings: [],
    });
    expect(report.wordCount).toBe(14);
  });

  it('warns when the reading grade is above 9, quoting the grade', () => {
    const report = buildContentReport(null, HARD_BODY);
    expect(READING_GRADE_WARNING_THRESHOLD).toBe(9);
    expect(report.readingGrade).toBeGreaterThan(9);
    expect(report.warnings).toContain(
      `Reading grade ${report.readingGrade.toFixed(1)} is above 9: use shorter sentences and simpler words`,
    );
  });

  it('does not warn about reading grade at or below 9', () => {
    const report = buildContentReport(null, PLAIN_BODY);
    expect(report.readingGrade).toBeLessThanOrEqual(9);
    expect(report.warnings.some((warning) => warning.startsWith('Reading grade'))).toBe(false);
  });

  describe('SMS fragments', () => {
    it('counts the subject, a blank line and the plain-text body', () => {
      const body = 'a'.repeat(150);
      expect(buildContentReport(null, body).smsFragments).toBe(1);
      // "Subject" (7) + "\n\n" (2) + 150 = 159 → still 1
      expect(buildContentReport('Subject', body).smsFragments).toBe(1);
      // "Subjects" (8) + 2 + 150 = 160 → 1; one more character → 2
      expect(buildContentReport('Subjects', body).smsFragments).toBe(1);
      expect(buildContentReport('Subjects!', body).smsFragments).toBe(2);
    });

    it('counts the plain text, not the markdown', () => {
      const body = `# ${'a'.repeat(80)}\n\n**${'b'.repeat(78)}**`;
      // Plain text: 80 + 2 + 78 = 160 characters, one SMS; the markdown source is longer.
      expect(buildContentReport(null, body).smsFragments).toBe(1);
    });

    it('ignores a blank subject', () => {
      expect(smsFallbackText('   ', 'Hello')).toBe('Hello');
      expect(smsFallbackText(undefined, 'Hello')).toBe('Hello');
      expect(smsFallbackText(' Results ', '**Hello**')).toBe('Results\n\nHello');
    });
  });

  it.each([
    'Book your vaccine here:\n\nhttps://example.nhs.uk/book\n\n',
    'Book your vaccine.\n\nYou can [book online](https://example.nhs.uk/book) now.',
  ])('warns when the last line contains a link: %p', (body) => {
    expect(buildContentReport(null, body).warnings).toEqual([
      'The last line of the message contains a link: add a closing sentence on a line after it',
    ]);
  });

  it('does not warn when a link is followed by a closing line', () => {
    const report = buildContentReport(null, 'Book at https://example.nhs.uk/book\n\nThank you.');
    expect(report.warnings).toEqual([]);
  });

  it('warns when the SMS version is over 918 characters', () => {
    const sentences = Array.from({ length: 40 }, () => 'Please come in.').join(' ');
    const body = `${sentences}\n\n${sentences}`;
    const report = buildContentReport('Your visit', body);
    const smsLength = 'Your visit'.length + 2 + body.length;
    expect(smsLength).toBeGreaterThan(918);
    expect(report.smsFragments).toBe(Math.ceil(smsLength / 153));
    expect(report.warnings).toEqual([
      `The SMS version is ${smsLength} characters, over the 918-character SMS limit: ` +
        'shorten the message, or it will be cut short or must go by another channel',
    ]);
  });

  it('does not warn at exactly 918 SMS characters', () => {
    const body = `${'a'.repeat(400)}\n\n${'b'.repeat(516)}`;
    expect(body.length).toBe(918);
    expect(buildContentReport(null, body).warnings).toEqual([]);
  });

  it('warns about a long body with no paragraphs or headings', () => {
    const body = Array.from({ length: 80 }, () => 'Come in.').join(' ');
    expect(body.length).toBeGreaterThan(600);
    expect(buildContentReport(null, body).warnings).toEqual([
      'The message is over 600 characters with no paragraphs or headings: break it up with blank lines between paragraphs',
    ]);
  });

  it('accepts a long body split into paragraphs or under a heading', () => {
    const sentences = Array.from({ length: 80 }, () => 'Come in.').join(' ');
    expect(buildContentReport(null, `${sentences}\n\nSee you soon.`).warnings).toEqual([]);
    expect(buildContentReport(null, `## Your visit\n${sentences}`).warnings).toEqual([]);
  });

  it.each(['click here', 'Click here', 'here', '**here**', 'Click here!'])(
    'warns about the link text %p',
    (text) => {
      const report = buildContentReport(null, `To book, [${text}](https://example.nhs.uk/book).\nThank you.`);
      expect(report.warnings).toEqual([
        `Link text "${text}" does not say where the link goes: describe the page, for example "book your flu vaccine"`,
      ]);
    },
  );

  it('does not warn about descriptive link text', () => {
    const report = buildContentReport(null, 'You can [book your flu vaccine here](https://example.nhs.uk/book).\nThank you.');
    expect(report.warnings).toEqual([]);
  });

  it('collects several warnings at once', () => {
    const report = buildContentReport(null, `${HARD_BODY}\n\n[Click here](https://example.nhs.uk/info)`);
    expect(report.warnings).toHaveLength(3);
    expect(report.warnings[0]).toMatch(/^Reading grade/);
    expect(report.warnings[1]).toMatch(/^The last line of the message contains a link/);
    expect(report.warnings[2]).toMatch(/^Link text "Click here"/);
  });

  it('does not throw on empty or malformed content', () => {
    expect(buildContentReport(undefined, '')).toEqual({ readingGrade: 0, wordCount: 0, smsFragments: 0, warnings: [] });
    expect(() => buildContentReport(null, '<b>[broken](<>)```\n|---|\n\u0000')).not.toThrow();
    expect(() => buildContentReport(null, undefined as unknown as string)).not.toThrow();
  });
});
