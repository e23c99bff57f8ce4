import { countSyllables, readability } from '../../src/messages/rules/readability';

describe('readability', () => {
  it('gives a very low grade to a short plain sentence', () => {
    const result = readability('The cat sat on the mat.');
    expect(result.wordCount).toBe(6);
    expect(result.readingGrade).toBeLessThan(2);
  });

  it('never goes below 0', () => {
    expect(readability('Hi. Go. Now.').readingGrade).toBe(0);
  });

  it('gives a high grade to a long polysyllabic sentence', () => {
    const text =
      'Notwithstanding considerable organisational complexities, comprehensive immunisation administration ' +
      'necessitates interdisciplinary coordination between pharmaceutical manufacturers and community ' +
      'healthcare practitioners responsible for individualised vaccination documentation.';
    const result = readability(text);
    expect(result.wordCount).toBe(22);
    expect(result.readingGrade).toBeGreaterThan(12);
  });

  it('matches the Flesch–Kincaid formula for a known sentence', () => {
    // 8 words, 1 sentence, 13 syllables: your 1, flu 1, vaccine 2, appointment 3, is 1, on 1, Monday 2, morning 2
    const expected = Math.round((0.39 * (8 / 1) + 11.8 * (13 / 8) - 15.59) * 10) / 10;
    expect(readability('Your flu vaccine appointment is on Monday morning.')).toEqual({
      readingGrade: expected,
      wordCount: 8,
    });
  });

  it('counts sentences, so splitting a sentence lowers the grade', () => {
    const oneSentence = readability(
      'Please come to the surgery on Monday and bring your medication and a list of your questions for the nurse.',
    );
    const threeSentences = readability(
      'Please come to the surgery on Monday. Bring your medication. Bring a list of your questions for the nurse.',
    );
    expect(threeSentences.readingGrade).toBeLessThan(oneSentence.readingGrade);
  });

  it('does not end a sentence at a title or e.g.', () => {
    const withTitle = readability('Dr. Patel will see you. Come early.');
    const withoutTitle = readability('Dr Patel will see you. Come early.');
    expect(withTitle).toEqual(withoutTitle);
  });

  it('reads the plain text: markup is not counted and URLs are not words', () => {
    const result = readability(
      '## Your appointment\n\nPlease [book here](https://example.nhs.uk/book?ref=abc123) today. Or go to www.nhs.uk.',
    );
    // Your appointment / Please book here today / Or go to
    expect(result.wordCount).toBe(9);
  });

  it('counts list items as words without their markers', () => {
    expect(readability('- Bring water\n- Bring food\n1. Arrive\n2. Wait').wordCount).toBe(6);
  });

  it('counts contractions and hyphenated words as one word', () => {
    expect(readability("Don't miss your follow-up.").wordCount).toBe(4);
  });

  it('returns grade 0 and no words for empty text', () => {
    expect(readability('')).toEqual({ readingGrade: 0, wordCount: 0 });
    expect(readability('  \n ')).toEqual({ readingGrade: 0, wordCount: 0 });
    expect(readability('https://www.nhs.uk/')).toEqual({ readingGrade: 0, wordCount: 0 });
  });

  it('rounds the grade to one decimal', () => {
    const { readingGrade } = readability('Your flu vaccine appointment is on Monday morning at the surgery.');
    expect(Math.round(readingGrade * 10) / 10).toBe(readingGrade);
  });
});

describe('countSyllables', () => {
  it.each([
    ['cat', 1],
    ['the', 1],
    ['make', 1],
    ['free', 1],
    ['table', 2],
    ['people', 2],
    ['while', 1],
    ['booked', 1],
    ['wanted', 2],
    ['makes', 1],
    ['pages', 2],
    ['vaccine', 2],
    ['appointment', 3],
    ['medication', 4],
    ['follow-up', 3],
    ['rhythm', 1],
    ['2024', 1],
  ])('estimates %p as %p syllables', (word, syllables) => {
    expect(countSyllables(word)).toBe(syllables);
  });
});
