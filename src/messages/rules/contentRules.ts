/**
 * The NHS sender rules on message content, checked before a message is accepted.
 *
 * Links are the sensitive part: a URL is logged by browsers, proxies and analytics, so it must
 * never carry anything that identifies a patient. Personal data in the body text is allowed.
 * Links are taken from a Markdown parse and normalised (linkNormalisation.ts); anything shaped
 * like anyone's NHS number, full date, postcode, phone number or email is refused without
 * looking at the patient, and the patient's own record (names, contact details) is consulted
 * last, so that no refusal can tell a sender something about a patient it may not read.
 *
 * Messages that may land in the NHS App must not ask for an SMS keyword reply ("reply YES"),
 * because the App cannot send one.
 */
import { HubError } from '../../shared/errors';
import { isValidNhsNumber } from '../../patients/nhsNumber';
import { remove } from 'confusables';
import { extractLinks, findUnsupportedMarkup } from './messageMarkup';
import { normaliseLink } from './linkNormalisation';

export interface PatientIdentifiers {
  nhsNumber: string;
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  mobileNumber?: string | null;
  email?: string | null;
  postalAddress?: string | null;
}

export interface ContentToCheck {
  subject?: string | null;
  body: string;
  mayGoToApp: boolean;
  patient: PatientIdentifiers;
}

export const NHS_APP_BODY_LIMIT = 5000;

// ---------------------------------------------------------------------------
// Checking a message
// ---------------------------------------------------------------------------

export interface ContentWithoutPatient {
  subject?: string | null;
  body: string;
  mayGoToApp: boolean;
}

/**
 * The rules that need no patient data, checked before the patient's record is looked at, so that
 * their answer can never depend on it. Throws a HubError for the first rule the content breaks.
 */
export function checkContentWithoutPatient(content: ContentWithoutPatient): void {
  const { body } = content;
  if (!body || body.trim() === '') {
    throw new HubError('BAD_USER_INPUT', 'Message body must not be blank.');
  }
  checkBodyLength(body);
  checkMarkup(body);
  const urls = linksOf(content);
  checkLinksUseHttps(urls);
  for (const url of urls) refuseIfFound(findPersonalDataShapeInUrl(url));
  if (content.mayGoToApp) checkNoKeywordReplyRequest(content.subject, body);
}

/**
 * The check against the patient's own record (names and contact details in links). It runs last,
 * after every other rule and limit, so a request it lets through is a real message to the patient.
 */
export function checkLinksAgainstPatient(content: ContentWithoutPatient, patient: PatientIdentifiers): void {
  for (const url of linksOf(content)) refuseIfFound(findPatientDataInUrl(url, patient));
}

/** Both checks in order: throws a HubError for the first rule the content breaks. */
export function checkContent(content: ContentToCheck): void {
  checkContentWithoutPatient(content);
  checkLinksAgainstPatient(content, content.patient);
}

function linksOf(content: ContentWithoutPatient): string[] {
  return [content.subject ?? '', content.body].flatMap((text) => extractLinks(text)).map((link) => link.url);
}

function checkBodyLength(body: string): void {
  const length = Array.from(body).length;
  if (length > NHS_APP_BODY_LIMIT) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Message body is ${length} characters; the NHS App accepts at most ${NHS_APP_BODY_LIMIT}.`,
      { length, limit: NHS_APP_BODY_LIMIT },
    );
  }
}

function checkMarkup(body: string): void {
  const found = findUnsupportedMarkup(body);
  if (found.length > 0) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Message body uses formatting the NHS App cannot show: ${found.join(', ')}.`,
      { unsupportedMarkup: found },
    );
  }
}

function isHttpsUrl(url: string): boolean {
  return /^https:\/\/[^\s/?#]+/i.test(url);
}

function checkLinksUseHttps(urls: string[]): void {
  const insecure = urls.find((url) => !isHttpsUrl(url));
  if (insecure !== undefined) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Every link must be a full https:// address; "${insecure}" is not.`,
      { url: insecure },
    );
  }
}

