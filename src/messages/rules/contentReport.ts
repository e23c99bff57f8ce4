/**
 * Advice for the practice about a message that is allowed but could be better: hard to read,
 * costly or cut short as an SMS, a wall of text, or links that do not say where they go.
 * Unlike the content rules, nothing here blocks sending, so building the report never throws.
 */
import { blockStructure, extractLinks, toPlainText } from './messageMarkup';
import { readability } from './readability';
import { SMS_MAX_CHARACTERS, smsFragments } from './smsFragments';

export interface ContentReport {
  readingGrade: number;
  wordCount: number;
  smsFragments: number;
  warnings: string[];
}

export const READING_GRADE_WARNING_THRESHOLD = 9;
/** A body longer than this needs paragraphs or headings to be readable on a phone. */
export const UNSTRUCTURED_BODY_WARNING_LENGTH = 600;

const VAGUE_LINK_TEXTS = new Set(['here', 'click here', 'click', 'this link', 'link', 'click this link']);

/** The text sent when the message falls back to SMS: subject, blank line, plain-text body. */
export function smsFallbackText(subject: string | null | undefined, body: string): string {
  const plainBody = toPlainText(body);
  const plainSubject = (subject ?? '').trim();
  return plainSubject === '' ? plainBody : `${plainSubject}\n\n${plainBody}`;
}

function readingGradeWarning(readingGrade: number): string | null {
  if (readingGrade <= READING_GRADE_WARNING_THRESHOLD) return null;
  return (
    `Reading grade ${readingGrade.toFixed(1)} is above ${READING_GRADE_WARNING_THRESHOLD}: ` +
    'use shorter sentences and simpler words'
  );
}

function lastLineLinkWarning(body: string): string | null {
  const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
  const lastLine = lines[lines.length - 1] ?? '';
  if (extractLinks(lastLine).length === 0) return null;
  return 'The last line of the message contains a link: add a closing sentence on a line after it';
}

function smsLengthWarning(smsLength: number): string | null {
  if (smsLength <= SMS_MAX_CHARACTERS) return null;
  return (
    `The SMS version is ${smsLength} characters, over the ${SMS_MAX_CHARACTERS}-character SMS limit: ` +
    'shorten the message, or it will be cut short or must go by another channel'
  );
}

function structureWarning(body: string): string | null {
  const text = body.trim();
  if (text.length <= UNSTRUCTURED_BODY_WARNING_LENGTH) return null;
  // Counted from the same Markdown parse the links come from.
  const structure = blockStructure(text);
  if (structure.blocks > 1 || structure.headings > 0) return null;
  return (
    `The message is over ${UNSTRUCTURED_BODY_WARNING_LENGTH} characters with no paragraphs or headings: ` +
    'break it up with blank lines between paragraphs'
  );
}

function normalisedLinkText(text: string): string {
  return text.toLowerCase().replace(/[*_]/g, '').replace(/[^\p{L}\s]/gu, '').replace(/\s+/g, ' ').trim();
}

function vagueLinkTextWarnings(body: string): string[] {
  const vagueTexts = extractLinks(body)
    .map((link) => link.text)
    .filter((text): text is string => text !== null && VAGUE_LINK_TEXTS.has(normalisedLinkText(text)));
  return [...new Set(vagueTexts.map((text) => text.trim()))].map(
    (text) => `Link text "${text}" does not say where the link goes: describe the page, for example "book your flu vaccine"`,
  );
}

export function buildContentReport(subject: string | null | undefined, body: string): ContentReport {
  const safeBody = typeof body === 'string' ? body : '';
  const safeSubject = typeof subject === 'string' ? subject : null;
  const { readingGrade, wordCount } = readability(safeBody);
  const sms = smsFragments(smsFallbackText(safeSubject, safeBody));
  const warnings = [
    readingGradeWarning(readingGrade),
    lastLineLinkWarning(safeBody),
    smsLengthWarning(sms.length),
    structureWarning(safeBody),
    ...vagueLinkTextWarnings(safeBody),
  ].filter((warning): warning is string => warning !== null);
  return { readingGrade, wordCount, smsFragments: sms.fragments, warnings };
}

/**
 * Builds each distinct subject and body's report once: bulk sends mostly share one text, and
 * the report (a Markdown parse, readability, SMS fragments) is the costliest part of accepting
 * an item. For one batch or request: it keeps every text it is given.
 */
export function contentReportCache(): (subject: string | null | undefined, body: string) => ContentReport {
  const bySubject = new Map<string | null, Map<string, ContentReport>>();
  return (subject, body) => {
    const subjectKey = typeof subject === 'string' ? subject : null;
    let byBody = bySubject.get(subjectKey);
    if (!byBody) {
      byBody = new Map();
      bySubject.set(subjectKey, byBody);
    }
    let report = byBody.get(body);
    if (!report) {
      report = buildContentReport(subject, body);
      byBody.set(body, report);
    }
    return { ...report, warnings: [...report.warnings] };
  };
}
