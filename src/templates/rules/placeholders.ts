/**
 * ((placeholder)) fields in template text, and filling them for one recipient.
 *
 * Values are text, never markup. Where a placeholder sits inside a link's address its value is
 * percent-encoded, so it stays part of that address (and is still checked for personal data);
 * anywhere else Markdown and HTML are neutralised, so a value cannot add a link, a heading, a
 * list, emphasis or an HTML tag. The subject is plain text: values go in as written, but one
 * that would read as a link there is refused. A value is one line: line breaks become spaces.
 */
import { extractLinks } from '../../messages/rules/messageMarkup';
import { HubError } from '../../shared/errors';

const PLACEHOLDER = /\(\(\s*([A-Za-z][A-Za-z0-9_]{0,49})\s*\)\)/g;

/** Filled from the hub's own records, never from personalisation. */
export const RECORD_PLACEHOLDERS = ['givenName', 'familyName', 'organisationName'] as const;

export interface TemplateText {
  subject: string | null;
  body: string;
}

/** Every placeholder name in the subject and body, in order of first use. */
export function placeholdersIn(text: TemplateText): string[] {
  const names = [text.subject ?? '', text.body].flatMap((part) => [...part.matchAll(PLACEHOLDER)].map((match) => match[1]));
  return [...new Set(names)];
}

/** Characters that Markdown gives a meaning; each is shown as itself once backslash-escaped. */
const MARKDOWN_PUNCTUATION = /[\\*_{}[\]()#+\-.!>|~]/g;

/** A value as plain text inside Markdown: nothing in it can open a link, heading, list or tag. */
export function asMarkdownText(value: string): string {
  return oneLine(value)
    .replace(MARKDOWN_PUNCTUATION, (char) => `\\${char}`)
    // As entities: the NHS App shows the character, and no tag or code span can start.
    .replace(/</g, '&lt;')
    .replace(/`/g, '&#96;')
    .replace(/:(?=\/)/g, '\\:');
}

/** A value as part of a link address: percent-encoded, so it cannot end the link or change where it goes. */
export function asUrlPart(value: string): string {
  return encodeURIComponent(oneLine(value));
}

/** A stand-in for the n-th placeholder: letters and digits only, so it never changes how the text parses. */
function slotMarker(index: number): string {
  return `zqtplslot${index}zq`;
}

interface Slot {
  name: string;
  inUrl: boolean;
}

/** Replaces each placeholder with a marker and learns which markers end up inside a link address. */
function slotsOf(text: string): { marked: string; slots: Slot[] } {
  const slots: Slot[] = [];
  const marked = text.replace(PLACEHOLDER, (_, name: string) => slotMarker(slots.push({ name, inUrl: false }) - 1));
  const urls = extractLinks(marked).map((link) => link.url);
  slots.forEach((slot, index) => {
    slot.inUrl = urls.some((url) => url.includes(slotMarker(index)));
  });
  return { marked, slots };
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function fill(text: string, values: ReadonlyMap<string, string>, asText: (value: string) => string): string {
  const { marked, slots } = slotsOf(text);
  return slots.reduce((result, slot, index) => {
    const value = values.get(slot.name) ?? '';
    return result.replace(slotMarker(index), () => (slot.inUrl ? asUrlPart(value) : asText(value)));
  }, marked);
}

/**
 * The subject and body for one recipient. `values` holds every placeholder's value (record
 * placeholders included); a placeholder without one is PERSONALISATION_MISSING.
 */
export function renderTemplate(text: TemplateText, values: ReadonlyMap<string, string>): TemplateText {
  const missing = placeholdersIn(text).filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new HubError('PERSONALISATION_MISSING', `No value for ${missing.map((name) => `((${name}))`).join(', ')}: give it in personalisation`, { missing });
  }
  return { subject: text.subject === null ? null : fillSubject(text.subject, values), body: fill(text.body, values, asMarkdownText) };
}

/** The subject is plain text, so values go in as written; one that would read as a link is refused. */
function fillSubject(subject: string, values: ReadonlyMap<string, string>): string {
  const filled = fill(subject, values, oneLine);
  // Some mail and SMS clients turn any www. address into a link, whatever its top-level domain.
  const webAddresses = (text: string) => text.toLowerCase().split('www.').length - 1;
  const webAddressInValue = webAddresses(filled) > webAddresses(subject);
  if (webAddressInValue || extractLinks(filled).length > extractLinks(slotsOf(subject).marked).length) {
    throw new HubError('UNSUPPORTED_CONTENT', 'A personalisation value would put a link into the subject; the subject is plain text and values cannot add links');
  }
  return filled;
}