function refuseIfFound(kind: string | null): void {
  if (kind === null) return;
  // The URL itself is left out of the error: it holds the personal data.
  throw new HubError(
    'PERSONAL_DATA_IN_URL',
    `A link contains personal data (${kind}). Links must not include anything that identifies a patient.`,
    { kind },
  );
}

function checkNoKeywordReplyRequest(subject: string | null | undefined, body: string): void {
  const phrase = findKeywordReplyRequest(subject ?? '') ?? findKeywordReplyRequest(body);
  if (phrase !== null) {
    throw new HubError(
      'UNSUPPORTED_CONTENT',
      `Patients cannot reply to NHS App messages by text keyword, so remove "${phrase}".`,
      { phrase },
    );
  }
}

// ---------------------------------------------------------------------------
// Personal data in URLs
// ---------------------------------------------------------------------------

interface UrlViews {
  /** Normalised, scheme dropped, every run of separators written as one "-". */
  text: string;
  /** Digit runs joined across any separators, and across query parameters: "?a=900&b=000&c=1005". */
  digitViews: string[];
  /** `text` under Unicode's confusable skeletons, for names written with lookalike letters. */
  skeleton: string;
}

const SEPARATORS = /[^\p{L}\d@.%+_]+/gu;

function joinedDigits(text: string): string {
  return text.replace(/(\d)[^\p{L}\d]+(?=\d)/gu, '$1');
}

