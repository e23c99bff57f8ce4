/**
 * Flesch–Kincaid grade level of a message, measured on the text a patient actually reads:
 * the plain-text form of the body with URLs removed (a long URL is not a hard word).
 * Syllables are estimated with an English spelling heuristic, which is close enough to
 * tell a plain message from a dense one; it is not a dictionary count.
 */
import { toPlainText } from './messageMarkup';

export interface Readability {
  readingGrade: number;
  wordCount: number;
}

// Anchored at the start of a word, so a long unbroken string is scanned once, not once per character.
const URL_OR_ADDRESS = /(?<![A-Za-z0-9+.-])(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|www\.)\S+|(?<!\S)[^\s@]+@[^\s@]+\.\S+/g;
const LIST_MARKER = /^(?:- |\d+\. )/gm;
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const SENTENCE_END = /[.!?]+["'’”)]*(?=\s|$)/;
/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATION_STOPS = /\b(?:dr|mr|mrs|ms|prof|st|approx|dept|tel)\.|\be\.g\.|\bi\.e\./gi;

function readableText(text: string): string {
  return toPlainText(text).replace(URL_OR_ADDRESS, ' ').replace(LIST_MARKER, '');
}

function wordsIn(text: string): string[] {
  return text.match(WORD) ?? [];
}

function countSentences(text: string): number {
  const withoutAbbreviationStops = text.replace(ABBREVIATION_STOPS, (abbreviation) => abbreviation.replace(/\./g, ''));
  return withoutAbbreviationStops
    .split('\n')
    .flatMap((line) => line.split(SENTENCE_END))
    .filter((piece) => wordsIn(piece).length > 0).length;
}

function syllablesInPart(part: string): number {
  const letters = part.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
  if (letters.length === 0) return 1;
  if (letters.length <= 3) return 1;
  let syllables = (letters.match(/[aeiouy]+/g) ?? []).length;
  const endsInConsonantLe = /[^aeiouy]les?$/.test(letters);
  const silentE = /[^aeiouy]e$/.test(letters);
  const silentEs = /[^aeiouyszxcg]es$/.test(letters) && !/[cs]hes$/.test(letters);
  const silentEd = /[^aeiouytd]ed$/.test(letters);
  if (!endsInConsonantLe && (silentE || silentEs || silentEd)) syllables -= 1;
  return Math.max(1, syllables);
}

/** Estimated syllables in one word; hyphenated words count each part. */
export function countSyllables(word: string): number {
  return word
    .split(/['’-]/)
    .filter((part) => part.length > 0)
    .reduce((total, part) => total + syllablesInPart(part), 0);
}

function roundToOneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Flesch–Kincaid grade (rounded to 1 decimal, never below 0) and word count of a message body. */
export function readability(text: string): Readability {
  const readable = readableText(text);
  const words = wordsIn(readable);
  if (words.length === 0) return { readingGrade: 0, wordCount: 0 };
  const sentences = Math.max(1, countSentences(readable));
  const syllables = words.reduce((total, word) => total + countSyllables(word), 0);
  const grade = 0.39 * (words.length / sentences) + 11.8 * (syllables / words.length) - 15.59;
  return { readingGrade: Math.max(0, roundToOneDecimal(grade)), wordCount: words.length };
}