function viewsOf(url: string): UrlViews {
  const normalised = normaliseLink(url).replace(/^[a-z][a-z0-9+.-]*:(?:\/\/)?/, '');
  const text = normalised.replace(/[^\p{L}\d@]+/gu, '-');
  const queryValues = normalised.replace(/[?&;#][^=&;?#]*=/g, '-');
  return {
    text,
    digitViews: [...new Set([joinedDigits(normalised), joinedDigits(queryValues)])],
    skeleton: normaliseLink(remove(text)).replace(SEPARATORS, '-'),
  };
}

function digitsOnly(text: string): string {
  return text.replace(/\D/g, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Any 10-digit run, written with any separators, that passes the Modulus 11 check. */
function containsAnyNhsNumber(views: UrlViews): boolean {
  return views.digitViews.some((view) => [...view.matchAll(/(?<!\d)\d{10}(?!\d)/g)].some((m) => isValidNhsNumber(m[0])));
}

/** A UK phone number, mobile or landline, national or international, with any separators. */
const UK_PHONE = /(?<!\d)(?:(?:00)?440?|0)[1-9]\d{8,9}(?!\d)/;

function containsAnyPhone(views: UrlViews): boolean {
  return views.digitViews.some((view) => UK_PHONE.test(view));
}

const EMAIL_ADDRESS = /[\p{L}\d._%+-]+@[\p{L}\d-]+(?:\.[\p{L}\d-]+)+/u;

function containsAnyEmail(url: string): boolean {
  return EMAIL_ADDRESS.test(normaliseLink(url));
}

const UK_POSTCODE =
  /(?<![a-z0-9])(?:gir-?0aa|[a-pr-uwyz][a-hk-y]?\d[a-z\d]?-?\d[abd-hjlnp-uw-z]{2})(?![a-z0-9])/;

function containsAnyPostcode(views: UrlViews): boolean {
  return UK_POSTCODE.test(views.text);
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const MONTH_NAMES = [
  'jan(?:uary)?', 'feb(?:ruary)?', 'mar(?:ch)?', 'apr(?:il)?', 'may', 'june?', 'july?',
  'aug(?:ust)?', 'sept?(?:ember)?', 'oct(?:ober)?', 'nov(?:ember)?', 'dec(?:ember)?',
];
const MONTH = `(${MONTH_NAMES.join('|')})`;
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const YEAR = '(\\d{4}|\\d{2})';
const NAMED_DATES = [
  new RegExp(`(?<!\\d)${DAY}-?(?:of-)?${MONTH}-?,?${YEAR}(?!\\d)`),
  new RegExp(`(?<![a-z])${MONTH}-?${DAY}-?,?${YEAR}(?!\\d)`),
];

function fullYear(year: string): number {
  return year.length === 2 ? 1900 + Number(year) : Number(year);
}

function monthNumber(name: string): number {
  return MONTH_NAMES.findIndex((pattern) => new RegExp(`^${pattern}$`).test(name)) + 1;
}

/** Day-month-year, year-month-day or month-day-year, separated or not, with a month name, or year and day of the year. */
function containsAnyFullDate(views: UrlViews): boolean {
  const text = views.text;
  for (const m of text.matchAll(/(?<!\d)(\d{1,4})-(\d{1,2})-(\d{1,4})(?!\d)/g)) {
    const [a, b, c] = [m[1], m[2], m[3]];
    if (a.length <= 2 && (c.length === 2 || c.length === 4) && (isRealDate(fullYear(c), +b, +a) || isRealDate(fullYear(c), +a, +b))) return true;
    if (a.length === 4 && c.length <= 2 && isRealDate(+a, +b, +c)) return true;
  }
  for (const m of text.matchAll(/(?<!\d)(\d{8}|\d{6})(?!\d)/g)) {
    const d = m[1];
    if (d.length === 8 && (isRealDate(+d.slice(4), +d.slice(2, 4), +d.slice(0, 2)) || isRealDate(+d.slice(0, 4), +d.slice(4, 6), +d.slice(6)) || isRealDate(+d.slice(4), +d.slice(0, 2), +d.slice(2, 4)))) return true;
    if (d.length === 6 && (isRealDate(fullYear(d.slice(4)), +d.slice(2, 4), +d.slice(0, 2)) || isRealDate(fullYear(d.slice(0, 2)), +d.slice(2, 4), +d.slice(4)))) return true;
  }
  for (const m of text.matchAll(/(?<!\d)(1[89]\d\d|2[01]\d\d)-?(\d{3})(?!\d)/g)) {
    if (+m[2] >= 1 && +m[2] <= 366) return true;
  }
  const [dayFirst, monthFirst] = NAMED_DATES;
  for (const m of text.matchAll(new RegExp(dayFirst, 'g'))) {
    if (isRealDate(fullYear(m[3]), monthNumber(m[2]), +m[1])) return true;
  }
  for (const m of text.matchAll(new RegExp(monthFirst, 'g'))) {
    if (isRealDate(fullYear(m[3]), monthNumber(m[1]), +m[2])) return true;
  }
  return false;
}

type ShapeCheck = [kind: string, isIn: (views: UrlViews, url: string) => boolean];

/** Most specific first: an email address often contains digits too. */
const PERSONAL_DATA_SHAPES: ShapeCheck[] = [
  ['email address', (_views, url) => containsAnyEmail(url)],
  ['NHS number', containsAnyNhsNumber],
  ['phone number', containsAnyPhone],
  ['date', containsAnyFullDate],
  ['postcode', containsAnyPostcode],
];

/**
 * Anything in the link shaped like anyone's NHS number, full date, UK postcode, phone number or
 * email address ('NHS number', 'date', 'postcode', 'phone number', 'email address'), or null.
 * Needs no patient: it refuses the same for everyone.
 */
export function findPersonalDataShapeInUrl(url: string): string | null {
  const views = viewsOf(url);
  for (const [kind, isIn] of PERSONAL_DATA_SHAPES) if (isIn(views, url)) return kind;
  return null;
}

function nameParts(name: string): string[] {
  return normaliseLink(remove(name ?? ''))
    .split(/[^\p{L}]+/u)
    .filter((part) => part.length >= 2);
}

/** A name (or one of its parts) as a whole word: not inside a longer word. */
function wholeWordPattern(parts: string[]): RegExp {
  const body = parts.map(escapeRegExp).join('[^\\p{L}\\d]*');
  return new RegExp(`(?<!\\p{L})${body}(?!\\p{L})`, 'u');
}

function containsPatientName(views: UrlViews, patient: PatientIdentifiers): boolean {
  const given = nameParts(patient.givenName);
  const family = nameParts(patient.familyName);
  const patterns = [...given, ...family].map((part) => wholeWordPattern([part]));
  if (given.length > 0 && family.length > 0) {
    patterns.push(wholeWordPattern([...given, ...family]), wholeWordPattern([...family, ...given]));
    patterns.push(wholeWordPattern([given[0][0], ...family]), wholeWordPattern([...family, given[0][0]]));
  }
  return patterns.some((pattern) => pattern.test(views.skeleton) || pattern.test(views.text));
}

/** The subscriber number without country code or trunk zero, so 07…, +447… and 00447… all match. */
function significantPhoneDigits(phone: string): string {
  const digits = digitsOnly(phone).replace(/^00/, '');
  if (digits.startsWith('44')) return digits.slice(2).replace(/^0/, '');
  return digits.replace(/^0/, '');
}

function patientContactDetailsIn(views: UrlViews, patient: PatientIdentifiers, url: string): string | null {
  const nhsNumber = digitsOnly(patient.nhsNumber ?? '');
  if (nhsNumber.length === 10 && views.digitViews.some((view) => view.includes(nhsNumber))) return 'NHS number';
  const email = normaliseLink(patient.email ?? '').trim();
  if (email !== '' && normaliseLink(url).includes(email)) return 'email address';
  const phone = significantPhoneDigits(patient.mobileNumber ?? '');
  if (phone.length >= 7 && views.digitViews.some((view) => view.includes(phone))) return 'phone number';
  const dateOfBirth = /^(\d{4})-(\d{2})-(\d{2})$/.exec(patient.dateOfBirth ?? '');
  const compactDates = dateOfBirth && new RegExp(`(?<!\\d)(?:${dateOfBirth[3]}${dateOfBirth[2]}${dateOfBirth[1]}|${dateOfBirth[1]}${dateOfBirth[2]}${dateOfBirth[3]})(?!\\d)`);
  if (compactDates && views.digitViews.some((view) => compactDates.test(view))) return 'date of birth';
  const postcode = /([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})[\s.,]*$/i.exec((patient.postalAddress ?? '').trim());
  if (postcode && new RegExp(`(?<![a-z0-9])${postcode[1].toLowerCase()}-?${postcode[2].toLowerCase()}(?![a-z0-9])`).test(views.text)) return 'postcode';
  return null;
}

/**
 * What of this patient's own record the link carries ('name' or 'contact details'), or null.
 * Consults the record, so it is only ever asked after every rule that does not.
 */
export function findPatientDataInUrl(url: string, patient: PatientIdentifiers): string | null {
  const views = viewsOf(url);
  return patientContactDetailsIn(views, patient, url) ?? (containsPatientName(views, patient) ? 'name' : null);
}

/** The first kind of personal data the URL carries, shapes first and the patient's record last, or null. */
export function findPersonalDataInUrl(url: string, patient: PatientIdentifiers): string | null {
  return findPersonalDataShapeInUrl(url) ?? findPatientDataInUrl(url, patient);
}

// ---------------------------------------------------------------------------
// SMS keyword replies
// ---------------------------------------------------------------------------

/** Words a patient is commonly told to text back. */
const REPLY_KEYWORDS = new Set([
  'yes', 'no', 'y', 'n', 'stop', 'cancel', 'confirm', 'ok', 'okay', 'start', 'help', 'unsubscribe',
  'accept', 'decline', 'agree', 'end', 'optout',
]);
/** Capitalised words that are names, not keywords: "reply NHS App" is not a keyword request. */
const NOT_KEYWORDS = new Set(['NHS', 'GP', 'SMS', 'APP', 'I']);
/** Words that turn "no" into ordinary prose: "reply no later than Friday". */
const NO_AS_PROSE = /^[^\S\r\n]+(?:later|more|longer|need|one|sooner)\b/i;

const REPLY_VERB = /\b(reply|respond|text|txt|send|sms)\b/gi;
const QUOTED_WORD = /^[^\S\r\n]*:?[^\S\r\n]*(?:back[^\S\r\n]+|us[^\S\r\n]+)?(?:with[^\S\r\n]+)?['"‘’“”][\p{L}\d]+['"‘’“”]/iu;
const NEXT_WORD = /^[^\S\r\n]*:?[^\S\r\n]*(?:back[^\S\r\n]+|us[^\S\r\n]+)?(?:with[^\S\r\n]+)?([\p{L}\d]+)/iu;
const WITH_YOUR = /^[^\S\r\n]*(?:back[^\S\r\n]+)?with[^\S\r\n]+(?:your|the|a|an)[^\S\r\n]+(?!nhs[^\S\r\n]+app\b)\p{L}+(?:[^\S\r\n]+(?:of[^\S\r\n]+)?\p{L}+)?/iu;
/** After "reply 1": "to confirm", "for yes", "or 2", or the end of the clause. */
const CHOICE_NUMBER_FOLLOWER = /^(?:[^\S\r\n]+(?:to|for|if|or)\b|[^\S\r\n]*(?:[.,;:!)\r\n]|$))/i;
const TO_DESTINATION = /^[^\S\r\n]+to(?![\p{L}\d])(?:[^\S\r\n]+[\p{L}\d]+)?/iu;

function isKeyword(word: string, after: string): boolean {
  const lower = word.toLowerCase();
  if (lower === 'no' && NO_AS_PROSE.test(after)) return false;
  return REPLY_KEYWORDS.has(lower);
}

/**
 * A word in capitals after a lower-case verb ("reply A", "text JOIN to 60060") reads as a keyword.
 * When the verb is in capitals too ("DO NOT REPLY TO THIS"), capitals say nothing.
 */
function isCapitalisedKeyword(word: string, verb: string): boolean {
  const verbInCapitals = verb === verb.toUpperCase();
  return !verbInCapitals && /^[\p{Lu}\d]+$/u.test(word) && /\p{L}/u.test(word) && !NOT_KEYWORDS.has(word);
}

function isReplyVerb(verb: string): boolean {
  return /^(reply|respond)$/i.test(verb);
}

/** The keyword request that starts at a verb, or null when the verb is used in ordinary prose. */
function keywordRequestAfter(verb: string, after: string): string | null {
  const quoted = QUOTED_WORD.exec(after);
  if (quoted) return verb + quoted[0];

  if (isReplyVerb(verb)) {
    const withYour = WITH_YOUR.exec(after);
    if (withYour) return verb + withYour[0];
  }

  const next = NEXT_WORD.exec(after);
  if (!next) return null;
  const word = next[1];
  const rest = after.slice(next[0].length);
  const destination = TO_DESTINATION.exec(rest);
  const phrase = verb + next[0] + (destination ? destination[0] : '');

  if (isReplyVerb(verb)) {
    const isChoiceNumber = /^\d{1,2}$/.test(word) && CHOICE_NUMBER_FOLLOWER.test(rest);
    return isChoiceNumber || isKeyword(word, rest) || isCapitalisedKeyword(word, verb) ? phrase : null;
  }
  // "text" and "send" are also ordinary words ("send a letter", "a text message"), so the keyword
  // must be a known one in capitals ("text STOP"), or be followed by where to send it ("text stop to 60060").
  const knownInCapitals = word === word.toUpperCase() && REPLY_KEYWORDS.has(word.toLowerCase());
  const sentSomewhere =
    destination !== null && (isCapitalisedKeyword(word, verb) || (isKeyword(word, rest) && word.toLowerCase() !== 'help'));
  return knownInCapitals || sentSomewhere ? phrase : null;
}

/**
 * The phrase asking the patient to reply by SMS keyword ("reply YES", "text STOP to 60060",
 * "reply with your date of birth"), or null. Ordinary mentions of replying ("you cannot reply to
 * this message", "reply in the NHS App") are not requests for a keyword.
 */
export function findKeywordReplyRequest(text: string): string | null {
  for (const match of text.matchAll(REPLY_VERB)) {
    const after = text.slice((match.index ?? 0) + match[0].length);
    const phrase = keywordRequestAfter(match[0], after);
    if (phrase !== null) return phrase.trim();
  }
  return null;
}
